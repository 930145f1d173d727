"""An independent check of a vault, written from docs/vault-format.md alone.

Nothing here imports nocontact's journal, verify, crypto, blobs or events code: the keys are
derived, the database opened, the journal chain, head signature, event content hashes, import
Merkle roots and one blob are recomputed from the document's definitions with hashlib, json,
cryptography (Argon2id, HKDF, AES-GCM, Ed25519) and sqlcipher3. The vault itself is built with the
real code, so a disagreement means the document or the code is wrong.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PASSPHRASE = "pw"
NEW_PASSPHRASE = "a new passphrase"

# ---- the document's definitions, re-implemented -----------------------------------------------

GENESIS = "0" * 64
CONTENT_FIELDS = (
    "origin", "source_sha256", "source_display", "source_pos", "format", "kind", "category", "channel",
    "direction", "occurred_at", "raw_time", "time_zone", "time_basis", "sender_kind", "sender", "peers",
    "is_group", "conversation", "body", "subject", "duration_s", "call_type", "location", "witnesses",
    "police_report", "officer", "impact", "extra",
)
ATTACHMENT_FIELDS = ("sha256", "size", "name", "mime", "included")
BLOB_MAGIC = b"NCBLOB1\x00"


def canonical(value: Any) -> bytes:
    """Canonical JSON per the document: sorted keys, no spaces, UTF-8, no floats, minimal escapes."""
    if value is None:
        return b"null"
    if value is True:
        return b"true"
    if value is False:
        return b"false"
    if isinstance(value, int):
        return str(value).encode()
    if isinstance(value, float):
        raise TypeError("no floats in canonical JSON")
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return b"[" + b",".join(canonical(v) for v in value) + b"]"
    if isinstance(value, dict):
        items = sorted(value.items())  # by Unicode code point
        return b"{" + b",".join(_string(k) + b":" + canonical(v) for k, v in items) + b"}"
    raise TypeError(type(value))


_SHORT = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _string(s: str) -> bytes:
    out = []
    for ch in s:
        if ch in _SHORT:
            out.append(_SHORT[ch])
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return ('"' + "".join(out) + '"').encode("utf-8", "surrogatepass")


def sha256_hex(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1 Merkle Tree Hash, written recursively straight from the RFC."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def hkdf(ikm: bytes, salt: bytes, label: str) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt, label.encode("ascii")).derive(ikm)


@dataclass
class Keys:
    data: bytes
    database: bytes
    blob: bytes
    blob_name: bytes


def open_keys(root: Path, passphrase: str) -> Keys:
    header = json.loads((root / "header.json").read_bytes())
    assert header["format"] == "nocontact-vault"
    assert header["version"] == 1
    kdf = header["kdf"]
    assert kdf["algorithm"] == "argon2id" and kdf["version"] == 19 and kdf["hash_len"] == 32
    kek = Argon2id(salt=base64.b64decode(kdf["salt"]), length=32, iterations=kdf["time_cost"],
                   lanes=kdf["parallelism"], memory_cost=kdf["memory_kib"]).derive(passphrase.encode("utf-8"))
    wrapped = base64.b64decode(header["wrapped_data_key"])
    assert len(wrapped) == 12 + 32 + 16
    aad = b"nocontact data key v1|" + header["vault_id"].encode("ascii")
    data_key = AESGCM(kek).decrypt(wrapped[:12], wrapped[12:], aad)
    salt = bytes.fromhex(header["vault_id"])
    return Keys(data_key, hkdf(data_key, salt, "nocontact database v1"), hkdf(data_key, salt, "nocontact blob v1"),
                hkdf(data_key, salt, "nocontact blob name v1"))


def recovery_data_key(root: Path, recovery_key: str) -> bytes:
    header = json.loads((root / "header.json").read_bytes())
    letters = "".join(ch for ch in recovery_key.upper() if ch.isalnum())
    assert len(letters) == 52
    rk = base64.b32decode(letters + "====")
    rec = header["recovery"]
    assert rec["kdf"] == "hkdf-sha256"
    kek = hkdf(rk, base64.b64decode(rec["salt"]), "nocontact recovery kek v1")
    wrapped = base64.b64decode(rec["wrapped_data_key"])
    aad = b"nocontact data key v1|" + header["vault_id"].encode("ascii")
    return AESGCM(kek).decrypt(wrapped[:12], wrapped[12:], aad)


def decrypt_blob(path: Path, key: bytes) -> bytes:
    raw = path.read_bytes()
    header = raw[:20]
    assert header[:8] == BLOB_MAGIC
    prefix = header[8:16]
    (chunk,) = struct.unpack(">I", header[16:20])
    assert chunk == 1 << 20
    body = raw[20:]
    blocks = [body[i:i + chunk + 16] for i in range(0, len(body), chunk + 16)] or [b""]
    out = []
    for index, block in enumerate(blocks):
        last = index == len(blocks) - 1
        nonce = prefix + struct.pack(">I", index)
        aad = header + struct.pack(">I", index) + (b"\x01" if last else b"\x00")
        out.append(AESGCM(key).decrypt(nonce, block, aad))
    return b"".join(out)


def connect(root: Path, keys: Keys) -> Any:
    conn = sqlcipher3.connect(str(root / "vault.db"))
    conn.execute(f"PRAGMA key = \"x'{keys.database.hex()}'\"")
    return conn


def rows(conn: Any, sql: str, *args: Any) -> list[dict[str, Any]]:
    cur = conn.execute(sql, args)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur]


def event_hash(conn: Any, ev: dict[str, Any]) -> str:
    obj = {k: ev[k] for k in CONTENT_FIELDS}
    obj["peers"] = json.loads(ev["peers"])
    obj["extra"] = json.loads(ev["extra"])
    obj["is_group"] = ev["is_group"] == 1
    atts = rows(conn, "SELECT * FROM attachments WHERE event_id = ? ORDER BY id", ev["id"])
    obj["attachments"] = [{k: (a[k] == 1 if k == "included" else a[k]) for k in ATTACHMENT_FIELDS} for a in atts]
    return sha256_hex(canonical(obj))


# ---- the vault under test, built by the real code ---------------------------------------------

@dataclass
class Built:
    root: Path
    recovery: str
    incident_id: int
    screenshot: bytes


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    from nocontact import samples
    from nocontact.case import case_from_json
    from nocontact.demo import write_all_samples
    from nocontact.ingest import Planned, context_for_vault, import_planned, plan_sources
    from nocontact.vault.events import (
        add_attachment_file,
        log_incident,
        retract,
        revise,
        save_case,
        set_boundary,
    )
    from nocontact.vault.store import Vault

    base = tmp_path_factory.mktemp("fmt")
    exports = base / "exports"
    write_all_samples(exports)
    root = base / "vault"
    vault, recovery = Vault.create(root, PASSPHRASE, fast_kdf=True)
    with vault:
        save_case(vault, case_from_json(json.dumps(samples.DEMO_CASE)))
        ctx = context_for_vault(vault)
        planned = [p for p in plan_sources([exports]) if isinstance(p, Planned)]
        small = [p for p in planned if p.importer.name in ("sms_backup_restore_calls", "sms_backup_restore_sms")]
        for p in small:
            import_planned(vault, p, ctx)
        set_boundary(vault, samples.DEMO_BOUNDARY_UTC, note="no-contact text")
        shot = base / "shot.png"
        screenshot = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10
        shot.write_bytes(screenshot)
        eid = log_incident(vault, occurred=datetime(2026, 3, 14, 23, 40, tzinfo=UTC), raw_time="2026-03-14 18:40",
                           time_zone=samples.DEMO_TIMEZONE, channel="in_person",
                           what="Waiting in the car park.\n\"Ünïcode\" \u2028 and \x07 bell", location="Car park",
                           attach=[shot])
        aid = add_attachment_file(vault, shot, note="the same screenshot again", event_id=eid)
        revise(vault, eid, {"location": "Car park, level 2"}, "level was missing")
        retract(vault, aid, "duplicate")
        vault.change_passphrase(NEW_PASSPHRASE, fast_kdf=True)
    return Built(root, recovery, eid, screenshot)


# ---- the checks ---------------------------------------------------------------------------------

def test_canonical_json_matches_python_definition() -> None:
    sample = {"b": [1, True, None, "x\u2028y\x7f\x1f/\\\"é😀"], "a": {"z": -5, "Z": ""}, "é": 0, "e": 2**70}
    expected = json.dumps(sample, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert canonical(sample) == expected


def test_merkle_root_examples() -> None:
    # The literal values docs/vault-format.md gives.
    assert mth([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    leaves = [hashlib.sha256(bytes([i])).digest() for i in range(3)]
    assert mth(leaves[:1]).hex() == sha256_hex(b"\x00" + leaves[0])
    l0, l1, l2 = (hashlib.sha256(b"\x00" + x).digest() for x in leaves)
    assert mth(leaves) == hashlib.sha256(b"\x01" + hashlib.sha256(b"\x01" + l0 + l1).digest() + l2).digest()


def test_keys_passphrase_and_recovery_agree(built: Built) -> None:
    keys = open_keys(built.root, NEW_PASSPHRASE)
    assert recovery_data_key(built.root, built.recovery) == keys.data
    with pytest.raises(Exception):  # noqa: B017, PT011 - the old passphrase must no longer unwrap
        open_keys(built.root, PASSPHRASE)


def test_journal_chain_head_events_merkle_and_blob(built: Built) -> None:
    root = built.root
    header = json.loads((root / "header.json").read_bytes())
    keys = open_keys(root, NEW_PASSPHRASE)
    conn = connect(root, keys)
    try:
        assert [r["name"] for r in rows(conn, "SELECT name FROM migrations ORDER BY name")] == [
            "0001_initial", "0002_pillars", "0003_dedupe_key_form", "0004_dedupe_key_form_3",
            "0005_dedupe_key_form_4"]
        # A new vault writes form 4 dedupe keys: the time stamp, "/", the digest, ":", the ordinal.
        assert rows(conn, "SELECT value FROM meta WHERE key = 'dedupe_key_form'") == [{"value": "4"}]

        # 1. The chain: every entry's hash, link and canonical form.
        entries: dict[int, dict[str, Any]] = {}
        prev = GENESIS
        journal = rows(conn, "SELECT seq, kind, entry, prev_hash, hash FROM journal ORDER BY seq")
        for n, r in enumerate(journal, start=1):
            assert r["seq"] == n
            assert r["prev_hash"] == prev
            entry = json.loads(r["entry"])
            assert set(entry) == {"seq", "kind", "at", "body"}
            assert entry["seq"] == n and entry["kind"] == r["kind"]
            assert canonical(entry) == r["entry"].encode("utf-8")
            assert sha256_hex(bytes.fromhex(prev) + canonical(entry)) == r["hash"]
            entries[n] = entry
            prev = r["hash"]
        kinds = [e["kind"] for e in entries.values()]
        assert kinds == ["init", "case", "import", "import", "boundary", "manual_entry", "attachment", "revision",
                         "retraction", "passphrase_changed"]
        init = entries[1]["body"]
        assert init == {"vault_id": header["vault_id"], "format_version": 1,
                        "identity_public_key": header["identity_public_key"]}

        # 2. The signed head.
        (head,) = rows(conn, "SELECT * FROM journal_head")
        assert head["id"] == 1 and head["seq"] == len(journal) and head["hash"] == prev
        message = f"nocontact journal head v1\n{header['vault_id']}\n{head['seq']}\n{head['hash']}\n".encode("ascii")
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(header["identity_public_key"]))
        public.verify(base64.b64decode(head["signature"]), message)

        # 3. Every event's content hash, and what the journal recorded for it.
        events = rows(conn, "SELECT * FROM events ORDER BY id")
        per_import: dict[int, list[str]] = {}
        by_event = {e["body"]["event_id"]: e["body"] for e in entries.values()
                    if e["kind"] in ("manual_entry", "attachment")}
        for ev in events:
            h = event_hash(conn, ev)
            assert h == ev["content_hash"], ev["id"]
            if ev["origin"] == "import":
                per_import.setdefault(ev["import_id"], []).append(h)
                assert re.fullmatch(re.escape(ev["occurred_at"]) + r"/[0-9a-f]{64}:\d+", ev["dedupe_key"]) or (
                    re.fullmatch(r"[0-9a-f]{64}:0", ev["dedupe_key"]) and ev["format"] in ("gmail_takeout_mbox", "eml", "imessage_chat_db"))
            else:
                assert ev["import_id"] is None and by_event[ev["id"]]["content_hash"] == h

        # 4. Each import's Merkle root, count and source.
        imports = [e["body"] for e in entries.values() if e["kind"] == "import"]
        assert imports and sum(b["added"] for b in imports) == len(per_import.get(1, [])) + len(
            per_import.get(2, []))
        for body in imports:
            got = per_import.get(body["import_id"], [])
            assert len(got) == body["added"]
            assert mth([bytes.fromhex(h) for h in got]).hex() == body["events_merkle_root"]
            (src,) = rows(conn, "SELECT * FROM sources WHERE sha256 = ?", body["source_sha256"])
            assert src["size"] == body["source_size"]

        # 5. Revisions, retractions, case and boundary rows against their entries.
        for table, kind, key in (("revisions", "revision", "revision_id"), ("retractions", "retraction",
                                                                            "retraction_id")):
            for r in rows(conn, f"SELECT * FROM {table}"):  # noqa: S608 - fixed table names
                body = entries[r["journal_seq"]]["body"]
                assert entries[r["journal_seq"]]["kind"] == kind and body[key] == r["id"]
                assert body["event_id"] == r["event_id"] and body["reason"] == r["reason"]
                if kind == "revision":
                    assert json.loads(r["fields"]) == body["fields"]
        for r in rows(conn, "SELECT * FROM case_versions"):
            assert entries[r["journal_seq"]]["body"]["case_sha256"] == sha256_hex(r["case_json"].encode("utf-8"))
        for r in rows(conn, "SELECT * FROM boundaries"):
            body = entries[r["journal_seq"]]["body"]
            assert body == {"occurred_at": r["occurred_at"], "event_id": r["event_id"]}

        # 6. One blob by the documented format, and every blob's keyed name.
        (att,) = rows(conn, "SELECT a.* FROM attachments a WHERE event_id = ?", built.incident_id)
        path = root / "blobs" / att["blob"][:2] / att["blob"]
        plain = decrypt_blob(path, keys.blob)
        assert plain == built.screenshot
        assert sha256_hex(plain) == att["sha256"] and len(plain) == att["size"]
        assert hmac.new(keys.blob_name, plain, hashlib.sha256).hexdigest() == att["blob"]
        assert path.stat().st_size == 20 + len(plain) + 16  # one chunk: header, ciphertext, tag
        for src in rows(conn, "SELECT * FROM sources"):
            data = decrypt_blob(root / "blobs" / src["blob"][:2] / src["blob"], keys.blob)
            assert sha256_hex(data) == src["sha256"] and len(data) == src["size"]
    finally:
        conn.close()


def test_blob_format_edge_sizes(tmp_path: Path) -> None:
    """Empty, exactly one chunk, and one chunk plus one byte, decrypted by the document's rules."""
    from nocontact.vault.store import Vault

    vault, _ = Vault.create(tmp_path / "v", PASSPHRASE, fast_kdf=True)
    with vault:
        infos = [vault.blobs.put_bytes(b""), vault.blobs.put_bytes(b"x" * (1 << 20)),
                 vault.blobs.put_bytes(b"y" * ((1 << 20) + 1))]
    keys = open_keys(tmp_path / "v", PASSPHRASE)
    expected_sizes = [20 + 16, 20 + (1 << 20) + 16, 20 + (1 << 20) + 16 + 1 + 16]
    for info, size in zip(infos, expected_sizes, strict=True):
        path = tmp_path / "v" / "blobs" / info.name[:2] / info.name
        assert path.stat().st_size == size
        data = decrypt_blob(path, keys.blob)
        assert sha256_hex(data) == info.sha256 and len(data) == info.size

