"""Creating, opening and re-keying a vault."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from nocontact.vault.store import NotAVault, Vault, VaultError


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


class TestCreateAndOpen:
    def test_a_new_vault_opens_with_its_passphrase(self, tmp_path: Path) -> None:
        """The passphrase chosen at creation opens the vault and the journal starts with an init entry."""
        v, _ = Vault.create(tmp_path / "v", "s3cret", fast_kdf=True)
        v.close()
        with Vault.open(tmp_path / "v", "s3cret") as v2:
            assert v2.head()[0] == 1
            kind = v2.conn.execute("SELECT kind FROM journal WHERE seq = 1").fetchone()[0]
            assert kind == "init"

    def test_wrong_passphrase_is_refused_and_changes_nothing(self, tmp_path: Path) -> None:
        """A wrong passphrase gives a plain sentence and leaves every file byte-for-byte as it was."""
        Vault.create(tmp_path / "v", "right", fast_kdf=True)[0].close()
        before = _snapshot(tmp_path / "v")
        with pytest.raises(VaultError, match="does not open this vault. Nothing was changed."):
            Vault.open(tmp_path / "v", "wrong")
        assert _snapshot(tmp_path / "v") == before

    def test_the_recovery_key_opens_the_vault(self, tmp_path: Path) -> None:
        """The recovery key shown once at creation opens the vault, typed with or without dashes."""
        v, rk = Vault.create(tmp_path / "v", "pw", fast_kdf=True)
        v.close()
        assert len(rk.replace("-", "")) == 52
        Vault.open(tmp_path / "v", recovery_key=rk.lower().replace("-", " ")).close()

    def test_a_wrong_recovery_key_is_refused(self, tmp_path: Path) -> None:
        """A recovery key of another vault does not open this one."""
        Vault.create(tmp_path / "a", "pw", fast_kdf=True)[0].close()
        _, other = Vault.create(tmp_path / "b", "pw", fast_kdf=True)
        with pytest.raises(VaultError, match="does not open this vault"):
            Vault.open(tmp_path / "a", recovery_key=other)

    def test_a_folder_that_is_not_a_vault_is_named_as_such(self, tmp_path: Path) -> None:
        """Opening an ordinary folder says it is not a vault, before any passphrase is tried."""
        (tmp_path / "photos").mkdir()
        with pytest.raises(NotAVault, match="not a nocontact vault"):
            Vault.open(tmp_path / "photos", "pw")
        with pytest.raises(NotAVault, match="no such folder"):
            Vault.open(tmp_path / "missing", "pw")

    def test_an_unknown_format_version_is_refused(self, tmp_path: Path) -> None:
        """A header from a newer version is refused rather than misread."""
        Vault.create(tmp_path / "v", "pw", fast_kdf=True)[0].close()
        h = json.loads((tmp_path / "v" / "header.json").read_text())
        h["version"] = 99
        (tmp_path / "v" / "header.json").write_text(json.dumps(h))
        with pytest.raises(NotAVault, match="version 99 is not one this nocontact reads"):
            Vault.open(tmp_path / "v", "pw")

    def test_a_vault_is_not_created_over_existing_files(self, tmp_path: Path) -> None:
        """init refuses a folder that already holds something, so nothing is overwritten."""
        (tmp_path / "v").mkdir()
        (tmp_path / "v" / "notes.txt").write_text("mine")
        with pytest.raises(VaultError, match="not empty"):
            Vault.create(tmp_path / "v", "pw", fast_kdf=True)
        assert (tmp_path / "v" / "notes.txt").read_text() == "mine"

    def test_nothing_readable_is_left_on_disk(self, tmp_path: Path) -> None:
        """The passphrase, the text of a logged incident and the recovery key appear in no file of the vault."""
        from datetime import UTC, datetime

        from nocontact.vault.events import log_incident

        v, rk = Vault.create(tmp_path / "v", "hunter2-passphrase", fast_kdf=True)
        log_incident(v, occurred=datetime(2026, 1, 1, tzinfo=UTC), raw_time="x", time_zone="UTC",
                     channel="in_person", what="UNIQUE-MARKER-TEXT at my door")
        v.close()
        for p in (tmp_path / "v").rglob("*"):
            if p.is_file():
                data = p.read_bytes()
                for secret in (b"hunter2-passphrase", b"UNIQUE-MARKER-TEXT", rk.encode()):
                    assert secret not in data, p


class TestPassphraseChange:
    def test_a_new_passphrase_replaces_the_old_without_reencrypting(self, tmp_path: Path) -> None:
        """After a change only the new passphrase opens the vault, and the database file is untouched."""
        v, rk = Vault.create(tmp_path / "v", "old", fast_kdf=True)
        v.close()
        db = tmp_path / "v" / "vault.db"
        with Vault.open(tmp_path / "v", "old") as v:
            v.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            before = db.read_bytes()
            v.change_passphrase("new", fast_kdf=True)
            entry = v.conn.execute("SELECT kind FROM journal ORDER BY seq DESC LIMIT 1").fetchone()[0]
            assert entry == "passphrase_changed"
            v.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        with pytest.raises(VaultError):
            Vault.open(tmp_path / "v", "old")
        Vault.open(tmp_path / "v", "new").close()
        Vault.open(tmp_path / "v", recovery_key=rk).close()
        # Only pages the journal entry touched may differ; the key is the same, so page 1 (salt) is equal.
        assert db.read_bytes()[:16] == before[:16]

    def test_an_empty_passphrase_is_refused(self, new_vault: Vault) -> None:
        """An empty passphrase would be no protection at all."""
        with pytest.raises(VaultError, match="must not be empty"):
            new_vault.change_passphrase("")


class TestLock:
    def test_a_second_writer_waits_then_fails_plainly(self, tmp_path: Path) -> None:
        """While one handle holds the writer lock, another gets a plain sentence, not a hang."""
        v1, _ = Vault.create(tmp_path / "v", "pw", fast_kdf=True)
        v2 = Vault.open(tmp_path / "v", "pw")
        try:
            with v1.transaction(), pytest.raises(VaultError, match="another nocontact is writing"), \
                    v2.transaction(wait_s=0.2):
                pass
            with v2.transaction():
                v2.append_journal("boundary", {"occurred_at": "x", "event_id": None})
        finally:
            v1.close()
            v2.close()
        assert os.path.exists(tmp_path / "v" / "lock")


def test_a_reader_handle_reads_on_its_own_connection_and_never_holds_the_lock(new_vault: Vault) -> None:
    """The app's background counting reads through vault.reader(): its own connection, closable alone."""
    r = new_vault.reader()
    assert r.conn is not new_vault.conn
    assert r.conn.execute("SELECT count(*) FROM journal").fetchone() == \
        new_vault.conn.execute("SELECT count(*) FROM journal").fetchone()
    r.close()
    with new_vault.transaction():  # the original handle still writes
        new_vault.append_journal("note", {"text": "still open"})
    assert new_vault.conn.execute("SELECT count(*) FROM journal").fetchone()[0] >= 2


