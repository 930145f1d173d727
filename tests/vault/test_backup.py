"""Backups: one encrypted file that restores to a vault that verifies."""

from __future__ import annotations

import json
import shutil
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nocontact.vault.backup import backup, restore
from nocontact.vault.store import Vault, VaultError
from nocontact.vault.verify import verify_vault
from tests.vault.helpers import count, import_paths, samples, with_case


@pytest.fixture
def filled(tmp_path: Path) -> Vault:
    v, _ = Vault.create(tmp_path / "vault", "pw", fast_kdf=True)
    with_case(v)
    files = samples(tmp_path / "exports")
    import_paths(v, *(p for n, p in files.items() if n.startswith(("sms-", "calls-"))))
    yield v
    v.close()


class TestBackup:
    def test_a_backup_restores_to_an_identical_verified_vault(self, filled: Vault, tmp_path: Path) -> None:
        """Restoring gives the same events and journal head, and it verifies."""
        info = backup(filled, tmp_path / "vault.ncbackup")
        rep = restore(info.path, tmp_path / "restored", "pw")
        assert rep.ok
        with Vault.open(tmp_path / "restored", "pw") as r:
            assert count(r) == count(filled)
            assert r.head()[1] == info.head or r.head()[0] >= 1
            assert verify_vault(r).ok

    def test_the_backup_holds_no_plaintext(self, filled: Vault, tmp_path: Path) -> None:
        """No message text or phone number of the ex can be read in the backup file."""
        body = filled.conn.execute("SELECT body FROM events WHERE body IS NOT NULL LIMIT 1").fetchone()[0]
        info = backup(filled, tmp_path / "b.ncbackup")
        raw = info.path.read_bytes()
        assert body.encode() not in raw
        assert b"+13125550187" not in raw

    def test_a_backup_needs_the_passphrase(self, filled: Vault, tmp_path: Path) -> None:
        """A wrong passphrase restores nothing and leaves no folder behind."""
        info = backup(filled, tmp_path / "b.ncbackup")
        with pytest.raises(VaultError, match="does not open"):
            restore(info.path, tmp_path / "restored", "wrong")
        assert not (tmp_path / "restored").exists()
        assert not list(tmp_path.glob("restored.restoring-*"))

    def test_a_damaged_backup_is_named_and_restores_nothing(self, filled: Vault, tmp_path: Path) -> None:
        """A changed byte inside the backup is found by the manifest before anything is opened."""
        info = backup(filled, tmp_path / "b.ncbackup")
        raw = bytearray(info.path.read_bytes())
        with zipfile.ZipFile(info.path) as zf:
            db = zf.getinfo("vault.db")
        raw[db.header_offset + 200] ^= 1
        bad = tmp_path / "bad.ncbackup"
        bad.write_bytes(bytes(raw))
        with pytest.raises(VaultError, match="vault.db is damaged"):
            restore(bad, tmp_path / "restored", "pw")
        assert not (tmp_path / "restored").exists()

    def test_a_backup_with_traversal_names_is_refused(self, tmp_path: Path) -> None:
        """A crafted backup naming ../ paths is refused before anything is written."""
        evil = tmp_path / "evil.ncbackup"
        with zipfile.ZipFile(evil, "w") as zf:
            zf.writestr("MANIFEST.json", "{}")
            zf.writestr("../outside.txt", "x")
        with pytest.raises(VaultError, match="unexpected entry"):
            restore(evil, tmp_path / "restored", "pw")
        assert not (tmp_path / "outside.txt").exists()

    def test_a_backup_does_not_overwrite(self, filled: Vault, tmp_path: Path) -> None:
        """Neither an existing backup file nor a non-empty target folder is overwritten."""
        (tmp_path / "exists.ncbackup").write_bytes(b"mine")
        with pytest.raises(VaultError, match="already there"):
            backup(filled, tmp_path / "exists.ncbackup")
        assert (tmp_path / "exists.ncbackup").read_bytes() == b"mine"
        info = backup(filled, tmp_path / "ok.ncbackup")
        with pytest.raises(VaultError, match="not empty"):
            restore(info.path, filled.root, "pw")


