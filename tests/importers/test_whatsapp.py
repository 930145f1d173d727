"""WhatsApp "Export chat" importers: conformance with the shared fixtures, the variants FORMATS.md
names, hostile and broken inputs, the sample generator, and properties that must hold for any text."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nocontact.case import Case, Person, case_from_json
from nocontact.identity import ExMatcher
from nocontact.importers import UnknownFormat, identify
from nocontact.importers._whatsapp_layout import parse_lines
from nocontact.importers.base import ImportContext, SourceError
from nocontact.importers.whatsapp import WhatsAppTxtImporter, WhatsAppZipImporter, chat_title
from nocontact.model import Problem, Record, format_utc
from nocontact.samples import DEMO_CASE
from nocontact.samples.whatsapp import write_sample
from nocontact.sources import FileSource
from tests.support import (
    assert_matches_expected,
    case_from_expected,
    context_for,
    fixture_source,
    load_expected,
    read_source,
)

ANDROID = "WhatsApp Chat with Jordan Blake.txt"
GROUP = "WhatsApp Chat with Saturday Climbing 🧗.txt"
IOS_ZIP = "WhatsApp Chat - Jordan Blake.zip"
NNBSP = "\u202f"
LRM = "\u200e"


# --- conformance ---------------------------------------------------------------------------------


def _read_fixture(rel: str) -> tuple[list[Record], list[Problem], dict[str, Any]]:
    expected = load_expected()
    recs, probs = read_source(fixture_source(rel), context_for(case_from_expected(expected)))
    return recs, probs, expected


@pytest.mark.parametrize(("rel", "importer"), [(ANDROID, "whatsapp_android_txt"),
                                                (GROUP, "whatsapp_android_txt"),
                                                (IOS_ZIP, "whatsapp_ios_zip")])
def test_shared_fixture_matches_every_expected_figure(shared_fixtures: Path, rel: str, importer: str) -> None:
    """Each shared WhatsApp fixture is claimed by the right importer and gives every expected figure."""
    imp, _ = identify(fixture_source(rel))
    assert imp.name == importer == load_expected()["files"][rel]["format"]
    recs, probs, expected = _read_fixture(rel)
    assert probs == []
    assert_matches_expected(rel, recs, expected)


def test_android_fixture_keeps_continuations_pasted_headers_and_exact_bodies(shared_fixtures: Path) -> None:
    """A line starting with a date, a pasted iOS header and a quoted header stay text of their message."""
    recs, _, _ = _read_fixture(ANDROID)
    by_id = {r.source_id: r for r in recs}
    assert by_id["6"].body == ("We need to talk about this weekend.\nYou can't keep doing this.\n"
                               "2/14/25 is still booked btw, I'm not cancelling")
    assert by_id["17"].body == "Remember this?\n[1/3/25, 10:02:11 PM] Sam Rivera: I love you, don't ever forget that"
    edited = by_id["19"].body or ""
    assert edited.startswith('you literally texted "2/3/25, 7:42 PM - Sam Rivera:')
    assert edited.endswith(" <This message was edited>")
    assert dict(by_id["19"].extra)["edited"] == "true"
    assert by_id["15"].body == "This message was deleted" and dict(by_id["15"].extra)["deleted"] == "true"
    assert by_id["4"].attachments[0].included is False
    assert by_id["2"].raw_time == f"12/28/24, 3:14{NNBSP}PM"
    assert dict(by_id["2"].extra)["time_precision"] == "minute"
    assert by_id["2"].time_zone == "America/Los_Angeles"
    assert by_id["2"].time_basis == "case source_timezone"
    assert [r.source_id for r in recs if r.category == "system"] == ["1", "26"]


def test_ios_zip_fixture_bodies_keep_inner_lf_and_drop_the_terminating_cr(shared_fixtures: Path) -> None:
    """iOS messages end in CRLF: the CR is the terminator, inner bare LFs stay, U+200E marks stay."""
    recs, _, _ = _read_fixture(IOS_ZIP)
    by_id = {r.source_id: r for r in recs}
    assert by_id["7"].body == "I don't see the point of anything anymore.\nMaybe I should just end it.\nWould you even care?"
    assert by_id["2"].body == "New number. Don't block this one too."
    assert by_id["6"].body == f"{LRM}image omitted"
    assert by_id["17"].body == f"{LRM}This message was deleted."
    photo = by_id["10"].attachments[0]
    assert photo.name == "00000009-PHOTO-2025-02-24-22-41-06.jpg"
    assert photo.data is not None and photo.data[:2] == b"\xff\xd8" and photo.mime == "image/jpeg"
    notice = by_id["1"]
    assert notice.category == "system" and notice.sender is None
    assert dict(notice.extra)["notice_label"] == "Jordan Blake"


def test_group_fixture_is_a_group_and_sam_is_not_writing_to_jordan(shared_fixtures: Path) -> None:
    """In the climbing group, every record is a group record and Sam's lines are not attributable."""
    recs, _, expected = _read_fixture(GROUP)
    m = ExMatcher(case_from_expected(expected))
    assert all(r.is_group for r in recs)
    sams = [r for r in recs if r.direction == "outgoing"]
    assert sams and not any(m.attribute(r).is_ex for r in sams)
    assert recs[0].conversation == "Saturday Climbing 🧗"


