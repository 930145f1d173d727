"""Streaming JSON for the chat exports that come as one large JSON document.

Telegram Desktop's ``result.json`` of a personal account can be hundreds of megabytes and a
Facebook or Instagram thread file thousands of messages, so nothing here loads a whole document:
``ijson`` (the yajl2 C backend when present) produces parse events, ``walk`` follows the path of
each value and builds only the values a caller asks for (one message at a time), and the depth of
nesting is capped so a hostile file nested 100,000 deep ends in a clear ``SourceError`` instead of
a ``RecursionError`` or a memory blow-up (ijson's ``parse`` builds a prefix string per event, which
grows quadratically with depth; ``basic_parse`` does not, hence its use here).

``XEscapeRepair`` undoes a known exporter bug before parsing: some Telegram Desktop versions
wrote control characters as ``\\xNN``, which is not JSON. Each ``\\xNN`` that is a real escape (an
odd run of backslashes before the ``x``) becomes ``\\u00NN``; ``\\\\x41`` (an escaped backslash
followed by the letters ``x41``) is left alone. The repair works on the byte stream in chunks,
holding back a possibly incomplete escape at a chunk's end, so it stays streaming.
"""

from __future__ import annotations

import decimal
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

import ijson  # type: ignore[import-untyped]

from nocontact.importers.base import SourceError
from nocontact.sources import Source

__all__ = [
    "END",
    "MAX_DEPTH",
    "XEscapeRepair",
    "events",
    "repair_x_escapes",
    "resolve_related",
    "walk",
]

#: Deeper than any real export (Telegram messages sit at depth 5-7); far below what could hurt.
MAX_DEPTH = 256

#: Marker yielded by ``walk`` when a container at one of the ``ends`` paths closes.
END: Any = object()

_ESCAPES = re.compile(rb"\\\\|\\x([0-9A-Fa-f]{2})")
_BOM = b"\xef\xbb\xbf"


def _fix(m: re.Match[bytes]) -> bytes:
    hexdigits = m.group(1)
    if hexdigits is None:
        return m.group(0)
    return b"\\u00" + hexdigits


def repair_x_escapes(data: bytes) -> bytes:
    """``\\xNN`` escapes (invalid JSON some exporters write) turned into ``\\u00NN``; nothing else changes."""
    if b"\\x" not in data:
        return data
    return _ESCAPES.sub(_fix, data)


class XEscapeRepair:
    """A binary reader that repairs ``\\xNN`` escapes on the fly and drops a leading UTF-8 BOM.

    ``consumed`` counts the source bytes read so far, for error positions.
    """

    def __init__(self, raw: IO[bytes], chunk: int = 1 << 16) -> None:
        self._raw = raw
        self._chunk = chunk
        self._carry = b""
        self._out = b""
        self._eof = False
        self._first = True
        self.consumed = 0

    def _fill(self) -> None:
        data = self._raw.read(max(self._chunk, len(_BOM)) if self._first else self._chunk)
        self.consumed += len(data)
        if self._first:
            self._first = False
            if data.startswith(_BOM):
                data = data[len(_BOM):]
        if not data:
            self._eof = True
            self._out += repair_x_escapes(self._carry)
            self._carry = b""
            return
        buf = self._carry + data
        cut = len(buf)
        last = buf.rfind(b"\\")
        if last >= len(buf) - 3 and last != -1:
            # The last backslash may open an escape that is not complete yet: keep its whole
            # run of backslashes back, so the pairing of backslashes is decided with all of it.
            start = last
            while start > 0 and buf[start - 1] == 0x5C:
                start -= 1
            cut = start
        self._out += repair_x_escapes(buf[:cut])
        self._carry = buf[cut:]

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            while not self._eof:
                self._fill()
            out, self._out = self._out, b""
            return out
        while len(self._out) < n and not self._eof:
            self._fill()
        out, self._out = self._out[:n], self._out[n:]
        return out


