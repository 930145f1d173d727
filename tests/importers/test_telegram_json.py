"""Telegram Desktop result.json: what the importer must read, and how it must refuse."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nocontact.case import Case, Person, case_from_json
from nocontact.importers import identify
from nocontact.importers._json_stream import MAX_DEPTH, XEscapeRepair, repair_x_escapes
from nocontact.importers.base import ImportContext, SourceError
from nocontact.importers.telegram_json import BY_PEER, IMPORTERS, concat_text
from nocontact.model import Problem, Record, format_utc
from nocontact.samples import DEMO_BOUNDARY_UTC, DEMO_CASE
from nocontact.sources import FileSource
from tests.support import (
    assert_matches_expected,
    case_from_expected,
    context_for,
    figures,
    fixture_source,
    load_expected,
    read_source,
)

DATA = Path(__file__).parent / "data" / "telegram"
IMP = IMPORTERS[0]
FULL = "DataExport_2025-03-22/result.json"
ROBIN = Case(user=Person(name="Robin Hale", telegram_ids=("user4400112233",)),
             ex=Person(name="Casey Drummond", telegram_ids=("user7700998811",)))

TRUNCATED = ("This Telegram export ends in the middle (it looks cut off, for example by an interrupted "
             "download or copy). Export it again and import the new file.")
EMPTY = ("This Telegram export is empty (0 bytes). Export it again from Telegram Desktop and import "
         "the new result.json.")
DEEP = (f"This Telegram export is nested more than {MAX_DEPTH} levels deep, which no real export is; "
        f"it was not read. If you did not change this file yourself, export it again.")
NO_ID = ("This is a Telegram export of a single group chat, which does not say which side is you. Tell nocontact "
         "your Telegram id and import again: it is the from_id next to your own messages in result.json, such "
         "as \"user123456789\" (a full export of all your Telegram data says it too). Add it with: nocontact me "
         "--telegram-id user123456789 (or in the case file, user.telegram_ids).")
NO_TZ = ("This Telegram export is from an older Telegram Desktop that wrote times in the computer's "
         "local time without saying which zone. Say which zone that computer used (in the app: "
         "Documentation, Who is who; or nocontact me --timezone America/Los_Angeles) and import again.")
NOT_TELEGRAM = ("This file is JSON but not a Telegram Desktop export (no chats or messages were found). "
                "Choose the result.json that Telegram Desktop wrote.")


def src(path: Path) -> FileSource:
    return FileSource(path, path.parent, path.name)


def write(tmp_path: Path, data: bytes | str, name: str = "result.json") -> FileSource:
    p = tmp_path / name
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return src(p)


def read_all(source: FileSource, ctx: ImportContext | None = None) -> tuple[list[Record], list[Problem]]:
    recs: list[Record] = []
    probs: list[Problem] = []
    for item in IMP.read(source, ctx or ImportContext(case=ROBIN)):
        if isinstance(item, Record):
            recs.append(item)
        else:
            probs.append(item)
    return recs, probs


def chat(messages: list[dict[str, Any]], ctype: str = "personal_chat", cid: int = 7700998811) -> str:
    return json.dumps({"name": "Casey Drummond", "type": ctype, "id": cid, "messages": messages},
                      ensure_ascii=False, indent=1)


def msg(i: int, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": i, "type": "message", "date": "2026-03-04T01:00:00",
                            "date_unixtime": str(1772607600 + i), "from": "Casey Drummond",
                            "from_id": "user7700998811", "text": f"m{i}", "text_entities": []}
    base.update(kw)
    return base


# -- conformance --------------------------------------------------------------------------------

def test_full_export_matches_every_expected_figure(shared_fixtures: Path) -> None:
    """The shared full export gives every figure of expected.json, the ex's events one by one."""
    expected = load_expected()
    records, problems = read_source(fixture_source(FULL), context_for(case_from_expected(expected)))
    assert problems == []
    assert_matches_expected(FULL, records, expected)


def test_full_export_is_identified_as_telegram_by_content(shared_fixtures: Path) -> None:
    """The registry picks telegram_desktop_json for result.json, and no other importer claims it."""
    imp, match = identify(fixture_source(FULL))
    assert imp.name == "telegram_desktop_json"
    assert match.confidence >= 80


