"""iMessage chat.db / sms.db: what the importer must read, how, and what it must refuse."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nocontact.case import case_from_json
from nocontact.importers import identify
from nocontact.importers.base import ImportContext, SourceError
from nocontact.importers.imessage_chatdb import APPLE_EPOCH, ChatDbImporter, apple_time
from nocontact.importers.typedstream import encode_attributed_string
from nocontact.model import Identifier, Problem, Record
from nocontact.samples import DEMO_BOUNDARY_UTC, DEMO_CASE
from nocontact.samples.imessage import SCHEMA, apple_ns, write_sample
from nocontact.sources import FileSource, ZipMemberSource, zip_members
from tests.support import (
    assert_matches_expected,
    case_from_expected,
    context_for,
    figures,
    fixture_source,
    load_expected,
    read_source,
)

IMP = ChatDbImporter()
CTX = ImportContext()
REL = "Library/Messages/chat.db"


def _read(source: FileSource | object) -> tuple[list[Record], list[Problem]]:
    recs: list[Record] = []
    probs: list[Problem] = []
    for item in IMP.read(source, CTX):  # type: ignore[arg-type]
        (recs if isinstance(item, Record) else probs).append(item)
    return recs, probs


def _db(tmp_path: Path, name: str = "chat.db") -> tuple[Path, sqlite3.Connection]:
    p = tmp_path / name
    con = sqlite3.connect(p)
    for stmt in SCHEMA:
        con.execute(stmt)
    return p, con


def _msg(con: sqlite3.Connection, rowid: int, *, date: int, handle: int = 1, me: int = 0, text: str | None = "hi",
         body: bytes | None = None, chat: int = 1, **cols: object) -> None:
    names = ["ROWID", "guid", "text", "attributedBody", "handle_id", "date", "is_from_me", *cols]
    vals = [rowid, f"GUID-{rowid}", text, body, handle, date, me, *cols.values()]
    con.execute(f"INSERT INTO message ({', '.join(names)}) VALUES ({', '.join('?' * len(vals))})", vals)
    con.execute("INSERT INTO chat_message_join VALUES (?,?,?)", (chat, rowid, date))


def _basic(con: sqlite3.Connection, handles: tuple[str, ...] = ("+14155550199",), group: bool = False) -> None:
    for i, h in enumerate(handles, 1):
        con.execute("INSERT INTO handle (ROWID, id, service) VALUES (?,?,?)", (i, h, "iMessage"))
    con.execute("INSERT INTO chat (ROWID, guid, style, chat_identifier) VALUES (1, 'c1', ?, 'c1')",
                (43 if group else 45,))
    for i in range(1, len(handles) + 1):
        con.execute("INSERT INTO chat_handle_join VALUES (1, ?)", (i,))


def _src(p: Path) -> FileSource:
    return FileSource(p, p.parent, p.name)


# --- conformance -------------------------------------------------------------------------------

def test_fixture_chat_db_matches_every_expected_figure(shared_fixtures: Path) -> None:
    """Every figure of expected.json for chat.db, including tapbacks and the group event, holds."""
    expected = load_expected()
    recs, probs = read_source(fixture_source(REL), context_for(case_from_expected(expected)))
    assert probs == []
    assert_matches_expected(REL, recs, expected)
    want = expected["files"][REL]
    after = [r for r in recs if r.category == "reaction" and r.utc > datetime(2025, 2, 4, 3, 42, 10, tzinfo=UTC)]
    assert len([r for r in recs if r.category == "reaction"]) == want["ex"]["reactions"]
    assert len(after) == want["ex"]["reactions_after_boundary"]


def test_fixture_bodies_come_from_attributed_body_when_text_is_null(shared_fixtures: Path) -> None:
    """Rows with NULL text get their body from the typedstream, including the long emoji one."""
    recs, _ = read_source(fixture_source(REL), CTX)
    by_id = {r.source_id: r for r in recs}
    assert by_id["12"].body == "Sam what is going on"
    assert by_id["22"].body is not None and by_id["22"].body.endswith("how long this took. 🙂")
    assert by_id["30"].body == "I'm not giving up."
    assert by_id["15"].body == "\ufffc"
    att = by_id["15"].attachments[0]
    assert (att.name, att.mime, att.included) == ("IMG_4471.HEIC", "image/heic", False)
    assert by_id["1"].natural_key == "56DD05A0-671D-412D-96B4-F418B13FCBEA"


def test_fixture_is_identified_by_content(shared_fixtures: Path) -> None:
    """The registry picks this importer for the fixture on its content."""
    imp, match = identify(fixture_source(REL))
    assert imp.name == "imessage_chat_db" and match.confidence >= 80


# --- variants the fixture lacks ----------------------------------------------------------------

def test_seconds_and_nanoseconds_are_decided_per_value(tmp_path: Path) -> None:
    """Old rows in seconds and new rows in nanoseconds, in one database, both land at the right time."""
    p, con = _db(tmp_path)
    _basic(con)
    _msg(con, 1, date=500_000_000)
    _msg(con, 2, date=500_000_000 * 1_000_000_000 + 123_456_789)
    con.commit()
    con.close()
    recs, _ = _read(_src(p))
    want = APPLE_EPOCH + timedelta(seconds=500_000_000)
    assert recs[0].utc == want and recs[0].time_basis.startswith("Apple epoch seconds")
    assert recs[1].utc == want + timedelta(microseconds=123_456)
    assert recs[1].raw_time == "500000000123456789" and recs[1].time_zone == "UTC"


def test_unset_date_is_a_problem_not_a_record(tmp_path: Path) -> None:
    """date 0 means unset: the row is reported, not given a made-up time."""
    p, con = _db(tmp_path)
    _basic(con)
    _msg(con, 1, date=0)
    con.commit()
    con.close()
    recs, probs = _read(_src(p))
    assert recs == []
    assert probs[0].position == "ROWID 1"
    assert probs[0].message == "this message has no date, so it cannot be placed in time; skipped."


def test_sms_db_rows_are_sms_and_removed_tapbacks_are_reactions(tmp_path: Path) -> None:
    """An iPhone sms.db: service SMS gives kind sms; a removed tapback (3001) is still a reaction."""
    p, con = _db(tmp_path, "sms.db")
    _basic(con)
    _msg(con, 1, date=700_000_000, service="SMS")
    _msg(con, 2, date=700_000_100, text="Removed a like", associated_message_type=3001,
         associated_message_guid="p:0/GUID-1")
    con.commit()
    con.close()
    recs, _ = _read(_src(p))
    assert recs[0].kind == "sms" and recs[0].category == "message"
    assert (recs[1].kind, recs[1].category) == ("imessage_reaction", "reaction")
    assert ("reaction", "liked") in recs[1].extra and ("reaction_removed", "true") in recs[1].extra


def test_group_messages_are_groups_and_own_messages_with_handle_zero_have_all_members(tmp_path: Path) -> None:
    """In a chat with several handles, Sam's own rows (handle_id 0) are group messages to everyone."""
    p, con = _db(tmp_path)
    _basic(con, ("+14155550199", "alex@example.com"), group=True)
    _msg(con, 1, date=700_000_000, handle=0, me=1)
    _msg(con, 2, date=700_000_001, handle=2)
    con.commit()
    con.close()
    recs, _ = _read(_src(p))
    assert recs[0].is_group and recs[0].direction == "outgoing"
    assert recs[0].peers == (Identifier("handle", "+14155550199"), Identifier("handle", "alex@example.com"))
    assert recs[1].sender == Identifier("handle", "alex@example.com")
    assert recs[1].peers == (Identifier("handle", "+14155550199"),)


