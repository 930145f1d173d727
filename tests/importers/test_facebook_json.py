"""Facebook Messenger and Instagram "Download your information" JSON threads."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nocontact.case import Case, Person, case_from_json
from nocontact.importers import by_name, identify
from nocontact.importers.base import ImportContext, SourceError
from nocontact.importers.facebook_json import is_instagram_path, unmojibake
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

DATA = Path(__file__).parent / "data" / "facebook"
JORDAN = "facebook-samrivera/messages/inbox/jordanblake_10158273645192837/message_1.json"
JOSE = "facebook-samrivera/messages/inbox/josenunez_10159912345678901/message_1.json"
GROUP = "facebook-robinhale/messages/inbox/weekendcrew_777"
INSTA = "instagram-robinhale-2026-04-01/your_instagram_activity/messages/inbox/caseyd_555/message_1.json"
E2EE = "messenger-e2ee/casey_drummond_1.json"
B = datetime(2026, 3, 3, 2, 15, tzinfo=UTC)
ROBIN = Case(user=Person(name="Robin Hale", facebook_names=("Robin Hale",)),
             ex=Person(name="Casey Drummond", facebook_names=("Casey Drummond",), instagram_names=("casey.drum",)))
MESSENGER = by_name("facebook_messenger_json")
INSTAGRAM = by_name("instagram_json")

NO_NAMES = ("Messenger exports name people only by their display name, so nocontact needs yours to tell "
            "your messages from theirs. Add your name as it appears in Messenger (in the app: Documentation, "
            "Who is who; or nocontact me --facebook-name \"Your Name\"; or user.facebook_names in the case "
            "file) and import again.")
EMPTY = "This Messenger file is empty (0 bytes). Download your information again and import the new file."
TRUNCATED = ("This Messenger file ends in the middle (it looks cut off, for example by an interrupted "
             "download or copy). Export it again and import the new file.")
NOT_THREAD = ("This file is JSON but not a Messenger conversation (it has no participants or messages). "
              "Choose a message_1.json from the messages/inbox folder of the export.")


def own(rel: str) -> FileSource:
    return FileSource(DATA / rel, DATA, rel)


def write(tmp_path: Path, data: bytes | str, rel: str = "messages/inbox/x_1/message_1.json") -> FileSource:
    p = tmp_path / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return FileSource(p, tmp_path, rel)


def read_all(source: FileSource, ctx: ImportContext | None = None,
             imp: Any = MESSENGER) -> tuple[list[Record], list[Problem]]:
    recs: list[Record] = []
    probs: list[Problem] = []
    for item in imp.read(source, ctx or ImportContext(case=ROBIN)):
        if isinstance(item, Record):
            recs.append(item)
        else:
            probs.append(item)
    return recs, probs


def thread(messages: list[Any], participants: list[str] | None = None) -> str:
    parts = participants or ["Casey Drummond", "Robin Hale"]
    return json.dumps({"participants": [{"name": p} for p in parts], "messages": messages,
                       "title": parts[0], "thread_path": "inbox/x_1"})


# -- conformance --------------------------------------------------------------------------------

@pytest.mark.parametrize("rel", [JORDAN, JOSE])
def test_shared_messenger_threads_match_every_expected_figure(shared_fixtures: Path, rel: str) -> None:
    """Both shared Messenger threads give every figure of expected.json, events one by one."""
    expected = load_expected()
    records, problems = read_source(fixture_source(rel), context_for(case_from_expected(expected)))
    assert problems == []
    assert_matches_expected(rel, records, expected)


def test_shared_thread_repairs_mojibake_and_resolves_the_photo(shared_fixtures: Path) -> None:
    """Mojibake is undone in names, bodies and reactions; the photo resolves beside the export."""
    expected = load_expected()
    records, _ = read_source(fixture_source(JORDAN), context_for(case_from_expected(expected)))
    by_idx = {int(r.source_id.rsplit("#", 1)[1]): r for r in records}
    assert by_idx[4].body == "I saw you at Dolores Park yesterday with José. Cute."
    assert by_idx[13].body == "Merry Christmas my love ❤️"
    assert ("reactions", '[{"actor": "Jordan Blake", "reaction": "❤"}]') in by_idx[14].extra
    photo = by_idx[6].attachments[0]
    assert photo.included and photo.related == (
        "facebook-samrivera/messages/inbox/jordanblake_10158273645192837/photos/461297338_10226184510273645_n.jpg")
    assert (by_idx[9].category, by_idx[9].duration_s, ("call_status", "missed") in by_idx[9].extra) == ("call", 0, True)
    assert ("share_link", "https://www.example.com/song/heartbreak") in by_idx[0].extra
    jose, _ = read_source(fixture_source(JOSE), context_for(case_from_expected(expected)))
    assert jose[1].sender is not None and jose[1].sender.value == "José Núñez"
    assert jose[3].body == "¡Hola! ¿Cena el viernes?"


# -- own fixtures --------------------------------------------------------------------------------

def test_group_thread_first_file_calls_unsent_and_system_events() -> None:
    """A group thread: calls (missed when 0), unsent kept and marked, Unsubscribe is a system event."""
    recs, probs = read_all(own(f"{GROUP}/message_1.json"))
    assert probs == []
    got = [(r.source_id.rsplit("#", 1)[1], r.kind, r.category, r.direction) for r in recs]
    assert got == [
        ("0", "messenger_message", "message", "incoming"),
        ("1", "messenger_message", "message", "incoming"),
        ("2", "messenger_event", "system", "outgoing"),
        ("3", "messenger_call", "call", "incoming"),
        ("4", "messenger_call", "call", "outgoing"),
        ("5", "messenger_message", "message", "incoming"),
    ]
    assert all(r.is_group for r in recs)
    assert recs[0].body == "Everyone here knows what Robin did ❤️\u200d🩹"
    assert ("unsent", "true") in recs[1].extra and recs[1].body is None
    assert recs[3].duration_s == 0 and ("call_status", "missed") in recs[3].extra
    assert recs[4].duration_s == 95 and ("call_status", "missed") not in recs[4].extra
    assert recs[5].body == "¿Mañana a las 10? 🧗" and recs[5].sender is not None
    assert recs[5].sender.value == "José Núñez"
    assert {p.value for p in recs[0].peers} == {"Casey Drummond", "Morgan Lee", "José Núñez"}
    f = figures(recs, ROBIN, B)
    assert (f["records_total"], f["system_lines"]) == (5, 1)
    assert f["records_by_kind"] == {"messenger_message": 3, "messenger_call": 2}
    assert f["ex"]["by_direction"] == {"incoming": 3}  # Robin's call into the group is nobody's


def test_second_file_of_a_thread_has_its_own_positions_and_keeps_correct_utf8() -> None:
    """message_2.json is read alone; already-correct UTF-8 ("Zoë", "€") is not "repaired"."""
    recs, _ = read_all(own(f"{GROUP}/message_2.json"))
    assert [r.source_id for r in recs] == [f"{GROUP}/message_2.json#{i}" for i in range(3)]
    assert recs[0].body == "Zoë says hi €5"
    assert recs[1].category == "system"
    assert recs[2].sender is not None and recs[2].sender.value == "Casey Drummond"
    assert recs[0].conversation == recs[2].conversation == "weekendcrew_777"


def test_mojibake_repair_rule_on_single_strings() -> None:
    """latin-1 -> UTF-8 repair where it decodes; the original wherever it raises."""
    assert unmojibake("Jos\u00c3\u00a9") == "José"
    assert unmojibake("\u00f0\u009f\u0098\u00a2") == "😢"
    assert unmojibake("José") == "José"  # b"Jos\xe9" is not UTF-8: kept
    assert unmojibake("😢 €") == "😢 €"  # not latin-1 at all: kept
    assert unmojibake("plain") == "plain"


def test_instagram_thread_is_told_apart_by_its_path_and_gets_instagram_kinds() -> None:
    """Under your_instagram_activity/ the same JSON is Instagram: instagram_message / instagram_call."""
    source = own(INSTA)
    imp, _ = identify(source)
    assert imp.name == "instagram_json"
    assert MESSENGER.sniff(source, source.head()) is None
    recs, _ = read_all(source, imp=INSTAGRAM)
    assert [(r.kind, r.direction) for r in recs] == [
        ("instagram_message", "incoming"), ("instagram_message", "incoming"),
        ("instagram_call", "incoming"), ("instagram_message", "outgoing")]
    assert recs[1].body == "I saw you at the gym café."
    photo = recs[0].attachments[0]
    assert photo.included and photo.related == (
        "instagram-robinhale-2026-04-01/your_instagram_activity/messages/inbox/caseyd_555/photos/111.jpg")
    f = figures(recs, ROBIN, B)
    assert f["ex"]["by_direction"] == {"incoming": 3, "outgoing": 1}
    assert f["ex"]["by_identifier"] == {"casey.drum": 4}


def test_instagram_path_rule() -> None:
    """The path rule: a your_instagram_activity or instagram* folder, or an instagram* archive."""
    assert is_instagram_path("your_instagram_activity/messages/inbox/a_1/message_1.json")
    assert is_instagram_path("instagram-robin-2022-01-01/messages/inbox/a_1/message_1.json")
    assert is_instagram_path("instagram-robin.zip!/messages/inbox/a_1/message_1.json")
    assert not is_instagram_path("facebook-robin/messages/inbox/instagram_fan_1/message_1.json".replace(
        "instagram_fan_1", "fan_1"))
    assert not is_instagram_path("your_facebook_activity/messages/inbox/a_1/message_1.json")


def test_camelcase_secure_storage_layout_is_read_too() -> None:
    """The 2024+ camelCase layout (senderName, timestamp, text, media, isUnsent) is read."""
    source = own(E2EE)
    imp, _ = identify(source)
    assert imp.name == "facebook_messenger_json"
    recs, probs = read_all(source)
    assert probs == []
    assert [(r.direction, r.body) for r in recs] == [
        ("incoming", "Café tonight? 😢"), ("incoming", None), ("incoming", None), ("outgoing", "ok")]
    assert recs[0].time_basis == "epoch milliseconds"
    assert format_utc(recs[0].utc) == "2026-03-03T04:15:00.000Z"
    assert recs[1].attachments[0].included is False and recs[1].attachments[0].related == "./media/abc.jpg"
    assert ("unsent", "true") in recs[2].extra
    assert recs[3].peers[0].value == "Casey Drummond"


def test_participants_after_messages_still_give_direction_and_peers(tmp_path: Path) -> None:
    """Should participants follow messages, the messages are held until they are known."""
    doc = '{"messages": [{"sender_name": "Robin Hale", "timestamp_ms": 1, "content": "x"}],' \
          ' "participants": [{"name": "Robin Hale"}, {"name": "Casey Drummond"}]}'
    recs, _ = read_all(write(tmp_path, doc))
    assert recs[0].direction == "outgoing" and recs[0].peers[0].value == "Casey Drummond"


@pytest.mark.parametrize("participants_first", [True, False])
def test_in_a_thread_of_two_the_participant_who_is_not_the_ex_is_the_person(
        tmp_path: Path, participants_first: bool) -> None:
    """Messenger shows "Robin H. Hale", the case says "Robin Hale": the other participant is the ex, so
    Robin H. Hale is the person, their own messages are outgoing, and each record says why."""
    from nocontact.importers.facebook_json import BY_PEER

    msgs = [{"sender_name": "Casey Drummond", "timestamp_ms": 1772504100000, "content": "pick up"},
            {"sender_name": "Robin H. Hale", "timestamp_ms": 1772504160000, "content": "please stop"}]
    parts = [{"name": "Casey Drummond"}, {"name": "Robin H. Hale"}]
    doc = json.dumps({"participants": parts, "messages": msgs} if participants_first
                     else {"messages": msgs, "participants": parts})
    recs, _ = read_all(write(tmp_path, doc))
    assert [(r.direction, r.body, [p.value for p in r.peers]) for r in recs] == [
        ("incoming", "pick up", ["Casey Drummond"]), ("outgoing", "please stop", ["Casey Drummond"])]
    assert all(dict(r.extra)["direction_basis"] == BY_PEER for r in recs)


@pytest.mark.parametrize("participants", [["Casey D.", "Robin H. Hale"],  # neither is the ex by the case
                                          ["Casey Drummond", "Robin H. Hale", "Alex"]])  # a group
def test_nothing_is_inferred_without_exactly_the_ex_and_one_other(tmp_path: Path, participants: list[str]) -> None:
    msgs = [{"sender_name": "Robin H. Hale", "timestamp_ms": 1772504160000, "content": "please stop"}]
    recs, _ = read_all(write(tmp_path, thread(msgs, participants)))
    assert recs[0].direction == "incoming" and "direction_basis" not in dict(recs[0].extra)


def test_one_bad_message_is_a_problem_and_the_rest_is_read(tmp_path: Path) -> None:
    """A message without a timestamp, or not an object, is a Problem; the others are records."""
    ok = {"sender_name": "Casey Drummond", "timestamp_ms": 1772504100000, "content": "hi"}
    recs, probs = read_all(write(tmp_path, thread([ok, {"sender_name": "x"}, 7, ok])))
    assert [r.source_id.rsplit("#", 1)[1] for r in recs] == ["0", "3"]
    assert [p.kind for p in probs] == ["no_time", "not_a_message"]


# -- bad input -----------------------------------------------------------------------------------

def test_without_the_person_names_the_import_asks_for_them() -> None:
    """Direction needs the person's display name; without it the error says what to add."""
    with pytest.raises(SourceError) as e:
        read_all(own(f"{GROUP}/message_1.json"), ImportContext(case=Case()))
    assert str(e.value) == NO_NAMES