# --- small hand-written variants -----------------------------------------------------------------


def _ctx(user: str = "Sam Rivera", phones: tuple[str, ...] = (), zone: str | None = "America/Los_Angeles",
         order: str | None = None) -> ImportContext:
    return ImportContext(case=Case(user=Person(name=user, phones=phones)),
                         source_timezone=ZoneInfo(zone) if zone else None, date_order=order)


def _read_txt(tmp_path: Path, data: bytes | str, name: str = "chat.txt",
              ctx: ImportContext | None = None) -> list[Record | Problem]:
    p = tmp_path / name
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return list(WhatsAppTxtImporter().read(FileSource(p, tmp_path, name), ctx or _ctx()))


def _records(items: list[Record | Problem]) -> list[Record]:
    return [r for r in items if isinstance(r, Record)]


def test_authored_notices_and_marked_lines_are_system_not_messages(tmp_path: Path) -> None:
    """Localised notices, a whole known notice labelled with a name, and U+200E-marked lines are system."""
    e2e = ("Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, "
           "can read or listen to them.")
    text = (
        "13.06.18, 21:25 - Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt. Niemand außerhalb ...\n"
        f"13.06.18, 21:26 - Ana Ruiz: {e2e}\n"
        f"{LRM}13.06.18, 21:27 - Ana Ruiz: {LRM}Ana Ruiz changed their phone number\n"
        '13.06.18, 21:28 - Ana Ruiz changed the subject from "Trip: June" to "Trip: July"\n'
        "13.06.18, 21:29 - Ana Ruiz: echte Nachricht\n"
    )
    recs = _records(_read_txt(tmp_path, text, ctx=_ctx(zone="Europe/Berlin")))
    assert [r.category for r in recs] == ["system"] * 4 + ["message"]
    assert [dict(r.extra)["notice_basis"] for r in recs[:4]] == [
        "no author", "known notice text", "U+200E mark before the header", "no author"]
    assert recs[-1].body == "echte Nachricht"
    assert recs[3].is_group  # a subject change makes it a group


def test_a_message_that_imitates_a_notice_stays_a_message(tmp_path: Path) -> None:
    """The ex cannot hide a message by typing notice text or a U+200E: only whole notices or line marks count."""
    text = (
        "[21/02/2025, 02:20:31] Jordan Blake: Messages and calls are end-to-end encrypted. I'm outside.\r\n"
        f"[21/02/2025, 02:20:40] Jordan Blake: {LRM}You blocked this contact. Tap to unblock.\r\n"
        "[21/02/2025, 02:20:50] Jordan Blake: You blocked this contact. Tap to unblock. Coward.\r\n"
    )
    recs = _records(_read_txt(tmp_path, text))
    assert [r.category for r in recs] == ["message"] * 3
    assert all(r.direction == "incoming" for r in recs)


def test_missed_call_lines_are_call_records(tmp_path: Path) -> None:
    """An iOS "Missed voice call" line is a call attempt (category call), not text."""
    text = f"[13/06/2018, 21:25:15] Ana Ruiz: hi\r\n{LRM}[13/06/2018, 21:30:00] Ana Ruiz: {LRM}Missed voice call\r\n"
    recs = _records(_read_txt(tmp_path, text, ctx=_ctx(zone="Europe/London")))
    assert [r.category for r in recs] == ["message", "call"]
    assert recs[1].call_type == 3 and recs[1].direction == "incoming"


def test_unsaved_number_author_is_a_phone_identifier(tmp_path: Path) -> None:
    """An author written as a phone number is Identifier("phone", ...); the user's own number is outgoing."""
    text = (f"2/21/25, 1:10{NNBSP}AM - +1 (628) 555\u20110142: New number\n"
            f"2/21/25, 1:11{NNBSP}AM - +1 415 555 0100: stop\n")
    recs = _records(_read_txt(tmp_path, text, ctx=_ctx(user="Sam", phones=("+14155550100",))))
    assert recs[0].sender is not None and recs[0].sender.kind == "phone"
    assert recs[0].sender.value == "+1 (628) 555\u20110142"
    assert recs[0].direction == "incoming" and recs[1].direction == "outgoing"
    assert [p.value for p in recs[1].peers] == ["+1 (628) 555\u20110142"]