def test_outgoing_send_error_is_failed(tmp_path: Path) -> None:
    """Sam's message with a non-zero error never arrived: direction failed."""
    p, con = _db(tmp_path)
    _basic(con)
    _msg(con, 1, date=700_000_000, me=1, error=22)
    con.commit()
    con.close()
    recs, _ = _read(_src(p))
    assert recs[0].direction == "failed"
    assert recs[0].peers == (Identifier("handle", "+14155550199"),)


def test_attachment_file_beside_the_database_is_included(tmp_path: Path) -> None:
    """When the export carries Attachments/, the AttachmentRef points at the file."""
    root = tmp_path / "Library" / "Messages"
    root.mkdir(parents=True)
    p, con = _db(root)
    _basic(con)
    _msg(con, 1, date=700_000_000, text="\ufffc", cache_has_attachments=1)
    con.execute("INSERT INTO attachment (ROWID, guid, filename, mime_type, transfer_name, original_guid) VALUES "
                "(1, 'a', '~/Library/Messages/Attachments/ab/00/X/IMG_1.HEIC', 'image/heic', 'IMG_1.HEIC', 'a')")
    con.execute("INSERT INTO message_attachment_join VALUES (1, 1)")
    con.commit()
    con.close()
    f = root / "Attachments" / "ab" / "00" / "X" / "IMG_1.HEIC"
    f.parent.mkdir(parents=True)
    f.write_bytes(b"heic")
    recs, _ = _read(FileSource(p, tmp_path, "Library/Messages/chat.db"))
    att = recs[0].attachments[0]
    assert att.included and att.related == "Library/Messages/Attachments/ab/00/X/IMG_1.HEIC"