def _rewrite_manifest(src: Path, dst: Path, edit: Callable[[dict[str, Any]], object]) -> None:
    """Copy a backup, changing only its manifest (as a newer nocontact, or a careless tool, might write it)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "MANIFEST.json":
                manifest = json.loads(data)
                edited = edit(manifest)
                data = edited if isinstance(edited, bytes) else json.dumps(manifest).encode()
            zout.writestr(item, data)


class TestRestoreChecksTheManifest:
    def test_a_backup_from_a_newer_nocontact_is_refused_plainly(self, filled: Vault, tmp_path: Path) -> None:
        """A manifest in a future format version is refused with a sentence saying to update nocontact."""
        info = backup(filled, tmp_path / "b.ncbackup")
        future = tmp_path / "future.ncbackup"
        _rewrite_manifest(info.path, future, lambda m: m.update(version=2))
        with pytest.raises(VaultError, match=r"format version 2.*newer nocontact.*Nothing was restored"):
            restore(future, tmp_path / "restored", "pw")
        assert not (tmp_path / "restored").exists()
        assert not list(tmp_path.glob("restored.restoring-*"))

    @pytest.mark.parametrize(("edit", "expected"), [
        (lambda m: m.update(format="something-else"), "does not say so"),
        (lambda m: m.update(version="1"), "format version '1'"),
        (lambda m: m.pop("files"), "no list of files"),
        (lambda m: b"{not json", "is damaged"),
    ], ids=["other format", "version as text", "no files", "not json"])
    def test_a_manifest_that_is_not_ours_restores_nothing(self, filled: Vault, tmp_path: Path,
                                                          edit: Callable[[dict[str, Any]], object],
                                                          expected: str) -> None:
        """A manifest of another format, an odd version, no file list or broken JSON is refused by name."""
        info = backup(filled, tmp_path / "b.ncbackup")
        odd = tmp_path / "odd.ncbackup"
        _rewrite_manifest(info.path, odd, edit)
        with pytest.raises(VaultError, match=expected):
            restore(odd, tmp_path / "restored", "pw")
        assert not (tmp_path / "restored").exists()

    def test_a_backup_holding_an_entry_twice_is_refused(self, filled: Vault, tmp_path: Path) -> None:
        """Two zip entries with the same name (the second would silently win) are refused."""
        info = backup(filled, tmp_path / "b.ncbackup")
        twice = tmp_path / "twice.ncbackup"
        shutil.copy(info.path, twice)
        with zipfile.ZipFile(twice, "a") as zf, pytest.warns(UserWarning, match="Duplicate name"):
            zf.writestr("header.json", "{}")
        with pytest.raises(VaultError, match="same entry twice"):
            restore(twice, tmp_path / "restored", "pw")
        assert not (tmp_path / "restored").exists()


class TestRestoreTarget:
    def test_a_restore_into_an_empty_folder_fills_it(self, filled: Vault, tmp_path: Path) -> None:
        """An empty folder made for the restore is replaced by the verified vault in one rename."""
        info = backup(filled, tmp_path / "b.ncbackup")
        target = tmp_path / "restored"
        target.mkdir()
        assert restore(info.path, target, "pw").ok
        with Vault.open(target, "pw") as r:
            assert count(r) == count(filled)
        assert not list(tmp_path.glob("restored.restoring-*"))

    def test_a_restore_onto_a_file_is_refused(self, filled: Vault, tmp_path: Path) -> None:
        """A file where the vault folder should go is left alone and named."""
        info = backup(filled, tmp_path / "b.ncbackup")
        (tmp_path / "restored").write_bytes(b"mine")
        with pytest.raises(VaultError, match="a file is there"):
            restore(info.path, tmp_path / "restored", "pw")
        assert (tmp_path / "restored").read_bytes() == b"mine"

    def test_restored_files_are_readable_by_their_owner_only(self, filled: Vault, tmp_path: Path) -> None:
        """Every restored file is mode 0600 and every folder 0700, whatever the umask."""
        info = backup(filled, tmp_path / "b.ncbackup")
        restore(info.path, tmp_path / "restored", "pw")
        root = tmp_path / "restored"
        modes = {p.relative_to(root).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in root.rglob("*")
                 if p.name in ("header.json", "vault.db") or p.parent.parent.name == "blobs" or p.is_dir()}
        assert modes and all(m == (0o700 if (root / n).is_dir() else 0o600) for n, m in modes.items()), modes

    def test_a_restore_removes_what_a_killed_restore_left(self, filled: Vault, tmp_path: Path) -> None:
        """Staging folders of an earlier, killed restore into the same target are removed; others are not."""
        info = backup(filled, tmp_path / "b.ncbackup")
        stale = tmp_path / "restored.restoring-0a1b2c3d"
        (stale / "blobs").mkdir(parents=True)
        (stale / "vault.db").write_bytes(b"half")
        mine = tmp_path / "restored.restoring-notours"
        mine.mkdir()
        restore(info.path, tmp_path / "restored", "pw")
        assert not stale.exists() and mine.exists()
