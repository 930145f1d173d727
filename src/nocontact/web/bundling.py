"""The evidence bundle built in memory, for the web app: the same zip ``nocontact bundle`` writes.

``nocontact.bundle.build.build_bundle`` writes to a path (a ``.partial`` file renamed when
complete), which in the web app would leave an unencrypted copy of all the evidence on disk
until the download ends. This writes the same zip into any binary stream (here a ``BytesIO``)
and journals the export the same way. It is the body of ``build_bundle`` with the file replaced
by ``dest``; the maintainer's fix is to make ``build_bundle`` call a ``write_bundle(vault, dest,
name, opts)`` like this one (the diff is in the change's report), after which this module only
forwards to it. Until then, ``tests/web/test_bundle.py`` checks that both make the same files.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO

from nocontact import __version__
from nocontact.bundle import build as _build
from nocontact.bundle import verify_bundle
from nocontact.bundle.build import _README, BundleOptions, _in_period, _report_pdf, _safe_name
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
from nocontact.vault.store import Vault, utc_now

__all__ = ["bundle_bytes", "write_bundle"]


def bundle_bytes(vault: Vault, name: str, opts: BundleOptions | None = None) -> bytes:
    """The whole bundle as bytes, journalled as an export like the CLI's."""
    dest = io.BytesIO()
    seq, head, events = write_bundle(vault, dest, name, opts)
    data = dest.getvalue()
    with vault.transaction():
        vault.append_journal("export", {"kind": "bundle", "file_name": name, "head_seq": seq, "head": head,
                                        "events": events, "sha256": hashlib.sha256(data).hexdigest()})
    return data


def write_bundle(vault: Vault, dest: BinaryIO, bundle_name: str,
                 opts: BundleOptions | None = None) -> tuple[int, str, int]:
    """Write the bundle zip to ``dest``; returns the journal head it covers and the event count."""
    upstream = getattr(_build, "write_bundle", None)
    if upstream is not None:  # the fix landed: one builder
        result: tuple[int, str, int] = upstream(vault, dest, bundle_name, opts)
        return result
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
