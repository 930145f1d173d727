"""A full disk during an import or a backup: a sentence a person can read, nothing half-written.

Three ways to run out of room, from most to least real:

* a 2-4 MB tmpfs holding the vault (needs root and permission to mount; skipped otherwise, with
  the reason);
* a child process whose file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored) makes writes past a size
  fail with EFBIG, as the kernel does for a full quota; always runs;
* in process, the blob store's file writes raising ENOSPC after some bytes; always runs.

After each failure the vault must be as before: no ``blobs/tmp-*``, ``*.partial`` or
``snapshot-*.tmp`` left, the same blobs, the same signed journal head, and ``verify`` intact.
"""

from __future__ import annotations

import errno
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from nocontact.vault.store import Vault
from nocontact.vault.verify import verify_vault
from tests.vault.helpers import import_paths, with_case

PASSPHRASE = "correct horse"
REPO = Path(__file__).resolve().parents[2]
#: Words that tell a person the problem is room on the disk.
DISK_WORDS = ("disk", "space", "full", "too large")


@dataclass(frozen=True)
class State:
    """What must not change when a write fails for lack of room."""

    head: tuple[int, str]
    blobs: frozenset[str]
    events: int


def _state(root: Path) -> State:
    with Vault.open(root, PASSPHRASE) as v:
        rep = verify_vault(v)
        assert rep.ok, rep.problems
        n = int(v.conn.execute("SELECT count(*) FROM events").fetchone()[0])
        return State(v.head(), frozenset(v.blobs.names()), n)


def _leftovers(*folders: Path) -> list[str]:
    """Temporary or partial files a failed write could leave behind."""
    found = []
    for folder in folders:
        for p in folder.rglob("*"):
            if p.name.startswith("tmp-") or p.name.endswith((".partial", ".tmp")) or p.name.startswith("snapshot-"):
                found.append(str(p.relative_to(folder)))
    return found


