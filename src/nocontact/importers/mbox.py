"""Mailbox files: Google Takeout's ``Mail/*.mbox`` (and any mboxrd/mboxo file).

Exporting app: Google Takeout, Gmail ("All mail Including Spam and Trash.mbox"), as written
2019-2025; Thunderbird and ``mutt`` mailboxes read the same way. The format is described in
RFC 4155 (https://www.rfc-editor.org/rfc/rfc4155) and in Jamie Zawinski's notes on the mbox
variants; Takeout's own extras (``X-GM-THRID``, ``X-Gmail-Labels``) are listed in FORMATS.md 4.

Why the tricky parts are done as they are:

* Splitting. A message starts at a line beginning ``From `` that is the first line of the
  file or follows a blank line (CPython's ``mailbox.mbox`` splits at any ``From `` line and
  cuts messages in two). The file is read in 1 MiB binary chunks into one ``bytearray`` and
  separators are found with one regular expression over it, never with unbounded line reads.
* Memory. Only the message being read is held, and it is refused while it is read once it is
  absurd, so memory is bounded by the limits below, not by the file: a message over
  ``MAX_MESSAGE_BYTES``, or holding one line over ``MAX_LINE_BYTES`` (no email program writes
  one; Gmail refuses whole messages over 50 MB), becomes a ``too_large`` Problem naming its
  byte range, its Date and Message-ID, and its bytes are dropped as they stream past until the
  next ``From_`` line. Nothing is truncated: a message is either read whole and exactly or not
  read, and the vault keeps the original file byte for byte, so a refused message can always
  be examined there. Storing an absurd body as a streamed blob instead would put a 2 GB "text"
  that no one can read into every report; a named refusal is the honest record.
* ``>From`` quoting. mbox writers put ``>`` before body lines that begin ``From ``; mboxrd also
  before lines that already begin ``>From ``. One ``>`` is removed from every line matching
  ``^>+From `` before the message is parsed (the stdlib leaves them in). This is exact for
  mboxrd, which Takeout writes, and the best reading of mboxo; the original file is kept
  byte for byte, so the choice can always be checked.
* The blank line before the next ``From_`` line belongs to the mbox framing and is dropped.
* Truncation: a last message cut inside its headers is a fatal Problem (every message before it
  was read); a file that does not begin with a ``From_`` line followed by email headers is not
  an mbox (SourceError).
* Each message becomes a Record through ``_email_message`` (Date header time, Message-ID as
  ``source_id`` and dedupe key, labels decoded before splitting).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from nocontact.importers._email_message import (
    MAX_LINE_BYTES,
    MAX_MESSAGE_BYTES,
    describe_headers,
    looks_like_headers,
    message_to_record,
)
from nocontact.importers.base import ImportContext, Match, SourceError
from nocontact.model import Problem, Record
from nocontact.sources import Source

__all__ = ["IMPORTERS", "MAX_LINE_BYTES", "MAX_MESSAGE_BYTES", "MboxImporter", "Part", "split_mbox"]

CHUNK = 1 << 20
#: Bytes of a refused message kept to name it (its headers), however long it is.
_HEAD_KEPT = 65536

_SEPARATOR = re.compile(rb"\n\r?\nFrom ")
_FROM_LINE = re.compile(rb"^From \S+ +\S")
_QUOTED_FROM = re.compile(rb"(?m)^>(>*From )")


class Part:
    """One message found in the file: where it starts and ends, its From_ line and its content.

    A refused message has ``oversized`` set to why ("message" or "line"), empty content, and
    ``head``: its first bytes (up to 64 KiB), enough to name it by its headers.
    """

    __slots__ = ("at_eof", "content", "end", "from_line", "head", "offset", "oversized")

    def __init__(self, offset: int, from_line: bytes, content: bytes, *, end: int | None = None,
                 oversized: str | None = None, head: bytes = b"", at_eof: bool = False) -> None:
        self.offset = offset
        self.from_line = from_line
        self.content = content
        self.end = offset + len(from_line) + len(content) if end is None else end
        self.oversized = oversized
        self.head = head
        self.at_eof = at_eof


def split_mbox(stream: BinaryIO, *, max_message_bytes: int = MAX_MESSAGE_BYTES,
               max_line_bytes: int = MAX_LINE_BYTES, chunk: int = CHUNK) -> Iterator[Part]:
    """Split an mbox byte stream into messages, streaming, in memory bounded by the two limits.

    A message longer than ``max_message_bytes``, or with a line longer than ``max_line_bytes``,
    comes out as an ``oversized`` Part (offset, end and head only); its bytes are dropped as they
    are read, so a 2 GB line costs about ``max_line_bytes`` + ``chunk``, never 2 GB. Lines are
    measured across reads, so a read is never longer than ``max_line_bytes``.
    """
    chunk = max(1, min(chunk, max_line_bytes))
    buf = bytearray()
    base = 0  # file offset of buf[0]
    start = 0  # start of the current message in buf (meaningless while skipping)
    scan = 0  # where the next separator search begins
    line_start = 0  # start in buf of the last line not yet ended by a line break
    eof = False
    skip: tuple[int, str, bytes] | None = None  # (offset, why, head) of the message being dropped
    while True:
        m = _SEPARATOR.search(buf, scan)
        if m is not None:
            end = m.start() + 1  # the blank line before the next From_ line is framing
            if skip is None and end - start > max_message_bytes:
                skip = (base + start, "message", _copy(buf, start, start + _HEAD_KEPT))
            if skip is not None:
                part = Part(skip[0], b"", b"", end=base + end, oversized=skip[1], head=skip[2])
                skip = None
            else:
                part = _part(base + start, _copy(buf, start, end))
            # drop the message from the buffer before handing it out, so it is held once, not twice
            cut = m.end() - 5
            del buf[:cut]
            base += cut
            line_start = max(0, line_start - cut)
            start, scan = 0, 1
            yield part
            continue
        if eof:
            # the blank line after the last message is framing too
            end = len(buf) - (2 if buf.endswith(b"\r\n\r\n") else 1 if buf.endswith(b"\n\n") else 0)
            if skip is None and end - start > max_message_bytes:
                skip = (base + start, "message", _copy(buf, start, start + _HEAD_KEPT))
            if skip is not None:
                yield Part(skip[0], b"", b"", end=base + end, oversized=skip[1], head=skip[2], at_eof=True)
            elif start < len(buf):
                part = _part(base + start, _copy(buf, start, max(start, end)))
                part.at_eof = True
                del buf[:]
                yield part
            return
        if skip is None and len(buf) - start > max_message_bytes:
            skip = (base + start, "message", _copy(buf, start, start + _HEAD_KEPT))
        # keep the current message (or, while skipping, only the bytes a separator could start in)
        cut = len(buf) - 8 if skip is not None else start
        if cut > 0:
            del buf[:cut]
            base += cut
            start -= cut
            line_start = max(0, line_start - cut)
        more = stream.read(chunk)
        eof = not more
        old = len(buf)
        scan = max(0, old - 8)
        buf += more
        first_nl = more.find(b"\n")
        longest = (old + first_nl if first_nl >= 0 else len(buf)) - line_start
        if first_nl >= 0:
            line_start = old + more.rfind(b"\n") + 1
        if skip is None and longest > max_line_bytes:
            skip = (base + start, "line", _copy(buf, start, start + _HEAD_KEPT))
            # The long line is the current message's: no separator can precede its end.


def _copy(buf: bytearray, start: int, end: int) -> bytes:
    """``bytes(buf[start:end])`` with one copy, not two (the message may be hundreds of MB)."""
    with memoryview(buf) as view:
        return bytes(view[start:end])


def _part(offset: int, data: bytes) -> Part:
    nl = data.find(b"\n")
    if nl < 0:
        return Part(offset, data, b"")
    return Part(offset, data[:nl + 1], data[nl + 1:])


def unquote_from(content: bytes) -> bytes:
    """Remove one ``>`` from every line that starts with ``>``... ``From `` (mboxrd quoting)."""
    if b">From " not in content:
        return content
    return _QUOTED_FROM.sub(rb"\1", content)


class MboxImporter:
    """Google Takeout mbox (and other mboxrd/mboxo files)."""

    name = "gmail_takeout_mbox"

    def __init__(self, max_message_bytes: int = MAX_MESSAGE_BYTES, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self.max_message_bytes = max_message_bytes
        self.max_line_bytes = max_line_bytes

    def sniff(self, source: Source, head: bytes) -> Match | None:
        if not _FROM_LINE.match(head):
            return None
        nl = head.find(b"\n")
        if nl < 0 or not looks_like_headers(head[nl + 1:]):
            return None
        if b"\nX-GM-THRID:" in head or b"\nX-Gmail-Labels:" in head:
            return Match(self.name, 85, "mbox with Gmail's X-GM-THRID/X-Gmail-Labels headers")
        return Match(self.name, 70, "mbox: a From_ line followed by email headers")

    def read(self, source: Source, ctx: ImportContext) -> Iterator[Record | Problem]:
        head = source.head(65536)
        if not head:
            raise SourceError(f"{source.display}: the file is empty (0 bytes), so there are no emails to read.")
        nl = head.find(b"\n")
        if not _FROM_LINE.match(head) or (nl >= 0 and not looks_like_headers(head[nl + 1:])):
            raise SourceError(f"{source.display}: this is not an mbox mailbox file: it should begin with a line "
                              "starting 'From ' followed by email headers.", "byte 0")
        with source.open() as f:
            for part in split_mbox(f, max_message_bytes=self.max_message_bytes,
                                   max_line_bytes=self.max_line_bytes):
                pos = f"byte {part.offset}"
                if part.oversized is not None:
                    yield self._refusal(part)
                    continue
                if part.at_eof and _cut_in_headers(part.content):
                    yield Problem("truncated", pos, f"the file ends in the middle of the headers of the message "
                                  f"starting at byte {part.offset}: it looks cut short. Every message before it "
                                  "was read.", excerpt="", fatal=True)
                    return
                content = unquote_from(part.content)
                yield from message_to_record(content, ctx, position=pos, fallback_id=pos,
                                             from_line=part.from_line)
                if part.at_eof and part.content and not part.content.endswith(b"\n"):
                    yield Problem("truncated", pos, "the file does not end with a line break: the last message "
                                  "may have been cut short.")

    def _refusal(self, part: Part) -> Problem:
        """The Problem for a refused message: why, its byte range and, when its headers say, which message."""
        size = part.end - part.offset
        if part.oversized == "line":
            why = (f"holds a line of more than {self.max_line_bytes:,} bytes with no line break, which no email "
                   "program writes")
        else:
            why = f"is larger than {self.max_message_bytes:,} bytes, the most read as one email"
        named = describe_headers(part.head)
        return Problem("too_large", f"byte {part.offset}",
                       f"the message at bytes {part.offset:,} to {part.end - 1:,} of the file ({size:,} bytes) {why}, "
                       f"so it was not read{f' ({named})' if named else ''}. Nothing of it is lost: the vault "
                       "keeps the original file byte for byte, and the rest of the mailbox is read.")


def _cut_in_headers(content: bytes) -> bool:
    if not content:
        return True
    if content.startswith((b"\n", b"\r\n")):
        return False
    return b"\n\n" not in content and b"\n\r\n" not in content and not content.endswith(b"\n")


IMPORTERS = (MboxImporter(),)