def test_full_export_details_bodies_calls_and_edits(shared_fixtures: Path) -> None:
    """Entity arrays are joined exactly, calls keep reason and duration, edits stay in extra."""
    expected = load_expected()
    records, _ = read_source(fixture_source(FULL), context_for(case_from_expected(expected)))
    by_id = {r.source_id: r for r in records}
    assert by_id["6150199042:10234"].body == "flight is UA 1186, lands 3:05"
    assert by_id["6150199042:10243"].body == ("Lunch spot near your office has good soup. "
                                              "I'll be there at 12:30 every day this week.")
    call = by_id["6150199042:10233"]
    assert (call.kind, call.category, call.direction, call.duration_s) == ("telegram_call", "call", "outgoing", 1204)
    assert ("discard_reason", "hangup") in call.extra
    missed = by_id["6150199042:10237"]
    assert (missed.direction, missed.duration_s, missed.sender) == ("incoming", None, missed.peers[0])
    edited = by_id["6150199042:10246"]
    assert ("edited_unixtime", "1739898124") in edited.extra and ("edited", "2025-02-18T09:02:04") in edited.extra
    assert by_id["6150199042:10241"].attachments[0].included is False
    group = by_id["4001234567:882"]
    assert group.is_group and group.peers == ()
    system = [r for r in records if r.category == "system"]
    assert [(r.source_id, r.kind) for r in system] == [("4001234567:881", "telegram_service")]
    assert by_id["6150199042:10231"].time_basis == "epoch seconds"
    assert by_id["6150199042:10231"].raw_time == "1733022121"


# -- own fixtures: variants the shared sample lacks -----------------------------------------------

def test_single_chat_export_uses_the_case_telegram_id_for_direction() -> None:
    """A single-chat export is read with the person's id from the case; figures checked by hand."""
    recs, probs = read_all(src(DATA / "single_chat.json"))
    assert probs == []
    assert [(r.source_id, r.category, r.direction) for r in recs] == [
        ("7700998811:501", "message", "incoming"),
        ("7700998811:502", "message", "outgoing"),
        ("7700998811:503", "call", "incoming"),
        ("7700998811:504", "call", "outgoing"),
        ("7700998811:505", "system", "outgoing"),
        ("7700998811:506", "message", "incoming"),
    ]
    f = figures(recs, ROBIN, datetime(2026, 3, 3, 3, 11, 0, tzinfo=UTC))
    assert f["records_total"] == 5 and f["system_lines"] == 1
    assert f["records_by_kind"] == {"telegram_message": 3, "telegram_call": 2}
    assert f["ex"]["by_direction"] == {"incoming": 3, "outgoing": 2}
    assert f["ex"]["after_boundary"] == 2  # 504 and 506 are after 03:11 UTC
    assert all(r.peers == (r.peers[0],) and r.peers[0].value == "user7700998811" for r in recs)
    assert recs[3].duration_s == 37


def test_a_single_personal_chat_without_the_person_id_is_read_by_its_peer() -> None:
    """Telegram gives a personal chat the other person's id: without the person's own id in the
    case, user<chat id> is them and every other sender is the person, as the case's id says."""
    with_id = read_all(src(DATA / "single_chat.json"))[0]
    recs, probs = read_all(src(DATA / "single_chat.json"), ImportContext(case=Case()))
    assert probs == []
    assert [(r.source_id, r.direction, r.sender) for r in recs] == [
        (r.source_id, r.direction, r.sender) for r in with_id]
    assert all(dict(r.extra)["direction_basis"] == BY_PEER for r in recs)
    assert all("direction_basis" not in dict(r.extra) for r in with_id)


def test_a_single_group_chat_without_the_person_id_asks_for_it(tmp_path: Path) -> None:
    """In a group the chat's id names no person: which side is the person's cannot be told."""
    chat = json.loads((DATA / "single_chat.json").read_text(encoding="utf-8"))
    chat["type"] = "private_group"
    with pytest.raises(SourceError) as e:
        read_all(write(tmp_path, json.dumps(chat)), ImportContext(case=Case()))
    assert str(e.value) == NO_ID


def test_single_chat_export_is_identified_by_content() -> None:
    """The chat-object layout is recognised from its content."""
    imp, _ = identify(src(DATA / "single_chat.json"))
    assert imp.name == "telegram_desktop_json"


