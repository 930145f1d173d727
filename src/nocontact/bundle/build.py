"""``nocontact bundle``: a zip a lawyer or clerk can check without the passphrase or nocontact.

What goes in, and why (docs/evidence-bundle.md): the originals byte-for-byte, the events (as the
export and as the canonical content their hashes cover), the report, the whole journal, a
MANIFEST with every file's SHA-256 signed by the vault's identity key, ``verify.py`` (standard
library only) and a README for checking by hand with ``sha256sum``. The bundle is written to a
``.partial`` name and renamed only when complete.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import zipfile
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO

from nocontact import __version__
from nocontact.bundle import verify_bundle
from nocontact.eventlog import event_dicts, write_csv, write_jsonl
from nocontact.identity import ExMatcher
from nocontact.vault.events import (
    attachments_of,
    current_boundary,
    current_case,
    event_content,
    hashable_attachments,
    iter_events,
)
from nocontact.vault.store import Vault, VaultError, utc_now

__all__ = ["BundleInfo", "BundleOptions", "build_bundle", "write_bundle"]


@dataclass(frozen=True)
class BundleOptions:
    since: datetime | None = None
    until: datetime | None = None
    ex_only: bool = True
    include_report: bool = True


@dataclass(frozen=True)
class BundleInfo:
    path: Path
    files: int
    events: int
    size: int
    head: str


def _safe_name(name: str) -> str:
    keep = "".join(ch if ch.isalnum() or ch in "._- " else "_" for ch in name).strip() or "file"
    return keep[-80:]


_README = """\
nocontact evidence bundle
=========================

This folder (or zip file) holds evidence exported from a nocontact vault on {created}.
It can be checked without the vault's passphrase and without nocontact.

Quick check (any computer with Python 3):

    python3 verify.py {zipname}

It prints VERIFIED or names the first file that is wrong.

Checking by hand
----------------
1. Unpack the zip. In the folder, run:

       sha256sum -c MANIFEST.sha256

   Every line must say OK. (On macOS: shasum -a 256 -c MANIFEST.sha256)
2. MANIFEST.json lists the same SHA-256 values and the journal head. signature.json holds the
   vault's Ed25519 public key and its signatures over MANIFEST.json and over the journal head;
   verify.py checks them (RFC 8032), as any Ed25519 tool can.
3. journal.jsonl is the vault's tamper-evident journal: each entry's "hash" is SHA-256 of the
   previous hash (as bytes) followed by the entry in canonical JSON (keys sorted, no spaces,
   UTF-8). Import entries name the SHA-256 of the original file they read; the files in
   originals/ are those files, byte for byte.

What is here
------------
originals/            the export files exactly as imported (named by SHA-256 prefix and file name)
attachments/          photos, screenshots and other files attached to events
events.jsonl, .csv    one line per event (the CSV is safe to open in a spreadsheet)
events.content.jsonl  the exact content each event's hash covers
report.pdf            the report, if included
journal.jsonl         every journal entry up to the head
verify.py             the checker (Python standard library only)