def test_chat_title_from_file_name_is_the_peer_of_outgoing_messages(tmp_path: Path) -> None:
    """When only the user wrote, the other party still comes from "WhatsApp Chat with X"."""
    text = f"2/21/25, 1:10{NNBSP}AM - Sam Rivera: please stop\n"
    recs = _records(_read_txt(tmp_path, text, name="WhatsApp Chat with Jordan Blake.txt"))
    assert recs[0].direction == "outgoing"
    assert recs[0].peers[0].value == "Jordan Blake" and recs[0].conversation == "Jordan Blake"
    assert chat_title("WhatsApp Chat - Jordan Blake.zip") == "Jordan Blake"
    assert chat_title("WhatsApp-Chat mit Jordan.txt") == "Jordan"
    assert chat_title("notes.txt") is None


def test_body_keeps_u2028_tabs_trailing_spaces_and_inner_cr_exactly(tmp_path: Path) -> None:
    """Lines split on LF only: U+2028 does not split, nothing is stripped or normalised."""
    body = "a\u2028b\tc  \nsecond line \u00e9\u0301\nthird\r"
    text = f"2/21/25, 1:10{NNBSP}AM - Jordan Blake: {body}\n2/21/25, 1:11{NNBSP}AM - Sam Rivera: ok\n"
    recs = _records(_read_txt(tmp_path, text))
    assert recs[0].body == "a\u2028b\tc  \nsecond line \u00e9\u0301\nthird"
    assert recs[1].source_id == "4"


def test_file_attached_resolves_files_beside_the_txt_and_marks_missing_ones(tmp_path: Path) -> None:
    """`NAME (file attached)` points at the file beside the chat when present, else a placeholder."""
    (tmp_path / "IMG-20250224-WA0001.jpg").write_bytes(b"\xff\xd8\xff")
    text = (f"2/21/25, 1:10{NNBSP}AM - Jordan Blake: IMG-20250224-WA0001.jpg (file attached)\nlook\n"
            f"2/21/25, 1:11{NNBSP}AM - Jordan Blake: IMG-20250224-WA0002.jpg (Datei angehängt)\n")
    recs = _records(_read_txt(tmp_path, text))
    a0, a1 = recs[0].attachments[0], recs[1].attachments[0]
    assert a0.related == "IMG-20250224-WA0001.jpg" and a0.mime == "image/jpeg"
    assert recs[0].body == "IMG-20250224-WA0001.jpg (file attached)\nlook"
    assert a1.included is False and a1.name == "IMG-20250224-WA0002.jpg"


@pytest.mark.parametrize("placeholder", ["<Media omitted>", "<Medien ausgeschlossen>", "<Multimedia omitido>",
                                         "<Médias omis>", "<Mídia oculta>", f"{LRM}image omitted",
                                         f"{LRM}Bild weggelassen", f"{LRM}<attached: 00000042-PHOTO-x.jpg>"])
def test_media_placeholders_in_every_language_are_not_included_attachments(tmp_path: Path, placeholder: str) -> None:
    """Media placeholders give an AttachmentRef(included=False) and keep the body as written."""
    text = f"[21/02/2025, 02:20:31] Jordan Blake: {placeholder}\r\n"
    recs = _records(_read_txt(tmp_path, text))
    assert recs[0].category == "message" and recs[0].body == placeholder
    assert len(recs[0].attachments) == 1 and recs[0].attachments[0].included is False