def test_damaged_attributed_body_falls_back_with_a_problem(tmp_path: Path) -> None:
    """A blob the decoder refuses is read by the byte search, and a Problem says so."""
    p, con = _db(tmp_path)
    _basic(con)
    blob = encode_attributed_string("Hello there")
    _msg(con, 1, date=700_000_000, text=None, body=blob[:-4])
    con.commit()
    con.close()
    recs, probs = _read(_src(p))
    assert recs[0].body == "Hello there"
    assert probs[0].kind == "attributed_body"
    assert probs[0].message.endswith("the text was recovered by a byte search.")


def _zipped_chat(tmp_path: Path, *, wal: bool = False, messages: bool = True,
                 name: str = "Library/Messages/chat.db") -> ZipMemberSource:
    """A small chat.db (one message "hi" unless ``messages`` is false) inside backup.zip."""
    p, con = _db(tmp_path)
    _basic(con)
    if messages:
        _msg(con, 1, date=700_000_000)
    if wal:
        con.execute("PRAGMA journal_mode=WAL")
    con.commit()
    con.close()
    z = tmp_path / "backup.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(p, name)
    (member,) = zip_members(z, "backup.zip")
    return member


def test_database_inside_a_zip_is_read_in_memory(tmp_path: Path) -> None:
    """A chat.db inside an archive (no path on disk) gives the same records via deserialize."""
    member = _zipped_chat(tmp_path, wal=True)
    recs, probs = _read(member)
    assert [r.body for r in recs] == ["hi"] and probs == []


