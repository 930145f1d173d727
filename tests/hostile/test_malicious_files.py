"""The malicious-file corpus of issue 8, each case imported through the vault end to end.

Every case ends in one of three ways: the import fails with a sentence naming the file (and the
line, byte or member where that makes sense) and the vault is exactly as before; the archive is
refused and skipped with its reason; or the import commits with the bad part counted as a problem
with its position. In every case the vault verifies afterwards, nothing is fetched from the
network, no file is read or written outside the import, and the process does not crash.
Cases marked ``xfail(strict=True)`` are crashes still open in an importer.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import os
import re
import sqlite3
import struct
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fuzz.make_seeds import BILLION_LAUGHS, small_sqlite, sqlite_variant

from nocontact.case import case_from_json
from nocontact.demo import write_all_samples
from nocontact.samples import DEMO_CASE
from nocontact.vault.events import save_case
from nocontact.vault.store import Vault
from tests.fuzz.vault_state import Result, State, import_bytes, state, verified
from tests.hostile.long_line_worker import HEADER

REPO = Path(__file__).resolve().parents[2]

#: The project runs slow-marked tests by default; these take minutes and gigabytes of disk, so they
#: run only when asked for with NOCONTACT_SLOW=1.
needs_slow = pytest.mark.skipif(not os.environ.get("NOCONTACT_SLOW"), reason="set NOCONTACT_SLOW=1 to run")


@pytest.fixture
def vault(new_vault: Vault) -> Vault:
    """An empty vault with the demo case, so attribution works as in real use."""
    save_case(new_vault, case_from_json(json.dumps(DEMO_CASE)))
    return new_vault


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("samples")
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in write_all_samples(folder)}


def failed_unchanged(vault: Vault, before: State, result: Result, name: str, *words: str) -> str:
    """The import failed with a sentence naming ``name`` (and ``words``); nothing in the vault moved."""
    assert not result.summaries, result.summaries
    assert len(result.failures) == 1, result
    sentence = result.failures[0]
    assert name in sentence
    for w in words:
        assert w in sentence, (w, sentence)
    assert state(vault) == before
    assert verified(vault)
    return sentence


def skipped_unchanged(vault: Vault, before: State, result: Result, name: str, *words: str) -> str:
    """The archive was refused before anything was read; its reason is a sentence."""
    assert not result.summaries and not result.failures, result
    assert len(result.skipped) == 1, result.skipped
    assert result.skipped[0].display == name
    for w in words:
        assert w in result.skipped[0].reason, (w, result.skipped[0].reason)
    assert state(vault) == before
    assert verified(vault)
    return result.skipped[0].reason


def committed_with_problems(vault: Vault, result: Result, *positions: str) -> list[dict[str, str]]:
    """The import committed and counted the bad parts as problems, each with its position."""
    assert not result.failures, result.failures
    assert len(result.summaries) == 1
    problems = result.summaries[0].problems
    assert problems, "the bad part was neither refused nor counted"
    for p in problems:
        assert p["position"] and p["message"]
    for pos in positions:
        assert any(pos in p["position"] for p in problems), (pos, problems)
    assert verified(vault)
    return problems


def sms_xml(body: bytes, *, prolog: bytes = b'<?xml version="1.0" encoding="UTF-8"?>\n') -> bytes:
    return (prolog + b'<smses count="1">\n  <sms protocol="0" address="+13125550187" date="1768093331037" '
            b'type="1" body="' + body + b'" read="1" status="-1" locked="0" date_sent="0" '
            b'contact_name="Casey" />\n</smses>\n')


# -- XML: entities and DTDs ----------------------------------------------------------------------


def test_billion_laughs_is_refused_and_changes_nothing(vault: Vault, tmp_path: Path) -> None:
    """Entity expansion (billion laughs) is refused before any entity is expanded."""
    data = sms_xml(b"&c;", prolog=BILLION_LAUGHS.replace(b"<!ENTITY c", b"<!ENTITY d \"&c;&c;\">\n <!ENTITY c"))
    before = state(vault)
    r = import_bytes(vault, tmp_path, "sms_backup_restore_sms", data)
    failed_unchanged(vault, before, r, "sms-20260421093015.xml", "DOCTYPE")


def test_external_entity_naming_a_local_file_is_never_read(vault: Vault, tmp_path: Path) -> None:
    """An entity pointing at a file on the computer is refused; the file's content appears nowhere."""
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-MARKER-7f3a", "utf-8")
    data = sms_xml(b"&x;", prolog=f'<?xml version="1.0"?>\n<!DOCTYPE smses [<!ENTITY x SYSTEM '
                   f'"file://{secret}">]>\n'.encode())
    before = state(vault)
    r = import_bytes(vault, tmp_path / "in", "sms_backup_restore_sms", data)
    sentence = failed_unchanged(vault, before, r, "sms-20260421093015.xml")
    assert "SECRET-MARKER" not in sentence


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        _Recorder.hits.append(self.path)
        body = b'<!ENTITY x "FETCHED-MARKER">'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_a: object) -> None:
        return