def test_entity_array_is_concatenated_exactly_without_separator() -> None:
    """Strings and entity texts are joined as they are: no separator, no strip, newlines kept."""
    recs, _ = read_all(src(DATA / "single_chat.json"))
    assert recs[0].body == "  Robin,\nplease read this@robinh  "
    assert concat_text(["a", {"type": "bold", "text": "b"}, "c"]) == "abc"
    assert concat_text("x") == "x"
    assert concat_text([1]) is None
    assert concat_text({"text": "x"}) is None


def test_x_escapes_are_repaired_but_escaped_backslashes_are_not() -> None:
    """\\xNN (invalid JSON) becomes \\u00NN; an escaped backslash followed by 'x' stays text."""
    recs, probs = read_all(src(DATA / "x_escapes.json"))
    assert probs == []
    assert recs[0].body == "bell:\x07 tab:\t end"
    assert recs[1].body == "path C:\\xfiles and \\A and é"


def test_x_escape_repair_survives_every_chunk_boundary() -> None:
    """The streaming repair gives the same bytes as the whole-buffer repair for any chunk size."""
    data = (DATA / "x_escapes.json").read_bytes() + b'"\\\\\\\\x41\\x4' + b"1\\\\\\x7f\\"
    whole = repair_x_escapes(data)
    for size in range(1, 12):
        r = XEscapeRepair(io.BytesIO(data), chunk=size)
        out = b"".join(iter(lambda r=r: r.read(3), b""))  # type: ignore[misc]
        assert out == whole, size
    assert repair_x_escapes(b"\\\\x41") == b"\\\\x41"
    assert repair_x_escapes(b"\\x41") == b"\\u0041"
    assert repair_x_escapes(b"\\\\\\x41") == b"\\\\\\u0041"


@given(st.binary(max_size=64), st.integers(min_value=1, max_value=9))
@settings(max_examples=150, deadline=None)
def test_x_escape_repair_is_chunk_independent(data: bytes, size: int) -> None:
    """Property: chunked repair equals whole-buffer repair on arbitrary bytes."""
    r = XEscapeRepair(io.BytesIO(data), chunk=size)
    assert r.read() == repair_x_escapes(data.removeprefix(b"\xef\xbb\xbf"))


def test_naive_date_without_unixtime_is_read_in_the_case_time_zone(tmp_path: Path) -> None:
    """Old exports without date_unixtime are local time: read in source_timezone and say so."""
    m1 = msg(1, date="2026-01-10T09:00:00")
    m2 = msg(2, date="2026-07-10T09:00:00")
    del m1["date_unixtime"], m2["date_unixtime"]
    source = write(tmp_path, chat([m1, m2]))
    ctx = ImportContext(case=ROBIN, source_timezone=ZoneInfo("America/Chicago"))
    recs, _ = read_all(source, ctx)
    assert [format_utc(r.utc) for r in recs] == ["2026-01-10T15:00:00.000Z", "2026-07-10T14:00:00.000Z"]
    assert recs[0].raw_time == "2026-01-10T09:00:00"
    assert (recs[0].time_zone, recs[0].time_basis) == ("America/Chicago", "case source_timezone")
    with pytest.raises(SourceError) as e:
        read_all(source)
    assert str(e.value) == NO_TZ


def test_group_chat_is_a_group_without_peers_and_outgoing_is_not_attributed(tmp_path: Path) -> None:
    """In a group, the person's own messages go to no single party; the ex's are still theirs."""
    source = write(tmp_path, chat([msg(1), msg(2, from_id="user4400112233")], ctype="private_supergroup", cid=99))
    recs, _ = read_all(source)
    assert all(r.is_group and r.peers == () for r in recs)
    f = figures(recs, ROBIN, datetime(2000, 1, 1, tzinfo=UTC))
    assert f["ex"]["by_direction"] == {"incoming": 1}


def test_full_export_from_a_case_without_telegram_id_uses_personal_information(tmp_path: Path) -> None:
    """The full export names its owner, so no case id is needed; chats held until that is known."""
    doc = {"chats": {"list": [{"messages": [msg(1), msg(2, from_id="user4400112233")],
                               "id": 7700998811, "type": "personal_chat", "name": "C"}]},
           "personal_information": {"user_id": 4400112233}}
    recs, _ = read_all(write(tmp_path, json.dumps(doc)), ImportContext(case=Case()))
    assert [(r.source_id, r.direction) for r in recs] == [("7700998811:1", "incoming"),
                                                          ("7700998811:2", "outgoing")]