def _zip(tmp_path: Path, members: dict[str, bytes], name: str = "WhatsApp Chat - Jordan Blake.zip") -> FileSource:
    p = tmp_path / name
    with zipfile.ZipFile(p, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    return FileSource(p, tmp_path, name)


IOS_CHAT = b"[21/02/2025, 02:20:31] Jordan Blake: hi\r\n"


def test_zip_with_a_traversal_member_is_refused_with_a_clear_sentence(tmp_path: Path) -> None:
    """A member named ../x is an attack: the whole archive is refused, nothing is read or written."""
    src = _zip(tmp_path, {"_chat.txt": IOS_CHAT, "../evil.jpg": b"x"})
    with pytest.raises(SourceError) as e:
        list(WhatsAppZipImporter().read(src, _ctx()))
    assert str(e.value) == (
        "WhatsApp Chat - Jordan Blake.zip was not opened: refused: the archive tries to write outside itself "
        "('../evil.jpg'). WhatsApp never writes an archive like this, so it may have been tampered with.")
    assert not (tmp_path.parent / "evil.jpg").exists()


def test_truncated_zip_is_a_source_error(tmp_path: Path) -> None:
    """A zip cut short cannot be opened: SourceError naming the file, not a crash."""
    src = _zip(tmp_path, {"_chat.txt": IOS_CHAT * 50})
    data = src.path.read_bytes()
    src.path.write_bytes(data[: len(data) // 2])
    assert WhatsAppZipImporter().sniff(src, src.head()) is None
    with pytest.raises(SourceError, match="not a readable zip archive"):
        list(WhatsAppZipImporter().read(src, _ctx()))


def test_zip_without_chat_text_is_not_claimed(tmp_path: Path) -> None:
    """A zip of photos is not a WhatsApp export; the importer says so if asked anyway."""
    src = _zip(tmp_path, {"photo.jpg": b"\xff\xd8"}, name="photos.zip")
    assert WhatsAppZipImporter().sniff(src, src.head()) is None
    with pytest.raises(SourceError, match="holds no _chat.txt"):
        list(WhatsAppZipImporter().read(src, _ctx()))


def test_attachment_named_in_chat_but_missing_from_zip_is_a_placeholder(tmp_path: Path) -> None:
    """`<attached: X>` with X absent from the zip: AttachmentRef(included=False)."""
    src = _zip(tmp_path, {"_chat.txt": f"{LRM}[21/02/2025, 02:20:31] Jordan Blake: {LRM}<attached: gone.jpg>\r\n"
                          .encode()})
    recs = _records(list(WhatsAppZipImporter().read(src, _ctx())))
    assert recs[0].attachments[0].included is False and recs[0].attachments[0].name == "gone.jpg"


def test_empty_file_is_refused_with_a_clear_sentence(tmp_path: Path) -> None:
    """0 bytes: no importer claims it, and reading it anyway says it is empty."""
    p = tmp_path / "chat.txt"
    p.write_bytes(b"")
    with pytest.raises(UnknownFormat):
        identify(FileSource(p, tmp_path, "chat.txt"))
    with pytest.raises(SourceError) as e:
        _read_txt(tmp_path, b"")
    assert str(e.value) == "chat.txt is empty (0 bytes): there is no chat in it to import."


def test_wrong_kind_of_file_is_refused_with_a_clear_sentence(tmp_path: Path) -> None:
    """A JSON file is not a chat export: SourceError in plain words."""
    with pytest.raises(SourceError) as e:
        _read_txt(tmp_path, '{"messages": []}\n')
    assert str(e.value) == ("chat.txt is not a WhatsApp chat export: no line starts with a date and time "
                            "the way WhatsApp writes messages.")


def test_missing_time_zone_is_refused_with_a_clear_sentence(tmp_path: Path) -> None:
    """Naive local times need the case's source_timezone: never the machine's zone."""
    with pytest.raises(SourceError) as e:
        _read_txt(tmp_path, f"2/21/25, 1:10{NNBSP}AM - Jordan Blake: hi\n", ctx=_ctx(zone=None))
    assert str(e.value) == (
        "chat.txt: WhatsApp writes local times without a time zone. Say which zone the phone was in (in the "
        "app: Documentation, Who is who; or nocontact me --timezone America/Los_Angeles) and import again.")


def test_undecodable_bytes_make_one_problem_and_the_rest_is_read(tmp_path: Path) -> None:
    """A message with bytes that are not UTF-8 becomes a Problem; the other messages are records."""
    data = (f"2/21/25, 1:10{NNBSP}AM - Jordan Blake: ok\n".encode()
            + b"2/21/25, 1:11\xe2\x80\xafAM - Jordan Blake: bad \xff\xfe\n"
            + f"2/21/25, 1:12{NNBSP}AM - Jordan Blake: fine\n".encode())
    items = _read_txt(tmp_path, data)
    assert [type(i).__name__ for i in items] == ["Record", "Problem", "Record"]
    prob = items[1]
    assert isinstance(prob, Problem) and prob.kind == "encoding" and prob.position == "line 2"
    assert prob.excerpt == ""


def test_lines_before_the_first_header_are_a_problem_not_lost(tmp_path: Path) -> None:
    """A file cut at the top starts mid-message: those lines are reported, the rest is read."""
    text = (f"...end of an earlier message\n2/21/25, 1:10{NNBSP}AM - Jordan Blake: hi\n"
            f"2/21/25, 1:11{NNBSP}AM - Jordan Blake: there\n")
    p = tmp_path / "cut.txt"
    p.write_text(text, encoding="utf-8")
    assert identify(FileSource(p, tmp_path, "cut.txt"))[0].name == "whatsapp_android_txt"
    items = _read_txt(tmp_path, text)
    assert isinstance(items[0], Problem) and items[0].kind == "orphan_lines"
    assert isinstance(items[1], Record) and items[1].source_id == "2"


def test_file_truncated_mid_line_keeps_the_partial_line_as_text(tmp_path: Path) -> None:
    """A header cut short is not a header: it stays text of the message before it."""
    text = f"2/21/25, 1:10{NNBSP}AM - Jordan Blake: hi\n2/21/25, 1:1"
    recs = _records(_read_txt(tmp_path, text))
    assert len(recs) == 1 and recs[0].body == "hi\n2/21/25, 1:1"


# --- sample generator ----------------------------------------------------------------------------


def test_sample_generator_writes_exports_the_importers_read_with_the_story_counts(tmp_path: Path) -> None:
    """scale=1 gives 50+19 messages in the Android chat, 10+10 in the iOS zip, 10+8 in the group."""
    paths = write_sample(tmp_path, scale=1, seed=0)
    case = case_from_json(json.dumps(DEMO_CASE))
    ctx = ImportContext(case=case, source_timezone=case.zone())
    m = ExMatcher(case)
    got = {}
    for p in paths:
        recs, probs = read_source(FileSource(p, tmp_path, p.name), ctx)
        assert probs == []
        msgs = [r for r in recs if r.category == "message"]
        ex = [r for r in msgs if m.attribute(r).is_ex]
        got[p.name] = (identify(FileSource(p, tmp_path, p.name))[0].name, len(msgs),
                       sum(r.category == "system" for r in recs), len(ex))
    assert got == {
        "WhatsApp Chat with Casey Drummond.txt": ("whatsapp_android_txt", 69, 2, 69),
        "WhatsApp Chat - Casey Drummond.zip": ("whatsapp_ios_zip", 20, 1, 20),
        "WhatsApp Chat with Trivia Night 🎲.txt": ("whatsapp_android_txt", 18, 6, 2),
    }
    assert write_sample(tmp_path / "again", scale=1, seed=0) and all(
        (tmp_path / "again" / p.name).read_bytes() == p.read_bytes() for p in paths)


# --- properties ----------------------------------------------------------------------------------

_HEADERS = st.sampled_from([
    f"2/21/25, 1:10{NNBSP}AM - Jordan Blake: ", "[21/02/2025, 02:20:31] Sam Rivera: ", "13.06.18, 21:25 - Ana: ",
    f"{LRM}[21/02/2025, 02:20:31] Jordan Blake: {LRM}", "2/21/25, 1:10 PM - ", "", "", "",
])
_LINE = st.builds(lambda h, t: h + t, _HEADERS,
                  st.text(st.characters(blacklist_characters="\n"), max_size=30))


@settings(max_examples=150, deadline=None)
@given(st.lists(_LINE, max_size=25))
def test_parsing_loses_and_invents_no_line(lines: list[str]) -> None:
    """For any text, the parsed messages' raw lines, concatenated, are exactly the input lines."""
    _det, msgs = parse_lines(lines, date_order="DMY")
    assert [ln for m in msgs for ln in m.raw_lines] == lines
    assert all(m.header is not None for m in msgs[1:])


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400), st.sampled_from([b"", b"2/21/25, 1:10 AM - A: x\n", b"[21/02/2025, 02:20:31] A: "]))
def test_arbitrary_bytes_give_only_records_problems_or_a_source_error(tmp_path_factory: pytest.TempPathFactory,
                                                                      data: bytes, prefix: bytes) -> None:
    """Nothing but Record, Problem or SourceError comes out of any byte string; records have ids."""
    d = tmp_path_factory.mktemp("fuzz")
    try:
        items = _read_txt(d, prefix + data, ctx=_ctx(order="DMY"))
    except SourceError:
        return
    for it in items:
        assert isinstance(it, Record | Problem)
        if isinstance(it, Record):
            assert it.source_id.isdigit() and it.utc.tzinfo is not None


@settings(max_examples=150, deadline=None)
@given(st.datetimes(min_value=__import__("datetime").datetime(2009, 1, 1),
                    max_value=__import__("datetime").datetime(2099, 12, 31)))
def test_header_times_round_trip_to_utc(tmp_path_factory: pytest.TempPathFactory, when: Any) -> None:
    """A wall-clock time written in Android-US and iOS-UK layouts reads back to the same UTC instant."""
    when = when.replace(microsecond=0)
    zone = ZoneInfo("UTC")
    h12 = when.hour % 12 or 12
    ampm = "AM" if when.hour < 12 else "PM"
    android = (f"{when.month}/{when.day}/{when.year % 100:02d}, {h12}:{when.minute:02d}{NNBSP}{ampm} - A: x\n"
               f"12/31/{when.year % 100:02d}, 1:00{NNBSP}AM - B: y\n")
    ios = (f"[{when.day:02d}/{when.month:02d}/{when.year}, {when.hour:02d}:{when.minute:02d}:{when.second:02d}] A: x\r\n"
           f"[31/12/{when.year}, 23:59:59] B: y\r\n")
    d = tmp_path_factory.mktemp("rt")
    ctx = ImportContext(case=Case(), source_timezone=zone, date_order="DMY")
    a = _records(_read_txt(d, android, name="a.txt", ctx=_ctx(zone="UTC", order="MDY")))[0]
    i = _records(_read_txt(d, ios, name="i.txt", ctx=ctx))[0]
    assert format_utc(a.utc) == format_utc(when.replace(second=0, tzinfo=zone))
    assert format_utc(i.utc) == format_utc(when.replace(tzinfo=zone))


# --- hand-written files under tests/importers/data/whatsapp -------------------------------------

DATA = Path(__file__).parent / "data" / "whatsapp"


def test_german_ios_group_file_reads_with_hand_written_figures() -> None:
    """ios_de_DE_group_chat.txt: 5 messages, 1 missed call, 2 labelled notices; times in Europe/Berlin."""
    src = FileSource(DATA / "ios_de_DE_group_chat.txt", DATA, "ios_de_DE_group_chat.txt")
    assert identify(src)[0].name == "whatsapp_android_txt"
    recs = _records(list(WhatsAppTxtImporter().read(src, _ctx(zone="Europe/Berlin"))))
    assert [(r.source_id, r.category) for r in recs] == [
        ("1", "system"), ("2", "system"), ("3", "message"), ("4", "message"), ("6", "message"),
        ("7", "call"), ("8", "message"), ("9", "message")]
    by_id = {r.source_id: r for r in recs}
    assert format_utc(by_id["3"].utc) == "2025-01-04T09:02:11.000Z"
    assert by_id["4"].body == "Bin dabei\nmit Seil"
    assert by_id["6"].attachments[0].included is False
    assert format_utc(by_id["7"].utc) == "2025-01-13T21:41:06.000Z" and by_id["7"].call_type == 3
    assert dict(by_id["8"].extra)["deleted"] == "true"
    assert dict(by_id["9"].extra)["edited"] == "true" and by_id["9"].direction == "outgoing"
    assert all(r.is_group for r in recs)
    assert {r.sender.value for r in recs if r.sender} == {"Zoë Park", "José Núñez", "Jordan Blake", "Sam Rivera"}
    assert dict(by_id["1"].extra)["notice_label"] == "Kletterclub"


def test_ambiguous_data_file_needs_the_order_then_reads() -> None:
    """ambiguous_android.txt raises DateOrderNeeded; with date_order="MDY" it gives 3 messages."""
    from nocontact.importers.base import DateOrderNeeded

    src = FileSource(DATA / "ambiguous_android.txt", DATA, "ambiguous_android.txt")
    with pytest.raises(DateOrderNeeded):
        list(WhatsAppTxtImporter().read(src, _ctx(zone="UTC")))
    recs = _records(list(WhatsAppTxtImporter().read(src, _ctx(zone="UTC", order="MDY"))))
    assert [format_utc(r.utc) for r in recs] == ["2025-01-02T10:00:00.000Z", "2025-02-01T10:00:00.000Z",
                                                 "2025-01-02T11:00:00.000Z"]


def test_android_export_zipped_with_its_media_is_read_by_the_zip_importer(tmp_path: Path) -> None:
    """A zip with one "WhatsApp Chat with X.txt" and the files it names: bytes attached, title from the zip."""
    chat = f"2/21/25, 1:10{NNBSP}AM - Jordan Blake: IMG-20250221-WA0003.jpg (file attached)\n".encode()
    src = _zip(tmp_path, {"WhatsApp Chat with Jordan Blake.txt": chat, "IMG-20250221-WA0003.jpg": b"\xff\xd8\xff\xe0"},
               name="WhatsApp Chat with Jordan Blake.zip")
    imp, _ = identify(src)
    assert imp.name == "whatsapp_ios_zip"
    recs = _records(list(imp.read(src, _ctx())))
    assert recs[0].attachments[0].data == b"\xff\xd8\xff\xe0"
    assert recs[0].conversation == "Jordan Blake"


#: People rename an ex's contact to a warning; the export then writes that name as the author.
COLON_CHAT = ("3/14/25, 9:15 PM - DO NOT ANSWER: Casey: hi\n"
              "3/14/25, 9:16 PM - Sam Rivera: stop\n"
              "3/15/25, 8:00 AM - DO NOT ANSWER: Casey: answer me: now\n")


def test_an_author_name_holding_a_colon_is_split_where_the_case_names_it(tmp_path: Path) -> None:
    ctx = ImportContext(case=Case(user=Person(name="Sam Rivera"), ex=Person(whatsapp_names=("DO NOT ANSWER: Casey",))),
                        source_timezone=ZoneInfo("America/Los_Angeles"))
    recs = _records(_read_txt(tmp_path, COLON_CHAT, ctx=ctx))
    assert [(r.sender.value if r.sender else None, r.body) for r in recs] == [
        ("DO NOT ANSWER: Casey", "hi"), ("Sam Rivera", "stop"), ("DO NOT ANSWER: Casey", "answer me: now")]
    assert [r.direction for r in recs] == ["incoming", "outgoing", "incoming"]


def test_an_author_name_holding_a_colon_is_split_where_the_chat_title_names_it(tmp_path: Path) -> None:
    recs = _records(_read_txt(tmp_path, COLON_CHAT, name="WhatsApp Chat with DO NOT ANSWER: Casey.txt"))
    assert [r.body for r in recs] == ["hi", "stop", "answer me: now"]
    assert {r.sender.value for r in recs if r.sender} == {"DO NOT ANSWER: Casey", "Sam Rivera"}


def test_an_unknown_author_with_a_colon_is_split_at_the_first_colon_and_nothing_is_lost(tmp_path: Path) -> None:
    """Without a name to go by the first ": " decides; the text after it is kept whole."""
    recs = _records(_read_txt(tmp_path, COLON_CHAT))
    assert [(r.sender.value if r.sender else None, r.body) for r in recs][0] == ("DO NOT ANSWER", "Casey: hi")


def test_a_wall_time_that_happened_twice_is_read_in_the_order_the_chat_gives(tmp_path: Path) -> None:
    """On 2 November 2025 Chicago's clocks went back from 2:00 to 1:00: 1:05 after 1:50 is the second
    1:05 (CST), never a step back in time; a repeated time with nothing before it to decide is the
    first, and each says which it is."""
    chat = ("10/30/25, 9:00 PM - Casey Drummond: before\n"
            "11/2/25, 1:10 AM - Casey Drummond: first pass\n"
            "11/2/25, 1:50 AM - Casey Drummond: still first pass\n"
            "11/2/25, 1:05 AM - Casey Drummond: after the clocks went back\n"
            "11/2/25, 2:10 AM - Casey Drummond: after\n")
    recs = _records(_read_txt(tmp_path, chat, ctx=_ctx(zone="America/Chicago")))
    assert [format_utc(r.utc) for r in recs] == [
        "2025-10-31T02:00:00.000Z", "2025-11-02T06:10:00.000Z", "2025-11-02T06:50:00.000Z",
        "2025-11-02T07:05:00.000Z", "2025-11-02T08:10:00.000Z"]
    notes = [dict(r.extra).get("repeated_local_time") for r in recs]
    assert notes == [None, "the first time the clock showed it", "the first time the clock showed it",
                     "the second time the clock showed it", None]


# --- the person under a name the case does not hold ----------------------------------------------
_TWO = ("12/03/2026, 21:15 - Casey Drummond: pick up\n"
        "12/03/2026, 21:16 - Robbie: please stop contacting me\n"
        "13/03/2026, 08:00 - Casey Drummond: answer me\n")


def _case_ctx(ex: Person) -> ImportContext:
    return ImportContext(case=Case(user=Person(name="Robin Hale"), ex=ex),
                         source_timezone=ZoneInfo("America/Chicago"))


def _directions(recs: list[Record]) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(r.direction, r.body or "", tuple(p.value for p in r.peers)) for r in recs]


