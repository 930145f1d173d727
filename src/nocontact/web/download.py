"""Downloads: files the app sends to save, never to show, with names that cannot do harm.

File names of attachments come from the ex (an MMS part, a photo's name in an export), so they
are hostile input: a name may carry quotes that end the header value, line breaks, path parts,
right-to-left overrides that turn ``exe.jpg`` into ``gpj.exe``, or nothing at all. Every download
is ``application/octet-stream`` with ``attachment`` disposition and ``nosniff``: the browser saves
the bytes and never renders them in the app's origin (where a hostile HTML or SVG file could run).
Bytes are decrypted chunk by chunk from the blob store as they are sent; nothing is written to disk.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import quote

from starlette.responses import Response, StreamingResponse

from nocontact.vault.store import Vault
from nocontact.web.pages import Refused

__all__ = ["blob_download", "bytes_download", "content_disposition", "display_name", "download_headers"]

_MAX_NAME = 100
_UNSAFE = re.compile(r'[\\/:*?"<>|;=%\x00-\x1f\x7f]')


def display_name(name: object, index: int = 0) -> str:
    """A safe file name for ``name``: last path part only, no control or direction characters."""
    text = str(name or "")
    text = re.split(r"[\\/]", text)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp", "Cs"))
    text = _UNSAFE.sub("_", unicodedata.normalize("NFC", text)).strip().lstrip(".").strip()
    if len(text) > _MAX_NAME:
        stem, dot, ext = text.rpartition(".")
        ext = ext if dot and 0 < len(ext) <= 10 else ""
        text = text[: _MAX_NAME - len(ext) - 1].rstrip() + ("." + ext if ext else "")
    return text or f"attachment-{index + 1}"


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII ``filename`` and the exact name as ``filename*`` (RFC 6266, 5987)."""
    safe = display_name(name)
    ascii_name = "".join(ch if 0x20 <= ord(ch) < 0x7F and ch not in '"\\' else "_" for ch in safe)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(safe, safe='')}"


def download_headers(name: str) -> dict[str, str]:
    return {"Content-Disposition": content_disposition(name), "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store, max-age=0"}


def bytes_download(data: bytes, name: str) -> Response:
    """Bytes built in memory (a bundle, a share file), sent as a file to save."""
    return Response(data, media_type="application/octet-stream", headers=download_headers(name))


def blob_download(vault: Vault, blob: str, name: str) -> Response:
    """An encrypted blob, decrypted chunk by chunk while it is sent."""
    if not vault.blobs.path_for(blob).is_file():
        raise Refused("The vault does not hold this file.", 404)
    chunks: Iterable[bytes] = vault.blobs.chunks(blob)
    return StreamingResponse(chunks, media_type="application/octet-stream", headers=download_headers(name))
