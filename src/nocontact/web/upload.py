"""Receiving uploads straight into the encrypted blob store, never into a plaintext temp file.

Starlette's own form parser spools large files to a temporary file on disk; an export of
someone's messages must not land there in the clear. Here the request body is parsed as it
arrives, and each file part's bytes are handed to ``BlobStore.put_stream`` through a file-like
reader, one chunk at a time. Fields sent before a file (the CSRF token first) are checked before
a single byte of the file is stored.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import anyio
import anyio.from_thread
import anyio.to_thread
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from nocontact.vault.blobs import BlobInfo

__all__ = ["FormTooLarge", "StoredUpload", "StreamedForm", "read_streamed_form"]

MAX_FIELD_BYTES = 1 << 20


class FormTooLarge(Exception):
    pass


@dataclass(frozen=True)
class StoredUpload:
    field: str
    filename: str
    mime: str | None
    info: BlobInfo


@dataclass
class StreamedForm:
    fields: dict[str, list[str]] = field(default_factory=dict)
    files: list[StoredUpload] = field(default_factory=list)

    def get(self, name: str, default: str = "") -> str:
        vals = self.fields.get(name)
        return vals[0] if vals else default


class _Events:
    """Feeds body chunks to the multipart parser and queues what it reports."""

    def __init__(self, boundary: bytes, pull: Callable[[], bytes | None]) -> None:
        self._pull = pull
        self._q: deque[tuple[str, Any]] = deque()
        self._hname = b""
        self._hvalue = b""
        self._headers: dict[str, bytes] = {}
        self._done = False

        def on_header_field(data: bytes, start: int, end: int) -> None:
            self._hname += data[start:end]

        def on_header_value(data: bytes, start: int, end: int) -> None:
            self._hvalue += data[start:end]

        def on_header_end() -> None:
            self._headers[self._hname.decode("latin-1").lower()] = self._hvalue
            self._hname = b""
            self._hvalue = b""

        def on_headers_finished() -> None:
            self._q.append(("headers", self._headers))
            self._headers = {}

        def on_part_data(data: bytes, start: int, end: int) -> None:
            self._q.append(("data", bytes(data[start:end])))

        def on_part_end() -> None:
            self._q.append(("end", None))

        self._parser = MultipartParser(boundary, {
            "on_header_field": on_header_field, "on_header_value": on_header_value,
            "on_header_end": on_header_end, "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data, "on_part_end": on_part_end,
        })

    def next(self) -> tuple[str, Any] | None:
        while not self._q:
            if self._done:
                return None
            chunk = self._pull()
            if chunk is None:
                self._parser.finalize()
                self._done = True
            elif chunk:
                self._parser.write(chunk)
        return self._q.popleft()


class _PartReader:
    """A read()-able view of one file part, for ``put_stream``."""

    def __init__(self, events: _Events) -> None:
        self._events = events
        self._buf = bytearray()
        self._ended = False

    def read(self, n: int = -1) -> bytes:
        while not self._ended and (n < 0 or len(self._buf) < n):
            ev = self._events.next()
            if ev is None or ev[0] == "end":
                self._ended = True
            elif ev[0] == "data":
                self._buf += ev[1]
        if n < 0:
            n = len(self._buf)
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out

    def drain(self) -> None:
        while self.read(1 << 20):
            pass


def _disposition(headers: dict[str, bytes]) -> tuple[str, str | None, str | None]:
    _, opts = parse_options_header(headers.get("content-disposition", b""))
    name = opts.get(b"name", b"").decode("utf-8", "replace")
    fn = opts.get(b"filename")
    ctype = headers.get("content-type")
    return name, (fn.decode("utf-8", "replace") if fn is not None else None), \
        (ctype.decode("latin-1") if ctype else None)


def _parse(events: _Events, store: Callable[[BinaryIO], BlobInfo],
           before_file: Callable[[StreamedForm], None]) -> StreamedForm:
    form = StreamedForm()
    while True:
        ev = events.next()
        if ev is None:
            return form
        if ev[0] != "headers":
            continue
        name, filename, ctype = _disposition(ev[1])
        if filename is None:
            value = bytearray()
            while True:
                e = events.next()
                if e is None or e[0] == "end":
                    break
                if e[0] == "data":
                    value += e[1]
                    if len(value) > MAX_FIELD_BYTES:
                        raise FormTooLarge(f"the field {name!r} is too long")
            form.fields.setdefault(name, []).append(value.decode("utf-8", "replace"))
            continue
        reader = _PartReader(events)
        if not filename:
            reader.drain()  # an empty file input
            continue
        before_file(form)
        info = store(reader)  # type: ignore[arg-type]
        reader.drain()
        if info.size == 0:
            continue
        base = filename.replace("\\", "/").rsplit("/", 1)[-1][:200] or "upload"
        form.files.append(StoredUpload(name, base, ctype, info))


async def read_streamed_form(request: Request, store: Callable[[BinaryIO], BlobInfo],
                             before_file: Callable[[StreamedForm], None]) -> StreamedForm:
    """Parse a multipart (or urlencoded) body; every file goes through ``store`` as it arrives."""
    ctype, opts = parse_options_header(request.headers.get("content-type", ""))
    if ctype != b"multipart/form-data":
        form = await request.form()
        out = StreamedForm()
        for k, v in form.multi_items():
            if isinstance(v, str):
                out.fields.setdefault(k, []).append(v)
        return out
    boundary = opts.get(b"boundary", b"")
    body: AsyncIterator[bytes] = request.stream().__aiter__()

    async def next_chunk() -> bytes | None:
        try:
            return await body.__anext__()
        except StopAsyncIteration:
            return None

    def pull() -> bytes | None:
        return anyio.from_thread.run(next_chunk)

    def work() -> StreamedForm:
        return _parse(_Events(boundary, pull), store, before_file)

    return await anyio.to_thread.run_sync(work)