@pytest.fixture
def listener() -> Iterator[str]:
    """A local web server that records every request: the importers must never call it."""
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("target", "kind"), [
    ("sms_backup_restore_sms", "entity"), ("sms_backup_restore_sms", "dtd"),
    ("sms_backup_restore_calls", "entity"), ("sms_backup_restore_calls", "dtd"),
    ("google_voice_html", "dtd"),
])
def test_network_entities_and_dtds_are_never_fetched(vault: Vault, tmp_path: Path, listener: str,
                                                     samples: dict[str, bytes], target: str, kind: str) -> None:
    """A DOCTYPE naming a URL (entity or external DTD) causes no request, and no fetched text is stored."""
    if target == "google_voice_html":
        page = samples["Takeout/Voice/Calls/Casey Drummond - Text - 2026-01-12T15_00_00Z.html"]
        data = (f'<!DOCTYPE html SYSTEM "{listener}/voice.dtd">\n'.encode() + page)
    else:
        root = b"smses" if target.endswith("_sms") else b"calls"
        decl = (f'<!DOCTYPE {root.decode()} [<!ENTITY x SYSTEM "{listener}/x">]>\n' if kind == "entity"
                else f'<!DOCTYPE {root.decode()} SYSTEM "{listener}/sms.dtd">\n').encode()
        if target.endswith("_sms"):
            data = sms_xml(b"&x;" if kind == "entity" else b"hello", prolog=b'<?xml version="1.0"?>\n' + decl)
        else:
            data = (b'<?xml version="1.0"?>\n' + decl + b'<calls count="1">\n  <call number="+13125550187" '
                    b'duration="0" date="1768093331037" type="3" presentation="1" />\n</calls>\n')
    before = state(vault)
    r = import_bytes(vault, tmp_path, target, data)
    assert _Recorder.hits == []
    if target == "google_voice_html":
        assert not r.failures and verified(vault)
        bodies = [row[0] or "" for row in vault.conn.execute("SELECT body FROM events")]
        assert not any("FETCHED-MARKER" in b for b in bodies)
    else:
        failed_unchanged(vault, before, r, TARGETS_FILE[target], "DOCTYPE")


TARGETS_FILE = {"sms_backup_restore_sms": "sms-20260421093015.xml",
                "sms_backup_restore_calls": "calls-20260421093015.xml"}


# -- archives ------------------------------------------------------------------------------------


