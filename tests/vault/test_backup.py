"""Backups: one encrypted file that restores to a vault that verifies."""

from __future__ import annotations

import zipfile
from pathlib import Path

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