def _whatsapp_export(path: Path, messages: int, *, seed: int = 0, words: int = 12) -> Path:
    """A WhatsApp (Android, US) chat with the ex: ``messages`` lines of random text that does not compress."""
    rng = random.Random(seed)
    alphabet = "abcdefghijklmnopqrstuvwxyz"
    lines = []
    for i in range(messages):
        day, minute = 13 + (i // 1440) % 15, i % 1440  # a day above 12: the date order is plain
        text = " ".join("".join(rng.choice(alphabet) for _ in range(rng.randint(3, 9))) for _ in range(words))
        lines.append(f"3/{day}/26, {minute // 60}:{minute % 60:02d} - Casey Drummond: {text}")
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def _new_vault(root: Path) -> Path:
    v, _ = Vault.create(root, PASSPHRASE, fast_kdf=True)
    with v:
        with_case(v)
    return root


def _run_limited(limit: int | None, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``nocontact ARGS`` in a child whose files cannot grow past ``limit`` bytes (EFBIG, not a signal)."""
    code = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        f"lim = {limit!r}\n"
        "if lim is not None:\n"
        "    resource.setrlimit(resource.RLIMIT_FSIZE, (lim, lim))\n"
        f"sys.argv = ['nocontact', *{list(args)!r}]\n"
        "from nocontact.cli import main\n"
        "main()\n"
    )
    env = {**os.environ, "NOCONTACT_PASSPHRASE": PASSPHRASE, "NOCONTACT_TEST_FAST_KDF": "1",
           "PYTHONDONTWRITEBYTECODE": "1", "COLUMNS": "200", "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def _assert_plain_disk_error(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 1, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert "Error" in result.stderr
    low = result.stderr.lower()
    assert any(w in low for w in DISK_WORDS), result.stderr
    assert "damaged" not in low and "altered" not in low, "a full disk is not a damaged vault: " + result.stderr


# ---- RLIMIT_FSIZE: always runs ---------------------------------------------------------------------
def test_import_whose_original_does_not_fit_leaves_the_vault_as_it_was(tmp_path: Path) -> None:
    """Writes failing with EFBIG while the original is stored leave no blob, no temp file and the same head."""
    root = _new_vault(tmp_path / "vault")
    export = _whatsapp_export(tmp_path / "WhatsApp Chat with Casey Drummond.txt", 12_000)
    assert export.stat().st_size > 1_000_000
    before = _state(root)
    r = _run_limited(512 * 1024, "import", "--vault", str(root), str(export), cwd=tmp_path)
    assert r.returncode != 0
    assert _leftovers(root) == []
    assert _state(root) == before


def test_import_whose_original_does_not_fit_says_the_disk_is_full(tmp_path: Path) -> None:
    """`nocontact import` out of room prints one sentence about the disk, not a traceback."""
    root = _new_vault(tmp_path / "vault")
    export = _whatsapp_export(tmp_path / "WhatsApp Chat with Casey Drummond.txt", 12_000)
    r = _run_limited(512 * 1024, "import", "--vault", str(root), str(export), cwd=tmp_path)
    _assert_plain_disk_error(r)


def _db_limit(root: Path) -> int:
    """A size limit the original blob fits under but the database's write-ahead log does not."""
    db = root / "vault.db"
    return max(db.stat().st_size, 256 * 1024) + 96 * 1024


def test_import_whose_events_do_not_fit_in_the_database_is_rolled_back(tmp_path: Path) -> None:
    """SQLite failing to grow its log mid-import rolls the whole import back: same head, no stray blob."""
    root = _new_vault(tmp_path / "vault")
    limit = _db_limit(root)
    export = _whatsapp_export(tmp_path / "WhatsApp Chat with Casey Drummond.txt", 1200, words=6)
    assert export.stat().st_size < limit, "the original itself fits"
    before = _state(root)
    r = _run_limited(limit, "import", "--vault", str(root), str(export), cwd=tmp_path)
    assert r.returncode != 0, "the events do not fit: " + r.stdout[-500:]
    assert _leftovers(root) == []
    assert _state(root) == before


def test_import_whose_events_do_not_fit_says_the_disk_is_full(tmp_path: Path) -> None:
    """`nocontact import` stopped by SQLite's 'database or disk is full' prints one plain sentence."""
    root = _new_vault(tmp_path / "vault")
    export = _whatsapp_export(tmp_path / "WhatsApp Chat with Casey Drummond.txt", 1200, words=6)
    r = _run_limited(_db_limit(root), "import", "--vault", str(root), str(export), cwd=tmp_path)
    _assert_plain_disk_error(r)


@pytest.fixture
def filled_vault(tmp_path: Path) -> Path:
    """A vault holding a ~1.2 MB original, so a backup is larger than the limits below."""
    root = _new_vault(tmp_path / "vault")
    with Vault.open(root, PASSPHRASE) as v:
        import_paths(v, _whatsapp_export(tmp_path / "WhatsApp Chat with Casey Drummond.txt", 10_000))
    return root


def test_backup_that_does_not_fit_leaves_no_partial_file_and_the_vault_as_it_was(
        filled_vault: Path, tmp_path: Path) -> None:
    """A backup failing for room leaves no FILE, no FILE.partial, no snapshot and no new journal entry."""
    before = _state(filled_vault)
    out = tmp_path / "backup.ncbackup"
    r = _run_limited(1024 * 1024, "backup", "--vault", str(filled_vault), str(out), cwd=tmp_path)
    assert r.returncode != 0
    assert not out.exists()
    assert _leftovers(filled_vault, tmp_path) == []
    assert _state(filled_vault) == before


def test_backup_that_does_not_fit_says_the_disk_is_full(filled_vault: Path, tmp_path: Path) -> None:
    """`nocontact backup` out of room prints one sentence about the disk, not a traceback."""
    r = _run_limited(1024 * 1024, "backup", "--vault", str(filled_vault), str(tmp_path / "b.ncbackup"),
                     cwd=tmp_path)
    _assert_plain_disk_error(r)


def test_backup_whose_database_snapshot_does_not_fit_leaves_nothing(filled_vault: Path, tmp_path: Path) -> None:
    """When even the database snapshot cannot be written, the snapshot file is removed and nothing changes."""
    before = _state(filled_vault)
    limit = 64 * 1024
    assert (filled_vault / "vault.db").stat().st_size > limit
    out = tmp_path / "backup.ncbackup"
    r = _run_limited(limit, "backup", "--vault", str(filled_vault), str(out), cwd=tmp_path)
    assert r.returncode != 0
    assert not out.exists()
    assert _leftovers(filled_vault, tmp_path) == []
    assert _state(filled_vault) == before


def test_the_limited_child_can_import_when_there_is_room(tmp_path: Path) -> None:
    """Control: the same child without a limit imports the same file, so the failures above are the limit's."""
    root = _new_vault(tmp_path / "vault")
    export = _whatsapp_export(tmp_path / "WhatsApp Chat with Casey Drummond.txt", 1200, words=6)
    r = _run_limited(None, "import", "--vault", str(root), str(export), cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert _state(root).events == 1200


# ---- in process: the blob store's writes raise ENOSPC -----------------------------------------------
class _FullFile:
    """A file whose writes fail with ENOSPC once ``room`` bytes have been written."""

    def __init__(self, inner: Any, room: list[int]) -> None:
        self._inner = inner
        self._room = room

    def write(self, data: bytes) -> int:
        if len(data) > self._room[0]:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._room[0] -= len(data)
        return int(self._inner.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __enter__(self) -> _FullFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._inner.close()


@pytest.fixture
def blob_disk_full(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The blob store's files take this many more bytes, then ENOSPC."""
    import builtins

    import nocontact.vault.blobs as blobs

    room = [256 * 1024]
    real_open = builtins.open

    def full_open(file: Any, mode: str = "r", *a: Any, **kw: Any) -> Any:
        f = real_open(file, mode, *a, **kw)
        return _FullFile(f, room) if "w" in mode else f

    monkeypatch.setattr(blobs, "open", full_open, raising=False)
    yield room


def test_enospc_while_storing_the_original_raises_oserror_and_leaves_nothing(
        tmp_path: Path, blob_disk_full: list[int]) -> None:
    """ENOSPC from the blob store reaches the caller as OSError; no temp blob, same head, verify intact."""
    root = _new_vault(tmp_path / "vault")
    before = _state(root)
    export = _whatsapp_export(tmp_path / "WhatsApp Chat with Casey Drummond.txt", 5000)
    with Vault.open(root, PASSPHRASE) as v, pytest.raises(OSError) as exc:
        import_paths(v, export)
    assert exc.value.errno == errno.ENOSPC
    assert _leftovers(root) == []
    assert _state(root) == before


def test_enospc_while_storing_an_attachment_rolls_the_import_back(
        tmp_path: Path, blob_disk_full: list[int]) -> None:
    """ENOSPC on an attachment (after the original fit) undoes the import: no events, no stray blobs."""
    import base64

    root = _new_vault(tmp_path / "vault")
    before = _state(root)
    photo = base64.b64encode(random.Random(1).randbytes(400 * 1024)).decode()
    xml = ("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count=\"2\">\n"
           '<sms protocol="0" address="+13125550187" date="1772800000000" type="1" subject="null" body="hi" '
           'read="1" status="-1" locked="0" date_sent="0" contact_name="Casey" />\n'
           '<mms date="1772800060000" msg_box="1" address="+13125550187" m_type="132" read="1">\n'
           '<parts><part seq="0" ct="image/jpeg" name="p.jpg" cl="p.jpg" data="' + photo + '" /></parts>\n'
           '<addrs><addr address="+13125550187" type="137" charset="106" /></addrs>\n</mms>\n</smses>\n')
    blob_disk_full[0] = 2 * len(xml) // 3 + len(xml)  # the original fits; the decoded photo does not
    export = tmp_path / "sms-20260310.xml"
    export.write_text(xml, "utf-8")
    with Vault.open(root, PASSPHRASE) as v, pytest.raises(OSError):
        import_paths(v, export)
    assert _leftovers(root) == []
    assert _state(root) == before


def test_cli_import_with_enospc_prints_a_sentence(
        tmp_path: Path, blob_disk_full: list[int], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """In process, `nocontact import` on a full disk exits 1 with a sentence about the disk."""
    from tests.cli_runner import run

    root = _new_vault(tmp_path / "vault")
    export = _whatsapp_export(tmp_path / "WhatsApp Chat with Casey Drummond.txt", 5000)
    monkeypatch.setenv("NOCONTACT_PASSPHRASE", PASSPHRASE)
    try:
        r = run(capsys, monkeypatch, "import", "--vault", str(root), str(export))
    except OSError:
        pytest.fail("OSError escaped from the CLI as a traceback")
    assert r.code == 1 and "Error" in r.err and any(w in r.err.lower() for w in DISK_WORDS), r.err


# ---- a real full file system: tmpfs ------------------------------------------------------------------
@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MB tmpfs, mounted for the test and unmounted after; skipped where mounting is not allowed."""
    mnt = tmp_path / "small-disk"
    mnt.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a tmpfs needs root and mount(8); the RLIMIT_FSIZE tests above cover the same paths")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m,mode=0700", "tmpfs", str(mnt)],
                       capture_output=True, text=True, check=False)
    if r.returncode != 0:
        pytest.skip(f"mount -t tmpfs refused here ({r.stderr.strip() or r.returncode}); "
                    "the RLIMIT_FSIZE tests above cover the same paths")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True, check=False)


def _fill(folder: Path, leave: int) -> None:
    """Fill the file system of ``folder`` until about ``leave`` bytes are free."""
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize
    if free > leave:
        with open(folder / "filler", "wb") as f:
            f.write(b"\0" * (free - leave))


def test_import_on_a_full_tmpfs_leaves_the_vault_intact(small_disk: Path, tmp_path: Path) -> None:
    """ENOSPC from a real full file system during an import: same head, same blobs, no temp files."""
    root = _new_vault(small_disk / "vault")
    _fill(small_disk, 600 * 1024)
    before = _state(root)
    export = _whatsapp_export(tmp_path / "WhatsApp Chat with Casey Drummond.txt", 12_000)
    r = _run_limited(None, "import", "--vault", str(root), str(export), cwd=tmp_path)
    assert r.returncode != 0
    assert _leftovers(root) == []
    assert _state(root) == before


def test_import_whose_events_overflow_a_full_tmpfs_is_rolled_back(small_disk: Path, tmp_path: Path) -> None:
    """The original fits on the nearly full disk, the events do not: SQLite rolls back; nothing changes."""
    root = _new_vault(small_disk / "vault")
    _fill(small_disk, 200 * 1024)
    before = _state(root)
    export = _whatsapp_export(tmp_path / "WhatsApp Chat with Casey Drummond.txt", 1200, words=6)
    r = _run_limited(None, "import", "--vault", str(root), str(export), cwd=tmp_path)
    assert r.returncode != 0
    assert _leftovers(root) == []
    assert _state(root) == before


def test_import_on_a_full_tmpfs_says_the_disk_is_full(small_disk: Path, tmp_path: Path) -> None:
    """`nocontact import` onto a full disk prints one sentence about the disk."""
    root = _new_vault(small_disk / "vault")
    _fill(small_disk, 600 * 1024)
    export = _whatsapp_export(tmp_path / "WhatsApp Chat with Casey Drummond.txt", 12_000)
    _assert_plain_disk_error(_run_limited(None, "import", "--vault", str(root), str(export), cwd=tmp_path))


def test_backup_onto_a_full_tmpfs_leaves_no_partial_file(small_disk: Path, tmp_path: Path) -> None:
    """A backup written to a full disk leaves neither FILE nor FILE.partial, and the vault unchanged."""
    root = _new_vault(tmp_path / "vault")
    with Vault.open(root, PASSPHRASE) as v:
        import_paths(v, _whatsapp_export(tmp_path / "WhatsApp Chat with Casey Drummond.txt", 10_000))
    _fill(small_disk, 300 * 1024)
    before = _state(root)
    out = small_disk / "backup.ncbackup"
    r = _run_limited(None, "backup", "--vault", str(root), str(out), cwd=tmp_path)
    assert r.returncode != 0
    assert not out.exists()
    assert _leftovers(root, small_disk) == []
    assert _state(root) == before


def test_backup_onto_a_full_tmpfs_says_the_disk_is_full(small_disk: Path, tmp_path: Path) -> None:
    """`nocontact backup` onto a full disk prints one sentence about the disk."""
    root = _new_vault(tmp_path / "vault")
    with Vault.open(root, PASSPHRASE) as v:
        import_paths(v, _whatsapp_export(tmp_path / "WhatsApp Chat with Casey Drummond.txt", 10_000))
    _fill(small_disk, 300 * 1024)
    r = _run_limited(None, "backup", "--vault", str(root), str(small_disk / "b.ncbackup"), cwd=tmp_path)
    _assert_plain_disk_error(r)