def test_in_a_chat_between_two_people_the_author_who_is_not_them_is_the_person(tmp_path: Path) -> None:
    """WhatsApp wrote the person's profile name ("Robbie"), the case says "Robin Hale": the chat is with
    Casey (its file name), so Robbie is the person, and each record says how that was decided."""
    from nocontact.importers.whatsapp import BY_PEER

    recs = _records(_read_txt(tmp_path, _TWO, "WhatsApp Chat with Casey Drummond.txt", _case_ctx(Person())))
    assert _directions(recs) == [("incoming", "pick up", ("Robbie",)),
                                 ("outgoing", "please stop contacting me", ("Casey Drummond",)),
                                 ("incoming", "answer me", ("Robbie",))]
    assert all(dict(r.extra)["direction_basis"] == BY_PEER for r in recs)


def test_without_the_file_name_the_case_says_which_author_is_them(tmp_path: Path) -> None:
    recs = _records(_read_txt(tmp_path, _TWO, "_chat.txt", _case_ctx(Person(name="Casey Drummond"))))
    assert [r.direction for r in recs] == ["incoming", "outgoing", "incoming"]


@pytest.mark.parametrize(("name", "ex", "why"), [
    ("chat.txt", Person(), "nothing says which author is the other person"),
    ("WhatsApp Chat with Casey Drummond.txt", Person(name="Robbie"),
     "both authors look like the other person"),
])
def test_nothing_is_inferred_when_the_other_person_is_not_exactly_one_author(
        tmp_path: Path, name: str, ex: Person, why: str) -> None:
    recs = _records(_read_txt(tmp_path, _TWO, name, _case_ctx(ex)))
    assert [r.direction for r in recs] == ["incoming"] * 3, why
    assert all("direction_basis" not in dict(r.extra) for r in recs)