def test_empty_truncated_and_wrong_json_are_refused_plainly(tmp_path: Path) -> None:
    """0 bytes, a cut-off file and JSON of another kind each give their own sentence."""
    with pytest.raises(SourceError) as e:
        read_all(write(tmp_path, b""))
    assert str(e.value) == EMPTY
    data = (DATA / GROUP / "message_1.json").read_bytes()
    with pytest.raises(SourceError) as e:
        read_all(write(tmp_path, data[: len(data) // 2]))
    assert str(e.value) == TRUNCATED
    with pytest.raises(SourceError) as e:
        read_all(write(tmp_path, b'{"a": 1}'))
    assert str(e.value) == NOT_THREAD


def test_deeply_nested_message_is_refused_not_crashing(tmp_path: Path) -> None:
    """A message nested 100,000 deep gives a SourceError, not a RecursionError."""
    deep = b"[" * 100_000 + b"]" * 100_000
    data = b'{"participants": [{"name": "Robin Hale"}], "messages": [{"content": ' + deep + b"}]}"
    with pytest.raises(SourceError) as e:
        read_all(write(tmp_path, data))
    assert "nested more than" in str(e.value)


def test_telegram_and_other_json_are_not_claimed(shared_fixtures: Path) -> None:
    """The Messenger sniffers do not claim Telegram's result.json."""
    s = fixture_source("DataExport_2025-03-22/result.json")
    assert MESSENGER.sniff(s, s.head()) is None and INSTAGRAM.sniff(s, s.head()) is None


# -- properties ----------------------------------------------------------------------------------

@given(st.binary(max_size=300))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_arbitrary_bytes_give_only_records_problems_or_source_error(tmp_path: Path, data: bytes) -> None:
    """Property: whatever the bytes, only Records, Problems or one SourceError come out."""
    try:
        for item in MESSENGER.read(write(tmp_path, data), ImportContext(case=ROBIN)):
            assert isinstance(item, Record | Problem)
            if isinstance(item, Record):
                assert item.source_id
    except SourceError:
        pass


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                     lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=6), c, max_size=4),
                     max_leaves=12)