def test_the_page_cache_follows_the_event_indexes_between_8_and_32_mib(new_vault: Vault) -> None:
    """A small import keeps a small cache; a large one gets room for its index, up to a bound."""
    def kib() -> int:
        return -int(new_vault.conn.execute("PRAGMA cache_size").fetchone()[0])

    assert kib() == 8192
    new_vault.size_cache_for(20_000)
    assert kib() == 8192
    new_vault.size_cache_for(100_000)
    assert kib() == 100_000 * 140 // 1024
    new_vault.size_cache_for(5_000_000)
    assert kib() == 32768
    reader = new_vault.reader()
    try:
        assert -int(reader.conn.execute("PRAGMA cache_size").fetchone()[0]) == 8192
    finally:
        reader.close()


def test_an_error_after_sqlite_rolled_back_by_itself_is_the_error_raised(new_vault: Vault) -> None:
    """SQLite ends the transaction itself on a full disk; the real error must not become 'cannot rollback'."""
    before = new_vault.conn.execute("SELECT count(*) FROM journal").fetchone()[0]
    with pytest.raises(OSError, match="No space"), new_vault.transaction() as conn:
        new_vault.append_journal("note", {"n": 1})
        conn.execute("ROLLBACK")  # what SQLite does on SQLITE_FULL
        raise OSError(28, "No space left on device")
    assert new_vault.conn.execute("SELECT count(*) FROM journal").fetchone()[0] == before
    with new_vault.transaction():  # the vault is usable afterwards
        new_vault.append_journal("note", {"n": 2})
