"""``nocontact verify``: recompute everything the vault commits to and name the first thing wrong.

Checks, in order: the journal chain (sequence, links, each entry's hash, its canonical form),
the signed head, every event's content hash against its journal entry (imports through the
Merkle root of the events they added), every revision and retraction's entry, and every blob
(decrypts, SHA-256 and size as recorded, name matches content). Read-only.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature

from nocontact.vault.blobs import BlobCorrupt
from nocontact.vault.events import content_hash, event_content
from nocontact.vault.journal import GENESIS, canonical_json, entry_hash, head_message, merkle_root
from nocontact.vault.store import Vault

__all__ = ["VerifyReport", "verify_vault"]


@dataclass
class VerifyReport:
    entries: int = 0
    head: str = GENESIS
    events: int = 0
    blobs: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _journal(vault: Vault, rep: VerifyReport) -> dict[int, dict[str, Any]]:
    entries: dict[int, dict[str, Any]] = {}
    prev = GENESIS
    expected_seq = 1
    for seq, kind, text, prev_hash, h in vault.conn.execute(
            "SELECT seq, kind, entry, prev_hash, hash FROM journal ORDER BY seq"):
        where = f"journal entry {seq} ({kind})"
        if seq != expected_seq:
            rep.problems.append(f"{where}: expected entry {expected_seq} here; entries are missing or reordered")
            expected_seq = seq
        try:
            entry = json.loads(text)
        except ValueError:
            rep.problems.append(f"{where}: the entry is not valid JSON (edited or damaged)")
            prev, expected_seq = h, seq + 1
            continue
        if prev_hash != prev:
            rep.problems.append(f"{where}: does not link to the entry before it (an entry was removed, "
                                "inserted or reordered)")
        if canonical_json(entry).decode("utf-8", "surrogatepass") != text:
            rep.problems.append(f"{where}: the stored entry is not in canonical form (edited)")
        if entry.get("seq") != seq or entry.get("kind") != kind:
            rep.problems.append(f"{where}: its sequence number or kind was changed")
        if entry_hash(prev_hash, entry) != h:
            rep.problems.append(f"{where}: its hash does not match its content (the entry was edited)")
        entries[seq] = entry
        prev = h
        expected_seq = seq + 1
    rep.entries = len(entries)
    rep.head = prev
    first = entries.get(1)
    if first is not None and (first.get("kind") != "init" or first["body"].get("identity_public_key")
                              != base64.b64encode(vault.header.public_key).decode("ascii")
                              or first["body"].get("vault_id") != vault.vault_id):
        rep.problems.append("journal entry 1: does not name this vault's identity key (header or journal replaced)")
    row = vault.conn.execute("SELECT seq, hash, signature FROM journal_head WHERE id = 1").fetchone()
    if row is None:
        rep.problems.append("journal head: the signed head is missing")
    else:
        if row[0] != expected_seq - 1:
            rep.problems.append(f"journal head: the signed head names entry {row[0]} but the journal ends at "
                                f"entry {expected_seq - 1} (entries were removed or added)")
        elif row[1] != prev:
            rep.problems.append(f"journal head: the signed head's hash does not match entry {row[0]} (the journal "
                                "was rewritten)")
        try:
            vault.public_key().verify(base64.b64decode(row[2]), head_message(vault.vault_id, row[0], row[1]))
        except (InvalidSignature, ValueError):
            rep.problems.append("journal head: the signature does not verify with the vault's identity key")
    return entries


def _events(vault: Vault, rep: VerifyReport, entries: dict[int, dict[str, Any]]) -> None:
    conn = vault.conn
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in entries.values():
        by_kind[e["kind"]].append(e["body"])
    imports = {b["import_id"]: b for b in by_kind["import"]}
    manual = {b["event_id"]: b for b in by_kind["manual_entry"] + by_kind["attachment"]}
    per_import: dict[int, list[str]] = defaultdict(list)
    atts: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for eid, sha, size, name, mime, included in conn.execute(
            "SELECT event_id, sha256, size, name, mime, included FROM attachments ORDER BY id"):
        atts[eid].append({"sha256": sha, "size": size, "name": name, "mime": mime, "included": bool(included)})
    cur = conn.execute("SELECT * FROM events ORDER BY id")
    cols = [d[0] for d in cur.description]
    for values in cur:
        row = dict(zip(cols, values, strict=True))
        eid = row["id"]
        rep.events += 1
        content = event_content(row)
        content["attachments"] = atts.get(eid, [])
        h = content_hash(content)
        if h != row["content_hash"]:
            rep.problems.append(f"event {eid}: its content does not match its recorded hash (the row was edited)")
            continue
        if row["import_id"] is not None:
            per_import[row["import_id"]].append(h)
        elif eid not in manual:
            rep.problems.append(f"event {eid}: no journal entry records it (added behind the journal's back)")
        elif manual[eid]["content_hash"] != h:
            rep.problems.append(f"event {eid}: differs from what its journal entry recorded")
    for import_id, body in sorted(imports.items()):
        got = per_import.pop(import_id, [])
        if len(got) != body["added"]:
            rep.problems.append(f"import {import_id} ({body['source_display']}): the journal recorded "
                                f"{body['added']} events, the vault holds {len(got)}")
        elif merkle_root(got) != body["events_merkle_root"]:
            rep.problems.append(f"import {import_id} ({body['source_display']}): its events differ from what "
                                "the journal committed to (Merkle root mismatch)")
    for import_id in per_import:
        rep.problems.append(f"import {import_id}: events exist for an import the journal never recorded")
    present = {r[0] for r in conn.execute("SELECT id FROM events")}
    for event_id in sorted(set(manual) - present):
        rep.problems.append(f"event {event_id}: recorded in the journal but missing from the vault (deleted)")
    revisions = {b["revision_id"]: b for b in by_kind["revision"]}
    for rid, event_id, fields, reason, seq in conn.execute(
            "SELECT id, event_id, fields, reason, journal_seq FROM revisions"):
        b = revisions.pop(rid, None)
        if b is None or entries.get(seq, {}).get("body") != b or b["event_id"] != event_id \
                or b["fields"] != json.loads(fields) or b["reason"] != reason:
            rep.problems.append(f"revision {rid}: not recorded in the journal as it stands")
    for rid in revisions:
        rep.problems.append(f"revision {rid}: recorded in the journal but missing from the vault (deleted)")
    retractions = {b["retraction_id"]: b for b in by_kind["retraction"]}
    for rid, event_id, reason, seq in conn.execute("SELECT id, event_id, reason, journal_seq FROM retractions"):
        b = retractions.pop(rid, None)
        if b is None or entries.get(seq, {}).get("body") != b or b["event_id"] != event_id or b["reason"] != reason:
            rep.problems.append(f"retraction {rid}: not recorded in the journal as it stands")
    for rid in retractions:
        rep.problems.append(f"retraction {rid}: recorded in the journal but missing from the vault (deleted)")
    sources = {r[0] for r in conn.execute("SELECT sha256 FROM sources")}
    for import_id, body in sorted(imports.items()):
        if body["source_sha256"] not in sources:
            rep.problems.append(f"import {import_id} ({body['source_display']}): its original is not in the vault")
    for cid, text, seq in conn.execute("SELECT id, case_json, journal_seq FROM case_versions"):
        b = entries.get(seq, {})
        if b.get("kind") != "case" or b["body"].get("case_sha256") != hashlib.sha256(text.encode()).hexdigest():
            rep.problems.append(f"case version {cid}: differs from what the journal recorded")
    for bid, occurred, event_id, seq in conn.execute(
            "SELECT id, occurred_at, event_id, journal_seq FROM boundaries"):
        b = entries.get(seq, {})
        if b.get("kind") != "boundary" or b["body"] != {"occurred_at": occurred, "event_id": event_id}:
            rep.problems.append(f"boundary {bid}: differs from what the journal recorded")


def _blobs(vault: Vault, rep: VerifyReport) -> None:
    conn = vault.conn
    wanted: dict[str, tuple[str, int, str]] = {}
    for sha, blob, size, display in conn.execute("SELECT sha256, blob, size, display FROM sources"):
        wanted[blob] = (sha, size, f"original {display}")
    for eid, blob, sha, size, name in conn.execute(
            "SELECT event_id, blob, sha256, size, name FROM attachments WHERE blob IS NOT NULL"):
        wanted.setdefault(blob, (sha, size, f"attachment {name!r} of event {eid}"))
    for blob, (sha, size, what) in sorted(wanted.items(), key=lambda kv: kv[1][2]):
        rep.blobs += 1
        try:
            got_sha, got_size = vault.blobs.check(blob)
        except BlobCorrupt as e:
            rep.problems.append(f"{what}: {e}")
            continue
        if got_sha != sha or got_size != size:
            rep.problems.append(f"{what}: its bytes do not match the recorded SHA-256 and size")
    orphans = [n for n in vault.blobs.names() if n not in wanted and not n.startswith("tmp-")]
    if orphans:
        rep.notes.append(f"{len(orphans)} stored file(s) belong to no event (left by an interrupted import); "
                         "harmless")


def verify_vault(vault: Vault) -> VerifyReport:
    rep = VerifyReport()
    try:
        bad = [r[0] for r in vault.conn.execute("PRAGMA cipher_integrity_check")]
    except Exception as e:  # noqa: BLE001 - any failure here means the file cannot be trusted
        bad = [str(e)]
    if bad:
        rep.problems.append(f"vault.db: the database file is damaged or altered ({bad[0]}); restore it from "
                            "a backup")
        return rep
    entries = _journal(vault, rep)
    _events(vault, rep, entries)
    _blobs(vault, rep)
    return rep
