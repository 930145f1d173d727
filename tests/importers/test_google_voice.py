"""Google Voice Takeout pages: texts, group texts, calls and voicemails, and what is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nocontact.case import case_from_json
from nocontact.identity import ExMatcher
from nocontact.importers import identify
from nocontact.importers.base import ImportContext, SourceError
from nocontact.importers.google_voice import GoogleVoiceHtml
from nocontact.model import Identifier, Problem, Record
from nocontact.samples import DEMO_BOUNDARY_UTC, DEMO_CASE
from nocontact.samples.google_voice import page_text
from nocontact.sources import FileSource

DATA = Path(__file__).parent / "data" / "google_voice"
GV = GoogleVoiceHtml()
CASE = case_from_json(json.dumps({"user": {"phone": "+15555550100"}, "ex": {"phones": ["+15555550142"]}}))
CTX = ImportContext(case=CASE)


def _source(name: str, root: Path = DATA) -> FileSource:
    return FileSource(root / name, root, name)


def _read(source: FileSource, ctx: ImportContext = CTX) -> tuple[list[Record], list[Problem]]:
    recs: list[Record] = []
    probs: list[Problem] = []
    for item in GV.read(source, ctx):
        if isinstance(item, Record):
            recs.append(item)
        else:
            probs.append(item)
    return recs, probs


def _error(source: FileSource) -> SourceError:
    with pytest.raises(SourceError) as info:
        list(GV.read(source, CTX))
    return info.value


TEXT = "+15555550142 - Text - 2024-03-02T03_10_00Z.html"


def test_text_page_is_claimed_by_content() -> None:
    """The registry picks google_voice_html for a text page, judged on its markup."""
    assert identify(_source(TEXT))[0].name == "google_voice_html"


def test_text_times_come_from_the_title_with_its_offset() -> None:
    """abbr.dt[title] is read with its own offset (-08:00, then -07:00 after the DST change)."""
    recs, probs = _read(_source(TEXT))
    assert [r.utc for r in recs] == [datetime(2024, 3, 2, 3, 10, 0, 270000, tzinfo=UTC),
                                     datetime(2024, 3, 2, 3, 12, 31, 4000, tzinfo=UTC),
                                     datetime(2024, 3, 10, 10, 30, tzinfo=UTC)]
    assert [r.time_zone for r in recs] == ["-08:00", "-08:00", "-07:00"]
    assert {r.time_basis for r in recs} == {"offset in source"}
    assert recs[0].raw_time == "2024-03-01T19:10:00.270-08:00"
    assert [(p.kind, p.position) for p in probs] == [("bad_date", "message 3")]


def test_text_bodies_senders_and_directions() -> None:
    """<br> is a newline, HTML escaping is undone, "Me" is outgoing to the one other party."""
    recs, _ = _read(_source(TEXT))
    assert recs[0].body == "Pick up.\nI know you're there & I'm not leaving 😠"
    assert [r.direction for r in recs] == ["incoming", "outgoing", "incoming"]
    assert recs[0].sender == Identifier("phone", "+15555550142")
    assert all(r.peers == (Identifier("phone", "+15555550142"),) and not r.is_group for r in recs)
    m = ExMatcher(CASE)
    assert all(m.attribute(r).is_ex for r in recs)


def test_picture_is_an_attachment_found_beside_the_page() -> None:
    """img[src] without extension resolves to the .jpg beside the page; the record is an mms."""
    recs, _ = _read(_source(TEXT))
    pic = recs[2]
    assert pic.kind == "mms" and pic.body == "MMS Received"
    assert pic.attachments[0].related == "+15555550142 - Text - 2024-03-02T03_10_00Z-3-1.jpg"
    assert pic.attachments[0].mime == "image/jpeg"


def test_group_text_lists_participants_and_is_not_attributed_when_the_user_writes() -> None:
    """A group page: peers are the participants; the ex's own message is the ex's, the user's is not."""
    recs, _ = _read(_source("Group Conversation - 2024-03-05T18_00_00Z.html"))
    assert all(r.is_group for r in recs)
    assert recs[0].peers == (Identifier("phone", "+15555550142"), Identifier("phone", "+15555550123"))
    m = ExMatcher(CASE)
    assert [m.attribute(r).is_ex for r in recs] == [True, False]
    assert recs[0].body == "Zoë, tell them to answer me"


def test_voicemail_has_transcript_duration_and_audio() -> None:
    """A voicemail is kind voicemail, call_type 4, PT2M27S is 147 s, the transcript is the body."""
    (r,), probs = _read(_source("Jo Example - Voicemail - 2024-03-03T07_16_43Z.html"))
    assert probs == []
    assert (r.kind, r.category, r.call_type, r.direction, r.duration_s) == ("voicemail", "call", 4, "incoming", 147)
    assert r.body == "Call me back. I'm serious."
    assert r.sender == Identifier("phone", "+15555550142")
    assert r.utc == datetime(2024, 3, 3, 7, 16, 43, tzinfo=UTC)
    assert r.attachments[0].related == "Jo Example - Voicemail - 2024-03-03T07_16_43Z.mp3"


