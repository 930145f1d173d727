#!/usr/bin/env python3
# ruff: noqa: UP031
# mypy: disallow-untyped-defs=False, disallow-untyped-calls=False, disallow-incomplete-defs=False
"""Check a nocontact evidence bundle. Needs only Python 3.8+ and its standard library.

    python3 verify.py case.zip        (or: python3 verify.py path/to/unpacked-folder)

It checks, and names the first file or entry that fails:
  1. every file listed in MANIFEST.json is present with the SHA-256 written there, and no
     unlisted file is present;
  2. MANIFEST.json is signed by the vault's Ed25519 identity key (signature.json);
  3. the journal (journal.jsonl) is an unbroken SHA-256 chain ending at the signed head;
  4. every original file is the one an import entry of the journal committed to;
  5. every event's content hash is recomputed from its content, and for each import whose
     events are all in the bundle, their Merkle root equals the one in the journal.

Exit status 0 means every check passed. This file is the same code nocontact runs for
``nocontact verify-bundle``; it is kept free of any other dependency on purpose, so a clerk
can read and run it without installing anything.
"""

import base64
import hashlib
import json
import sys
import zipfile
from pathlib import Path

__all__ = ["BundleCheck", "check_bundle", "ed25519_verify", "main"]

# ---- Ed25519 signature verification (RFC 8032, section 5.1.7), pure Python ---------------
_P = 2**255 - 19
_Q = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _recover_x(y, sign):
    xx = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    x = pow(xx, (_P + 3) // 8, _P)
    if (x * x - xx) % _P:
        x = x * _SQRT_M1 % _P
    if (x * x - xx) % _P:
        return None
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = _P - x
    return x


def _point(x, y):
    return (x, y, 1, x * y % _P)


_BY = 4 * pow(5, _P - 2, _P) % _P
_B = _point(_recover_x(_BY, 0), _BY)


def _add(a, b):
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    aa = (y1 - x1) * (y2 - x2) % _P
    bb = (y1 + x1) * (y2 + x2) % _P
    cc = t1 * 2 * _D * t2 % _P
    dd = z1 * 2 * z2 % _P
    e, f, g, h = bb - aa, dd - cc, dd + cc, bb + aa
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _mul(s, pt):
    q = (0, 1, 1, 0)
    while s:
        if s & 1:
            q = _add(q, pt)
        pt = _add(pt, pt)
        s >>= 1
    return q


def _equal(a, b):
    return (a[0] * b[2] - b[0] * a[2]) % _P == 0 and (a[1] * b[2] - b[1] * a[2]) % _P == 0


def _decode(b):
    if len(b) != 32:
        return None
    y = int.from_bytes(b, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    if y >= _P:
        return None
    x = _recover_x(y, sign)
    return None if x is None else _point(x, y)


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True when ``signature`` (64 bytes) is ``public_key``'s (32 bytes) signature of ``message``."""
    if len(signature) != 64:
        return False
    a = _decode(public_key)
    r = _decode(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= _Q:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little") % _Q
    return bool(_equal(_mul(s, _B), _add(r, _mul(h, a))))


# ---- the formats this bundle commits to (docs/vault-format.md, docs/evidence-bundle.md) --------
GENESIS = "0" * 64


def canonical_json(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8", "surrogatepass")


def head_message(vault_id: str, seq: int, head: str) -> bytes:
    return ("nocontact journal head v1\n%s\n%d\n%s\n" % (vault_id, seq, head)).encode("ascii")


def manifest_message(vault_id: str, manifest_sha256: str) -> bytes:
    return ("nocontact bundle manifest v1\n%s\n%s\n" % (vault_id, manifest_sha256)).encode("ascii")


def merkle_root(leaves_hex):
    """RFC 6962 Merkle Tree Hash: leaf = SHA-256(00 || h), node = SHA-256(01 || left || right)."""
    nodes = [hashlib.sha256(b"\x00" + bytes.fromhex(h)).digest() for h in leaves_hex]
    if not nodes:
        return hashlib.sha256(b"").hexdigest()

    def mth(items):
        if len(items) == 1:
            return items[0]
        k = 1
        while k * 2 < len(items):
            k *= 2
        return hashlib.sha256(b"\x01" + mth(items[:k]) + mth(items[k:])).digest()

    return mth(nodes).hex()


class BundleCheck:
    """The outcome: ``problems`` empty means every check passed."""

    def __init__(self):
        self.problems = []
        self.notes = []
        self.files = 0
        self.events = 0
        self.entries = 0
        self.head = ""

    @property
    def ok(self):
        return not self.problems


class _Reader:
    """Reads members of a zip or files of an unpacked folder, by their bundle path."""

    def __init__(self, path):
        self.path = Path(path)
        self.zip = None
        if self.path.is_file():
            self.zip = zipfile.ZipFile(str(self.path))

    def names(self):
        if self.zip is not None:
            return [n for n in self.zip.namelist() if not n.endswith("/")]
        return sorted(p.relative_to(self.path).as_posix() for p in self.path.rglob("*") if p.is_file())

    def sha256(self, name):
        h = hashlib.sha256()
        if self.zip is not None:
            with self.zip.open(name) as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
        else:
            with open(str(self.path / name), "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
        return h.hexdigest()

    def read(self, name):
        if self.zip is not None:
            return self.zip.read(name)
        return (self.path / name).read_bytes()

    def lines(self, name):
        # JSON Lines end at "\n" only; splitlines() would also split at U+2028/U+2029/NEL/FS/GS/RS,
        # which a message may hold raw.
        for line in self.read(name).decode("utf-8", "surrogateescape").split("\n"):
            if line.strip():
                yield line


def check_bundle(path: str) -> "BundleCheck":
    """Run every check on the bundle at ``path`` (zip file or folder)."""
    rep = BundleCheck()
    try:
        rd = _Reader(path)
    except (zipfile.BadZipFile, OSError) as e:
        rep.problems.append("%s: not a readable bundle (%s)" % (path, e))
        return rep
    names = set(rd.names())
    for required in ("MANIFEST.json", "signature.json", "journal.jsonl"):
        if required not in names:
            rep.problems.append("%s is missing: this is not a complete nocontact bundle" % required)
            return rep
    manifest_bytes = rd.read("MANIFEST.json")
    try:
        manifest = json.loads(manifest_bytes)
        sig = json.loads(rd.read("signature.json"))
    except ValueError:
        rep.problems.append("MANIFEST.json or signature.json is not valid JSON (altered)")
        return rep
    # 1. files
    listed = manifest.get("files", {})
    for name in sorted(listed):
        if name not in names:
            rep.problems.append("%s: listed in the manifest but missing from the bundle" % name)
        elif rd.sha256(name) != listed[name]["sha256"]:
            rep.problems.append("%s: altered (its SHA-256 differs from the manifest)" % name)
        rep.files += 1
    for name in sorted(names - set(listed) - {"MANIFEST.json", "signature.json"}):
        rep.problems.append("%s: not listed in the manifest (added after the bundle was made)" % name)
    # 2. signature on the manifest
    try:
        public = bytes.fromhex(sig["public_key_hex"])
        vault_id = manifest["vault_id"]
        msig = bytes.fromhex(sig["manifest_signature_hex"])
        hsig = bytes.fromhex(sig["head_signature_hex"])
    except (KeyError, ValueError, TypeError):
        rep.problems.append("signature.json: damaged (a field is missing or not hex)")
        return rep
    digest = hashlib.sha256(manifest_bytes).hexdigest()
    if not ed25519_verify(public, manifest_message(vault_id, digest), msig):
        rep.problems.append("MANIFEST.json: its signature does not verify with the vault's identity key (altered)")
    # 3. journal
    prev = GENESIS
    entries = {}
    expected = 1
    for line in rd.lines("journal.jsonl"):
        try:
            row = json.loads(line)
            entry = row["entry"]
            seq = entry["seq"]
        except (ValueError, KeyError, TypeError):
            rep.problems.append("journal.jsonl: line %d is damaged" % (expected,))
            break
        where = "journal.jsonl entry %s" % seq
        if seq != expected:
            rep.problems.append("%s: expected entry %d here (entries missing or reordered)" % (where, expected))
        got = hashlib.sha256(bytes.fromhex(prev) + canonical_json(entry)).hexdigest()
        if row.get("prev_hash") != prev or got != row.get("hash"):
            rep.problems.append("%s: the hash chain breaks here (the entry was altered)" % where)
            prev = row.get("hash", "")
        else:
            prev = got
        entries[seq] = entry
        expected = seq + 1
    rep.entries = len(entries)
    rep.head = prev
    head = manifest.get("journal_head", {})
    if head.get("hash") != prev or head.get("seq") != expected - 1:
        rep.problems.append("journal.jsonl: it does not end at the head the manifest names")
    if not ed25519_verify(public, head_message(vault_id, head.get("seq", 0), head.get("hash", "")), hsig):
        rep.problems.append("signature.json: the journal head signature does not verify")
    init = entries.get(1, {})
    if init.get("kind") != "init" or init.get("body", {}).get("identity_public_key") != \
            base64.b64encode(public).decode("ascii"):
        rep.problems.append("signature.json: its key is not the identity key the journal's first entry names")
    imports = {}
    for ent in entries.values():
        if ent.get("kind") == "import":
            imports[ent["body"]["import_id"]] = ent["body"]
    # 4. originals
    committed = {b["source_sha256"] for b in imports.values()}
    for name in sorted(listed):
        if name.startswith("originals/") and listed[name]["sha256"] not in committed:
            rep.problems.append("%s: no import in the journal committed to this file" % name)
    # 5. events
    if "events.content.jsonl" in names:
        per_import = {}  # type: dict[int, list[tuple[int, str]]]
        for n, line in enumerate(rd.lines("events.content.jsonl"), 1):
            try:
                row = json.loads(line)
                h = hashlib.sha256(canonical_json(row["content"])).hexdigest()
            except (ValueError, KeyError, TypeError):
                rep.problems.append("events.content.jsonl: line %d is damaged" % n)
                continue
            rep.events += 1
            if h != row.get("content_hash"):
                rep.problems.append("events.content.jsonl: event %s does not match its content hash"
                                    % row.get("event_id"))
            if row.get("import_id") is not None:
                per_import.setdefault(row["import_id"], []).append((row["event_id"], h))
        for import_id, items in sorted(per_import.items()):
            body = imports.get(import_id)
            if body is None:
                rep.problems.append("import %s: its events are in the bundle but the journal has no such import"
                                    % import_id)
                continue
            if len(items) != body["added"]:
                rep.notes.append("import %s (%s): %d of its %d events are in this bundle (a filtered bundle); "
                                 "each is checked by its hash" % (import_id, body["source_display"], len(items),
                                                                  body["added"]))
                continue
            if merkle_root(h for _, h in sorted(items)) != body["events_merkle_root"]:
                rep.problems.append("import %s (%s): its events differ from what the journal committed to"
                                    % (import_id, body["source_display"]))
    return rep


def main(argv: "list[str] | None" = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python3 verify.py BUNDLE.zip (or the unpacked folder)")
        return 2
    rep = check_bundle(argv[0])
    if rep.ok:
        print("VERIFIED: %d files, %d journal entries, %d events; journal head %s" % (
            rep.files, rep.entries, rep.events, rep.head))
        for n in rep.notes:
            print("  note: " + n)
        return 0
    print("NOT VERIFIED: " + rep.problems[0])
    for p in rep.problems[1:20]:
        print("  also: " + p)
    return 1


if __name__ == "__main__":
    sys.exit(main())