@given(st.dictionaries(st.sampled_from(["sender_name", "timestamp_ms", "timestamp", "content", "type",
                                        "call_duration", "photos", "reactions", "is_unsent", "share",
                                        "senderName", "text", "media", "sticker"]), _json))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_arbitrary_message_fields_never_crash(tmp_path: Path, fields: dict[str, Any]) -> None:
    """Property: any JSON in a message's fields gives a Record or a Problem, never an exception."""
    ok = {"sender_name": "Casey Drummond", "timestamp_ms": 1772504100000, "content": "hi"}
    recs, probs = read_all(write(tmp_path, thread([fields, ok])))
    assert len(recs) + len(probs) == 2 and recs[-1].source_id.endswith("#1")


@given(st.integers(min_value=0, max_value=4_102_444_800_000))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_timestamp_ms_round_trips(tmp_path: Path, ms: int) -> None:
    """Property: timestamp_ms N is read as exactly N milliseconds after the epoch, in UTC."""
    recs, _ = read_all(write(tmp_path, thread([{"sender_name": "A", "timestamp_ms": ms}])))
    assert recs[0].utc == datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)
    assert recs[0].raw_time == str(ms)


# -- sample generator ----------------------------------------------------------------------------

def test_sample_generator_writes_threads_these_importers_read(tmp_path: Path) -> None:
    """write_sample makes Messenger and Instagram threads that read back with the story's figures."""
    from nocontact.samples.facebook import write_sample

    paths = write_sample(tmp_path, scale=1, seed=0)
    case = case_from_json(json.dumps(DEMO_CASE))
    ctx = context_for(case)
    kinds: dict[str, int] = {}
    ex_after = 0
    for p in paths:
        if p.suffix != ".json":
            continue
        recs, probs = read_source(FileSource(p, tmp_path, p.relative_to(tmp_path).as_posix()), ctx)
        assert probs == []
        for r in recs:
            kinds[r.kind] = kinds.get(r.kind, 0) + 1
        ex_after += figures(recs, case, DEMO_BOUNDARY_UTC)["ex"]["after_boundary_by_direction"].get("incoming", 0)
    assert kinds.get("messenger_call", 0) >= 2 and kinds.get("instagram_message", 0) >= 1
    assert ex_after >= 8
    assert [p.read_bytes() for p in write_sample(tmp_path / "again", seed=0)] == [p.read_bytes() for p in paths]