def test_left_chats_are_read_too(tmp_path: Path) -> None:
    """Chats the person has left (left_chats.list) are part of the evidence."""
    doc = {"personal_information": {"user_id": 4400112233},
           "left_chats": {"list": [{"name": "G", "type": "private_group", "id": 5, "messages": [msg(1)]}]}}
    recs, _ = read_all(write(tmp_path, json.dumps(doc)))
    assert [r.source_id for r in recs] == ["5:1"]


def test_one_bad_message_is_a_problem_and_the_rest_is_read(tmp_path: Path) -> None:
    """A message without id, date or readable text is a Problem; its neighbours are records."""
    bad_text = msg(3, text=[{"type": "bold"}])
    no_date = msg(4)
    del no_date["date"], no_date["date_unixtime"]
    source = write(tmp_path, chat([msg(1), {"type": "message"}, bad_text, no_date, "x", msg(5)]))  # type: ignore[list-item]
    recs, probs = read_all(source)
    assert [r.source_id for r in recs] == ["7700998811:1", "7700998811:5"]
    assert [p.kind for p in probs] == ["no_id", "bad_text", "no_time", "not_a_message"]


# -- bad input -----------------------------------------------------------------------------------

def test_empty_file_is_refused_with_a_clear_sentence(tmp_path: Path) -> None:
    """0 bytes: a sentence saying the file is empty."""
    with pytest.raises(SourceError) as e:
        read_all(write(tmp_path, b""))
    assert str(e.value) == EMPTY


def test_truncated_export_is_refused_with_a_clear_sentence(tmp_path: Path) -> None:
    """A cut-off file says it is cut off (records before the cut may have been yielded)."""
    data = (DATA / "single_chat.json").read_bytes()[:900]
    with pytest.raises(SourceError) as e:
        read_all(write(tmp_path, data))
    assert str(e.value) == TRUNCATED


def test_json_that_is_not_a_telegram_export_is_refused(tmp_path: Path) -> None:
    """Valid JSON of another kind gives a sentence naming what was expected."""
    with pytest.raises(SourceError) as e:
        read_all(write(tmp_path, b'{"hello": [1, 2, 3]}'))
    assert str(e.value) == NOT_TELEGRAM
    with pytest.raises(SourceError) as e:
        read_all(write(tmp_path, b'{"participants": [], "messages": [{"id": 1, "date_unixtime": "5"}]}'))
    assert str(e.value) == NOT_TELEGRAM
    assert IMP.sniff(write(tmp_path, b'{"hello": 1}'), b'{"hello": 1}') is None


@pytest.mark.parametrize("where", ["root", "message"])
def test_json_nested_100000_deep_is_refused_not_crashing(tmp_path: Path, where: str) -> None:
    """A hostile file nested 100,000 deep gives a SourceError, not RecursionError or memory blow-up."""
    deep = b"[" * 100_000 + b"]" * 100_000
    data = deep if where == "root" else b'{"messages": [{"id": 1, "text": ' + deep + b"}]}"
    with pytest.raises(SourceError) as e:
        read_all(write(tmp_path, data))
    assert str(e.value) == DEEP