def events(raw: IO[bytes], what: str) -> tuple[XEscapeRepair, Iterator[tuple[str, Any]]]:
    """Parse events of ``raw`` (repaired), translating parser errors into a ``SourceError``.

    ``what`` names the file kind for the error sentence ("Telegram export", ...).
    """
    reader = XEscapeRepair(raw)

    def gen() -> Iterator[tuple[str, Any]]:
        try:
            yield from ijson.basic_parse(reader)
        except (ijson.JSONError, UnicodeDecodeError, ValueError, decimal.DecimalException) as e:
            # DecimalException: a number the parser cannot hold (e.g. an exponent of a billion digits).
            # The parser's own message quotes the file's text: never repeat it.
            detail = str(e.args[0] if e.args else "")
            if "premature EOF" in detail or "Incomplete JSON" in detail:
                raise SourceError(
                    f"This {what} ends in the middle (it looks cut off, for example by an "
                    f"interrupted download or copy). Export it again and import the new file.",
                    f"byte {reader.consumed}") from None
            if "UTF8" in detail or isinstance(e, UnicodeDecodeError):
                raise SourceError(
                    f"This {what} is damaged: it holds bytes that are not UTF-8 text "
                    f"(within its first {reader.consumed} bytes). Export it again and import the new file.",
                    f"byte {reader.consumed}") from None
            raise SourceError(
                f"This {what} is damaged: it stops being valid JSON within its first "
                f"{reader.consumed} bytes. Export it again and import the new file.",
                f"byte {reader.consumed}") from None

    return reader, gen()


def _too_deep(what: str, reader: XEscapeRepair) -> SourceError:
    return SourceError(
        f"This {what} is nested more than {MAX_DEPTH} levels deep, which no real export is; "
        f"it was not read. If you did not change this file yourself, export it again.",
        f"byte {reader.consumed}")


def _build(first: str, evs: Iterator[tuple[str, Any]], budget: int, what: str,
           reader: XEscapeRepair) -> Any:
    """The container that ``first`` (start_map/start_array) opens, built from ``evs``; at most
    ``budget`` levels deep. Faster than ijson's ObjectBuilder: no method call per event."""
    root: Any = {} if first == "start_map" else []
    containers: list[Any] = [root]
    key: Any = None
    for ev, val in evs:
        if ev == "map_key":
            key = val
        elif ev == "end_map" or ev == "end_array":
            containers.pop()
            if not containers:
                return root
        else:
            if ev == "start_map":
                v: Any = {}
            elif ev == "start_array":
                v = []
            else:
                top = containers[-1]
                if top.__class__ is dict:
                    top[key] = val
                else:
                    top.append(val)
                continue
            top = containers[-1]
            if top.__class__ is dict:
                top[key] = v
            else:
                top.append(v)
            containers.append(v)
            if len(containers) > budget:
                raise _too_deep(what, reader)
    # The parser raises on truncation, so this is reached only on a malformed event stream.
    raise SourceError(f"This {what} ends in the middle. Export it again.", f"byte {reader.consumed}")


def walk(evs: Iterator[tuple[str, Any]], want: Callable[[tuple[str, ...]], bool],
         ends: Iterable[tuple[str, ...]], what: str,
         reader: XEscapeRepair) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Yield ``(path, value)`` for every value whose path ``want`` accepts, fully built.

    A path is the tuple of object keys, with ``"item"`` for an array element (ijson's
    convention). Containers that are not wanted are walked through without being built; when
    one whose path is in ``ends`` closes, ``(path, END)`` is yielded.
    """
    end_set = frozenset(ends)
    # Each open container: (its path, is_array).
    stack: list[tuple[tuple[str, ...], bool]] = []
    key = ""
    for ev, val in evs:
        if ev == "map_key":
            key = val
            continue
        if ev == "end_map" or ev == "end_array":
            p, _ = stack.pop()
            if p in end_set:
                yield p, END
            continue
        if stack:
            parent, is_array = stack[-1]
            path = parent + ("item",) if is_array else parent + (key,)
        else:
            path = ()
        starts = ev == "start_map" or ev == "start_array"
        if want(path):
            if not starts:
                yield path, val
                continue
            yield path, _build(ev, evs, MAX_DEPTH - len(stack), what, reader)
            continue
        if starts:
            stack.append((path, ev == "start_array"))
            if len(stack) > MAX_DEPTH:
                raise _too_deep(what, reader)


def resolve_related(source: Source, relpath: str, candidates: Iterable[str] = ()) -> str | None:
    """The first of ``candidates`` then ``relpath`` that ``source.related`` finds, else None.

    Exports name their media relative to the export's own root, which need not be the folder
    the person gave to ``import``; the caller proposes root-relative spellings as candidates.
    """
    seen: set[str] = set()
    for cand in (*candidates, relpath):
        cand = posixpath.normpath(cand) if cand else cand
        if not cand or cand in seen or cand.startswith("../") or cand == "..":
            continue
        seen.add(cand)
        try:
            if source.related(cand) is not None:
                return cand
        except (OSError, ValueError):
            continue
    return None
