"""``verify`` names the first thing wrong with a tampered vault."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from nocontact.vault.events import log_incident, retract, revise
from nocontact.vault.store import Vault
from nocontact.vault.verify import verify_vault
from tests.vault.helpers import import_paths, samples, with_case


@pytest.fixture
def full_vault(tmp_path: Path) -> Vault:
    """A vault with an import, manual entries with an attachment, a revision and a retraction."""
    v, _ = Vault.create(tmp_path / "vault", "pw", fast_kdf=True)
    with_case(v)
    files = samples(tmp_path / "exports")
    import_paths(v, next(p for n, p in files.items() if n.startswith("sms-")))
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 fake jpeg " * 50)
    e1 = log_incident(v, occurred=datetime(2026, 3, 5, 18, tzinfo=UTC), raw_time="2026-03-05 12:00",
                      time_zone="America/Chicago", channel="in_person", what="waited outside my door",
                      attach=[photo])
    e2 = log_incident(v, occurred=datetime(2026, 3, 6, 18, tzinfo=UTC), raw_time="2026-03-06 12:00",
                      time_zone="America/Chicago", channel="gift", what="flowers left at work")
    revise(v, e1, {"location": "my front door"}, "more precise")
    retract(v, e2, "it was from someone else")
    yield v
    v.close()


def _first(v: Vault) -> str:
    rep = verify_vault(v)
    assert not rep.ok
    return rep.problems[0]


class TestIntact:
    def test_an_untouched_vault_is_intact(self, full_vault: Vault) -> None:
        """All checks pass on a vault written only through nocontact."""
        rep = verify_vault(full_vault)
        assert rep.ok, rep.problems
        assert rep.entries >= 7 and rep.events > 3 and rep.blobs >= 2


class TestTampering:
    def test_an_edited_event_row_is_named(self, full_vault: Vault) -> None:
        """Changing a message's text in the database is found and the event is named."""
        eid = full_vault.conn.execute("SELECT min(id) FROM events WHERE origin = 'import'").fetchone()[0]
        full_vault.conn.execute("UPDATE events SET body = 'changed' WHERE id = ?", (eid,))
        assert _first(full_vault) == f"event {eid}: its content does not match its recorded hash (the row was edited)"

    def test_an_event_with_a_recomputed_hash_is_caught_by_the_journal(self, full_vault: Vault) -> None:
        """Even if the row's own hash is recomputed, the import's Merkle root in the journal catches it."""
        from nocontact.vault.events import attachments_of, content_hash, event_content, hashable_attachments

        cur = full_vault.conn.execute("SELECT * FROM events WHERE origin = 'import' ORDER BY id LIMIT 1")
        row = dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True))
        row["body"] = "rewritten"
        c = event_content(row)
        c["attachments"] = hashable_attachments(attachments_of(full_vault.conn, row["id"]))
        full_vault.conn.execute("UPDATE events SET body = ?, content_hash = ? WHERE id = ?",
                                ("rewritten", content_hash(c), row["id"]))
        assert "Merkle root mismatch" in _first(full_vault)

    def test_a_removed_event_is_caught(self, full_vault: Vault) -> None:
        """Deleting an imported event changes the count the journal recorded."""
        full_vault.conn.execute("DELETE FROM events WHERE id = (SELECT max(id) FROM events WHERE origin='import')")
        assert "the journal recorded" in _first(full_vault)

    def test_an_event_added_behind_the_journal_is_caught(self, full_vault: Vault) -> None:
        """A row inserted without a journal entry is named."""
        cur = full_vault.conn.execute("SELECT * FROM events WHERE origin = 'manual' AND id NOT IN (SELECT event_id FROM attachments) LIMIT 1")
        cols = [d[0] for d in cur.description]
        row = dict(zip(cols, cur.fetchone(), strict=True))
        row["id"] = 10_000
        row["dedupe_key"] = "forged"
        full_vault.conn.execute(f"INSERT INTO events({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                                list(row.values()))
        assert _first(full_vault) == "event 10000: no journal entry records it (added behind the journal's back)"

    def test_an_edited_journal_entry_is_named(self, full_vault: Vault) -> None:
        """Changing a journal entry's text is found at that entry."""
        seq, text = full_vault.conn.execute("SELECT seq, entry FROM journal WHERE kind = 'retraction'").fetchone()
        entry = json.loads(text)
        entry["body"]["reason"] = "no reason"
        from nocontact.vault.journal import canonical_json

        full_vault.conn.execute("UPDATE journal SET entry = ? WHERE seq = ?", (canonical_json(entry).decode(), seq))
        assert _first(full_vault) == (f"journal entry {seq} (retraction): its hash does not match its content "
                                      "(the entry was edited)")

    def test_a_removed_journal_entry_is_named(self, full_vault: Vault) -> None:
        """Deleting an entry from the middle of the journal is found where the gap is."""
        full_vault.conn.execute("DELETE FROM journal WHERE seq = 3")
        assert _first(full_vault).startswith("journal entry 4 (")
        assert "missing or reordered" in _first(full_vault)

    def test_reordered_journal_entries_are_named(self, full_vault: Vault) -> None:
        """Swapping two entries' content breaks the chain at the first of them."""
        rows = full_vault.conn.execute("SELECT seq, kind, entry, prev_hash, hash FROM journal WHERE seq IN (3, 4) "
                                       "ORDER BY seq").fetchall()
        full_vault.conn.execute("DELETE FROM journal WHERE seq IN (3, 4)")
        for (seq, *_), (_, kind, entry, prev, h) in zip(rows, reversed(rows), strict=True):
            full_vault.conn.execute("INSERT INTO journal VALUES (?, ?, ?, ?, ?)", (seq, kind, entry, prev, h))
        assert _first(full_vault).startswith("journal entry 3 (")

    def test_a_truncated_journal_is_caught_by_the_signed_head(self, full_vault: Vault) -> None:
        """Cutting the last entries off the journal contradicts the signed head."""
        last = full_vault.head()[0]
        full_vault.conn.execute("DELETE FROM journal WHERE seq = ?", (last,))
        problems = verify_vault(full_vault).problems
        assert any(p.startswith("journal head: the signed head names entry") for p in problems)

    def test_a_forged_head_signature_is_named(self, full_vault: Vault) -> None:
        """A head signed by another key does not verify."""
        import base64

        full_vault.conn.execute("UPDATE journal_head SET signature = ?", (base64.b64encode(bytes(64)).decode(),))
        assert _first(full_vault) == "journal head: the signature does not verify with the vault's identity key"

    def test_a_flipped_byte_in_an_original_is_named(self, full_vault: Vault) -> None:
        """One changed byte in a stored export is found and the file is named."""
        blob, display = full_vault.conn.execute("SELECT blob, display FROM sources").fetchone()
        p = full_vault.blobs.path_for(blob)
        raw = bytearray(p.read_bytes())
        raw[len(raw) // 2] ^= 0x01
        p.write_bytes(bytes(raw))
        first = _first(full_vault)
        assert first.startswith(f"original {display}: blob ") and "altered" in first

    def test_a_missing_attachment_is_named(self, full_vault: Vault) -> None:
        """A deleted attachment file is reported with its name and event."""
        blob, eid = full_vault.conn.execute("SELECT blob, event_id FROM attachments WHERE name = 'photo.jpg'"
                                            ).fetchone()
        full_vault.blobs.path_for(blob).unlink()
        assert _first(full_vault).startswith(f"attachment 'photo.jpg' of event {eid}: blob ")

    def test_a_retraction_not_in_the_journal_is_named(self, full_vault: Vault) -> None:
        """A retraction slipped into the table without a journal entry is named."""
        eid = full_vault.conn.execute("SELECT min(id) FROM events").fetchone()[0]
        full_vault.conn.execute("INSERT INTO retractions(event_id, reason, recorded_at, journal_seq) "
                                "VALUES (?, 'x', 'now', 0)", (eid,))
        assert "not recorded in the journal" in _first(full_vault)


class TestDamagedFiles:
    def test_a_truncated_database_is_reported_plainly(self, tmp_path: Path) -> None:
        """A cut-off database file gives a sentence about damage, not a traceback."""
        from nocontact.vault.store import VaultError

        v, _ = Vault.create(tmp_path / "v", "pw", fast_kdf=True)
        v.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        v.close()
        db = tmp_path / "v" / "vault.db"
        db.write_bytes(db.read_bytes()[:1000])
        with pytest.raises(VaultError, match="damaged or truncated"):
            Vault.open(tmp_path / "v", "pw")

    def test_a_missing_database_is_reported_plainly(self, tmp_path: Path) -> None:
        """A header without its database is named."""
        from nocontact.vault.store import VaultError

        Vault.create(tmp_path / "v", "pw", fast_kdf=True)[0].close()
        (tmp_path / "v" / "vault.db").unlink()
        with pytest.raises(VaultError, match="database file is missing"):
            Vault.open(tmp_path / "v", "pw")


class TestRowsAgainstTheirEntries:
    def test_a_deleted_incident_is_named(self, full_vault: Vault) -> None:
        """Deleting a logged incident (and its attachments) is found through its journal entry."""
        eid = full_vault.conn.execute("SELECT min(id) FROM events WHERE origin = 'manual'").fetchone()[0]
        full_vault.conn.execute("DELETE FROM attachments WHERE event_id = ?", (eid,))
        full_vault.conn.execute("DELETE FROM revisions WHERE event_id = ?", (eid,))
        full_vault.conn.execute("DELETE FROM events WHERE id = ?", (eid,))
        problems = verify_vault(full_vault).problems
        assert f"event {eid}: recorded in the journal but missing from the vault (deleted)" in problems

    def test_an_edited_correction_is_named(self, full_vault: Vault) -> None:
        """Changing what a correction says is found, though the journal entry is untouched."""
        full_vault.conn.execute("""UPDATE revisions SET fields = '{"location": "elsewhere"}'""")
        assert _first(full_vault) == "revision 1: not recorded in the journal as it stands"

    def test_a_moved_boundary_is_named(self, full_vault: Vault) -> None:
        """Moving the boundary in the table, behind the journal, is found."""
        from nocontact.vault.events import set_boundary

        set_boundary(full_vault, datetime(2026, 3, 3, tzinfo=UTC))
        full_vault.conn.execute("UPDATE boundaries SET occurred_at = '2026-01-01T00:00:00.000Z'")
        assert _first(full_vault) == "boundary 1: differs from what the journal recorded"


class TestVersions:
    def test_a_vault_from_a_newer_version_is_not_opened(self, tmp_path: Path) -> None:
        """A database carrying a migration this version does not know is refused, unchanged."""
        from nocontact.vault.store import NotAVault

        v, _ = Vault.create(tmp_path / "v", "pw", fast_kdf=True)
        v.conn.execute("INSERT INTO migrations(name, applied_at) VALUES ('0999_future', 'x')")
        v.close()
        with pytest.raises(NotAVault, match="changed by a newer nocontact"):
            Vault.open(tmp_path / "v", "pw")


class TestDamagedPages:
    def test_a_flipped_byte_inside_the_database_is_named_not_a_traceback(self, full_vault: Vault) -> None:
        """Damage in the middle of vault.db is reported as a damaged database file."""
        full_vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        root = full_vault.root
        full_vault.close()
        db = root / "vault.db"
        raw = bytearray(db.read_bytes())
        raw[len(raw) // 2] ^= 0x01
        db.write_bytes(bytes(raw))
        with Vault.open(root, "pw") as v:
            assert _first(v).startswith("vault.db: the database file is damaged or altered")