def test_invalid_utf8_is_refused_with_a_clear_sentence(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 inside a string make the whole file refused, plainly."""
    with pytest.raises(SourceError) as e:
        read_all(write(tmp_path, b'{"name": "\xff", "type": "personal_chat", "id": 1, "messages": []}'))
    assert str(e.value).startswith("This Telegram export is damaged: it holds bytes that are not UTF-8 text")


# -- properties ----------------------------------------------------------------------------------

@given(st.binary(max_size=300))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_arbitrary_bytes_give_only_records_problems_or_source_error(tmp_path: Path, data: bytes) -> None:
    """Property: whatever the bytes, only Records, Problems or one SourceError come out."""
    source = write(tmp_path, data)
    try:
        for item in IMP.read(source, ImportContext(case=ROBIN)):
            assert isinstance(item, Record | Problem)
            if isinstance(item, Record):
                assert item.source_id
    except SourceError:
        pass


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
                     lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=6), c, max_size=4),
                     max_leaves=12)


@given(st.dictionaries(st.sampled_from(["id", "type", "date", "date_unixtime", "from_id", "actor_id", "text",
                                        "action", "duration_seconds", "photo", "file", "edited"]), _json))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_arbitrary_message_fields_never_crash(tmp_path: Path, fields: dict[str, Any]) -> None:
    """Property: any JSON in a message's fields gives a Record or a Problem, never an exception."""
    source = write(tmp_path, chat([fields, msg(9)]))
    ctx = ImportContext(case=ROBIN, source_timezone=ZoneInfo("UTC"))
    recs, probs = read_all(source, ctx)
    assert len(recs) + len(probs) == 2
    assert recs[-1].source_id == "7700998811:9"


@given(st.integers(min_value=0, max_value=4_102_444_800))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_date_unixtime_round_trips(tmp_path: Path, epoch: int) -> None:
    """Property: date_unixtime N is read as exactly N seconds after the epoch, in UTC."""
    recs, _ = read_all(write(tmp_path, chat([msg(1, date_unixtime=str(epoch))])))
    assert recs[0].utc == datetime.fromtimestamp(epoch, UTC)
    assert recs[0].raw_time == str(epoch) and recs[0].time_zone == "UTC"


# -- sample generator ----------------------------------------------------------------------------

def test_sample_generator_writes_an_export_this_importer_reads(tmp_path: Path) -> None:
    """write_sample makes a full export that reads back with the story's figures."""
    from nocontact.samples.telegram import write_sample

    paths = write_sample(tmp_path, scale=1, seed=0)
    case = case_from_json(json.dumps(DEMO_CASE))
    ctx = context_for(case)
    recs, probs = read_source(FileSource(paths[0], tmp_path, paths[0].relative_to(tmp_path).as_posix()), ctx)
    assert probs == []
    f = figures(recs, case, DEMO_BOUNDARY_UTC)
    assert f["ex"]["after_boundary_by_direction"].get("incoming", 0) >= 10
    assert f["ex"]["after_boundary_by_direction"].get("outgoing", 0) == 0
    assert f["records_by_category"]["call"] >= 3
    assert f["system_lines"] >= 1
    again = write_sample(tmp_path / "again", scale=1, seed=0)
    assert again[0].read_bytes() == paths[0].read_bytes()
    big = write_sample(tmp_path / "big", scale=3, seed=0)
    big_recs, _ = read_source(FileSource(big[0], tmp_path / "big", "x"), ctx)
    assert len(big_recs) > 2 * len(recs)


def test_dates_beyond_the_calendar_are_counted_problems_and_the_rest_is_read(tmp_path: Path) -> None:
    """Year 0, a 12-digit unixtime and 0001/9999 pushed past the calendar by their offset: bad_time, not a crash."""
    edges = [msg(1, date="0000-01-01T00:00:00+00:00", date_unixtime=None),
             msg(2, date_unixtime="999999999999"),
             msg(3, date="0001-01-01T00:00:00+01:00", date_unixtime=None),
             msg(4, date="9999-12-31T23:59:59-01:00", date_unixtime=None),
             msg(5, date="9999-12-31T23:59:59+01:00", date_unixtime=None),
             msg(6)]
    recs, probs = read_all(write(tmp_path, chat(edges)))
    assert [p.kind for p in probs] == ["bad_time"] * 4
    assert [(r.source_id.rsplit(":", 1)[-1], r.utc.year) for r in recs] == [("5", 9999), ("6", 2026)]


def test_a_naive_time_that_happened_twice_is_read_in_the_chats_order(tmp_path: Path) -> None:
    """On 2 November 2025 Chicago's clocks went back: 01:05 after 01:50 is the second 01:05 (CST)."""
    dates = ["2025-11-02T01:10:00", "2025-11-02T01:50:00", "2025-11-02T01:05:00", "2025-11-02T02:10:00"]
    msgs = []
    for i, d in enumerate(dates, start=1):
        m = msg(i, date=d)
        del m["date_unixtime"]
        msgs.append(m)
    ctx = ImportContext(case=ROBIN, source_timezone=ZoneInfo("America/Chicago"))
    recs, _ = read_all(write(tmp_path, chat(msgs)), ctx)
    assert [format_utc(r.utc) for r in recs] == ["2025-11-02T06:10:00.000Z", "2025-11-02T06:50:00.000Z",
                                                 "2025-11-02T07:05:00.000Z", "2025-11-02T08:10:00.000Z"]
    assert [dict(r.extra).get("repeated_local_time") for r in recs] == [
        "the first time the clock showed it", "the first time the clock showed it",
        "the second time the clock showed it", None]