def test_database_inside_a_zip_is_recognised_from_its_first_pages_and_loaded_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Messages folder zipped on a Mac can hold a chat.db of gigabytes: recognising it must not
    load it into memory a first time, only reading it does."""
    import nocontact.importers.imessage_chatdb as mod

    member = _zipped_chat(tmp_path)
    loads = []
    real_open = mod._open
    monkeypatch.setattr(mod, "_open", lambda source: loads.append(source.display) or real_open(source))
    match = ChatDbImporter().sniff(member, member.head())
    assert match is not None and loads == []
    recs, _ = _read(member)
    assert [r.body for r in recs] == ["hi"] and loads == ["backup.zip!/Library/Messages/chat.db"]


def test_database_inside_a_zip_whose_schema_is_past_the_first_pages_is_still_recognised(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import nocontact.importers.imessage_chatdb as mod

    member = _zipped_chat(tmp_path, messages=False, name="chat.db")
    monkeypatch.setattr(mod, "SCHEMA_SNIFF_BYTES", 16)  # the names are not in what is searched first
    match = ChatDbImporter().sniff(member, member.head())
    assert match is not None and match.confidence == 90


def test_wal_file_beside_the_database_is_reported(tmp_path: Path) -> None:
    """A non-empty chat.db-wal is not replayed (read-only, immutable): the person is told."""
    p, con = _db(tmp_path)
    _basic(con)
    _msg(con, 1, date=700_000_000)
    con.commit()
    con.close()
    (tmp_path / "chat.db-wal").write_bytes(b"x" * 32)
    _, probs = _read(_src(p))
    assert probs[0].kind == "wal_not_read"


# --- refusals and hostile input ----------------------------------------------------------------

def test_empty_file_is_refused(tmp_path: Path) -> None:
    """0 bytes: a plain sentence, no traceback."""
    p = tmp_path / "chat.db"
    p.write_bytes(b"")
    with pytest.raises(SourceError) as e:
        _read(_src(p))
    assert str(e.value) == "chat.db: the file is empty (0 bytes), so there are no messages to read."


def test_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    """Text named chat.db is not a database."""
    p = tmp_path / "chat.db"
    p.write_bytes(b"hello, this is not a database")
    with pytest.raises(SourceError) as e:
        _read(_src(p))
    assert str(e.value) == ("chat.db: this is not a SQLite database, so it is not a Messages chat.db or sms.db.")
    assert IMP.sniff(_src(p), p.read_bytes()) is None


def test_other_sqlite_database_is_refused(tmp_path: Path) -> None:
    """A SQLite file without Messages' tables is not claimed and not read."""
    p = tmp_path / "other.db"
    con = sqlite3.connect(p)
    con.execute("CREATE TABLE notes (x)")
    con.commit()
    con.close()
    assert IMP.sniff(_src(p), p.read_bytes()[:8192]) is None
    with pytest.raises(SourceError) as e:
        _read(_src(p))
    assert str(e.value) == "other.db: this database has no 'message' table, so it is not a Messages chat.db or sms.db."