def test_a_single_author_or_a_group_is_never_taken_for_the_person(tmp_path: Path) -> None:
    """One author alone could be the ex in a renamed file; a group has more than one other person."""
    one = "12/03/2026, 21:15 - Casey D: pick up\n13/03/2026, 08:00 - Casey D: answer me\n"
    recs = _records(_read_txt(tmp_path, one, "WhatsApp Chat with Casey Drummond.txt", _case_ctx(Person())))
    assert [r.direction for r in recs] == ["incoming", "incoming"]
    group = _TWO + "13/03/2026, 08:05 - Alex: leave her alone\n"
    recs = _records(_read_txt(tmp_path, group, "WhatsApp Chat with Casey Drummond.txt", _case_ctx(Person())))
    assert [r.direction for r in recs] == ["incoming"] * 4


# --- a file saved twice ----------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [" (1)", "(2)", " - Copy", " - Copy (3)", " copy", " copy 2", "-2"])
def test_a_chat_file_saved_twice_is_still_the_chat_with_them(tmp_path: Path, suffix: str) -> None:
    """"WhatsApp Chat with Casey Drummond (1).txt": the person's own messages are to Casey Drummond."""
    chat = ("13/03/2026, 21:15 - Casey Drummond: pick up\n"
            "13/03/2026, 21:16 - Robin Hale: please stop contacting me\n")
    ctx = ImportContext(case=Case(user=Person(name="Robin Hale"), ex=Person(name="Casey Drummond")),
                        source_timezone=ZoneInfo("America/Chicago"))
    recs = _records(_read_txt(tmp_path, chat, f"WhatsApp Chat with Casey Drummond{suffix}.txt", ctx))
    assert [(r.direction, tuple(p.value for p in r.peers), r.conversation) for r in recs] == [
        ("incoming", ("Robin Hale",), "Casey Drummond"), ("outgoing", ("Casey Drummond",), "Casey Drummond")]


