"""Faults the vault must survive: a process killed mid-write, two writers at once, wrong passphrases,
and tampering seen through the command line.

Crashes are real: the command runs in a child process (tests/vault/_crash_worker.py) that is sent
SIGKILL either at a named point of the write path (just before or after a blob, an event row, the
journal entry, the COMMIT, the header ...) or at moments spread over the command's measured run
time. After every kill the vault opens, ``verify`` finds it intact, and the command's change is
wholly there or wholly absent. (Kills at named points are forked from the crash matrix's zygote,
which saves a second of start-up per kill; the 50-moment kills are in test_crash_matrix.py.)
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3

from nocontact.case import case_from_json
from nocontact.demo import write_all_samples
from nocontact.ingest import Planned, context_for_vault, import_planned, plan_sources
from nocontact.samples import DEMO_CASE
from nocontact.vault.backup import restore
from nocontact.vault.events import save_case
from nocontact.vault.journal import canonical_json, entry_hash
from nocontact.vault.store import Vault, VaultError
from nocontact.vault.verify import verify_vault
from tests.vault.test_crash_matrix import Zygote

WORKER = Path(__file__).with_name("_crash_worker.py")
OLD = "old passphrase for the fault tests"
NEW = "new passphrase for the fault tests"
BUSY = "another nocontact is writing to this vault right now"
WRONG = "does not open this vault"
HOOK_ENV = ("NOCONTACT_CRASH_AT", "NOCONTACT_PAUSE_AT", "NOCONTACT_PAUSE_GO", "NOCONTACT_STATUS_FD",
            "NOCONTACT_LOCK_WAIT", "NOCONTACT_VAULT", "NOCONTACT_PASSPHRASE", "NOCONTACT_NEW_PASSPHRASE")


# ---- running a command in a child process -------------------------------------------------------
class Child:
    """One ``nocontact`` command in a child process, with a status pipe and optional kill or pause point."""

    def __init__(self, vault: Path, *args: str, crash: str | None = None, pause: str | None = None,
                 go: Path | None = None, passphrase: str = OLD, lock_wait: float | None = None,
                 hooks: bool = True) -> None:
        env = {k: v for k, v in os.environ.items() if k not in HOOK_ENV}
        r, w = os.pipe()
        env.update(NOCONTACT_VAULT=str(vault), NOCONTACT_PASSPHRASE=passphrase, NOCONTACT_NEW_PASSPHRASE=NEW,
                   NOCONTACT_TEST_FAST_KDF="1", NOCONTACT_STATUS_FD=str(w))
        if crash:
            env["NOCONTACT_CRASH_AT"] = crash
        if pause:
            assert go is not None
            env["NOCONTACT_PAUSE_AT"] = pause
            env["NOCONTACT_PAUSE_GO"] = str(go)
        if lock_wait is not None:
            env["NOCONTACT_LOCK_WAIT"] = str(lock_wait)
        argv = [sys.executable, str(WORKER)] if hooks else [sys.executable, "-c",
                                                             "from nocontact.cli import main; main()"]
        self.proc = subprocess.Popen([*argv, *args], env=env, pass_fds=(w,), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=vault.parent)
        os.close(w)
        self._status = r
        self.started = time.monotonic()

    def wait_for(self, what: bytes, timeout: float = 60.0) -> bool:
        """Wait until the child reports ``what`` (r: vault open, p: paused); False if it ended first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self._status], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            b = os.read(self._status, 1)
            if not b:
                return False
            if b == what:
                return True
        raise AssertionError(f"the child did not report {what!r} in {timeout} s")

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)

    def finish(self, timeout: float = 120.0) -> tuple[int, str, str]:
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            self.proc.communicate()
            raise
        finally:
            os.close(self._status)
        return self.proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def run(vault: Path, *args: str, **kw: Any) -> tuple[int, str, str]:
    return Child(vault, *args, **kw).finish()