def test_truncated_database_is_refused_or_reported(tmp_path: Path) -> None:
    """Half a database is a SourceError or a fatal Problem, never a traceback."""
    write_sample(tmp_path)
    data = (tmp_path / REL).read_bytes()
    p = tmp_path / "cut.db"
    p.write_bytes(data[: len(data) // 3])
    try:
        _, probs = _read(_src(p))
    except SourceError as e:
        assert str(e).startswith("cut.db: ")
    else:
        assert probs and probs[-1].fatal


def test_message_view_instead_of_table_is_refused(tmp_path: Path) -> None:
    """A 'message' that is a VIEW (could run functions) is refused before any SELECT on it."""
    p = tmp_path / "chat.db"
    con = sqlite3.connect(p)
    con.execute("CREATE TABLE handle (ROWID INTEGER PRIMARY KEY, id TEXT)")
    con.execute("CREATE TABLE chat_message_join (chat_id, message_id)")
    con.execute("CREATE VIEW message AS SELECT 1 AS ROWID, randomblob(10) AS guid")
    con.commit()
    con.close()
    with pytest.raises(SourceError) as e:
        _read(_src(p))
    assert str(e.value) == ("chat.db: this database has a view instead of a 'message' table, so it is not a "
                            "Messages chat.db or sms.db.")


def test_malicious_triggers_change_nothing(tmp_path: Path) -> None:
    """Triggers in the file never fire and the file's bytes stay identical; no side files appear."""
    p, con = _db(tmp_path)
    _basic(con)
    _msg(con, 1, date=700_000_000)
    con.execute("CREATE TABLE pwned (x)")
    for table in ("message", "handle", "chat", "chat_message_join"):
        for ev in ("INSERT", "UPDATE", "DELETE"):
            con.execute(f"CREATE TRIGGER t_{table}_{ev} AFTER {ev} ON {table} BEGIN "
                        "INSERT INTO pwned VALUES (1); DELETE FROM message; END")
    con.execute("CREATE VIEW v AS SELECT * FROM message")
    con.commit()
    con.close()
    before = hashlib.sha256(p.read_bytes()).hexdigest()
    recs, _ = _read(_src(p))
    assert len(recs) == 1
    assert hashlib.sha256(p.read_bytes()).hexdigest() == before
    assert sorted(x.name for x in tmp_path.iterdir()) == ["chat.db"]
    con = sqlite3.connect(p)
    assert con.execute("SELECT count(*) FROM pwned").fetchone() == (0,)
    con.close()


# --- sample generator and properties -----------------------------------------------------------

def test_sample_generator_writes_a_database_the_importer_reads(tmp_path: Path) -> None:
    """The demo chat.db reads with the story's counts: 25 messages, 17 the ex's, 13 after the boundary."""
    (path,) = write_sample(tmp_path)
    case = case_from_json(json.dumps(DEMO_CASE))
    recs, probs = read_source(FileSource(path, tmp_path, REL), context_for(case))
    assert probs == []
    f = figures(recs, case, DEMO_BOUNDARY_UTC)
    assert f["records_total"] == 25 and f["system_lines"] == 1 and f["reactions_total"] == 2
    assert f["ex"]["total"] == 17 and f["ex"]["after_boundary"] == 13
    assert f["ex"]["by_identifier"] == {"+13125550187": 11, "casey.drummond@example.com": 6}
    (big,) = write_sample(tmp_path / "big", scale=3)
    assert sum(isinstance(r, Record) for r in IMP.read(_src(big), CTX)) == 28 + 2 * 18


@settings(max_examples=150, deadline=None)
@given(st.datetimes(min_value=datetime(2001, 1, 2), max_value=datetime(2100, 1, 1)))
def test_apple_nanoseconds_round_trip(dt: datetime) -> None:
    """Any time written as Apple nanoseconds reads back to the same microsecond."""
    utc = dt.replace(tzinfo=UTC)
    assert apple_time(apple_ns(utc))[0] == utc
    assert apple_time(apple_ns(utc) // 1_000_000_000)[0] == utc.replace(microsecond=0)


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=0, max_size=2000), st.integers(min_value=0, max_value=20_000))
def test_arbitrary_bytes_give_only_records_problems_or_source_error(tmp_path_factory: pytest.TempPathFactory,
                                                                   noise: bytes, at: int) -> None:
    """Damaged databases (random bytes spliced into a real one) never crash the importer."""
    d = tmp_path_factory.mktemp("fuzz")
    base = _FUZZ_BASE.read_bytes() if _FUZZ_BASE.exists() else b""
    if not base:
        write_sample(_FUZZ_BASE.parent.parent.parent)
        base = _FUZZ_BASE.read_bytes()
    at = min(at, len(base))
    p = d / "chat.db"
    p.write_bytes(base[:at] + noise + base[at + len(noise):])
    try:
        for item in IMP.read(_src(p), CTX):
            assert isinstance(item, Record | Problem)
            if isinstance(item, Record):
                assert item.source_id
    except SourceError:
        pass


_FUZZ_BASE = Path(__import__("tempfile").mkdtemp()) / "Library" / "Messages" / "chat.db"


def test_database_inside_an_archive_over_the_memory_cap_is_refused(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A database that would have to be loaded into memory above the cap is refused plainly."""
    import nocontact.importers.imessage_chatdb as mod

    p, con = _db(tmp_path)
    con.commit()
    con.close()
    z = tmp_path / "backup.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(p, "chat.db")
    (member,) = zip_members(z, "backup.zip")
    monkeypatch.setattr(mod, "MAX_IN_MEMORY_BYTES", 1000)
    with pytest.raises(SourceError) as e:
        _read(member)
    assert str(e.value) == (f"backup.zip!/chat.db: this database is {member.size:,} bytes, too large to read from "
                            "inside an archive (the limit is 1,000). Unpack it and import the file itself.")


def test_schema_naming_an_object_that_is_not_utf8_is_refused_as_damaged(tmp_path: Path) -> None:
    """SQLite's 'malformed schema' message quoting non-UTF-8 bytes ends in a plain refusal naming the file."""
    found = Path(__file__).parents[1] / "fuzz" / "regressions" / "imessage_chat_db"
    p = tmp_path / "chat.db"
    p.write_bytes(next(found.glob("UnicodeDecodeError_imessage_chatdb_295-*")).read_bytes())
    assert IMP.sniff(_src(p), p.read_bytes()[:8192]) is None
    with pytest.raises(SourceError) as e:
        _read(_src(p))
    assert str(e.value).startswith("chat.db: this SQLite file is damaged and cannot be read (malformed database "
                                   "schema, naming an object that is not UTF-8 text)")