def test_a_suffix_stays_when_without_it_the_title_names_no_one(tmp_path: Path) -> None:
    """A contact saved as "Casey (2)" stays "Casey (2)" unless "Casey" is an author or the ex."""
    chat = "13/03/2026, 21:15 - Casey (2): pick up\n13/03/2026, 21:16 - Robin Hale: stop\n"
    ctx = ImportContext(case=Case(user=Person(name="Robin Hale")), source_timezone=ZoneInfo("America/Chicago"))
    recs = _records(_read_txt(tmp_path, chat, "WhatsApp Chat with Casey (2).txt", ctx))
    assert {r.conversation for r in recs} == {"Casey (2)"}
    assert recs[1].peers[0].value == "Casey (2)"


def test_only_the_person_wrote_and_the_file_was_saved_twice_the_case_names_the_chat(tmp_path: Path) -> None:
    chat = "13/03/2026, 21:16 - Robin Hale: please stop contacting me\n"
    ctx = ImportContext(case=Case(user=Person(name="Robin Hale"), ex=Person(name="Casey Drummond")),
                        source_timezone=ZoneInfo("America/Chicago"))
    [rec] = _records(_read_txt(tmp_path, chat, "WhatsApp Chat with Casey Drummond (1).txt", ctx))
    assert (rec.direction, rec.peers[0].value) == ("outgoing", "Casey Drummond")