def killed_at(zygote: Zygote, vault: Path, point: str, *args: str) -> None:
    """Run the command (forked from the zygote: no second of start-up each) and require that it died of
    SIGKILL at ``point``."""
    rc, out = zygote.run(args, vault, crash_at=point)
    assert rc == -signal.SIGKILL, f"the command was not killed at {point}: rc={rc}\n{out}"


# ---- looking at a vault --------------------------------------------------------------------------
@contextmanager
def intact(root: Path, passphrase: str = OLD) -> Iterator[Vault]:
    v = Vault.open(root, passphrase)
    try:
        rep = verify_vault(v)
        assert rep.ok, rep.problems
        yield v
    finally:
        v.close()


def count(v: Vault, table: str, where: str = "") -> int:
    return int(v.conn.execute(f"SELECT count(*) FROM {table} {where}").fetchone()[0])  # noqa: S608


def journal_kinds(v: Vault) -> list[str]:
    return [r[0] for r in v.conn.execute("SELECT kind FROM journal ORDER BY seq")]


def import_in_process(root: Path, export: Path) -> int:
    """Import ``export`` (keeping unrelated records) in this process; returns the events added."""
    with Vault.open(root, OLD) as v:
        ctx = context_for_vault(v)
        items = [i for i in plan_sources([export]) if isinstance(i, Planned)]
        return sum(import_planned(v, i, ctx, keep_unrelated=True).added for i in items)


def files_of(root: Path) -> dict[str, tuple[int, int, str]]:
    """Every file and folder under ``root`` with its size, mtime (ns) and SHA-256."""
    snap = {}
    for p in sorted([root, *root.rglob("*")]):
        st = p.stat()
        digest = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        snap[str(p.relative_to(root))] = (st.st_size, st.st_mtime_ns, digest)
    return snap


# ---- fixtures ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("exports")
    files = write_all_samples(folder, scale=6)
    by_name = {p.name: p for p in files}
    sms = next(p for n, p in by_name.items() if n.startswith("sms-"))
    calls = next(p for n, p in by_name.items() if n.startswith("calls-"))
    photo = folder / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 not really a photo " * 100)
    return {"sms": sms, "calls": calls, "photo": photo}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed vault with the demo case loaded: what each test copies and hurts."""
    root = tmp_path_factory.mktemp("template") / "vault"
    v, _ = Vault.create(root, OLD, fast_kdf=True)
    with v:
        save_case(v, case_from_json(json.dumps(DEMO_CASE)))
    return root


@pytest.fixture(scope="module")
def filled(template: Path, exports: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template with the SMS export imported (journal: 1 init, 2 case, 3 import)."""
    root = tmp_path_factory.mktemp("filled") / "vault"
    shutil.copytree(template, root)
    import_in_process(root, exports["sms"])
    return root