def test_missed_call_without_number_is_kept_and_withheld() -> None:
    """tel: with no number is a withheld caller, attributed to no one, but kept."""
    (r,), _ = _read(_source(" - Missed - 2024-03-04T11_00_00Z.html"))
    assert (r.kind, r.call_type, r.sender, r.duration_s) == ("call", 3, Identifier("withheld", ""), None)
    assert not ExMatcher(CASE).attribute(r).is_ex


def test_empty_page_is_refused(tmp_path: Path) -> None:
    """0 bytes: not claimed, and read says it is empty."""
    (tmp_path / "x.html").write_bytes(b"")
    assert GV.sniff(_source("x.html", tmp_path), b"") is None
    assert str(_error(_source("x.html", tmp_path))) == (
        "x.html is empty (0 bytes): there is nothing in it to import. "
        "Download the Google Takeout archive again and import the new copy.")


def test_truncated_page_is_refused_with_its_size(tmp_path: Path) -> None:
    """A page cut before </html> would lose messages silently: refused, with the byte count."""
    data = (DATA / TEXT).read_bytes()[:900]
    (tmp_path / "cut.html").write_bytes(data)
    assert str(_error(_source("cut.html", tmp_path))) == (
        "cut.html is incomplete: it stops in the middle (byte 900) instead of ending with </html>. "
        "The Takeout download or unzip was probably cut short. Download the archive again and import "
        "the complete copy.")


def test_other_html_is_refused(tmp_path: Path) -> None:
    """An ordinary web page is not claimed and not read."""
    (tmp_path / "page.html").write_bytes(b"<html><body><p>hello</p></body></html>")
    source = _source("page.html", tmp_path)
    assert GV.sniff(source, source.head()) is None
    assert str(_error(source)) == ("page.html is not a Google Voice page from Google Takeout (it has no "
                                   "conversation or call in it), so nothing was read from it.")


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_give_only_records_problems_or_source_errors(
        tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    """Whatever follows a real page start, only Record, Problem or SourceError come out."""
    folder = tmp_path_factory.getbasetemp()
    for doc in (data, (DATA / TEXT).read_bytes()[:600] + data + b"</html>"):
        (folder / "fuzz.html").write_bytes(doc)
        try:
            for item in GV.read(_source("fuzz.html", folder), CTX):
                assert isinstance(item, Record | Problem)
                if isinstance(item, Record):
                    assert item.source_id
        except SourceError:
            pass


_BODY = st.text(st.characters(codec="utf-8", exclude_characters="\ufffe\uffff\r\x00",
                              exclude_categories=["Cc"]) | st.just("\n"), min_size=1, max_size=50)


@settings(max_examples=120, deadline=None)
@given(_BODY, st.datetimes(min_value=datetime(2010, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)))
def test_body_and_time_round_trip(tmp_path_factory: pytest.TempPathFactory, body: str, when: datetime) -> None:
    """Any body written by the page template comes back exactly; the time round trips to the millisecond."""
    when = when.replace(microsecond=when.microsecond // 1000 * 1000)
    folder = tmp_path_factory.getbasetemp()
    html = page_text("+15555550142", [(when, "+15555550142", "", False, body, [])])
    (folder / "rt.html").write_text(html, encoding="utf-8")
    (r,), _ = _read(_source("rt.html", folder))
    assert r.body == body
    assert r.utc == when


def test_sample_generator_writes_pages_the_importer_reads(tmp_path: Path) -> None:
    """write_sample writes texts, a group, calls and a voicemail; the demo ex is found after the boundary."""
    from nocontact.samples.google_voice import write_sample

    pages = write_sample(tmp_path)
    case = case_from_json(json.dumps(DEMO_CASE))
    m = ExMatcher(case)
    recs: list[Record] = []
    for p in pages:
        source = FileSource(p, tmp_path, p.relative_to(tmp_path).as_posix())
        assert identify(source)[0].name == "google_voice_html"
        got, probs = _read(source, ImportContext(case=case))
        assert probs == []
        recs += got
    kinds = {r.kind for r in recs}
    assert kinds == {"sms", "mms", "call", "voicemail"}
    assert sum(1 for r in recs if m.attribute(r).is_ex and r.utc > DEMO_BOUNDARY_UTC) >= 8
    assert any(r.sender == Identifier("withheld", "") for r in recs)
    assert any(r.is_group for r in recs)
    assert len(write_sample(tmp_path / "more", scale=3)) > len(pages)