def _zip(members: list[tuple[str | zipfile.ZipInfo, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for m, d in members:
            zf.writestr(m, d)
    return buf.getvalue()


def _symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o120777 << 16
    return info


SLIPS = {
    "dot_dot": ("../../evil.txt", "outside itself"),
    "absolute": ("/tmp/nocontact-evil.txt", "absolute path"),
    "symlink": (_symlink("link-to-passwd"), "symbolic link"),
}


@pytest.mark.parametrize("how", list(SLIPS))
def test_zip_slip_in_a_download_is_refused_and_writes_nothing(vault: Vault, tmp_path: Path,
                                                               samples: dict[str, bytes], how: str) -> None:
    """A download whose member escapes the archive (.., absolute name, symlink) is skipped with the reason."""
    member, words = SLIPS[how]
    data = _zip([("Saved emails/a.eml", samples["Saved emails/Robin - from Casey.eml"]),
                 (member, b"/etc/passwd")])
    outside = sorted(p.name for p in tmp_path.parent.iterdir())
    before = state(vault)
    r = import_bytes(vault, tmp_path / "in", "zip_archive", data)
    skipped_unchanged(vault, before, r, "takeout-2026.zip", words)
    assert sorted(p.name for p in tmp_path.parent.iterdir()) == outside
    assert not Path("/tmp/nocontact-evil.txt").exists()


@pytest.mark.parametrize("how", list(SLIPS))
def test_zip_slip_in_a_whatsapp_zip_fails_the_import_plainly(vault: Vault, tmp_path: Path,
                                                              samples: dict[str, bytes], how: str) -> None:
    """A WhatsApp zip with an escaping member fails with a sentence naming the zip and the member."""
    member, words = SLIPS[how]
    with zipfile.ZipFile(io.BytesIO(samples["WhatsApp Chat - Casey Drummond.zip"])) as zf:
        chat = zf.read("_chat.txt")
    before = state(vault)
    r = import_bytes(vault, tmp_path, "whatsapp_ios_zip", _zip([("_chat.txt", chat), (member, b"x")]))
    failed_unchanged(vault, before, r, "WhatsApp Chat - Casey Drummond.zip", words)


def test_zip_bomb_by_ratio_is_refused_before_inflating(vault: Vault, tmp_path: Path) -> None:
    """A member of 20 MiB of zeros (about 1000:1) is refused by its declared ratio, never inflated."""
    data = _zip([("bomb.bin", b"\0" * (20 * 1024**2))])
    before = state(vault)
    r = import_bytes(vault, tmp_path, "zip_archive", data)
    skipped_unchanged(vault, before, r, "takeout-2026.zip", "zip bomb", "bomb.bin")


def _forge_sizes(data: bytes, file_size: int, compress_size: int) -> bytes:
    """Rewrite every central-directory entry to declare the given sizes (the data stays tiny)."""
    b = bytearray(data)
    i = b.find(b"PK\x01\x02")
    while i >= 0:
        struct.pack_into("<II", b, i + 20, compress_size, file_size)
        i = b.find(b"PK\x01\x02", i + 4)
    return bytes(b)


def test_zip_bomb_by_total_size_is_refused_from_the_directory(vault: Vault, tmp_path: Path) -> None:
    """Twenty members each declaring 3.75 GiB at a modest ratio add up past the 64 GiB cap: refused."""
    data = _forge_sizes(_zip([(f"part{i:02d}.bin", b"x") for i in range(20)]), 0xF0000000, 0x02000000)
    before = state(vault)
    r = import_bytes(vault, tmp_path, "zip_archive", data)
    skipped_unchanged(vault, before, r, "takeout-2026.zip", "over the limit")


def test_nested_archives_are_never_opened(vault: Vault, tmp_path: Path, samples: dict[str, bytes]) -> None:
    """A zip inside a zip inside a zip is listed as skipped, not unpacked; nothing is imported."""
    inner = samples["WhatsApp Chat - Casey Drummond.zip"]
    data = _zip([("level1.zip", _zip([("level2.zip", inner)]))])
    before = state(vault)
    r = import_bytes(vault, tmp_path, "zip_archive", data)
    assert not r.summaries and not r.failures
    assert [s.display for s in r.skipped] == ["takeout-2026.zip!/level1.zip"]
    assert "archive inside an archive" in r.skipped[0].reason
    assert state(vault) == before and verified(vault)


# -- an mbox of one enormous line ----------------------------------------------------------------


def _long_line(tmp_path: Path, size: int) -> dict[str, object]:
    """Run the worker in a fresh process (so its peak memory is its own) and read its JSON line."""
    proc = subprocess.run([sys.executable, "-m", "tests.hostile.long_line_worker", str(tmp_path / "v"), str(size)],
                          cwd=REPO, capture_output=True, text=True, timeout=1800, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


#: Peak memory of the whole worker process for a line of any length. The interpreter, lxml, the
#: crypto libraries and SQLCipher take about 50 MB before the line is read; the splitter then holds
#: at most one line limit (64 MiB) and one read. Measured: 128 MB for 300 MB and for 2 GB alike
#: (it was 564 MB for 300 MB when the splitter buffered up to its 256 MiB message cap).
LONG_LINE_PEAK_MB = 150


def _check_long_line(out: dict[str, object], size: int) -> None:
    """Committed with one named refusal covering the whole line, no event, verified, memory flat."""
    assert out["outcome"] == "committed" and out["verify_ok"] is True, out
    (problem,) = out["problems"]  # type: ignore[misc]
    assert problem["kind"] == "too_large" and problem["position"] == "byte 0"
    last = len(HEADER) + size
    assert f"the message at bytes 0 to {last:,} of the file ({last + 1:,} bytes) holds a line of more than " \
           in problem["message"]
    assert "Message-ID: <long-line@example.com>" in problem["message"]
    assert out["events"] == 0, "the refused message must not become an event"
    assert float(str(out["peak_rss_mb"])) < LONG_LINE_PEAK_MB, out


def test_mbox_with_one_300_mb_line_is_streamed_in_bounded_memory(tmp_path: Path) -> None:
    """One 300 MB line, generated lazily: refused by name with its byte range, memory under 150 MB, vault verified.

    Measured: about 4 s and a peak of 128 MB (the 2 GB case below peaks the same), so it runs by default.
    """
    _check_long_line(_long_line(tmp_path, 300 * 1000**2), 300 * 1000**2)


@pytest.mark.slow
@needs_slow
def test_mbox_with_one_2_gb_line_is_streamed_in_bounded_memory(tmp_path: Path) -> None:
    """The 2 GB line of issue 8, generated lazily: the same refusal, the same memory, vault verified.

    Measured: 27 s and 128 MB peak; it writes 2 GB (the original kept in the vault), hence slow.
    """
    _check_long_line(_long_line(tmp_path, 2 * 1000**3), 2 * 1000**3)


def test_mbox_with_one_long_line_under_the_cap_imports_in_bounded_memory(tmp_path: Path) -> None:
    """A 4 MB single-line body is read whole and imported, and the process's peak stays under 150 MB.

    Measured: 81 MB (it was 110 MB before single-part messages skipped the stdlib's StringIO copies).
    """
    out = _long_line(tmp_path, 4 * 1000**2)
    assert out["outcome"] == "committed" and out["events"] == 1 and out["problems"] == []
    assert out["verify_ok"] is True
    assert float(str(out["peak_rss_mb"])) < LONG_LINE_PEAK_MB, out


# -- text encodings ------------------------------------------------------------------------------


def test_invalid_utf8_in_a_whatsapp_chat_is_a_counted_problem_with_its_line(vault: Vault, tmp_path: Path,
                                                                           samples: dict[str, bytes]) -> None:
    """Undecodable bytes in one WhatsApp line are counted with the line number; the rest is imported."""
    chat = samples["WhatsApp Chat with Casey Drummond.txt"]
    lines = chat.split(b"\n")
    lines[3] = lines[3] + b" \xff\xfe\xc3("
    r = import_bytes(vault, tmp_path, "whatsapp_android_txt", b"\n".join(lines))
    committed_with_problems(vault, r, "line")


def test_invalid_utf8_in_a_telegram_export_fails_plainly(vault: Vault, tmp_path: Path,
                                                         samples: dict[str, bytes]) -> None:
    """A Telegram export with bytes that are not UTF-8 fails with a sentence; nothing is stored."""
    data = samples["DataExport_2026-04-02/result.json"].replace(b'"text": "', b'"text": "\xff\xfe', 1)
    before = state(vault)
    r = import_bytes(vault, tmp_path, "telegram_desktop_json", data)
    failed_unchanged(vault, before, r, "result.json", "UTF-8")


def test_invalid_utf8_in_an_sms_backup_names_line_and_column(vault: Vault, tmp_path: Path) -> None:
    """An SMS backup with bytes that are not UTF-8 fails naming the line and column."""
    before = state(vault)
    r = import_bytes(vault, tmp_path, "sms_backup_restore_sms", sms_xml(b"hi \xff\xfe there"))
    failed_unchanged(vault, before, r, "sms-20260421093015.xml", "line 3", "column")


@pytest.mark.parametrize(("target", "key", "escape"), [
    ("telegram_desktop_json", "DataExport_2026-04-02/result.json", b'"text": "\\ud800'),
    ("facebook_messenger_json", "facebook-robinhale/messages/inbox/caseydrummond_10160011223344556/message_1.json",
     b'"content": "\\udfff'),
])
def test_lone_surrogate_escapes_in_json_never_crash_the_writer(vault: Vault, tmp_path: Path,
                                                              samples: dict[str, bytes], target: str, key: str,
                                                              escape: bytes) -> None:
    """A JSON \\uD800 with no partner either imports (text kept storable) or fails plainly; no crash."""
    field = escape.split(b": ")[0] + b': "'
    data = samples[key].replace(field, escape, 3)
    assert data != samples[key]
    before = state(vault)
    r = import_bytes(vault, tmp_path, target, data)
    if r.failures:
        failed_unchanged(vault, before, r, key.rsplit("/", 1)[-1])
    else:
        assert r.summaries and verified(vault)


def test_lone_surrogate_reference_in_an_sms_backup_is_a_counted_problem(vault: Vault, tmp_path: Path) -> None:
    """&#55357; without its pair cannot be text: the message is counted as a problem, not stored broken."""
    data = sms_xml(b"before &#55357; after").replace(b"</smses>", b'  <sms protocol="0" address="+13125550187" '
                                                     b'date="1768093332037" type="1" body="fine" read="1" '
                                                     b'status="-1" locked="0" date_sent="0" />\n</smses>')
    r = import_bytes(vault, tmp_path, "sms_backup_restore_sms", data)
    committed_with_problems(vault, r)


def test_cesu_encoded_surrogate_in_a_whatsapp_chat_is_a_counted_problem(vault: Vault, tmp_path: Path,
                                                                       samples: dict[str, bytes]) -> None:
    """Bytes ED A0 80 (a surrogate written as UTF-8) are not text: counted with the line, the rest kept."""
    chat = samples["WhatsApp Chat with Casey Drummond.txt"]
    lines = chat.split(b"\n")
    lines[2] = lines[2] + b" \xed\xa0\x80"
    r = import_bytes(vault, tmp_path, "whatsapp_android_txt", b"\n".join(lines))
    committed_with_problems(vault, r, "line")


# -- chat.db that would run code -----------------------------------------------------------------


@pytest.fixture(scope="module")
def chat_db(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("chatdb")
    write_all_samples(folder)
    return small_sqlite(folder / "Library/Messages/chat.db")


def test_chat_db_trigger_never_fires_and_the_database_is_not_modified(vault: Vault, tmp_path: Path,
                                                                       chat_db: bytes) -> None:
    """Triggers that would write on any change stay silent: the file is opened read-only and unchanged."""
    data = sqlite_variant(chat_db, "CREATE TABLE pwned(x)",
                          "CREATE TRIGGER t1 AFTER UPDATE ON message BEGIN INSERT INTO pwned VALUES (1); END",
                          "CREATE TRIGGER t2 AFTER INSERT ON handle BEGIN INSERT INTO pwned VALUES (2); END")
    r = import_bytes(vault, tmp_path, "imessage_chat_db", data)
    assert not r.failures and r.summaries and verified(vault)
    path = tmp_path / "Library/Messages/chat.db"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        assert con.execute("SELECT count(*) FROM pwned").fetchone()[0] == 0
    finally:
        con.close()


def _view_instead_of(db: bytes, table: str) -> bytes:
    """``table`` replaced by a view that calls load_extension() on every row it is read for."""
    return sqlite_variant(db, f"ALTER TABLE {table} RENAME TO {table}_real",
                          f"CREATE VIEW {table} AS SELECT *, load_extension('/nonexistent/evil') AS x "
                          f"FROM {table}_real")


@pytest.mark.parametrize("table", ["message", "handle"])
def test_chat_db_view_in_place_of_a_required_table_is_refused(vault: Vault, tmp_path: Path, chat_db: bytes,
                                                              table: str) -> None:
    """A view standing where Messages has a table it needs (it could run code on every read) is refused."""
    before = state(vault)
    r = import_bytes(vault, tmp_path, "imessage_chat_db", _view_instead_of(chat_db, table))
    failed_unchanged(vault, before, r, "chat.db", "view", table)


@pytest.mark.parametrize("table", ["chat_message_join", "chat", "attachment"])
def test_chat_db_view_in_place_of_an_optional_table_is_never_read(vault: Vault, tmp_path: Path, chat_db: bytes,
                                                                  table: str) -> None:
    """A view where an optional table belongs is ignored, never queried: had it run, load_extension would
    have failed the import; the messages themselves are still imported."""
    r = import_bytes(vault, tmp_path, "imessage_chat_db", _view_instead_of(chat_db, table))
    assert not r.failures and r.summaries and r.summaries[0].records_read > 0
    assert verified(vault)


# -- structure and numbers -----------------------------------------------------------------------


@pytest.mark.parametrize(("target", "name"), [
    ("telegram_desktop_json", "result.json"), ("facebook_messenger_json", "message_1.json"),
    ("instagram_json", "message_1.json"),
])
def test_json_nested_100000_deep_is_refused(vault: Vault, tmp_path: Path, target: str, name: str) -> None:
    """JSON nested 100,000 deep is refused with a sentence, not a RecursionError."""
    data = b'{"messages": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}"
    before = state(vault)
    r = import_bytes(vault, tmp_path, target, data)
    failed_unchanged(vault, before, r, name, "nested")


OVERFLOWS = [
    pytest.param("sms_backup_restore_sms", sms_xml(b"hi").replace(b'date="1768093331037"',
                                                                  b'date="99999999999999999999999999"'),
                 id="sms-date"),
    pytest.param("sms_backup_restore_calls",
                 b'<?xml version="1.0"?>\n<calls count="1">\n  <call number="+13125550187" duration="1" '
                 b'date="1e400" type="3" presentation="1" />\n</calls>\n', id="calls-date-float"),
    pytest.param("sms_backup_restore_calls",
                 b'<?xml version="1.0"?>\n<calls count="1">\n  <call number="+13125550187" '
                 b'duration="99999999999999999999" date="1768093331037" type="3" presentation="1" />\n</calls>\n',
                 id="calls-duration"),
    pytest.param("facebook_messenger_json",
                 b'{"participants": [{"name": "Casey Drummond"}, {"name": "Robin Hale"}], "messages": ['
                 b'{"sender_name": "Casey Drummond", "timestamp_ms": 123456789012345678901234567890, '
                 b'"content": "hi", "type": "Generic"}], "title": "Casey Drummond", "thread_path": "inbox/c_1"}',
                 id="facebook-timestamp"),
    pytest.param("telegram_desktop_json",
                 b'{"name": "Casey Drummond", "type": "personal_chat", "id": 7700998811, "messages": ['
                 b'{"id": 1, "type": "message", "date": "2026-01-10T10:00:00", "date_unixtime": "1e400", '
                 b'"from": "Casey Drummond", "from_id": "user7700998811", "text": "hi"}]}',
                 id="telegram-unixtime"),
]


@pytest.mark.parametrize(("target", "data"), OVERFLOWS)
def test_numbers_that_overflow_are_counted_or_refused(vault: Vault, tmp_path: Path, target: str,
                                                      data: bytes) -> None:
    """A number too large for a time or a duration is a counted problem or a plain failure, never a crash."""
    before = state(vault)
    r = import_bytes(vault, tmp_path, target, data)
    if r.failures:
        failed_unchanged(vault, before, r, Path(_relpath(target)).name)
    else:
        assert r.summaries and verified(vault)
        rows = vault.conn.execute("SELECT occurred_at, duration_s FROM events").fetchall()
        for occurred, duration in rows:
            assert "0001-" <= occurred[:5] <= "9999-"
            assert duration is None or 0 <= duration < 2**63
        if not rows:
            committed_with_problems(vault, r)


def _relpath(target: str) -> str:
    from fuzz.targets import TARGETS

    return TARGETS[target].relpath


def _eml(date: bytes) -> bytes:
    return (b"From: Casey Drummond <casey.drummond@example.com>\nTo: Robin Hale <robin@example.org>\n"
            b"Date: " + date + b"\nMessage-ID: <y@example.com>\nSubject: hi\n\nhello\n")


def _telegram(date: bytes) -> bytes:
    return (b'{"name": "Casey Drummond", "type": "personal_chat", "id": 7700998811, "messages": [{"id": 1, '
            b'"type": "message", ' + date + b', "from": "Casey Drummond", "from_id": "user7700998811", "text": "x"}]}')


def _messenger(ms: bytes) -> bytes:
    return (b'{"participants": [{"name": "Casey Drummond"}, {"name": "Robin Hale"}], "title": "Casey Drummond", '
            b'"thread_type": "Regular", "messages": [{"sender_name": "Casey Drummond", "timestamp_ms": ' + ms
            + b', "content": "x"}]}')


DATES = [
    pytest.param("eml", _eml(b"Fri, 31 Dec 9999 23:59:59 -1400"), id="eml-9999"),
    pytest.param("eml", _eml(b"Sat, 1 Jan 0000 00:00:00 +0000"), id="eml-0000"),
    pytest.param("gmail_takeout_mbox", b"From 1@xxx Mon Oct 16 01:29:30 +0000 2023\n"
                 + _eml(b"Sat, 1 Jan 0000 00:00:00 +0000"), id="mbox-0000-falls-back-to-from-line"),
    pytest.param("gmail_takeout_mbox", b"From 1@xxx Sat Jan 01 00:00:00 +0000 0000\n"
                 + _eml(b"Sat, 1 Jan 0000 00:00:00 +0000"), id="mbox-0000-everywhere"),
    pytest.param("telegram_desktop_json", _telegram(b'"date": "0001-01-01T00:00:00+01:00"'), id="telegram-0001-east"),
    pytest.param("telegram_desktop_json", _telegram(b'"date": "9999-12-31T23:59:59-01:00"'), id="telegram-9999-west"),
    pytest.param("telegram_desktop_json", _telegram(b'"date": "0000-01-01T00:00:00+00:00"'), id="telegram-0000"),
    pytest.param("telegram_desktop_json", _telegram(b'"date": "2024-01-01T00:00:00", "date_unixtime": "999999999999"'),
                 id="telegram-unixtime-year-33658"),
    pytest.param("facebook_messenger_json", _messenger(b"253402300800000"), id="messenger-10000"),
    pytest.param("facebook_messenger_json", _messenger(b"253402300799999"), id="messenger-9999"),
    pytest.param("google_voice_html", None, id="voice-9999"),
    pytest.param("sms_backup_restore_sms", sms_xml(b"hi").replace(b'date="1768093331037"',
                                                                  b'date="-62167219200000"'), id="sms-0000"),
    pytest.param("sms_backup_restore_sms", sms_xml(b"hi").replace(b'date="1768093331037"',
                                                                  b'date="253402300800000"'), id="sms-10000"),
    pytest.param("whatsapp_android_txt", b"31/12/9999, 23:59 - Casey Drummond: the end\n"
                                         b"13/01/0000, 10:00 - Casey Drummond: year zero\n", id="whatsapp-9999-0000"),
    pytest.param("telegram_desktop_json",
                 b'{"name": "Casey Drummond", "type": "personal_chat", "id": 7700998811, "messages": ['
                 b'{"id": 1, "type": "message", "date": "9999-12-31T23:59:59", '
                 b'"from": "Casey Drummond", "from_id": "user7700998811", "text": "late"},'
                 b'{"id": 2, "type": "message", "date": "0000-01-01T00:00:00", '
                 b'"from": "Casey Drummond", "from_id": "user7700998811", "text": "early"}]}', id="telegram-naive"),
]


@pytest.mark.parametrize(("target", "data"), DATES)
def test_dates_in_year_0_and_9999_are_counted_or_refused(vault: Vault, tmp_path: Path,
                                                         samples: dict[str, bytes], target: str,
                                                         data: bytes | None) -> None:
    """Year 0 does not exist and 9999-12-31 in a zone west... or east of UTC leaves the calendar:
    each is a counted problem or a plain failure, and no stored time is outside years 1-9999."""
    if data is None:
        page = samples["Takeout/Voice/Calls/Casey Drummond - Text - 2026-01-12T15_00_00Z.html"]
        data = re.sub(rb'title="\d{4}-\d\d-\d\dT[^"]*"', b'title="9999-12-31T23:59:59.999-14:00"', page)
    before = state(vault)
    r = import_bytes(vault, tmp_path, target, data)
    if r.failures:
        failed_unchanged(vault, before, r, Path(_relpath(target)).name)
        return
    assert r.summaries and verified(vault)
    for (occurred,) in vault.conn.execute("SELECT occurred_at FROM events"):
        assert "0001-" <= occurred[:5] <= "9999-", occurred
        assert not occurred.startswith("2000-"), "year 0 must not be read as 2000"