@pytest.fixture(scope="module")
def full(template: Path, exports: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What an uninterrupted import does: events each export adds, and how long the SMS one takes."""
    root = tmp_path_factory.mktemp("reference") / "vault"
    shutil.copytree(template, root)
    child = Child(root, "import", "--json", "--keep-unrelated", str(exports["sms"]))
    assert child.wait_for(b"r")
    opened = time.monotonic()
    rc, out, err = child.finish()
    seconds = time.monotonic() - opened
    assert rc == 0, out + err
    with intact(root) as v:
        sms = count(v, "events")
    calls = import_in_process(root, exports["calls"])
    assert sms > 200 and calls > 100
    return {"sms": sms, "calls": calls, "seconds": seconds}


@pytest.fixture(scope="module")
def zygote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Zygote]:
    z = Zygote(tmp_path_factory.mktemp("zygote"), OLD, NEW)
    yield z
    z.close()


@pytest.fixture
def vault(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    shutil.copytree(template, root)
    return root


# ---- crash: import -------------------------------------------------------------------------------
def import_state(root: Path, full_count: int) -> str:
    """'absent' or 'present' after an interrupted import; anything in between fails the test."""
    with intact(root) as v:
        got = (count(v, "sources"), count(v, "imports"), journal_kinds(v).count("import"), count(v, "events"))
    assert got in ((0, 0, 0, 0), (1, 1, 1, full_count)), f"half an import: sources, imports, entries, events = {got}"
    return "present" if got[0] else "absent"


def completed(root: Path, full_count: int) -> None:
    """After the import is run again to its end: every event once, and one journal entry per import run."""
    with intact(root) as v:
        assert (count(v, "sources"), count(v, "events")) == (1, full_count)
        assert count(v, "imports") == journal_kinds(v).count("import") >= 1


IMPORT_POINTS = [
    ("blob:after@1", "absent"),      # the original is stored; the database has not begun
    ("replace:blob@1", "absent"),    # the original is encrypted to a temporary file, not yet renamed
    ("record@100", "absent"),        # mid-import: 99 records handed to the writer
    ("events_sql:after@1", "absent"),  # the first event rows are written, uncommitted
    ("blob:after@2", "absent"),      # an attachment stored inside the transaction
    ("journal:before@1", "absent"),  # every event written, the journal entry not yet
    ("journal:after@1", "absent"),   # the journal entry and signed head written, uncommitted
    ("commit:before@1", "absent"),   # just before COMMIT
    ("commit:after@1", "present"),   # just after COMMIT
]


class TestKilledImport:
    @pytest.mark.parametrize(("point", "expected"), IMPORT_POINTS, ids=[p for p, _ in IMPORT_POINTS])
    def test_an_import_killed_at_a_write_step_is_wholly_there_or_absent(
            self, vault: Path, exports: dict[str, Path], full: dict[str, Any], point: str, expected: str,
            zygote: Zygote) -> None:
        """An import killed at any step of its write path leaves an intact vault with all or none of it."""
        killed_at(zygote, vault, point, "import", "--json", "--keep-unrelated", str(exports["sms"]))
        assert import_state(vault, full["sms"]) == expected
        added = import_in_process(vault, exports["sms"])
        assert added == (full["sms"] if expected == "absent" else 0)
        completed(vault, full["sms"])

    def test_an_import_killed_at_any_moment_is_wholly_there_or_absent(
            self, template: Path, tmp_path: Path, exports: dict[str, Path], full: dict[str, Any]) -> None:
        """SIGKILL at eight moments spread over an import's run time never leaves part of it."""
        states = []
        for i, fraction in enumerate((0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95, 1.1)):
            root = tmp_path / f"vault{i}"
            shutil.copytree(template, root)
            child = Child(root, "import", "--json", "--keep-unrelated", str(exports["sms"]))
            assert child.wait_for(b"r")
            time.sleep(fraction * full["seconds"])
            child.kill()
            child.finish()
            states.append(import_state(root, full["sms"]))
            assert import_in_process(root, exports["sms"]) in (0, full["sms"])
            completed(root, full["sms"])
        assert "absent" in states, states


# ---- crash: a manual entry -----------------------------------------------------------------------
LOG_POINTS = [("blob:after@1", "absent"), ("events_sql:after@1", "absent"), ("journal:after@1", "absent"),
              ("commit:before@1", "absent"), ("commit:after@1", "present")]


@pytest.mark.parametrize(("point", "expected"), LOG_POINTS, ids=[p for p, _ in LOG_POINTS])
def test_a_log_entry_killed_at_a_write_step_is_wholly_there_or_absent(
        vault: Path, exports: dict[str, Path], point: str, expected: str, zygote: Zygote) -> None:
    """An incident logged with a photo and killed mid-write is recorded with its photo, or not at all."""
    killed_at(zygote, vault, point, "log", "--what", "Waited outside my door", "--at", "2026-03-05 18:30",
              "--attach", str(exports["photo"]))
    with intact(vault) as v:
        got = (count(v, "events"), count(v, "attachments"), journal_kinds(v).count("manual_entry"))
    assert got == ((0, 0, 0) if expected == "absent" else (1, 1, 1))


# ---- crash: passphrase change --------------------------------------------------------------------
PASSPHRASE_POINTS = [
    ("header:before@1", "old"),      # nothing written yet
    ("replace:header@1", "old"),     # the new header is in a temporary file, not yet renamed over the old
    ("journal:after@1", "old"),      # the journal entry written, uncommitted; the header not yet
    ("header:after@1", "new"),       # the new header is in place; the entry is not committed
    ("commit:before@1", "new"),
    ("commit:after@1", "new"),
]


@pytest.mark.parametrize(("point", "expected"), PASSPHRASE_POINTS, ids=[p for p, _ in PASSPHRASE_POINTS])
def test_a_passphrase_change_killed_midway_leaves_exactly_one_passphrase_working(
        vault: Path, point: str, expected: str, zygote: Zygote) -> None:
    """Killed during a passphrase change, the vault opens with exactly one of old and new, and verifies."""
    killed_at(zygote, vault, point, "passphrase", "change")
    opens = []
    for p in (OLD, NEW):
        try:
            Vault.open(vault, p).close()
            opens.append(p)
        except VaultError as e:
            assert WRONG in str(e)
    assert opens == [OLD if expected == "old" else NEW]
    with intact(vault, opens[0]) as v:
        changed = journal_kinds(v).count("passphrase_changed")
    assert changed == (1 if point == "commit:after@1" else 0)


# ---- crash: backup -------------------------------------------------------------------------------
BACKUP_POINTS = [  # (point, backup file there, journal entry there)
    ("zip:member@2", False, False),      # the snapshot is taken, the zip is half written
    ("replace:backup@1", False, False),  # the zip is complete under its temporary name
    ("journal:before@1", True, False),   # the backup is in place; its journal entry is not yet
    ("commit:before@1", True, False),
    ("commit:after@1", True, True),
    ("", True, True),                    # not killed
]


@pytest.mark.parametrize(("point", "file_there", "entry_there"), BACKUP_POINTS,
                         ids=[p or "not-killed" for p, _, _ in BACKUP_POINTS])
def test_a_backup_killed_midway_leaves_the_vault_intact_and_no_partial_backup(
        filled: Path, tmp_path: Path, point: str, file_there: bool, entry_there: bool, zygote: Zygote) -> None:
    """A killed backup leaves the vault intact, never a partial file under the backup's name, and never a
    journal entry for a backup that is not there."""
    root = tmp_path / "vault"
    shutil.copytree(filled, root)
    out = tmp_path / "backup.ncbak"
    if point:
        killed_at(zygote, root, point, "backup", str(out))
    else:
        rc, o = zygote.run(["backup", str(out)], root)
        assert rc == 0, o
    with intact(root) as v:
        entries = journal_kinds(v).count("backup")
        events = count(v, "events")
    assert (out.exists(), entries) == (file_there, int(entry_there))
    if out.exists():
        rep = restore(out, tmp_path / "restored", OLD)
        assert rep.ok and rep.events == events


# ---- two writers ---------------------------------------------------------------------------------
LOG_ARGS = ("log", "--what", "A message through a friend", "--at", "2026-03-06 09:00", "--channel", "third_party")


class TestTwoWriters:
    def test_two_imports_at_once_both_land(self, vault: Path, tmp_path: Path, exports: dict[str, Path],
                                           full: dict[str, Any]) -> None:
        """A second import started while the first is writing waits for it, and both are kept whole."""
        go = tmp_path / "go"
        first = Child(vault, "import", "--json", "--keep-unrelated", str(exports["sms"]), pause="journal:before",
                      go=go)
        assert first.wait_for(b"p")
        second = Child(vault, "import", "--json", "--keep-unrelated", str(exports["calls"]))
        assert second.wait_for(b"r")
        time.sleep(0.5)
        assert second.proc.poll() is None
        go.touch()
        for child in (first, second):
            rc, out, err = child.finish()
            assert rc == 0, out + err
        with intact(vault) as v:
            assert count(v, "events") == full["sms"] + full["calls"]
            assert journal_kinds(v).count("import") == 2

    def test_an_import_and_a_log_at_once_both_land(self, vault: Path, tmp_path: Path, exports: dict[str, Path],
                                                   full: dict[str, Any]) -> None:
        """A manual entry made during an import waits for the import's commit, and both are kept."""
        go = tmp_path / "go"
        first = Child(vault, "import", "--json", "--keep-unrelated", str(exports["sms"]), pause="commit:before",
                      go=go)
        assert first.wait_for(b"p")
        second = Child(vault, *LOG_ARGS)
        assert second.wait_for(b"r")
        time.sleep(0.3)
        go.touch()
        for child in (first, second):
            rc, out, err = child.finish()
            assert rc == 0, out + err
        with intact(vault) as v:
            assert count(v, "events") == full["sms"] + 1
            assert journal_kinds(v)[-2:] == ["import", "manual_entry"]

    @pytest.mark.parametrize("second_args", ["log", "import"])
    def test_a_writer_that_cannot_wait_gives_up_plainly_and_changes_nothing(
            self, vault: Path, tmp_path: Path, exports: dict[str, Path], full: dict[str, Any],
            second_args: str) -> None:
        """With a short lock wait, a second writer ends with the plain 'another nocontact is writing' sentence."""
        go = tmp_path / "go"
        first = Child(vault, "import", "--json", "--keep-unrelated", str(exports["sms"]), pause="journal:after",
                      go=go)
        assert first.wait_for(b"p")
        args = LOG_ARGS if second_args == "log" else ("import", str(exports["calls"]))
        rc, out, err = run(vault, *args, lock_wait=0.3)
        go.touch()
        assert rc == 1
        assert BUSY in err and "Nothing was changed" in err
        assert "Traceback" not in out + err
        rc, out, err = first.finish()
        assert rc == 0, out + err
        with intact(vault) as v:
            assert count(v, "events") == full["sms"]
            assert journal_kinds(v)[-1] == "import"


    def test_the_same_export_imported_twice_at_once_keeps_its_original(
            self, vault: Path, tmp_path: Path, exports: dict[str, Path], full: dict[str, Any]) -> None:
        """A second import of the same file that gives up on the lock never removes the original the first stores."""
        go = tmp_path / "go"
        first = Child(vault, "import", "--json", "--keep-unrelated", str(exports["sms"]), pause="journal:after",
                      go=go)
        assert first.wait_for(b"p")
        rc, out, err = run(vault, "import", str(exports["sms"]), lock_wait=0.3)
        go.touch()
        assert rc == 1 and BUSY in err, out + err
        rc, out, err = first.finish()
        assert rc == 0, out + err
        with intact(vault) as v:
            assert count(v, "events") == full["sms"]


# ---- wrong passphrase ----------------------------------------------------------------------------
def test_wrong_passphrases_change_no_byte_and_say_so_plainly(filled: Path, tmp_path: Path,
                                                              exports: dict[str, Path]) -> None:
    """Thirty wrong passphrases, in-process and through five commands, leave every file and mtime as it was."""
    root = tmp_path / "vault"
    shutil.copytree(filled, root, copy_function=shutil.copy2)
    before = files_of(root)
    for i in range(25):
        with pytest.raises(VaultError, match=WRONG):
            Vault.open(root, f"not the passphrase {i}")
    commands = [("verify",), LOG_ARGS, ("import", str(exports["calls"])), ("passphrase", "change"),
                ("backup", str(tmp_path / "b.ncbak"))]
    children = [Child(root, *c, passphrase="wrong", hooks=False) for c in commands]
    for c, child in zip(commands, children, strict=True):
        rc, out, err = child.finish()
        assert rc == 1, (c, out, err)
        assert WRONG in err and "Traceback" not in out + err, (c, err)
    assert files_of(root) == before
    assert not (tmp_path / "b.ncbak").exists()


# ---- tampering, as the command line reports it ---------------------------------------------------
def _db(root: Path, edit: Callable[[Any], None]) -> None:
    """Change the vault's database directly, with its key, as someone with the passphrase could."""
    with Vault.open(root, OLD) as v:
        key = v.db_key
    conn = sqlcipher3.connect(str(root / "vault.db"), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    edit(conn)
    conn.close()


def _original_blob(root: Path) -> Path:
    with Vault.open(root, OLD) as v:
        name = v.conn.execute("SELECT blob FROM sources").fetchone()[0]
        return Path(v.blobs.path_for(name))


def _flip_blob_byte(root: Path) -> None:
    p = _original_blob(root)
    data = bytearray(p.read_bytes())
    data[len(data) // 2] ^= 0x01
    p.write_bytes(bytes(data))


def _swap_journal_entries(conn: Any) -> None:
    a, b = (conn.execute("SELECT kind, entry, prev_hash, hash FROM journal WHERE seq = ?", (s,)).fetchone()
            for s in (2, 3))
    for seq, row in ((2, b), (3, a)):
        conn.execute("UPDATE journal SET kind = ?, entry = ?, prev_hash = ?, hash = ? WHERE seq = ?", (*row, seq))


def _edit_import_entry(conn: Any, rehash: bool = False) -> None:
    text, prev, h = conn.execute("SELECT entry, prev_hash, hash FROM journal WHERE seq = 3").fetchone()
    entry = json.loads(text)
    entry["body"]["added"] -= 1
    # With the hash recomputed too, the signed head still names the old hash.
    conn.execute("UPDATE journal SET entry = ?, hash = ? WHERE seq = 3",
                 (canonical_json(entry).decode(), entry_hash(prev, entry) if rehash else h))


TAMPERING: list[tuple[str, Callable[[Path], None], str]] = [
    ("database truncated", lambda r: (r / "vault.db").write_bytes((r / "vault.db").read_bytes()[:8192]),
     "Error: {root}: the vault's database cannot be read"),
    ("database first page flipped", lambda r: (r / "vault.db").write_bytes(
        (r / "vault.db").read_bytes()[:100] + b"\x00" * 8 + (r / "vault.db").read_bytes()[108:]),
     "Error: {root}: the vault's database cannot be read"),
    ("header is not a vault header", lambda r: (r / "header.json").write_text('{"hello": 1}'),
     "Error: {root}: header.json is not a nocontact vault header"),
    ("original missing", lambda r: _original_blob(r).unlink(), "NOT INTACT: original sms-"),
    ("original flipped", _flip_blob_byte, "NOT INTACT: original sms-"),
    ("journal entry removed", lambda r: _db(r, lambda c: c.execute("DELETE FROM journal WHERE seq = 2")),
     "NOT INTACT: journal entry 3 (import): expected entry 2 here"),
    ("journal entries reordered", lambda r: _db(r, _swap_journal_entries),
     "NOT INTACT: journal entry 2 (import): does not link to the entry before it"),
    ("journal entry edited", lambda r: _db(r, _edit_import_entry),
     "NOT INTACT: journal entry 3 (import): its hash does not match its content"),
    ("journal entry edited and rehashed", lambda r: _db(r, lambda c: _edit_import_entry(c, rehash=True)),
     "NOT INTACT: journal head: the signed head's hash does not match entry 3"),
    ("event row edited", lambda r: _db(r, lambda c: c.execute("UPDATE events SET body = 'edited' WHERE id = 7")),
     "NOT INTACT: event 7: its content does not match its recorded hash"),
    ("head signature replaced", lambda r: _db(r, lambda c: c.execute(
        "UPDATE journal_head SET signature = ?", (base64.b64encode(bytes(64)).decode(),))),
     "NOT INTACT: journal head: the signature does not verify"),
]


@pytest.mark.parametrize(("harm", "expected"), [(h, e) for _, h, e in TAMPERING], ids=[n for n, _, _ in TAMPERING])
def test_nocontact_verify_names_what_was_tampered_with(filled: Path, tmp_path: Path, harm: Callable[[Path], None],
                                                        expected: str) -> None:
    """`nocontact verify` on a tampered vault exits 1 and its first sentence names what is wrong."""
    root = tmp_path / "vault"
    shutil.copytree(filled, root)
    harm(root)
    rc, out, err = run(root, "verify", hooks=False)
    assert rc == 1
    assert "Traceback" not in out + err
    first = next(line for line in (out + err).splitlines() if "NOT INTACT" in line or "Error" in line)
    assert first.startswith(expected.format(root=root)), first