Vault identity key fingerprint (SHA-256 of the public key): {fingerprint}
Journal head: entry {seq}, {head}
Made by nocontact {version}. This bundle is not legal advice.
"""


def _in_period(utc: datetime, opts: BundleOptions) -> bool:
    return not ((opts.since and utc < opts.since) or (opts.until and utc > opts.until))


def write_bundle(vault: Vault, dest: BinaryIO, bundle_name: str,
                 opts: BundleOptions | None = None) -> tuple[int, str, int]:
    """Write the bundle zip to any binary stream (a file, or memory for the web app).

    Returns the journal head it covers and the number of events. Journals nothing: the caller
    records the export once the bundle is complete (``build_bundle`` below, or the web app).
    """
    opts = opts or BundleOptions()
    case = current_case(vault)
    b = current_boundary(vault)
    boundary = b[0] if b else None
    matcher = ExMatcher(case)
    chosen = [ev for ev in iter_events(vault) if _in_period(ev.utc, opts) and (
        not opts.ex_only or ev["origin"] == "manual" or matcher.attribute(ev.as_record()).is_ex)]
    seq, head = vault.head()
    files: dict[str, dict[str, Any]] = {}
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        def put_bytes(name: str, data: bytes) -> None:
            zf.writestr(name, data)
            files[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}

        def put_blob(name: str, blob: str) -> None:
            h = hashlib.sha256()
            size = 0
            with zf.open(name, "w", force_zip64=True) as dst:
                for chunk in vault.blobs.chunks(blob):
                    h.update(chunk)
                    size += len(chunk)
                    dst.write(chunk)
            files[name] = {"sha256": h.hexdigest(), "size": size}

        wanted_sources = {ev["source_sha256"] for ev in chosen if ev["source_sha256"]}
        for sha, blob, display in vault.conn.execute("SELECT sha256, blob, display FROM sources ORDER BY id"):
            if sha in wanted_sources:
                put_blob(f"originals/{sha[:12]}-{_safe_name(Path(display).name)}", blob)
        for ev in chosen:
            for a in ev.attachments:
                if a["blob"]:
                    name = f"attachments/{a['sha256'][:12]}-{_safe_name(a['name'])}"
                    if name not in files:
                        put_blob(name, a["blob"])
        rows = list(event_dicts(chosen, case, boundary))
        buf = io.StringIO()
        write_jsonl(rows, buf)
        put_bytes("events.jsonl", buf.getvalue().encode("utf-8", "surrogateescape"))
        buf = io.StringIO()
        write_csv(rows, buf)
        put_bytes("events.csv", buf.getvalue().encode("utf-8-sig", "surrogateescape"))
        content_lines = []
        for ev in chosen:
            raw = vault.conn.execute("SELECT * FROM events WHERE id = ?", (ev.id,))
            cols = [d[0] for d in raw.description]
            row = dict(zip(cols, raw.fetchone(), strict=True))
            content = event_content(row)
            content["attachments"] = hashable_attachments(attachments_of(vault.conn, ev.id))
            content_lines.append(json.dumps({"event_id": ev.id, "import_id": row["import_id"],
                                             "content_hash": row["content_hash"], "content": content},
                                            ensure_ascii=False, sort_keys=True))
        put_bytes("events.content.jsonl", ("\n".join(content_lines) + "\n").encode("utf-8", "surrogatepass"))
        journal = [json.dumps({"entry": json.loads(text), "prev_hash": prev, "hash": h}, ensure_ascii=False,
                              sort_keys=True)
                   for text, prev, h in vault.conn.execute(
                       "SELECT entry, prev_hash, hash FROM journal WHERE seq <= ? ORDER BY seq", (seq,))]
        put_bytes("journal.jsonl", ("\n".join(journal) + "\n").encode("utf-8", "surrogatepass"))
        if opts.include_report:
            put_bytes("report.pdf", _report_pdf(vault))
        put_bytes("verify.py", resources.files("nocontact.bundle").joinpath("verify_bundle.py").read_bytes())
        public = vault.header.public_key
        fingerprint = hashlib.sha256(public).hexdigest()
        put_bytes("README.txt", _README.format(created=utc_now(), zipname=bundle_name, fingerprint=fingerprint,
                                               seq=seq, head=head, version=__version__).encode())
        put_bytes("MANIFEST.sha256", "".join(f"{v['sha256']}  {k}\n" for k, v in sorted(files.items()))
                  .encode())
        manifest = {
            "format": "nocontact-bundle", "version": 1, "created_at": utc_now(), "nocontact": __version__,
            "vault_id": vault.vault_id, "journal_head": {"seq": seq, "hash": head},
            "filters": {"since": opts.since.isoformat() if opts.since else None,
                        "until": opts.until.isoformat() if opts.until else None, "ex_only": opts.ex_only},
            "events": len(chosen), "files": files,
        }
        manifest_bytes = json.dumps(manifest, indent=1, sort_keys=True).encode()
        zf.writestr("MANIFEST.json", manifest_bytes)
        key = vault.signing_key()
        mdigest = hashlib.sha256(manifest_bytes).hexdigest()
        head_sig = vault.conn.execute("SELECT signature FROM journal_head WHERE id = 1").fetchone()[0]
        zf.writestr("signature.json", json.dumps({
            "algorithm": "ed25519",
            "public_key_hex": public.hex(),
            "public_key_sha256": fingerprint,
            "manifest_sha256": mdigest,
            "manifest_signature_hex": key.sign(verify_bundle.manifest_message(vault.vault_id, mdigest)).hex(),
            "head_seq": seq, "head": head,
            "head_signature_hex": base64.b64decode(head_sig).hex(),
        }, indent=1, sort_keys=True))
    return seq, head, len(chosen)


def build_bundle(vault: Vault, out: Path, opts: BundleOptions | None = None) -> BundleInfo:
    if out.exists():
        raise VaultError(f"{out}: a file is already there; choose another name")
    partial = out.with_name(out.name + ".partial")
    try:
        with open(partial, "wb") as f:
            seq, head, events = write_bundle(vault, f, out.name, opts)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    with vault.transaction():
        vault.append_journal("export", {"kind": "bundle", "file_name": out.name, "head_seq": seq, "head": head,
                                        "events": events, "sha256": _sha256(out)})
    with zipfile.ZipFile(out) as zf:
        files = len(zf.namelist()) - 2  # MANIFEST.json and signature.json are not in the manifest
    return BundleInfo(out, files, events, out.stat().st_size, head)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _report_pdf(vault: Vault) -> bytes:
    """The report as PDF bytes, the same one ``nocontact report`` writes."""
    from nocontact.report import report_pdf_bytes

    data, _pages = report_pdf_bytes(vault)
    return data
