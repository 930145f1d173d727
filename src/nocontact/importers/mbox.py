"""Mailbox files: Google Takeout's ``Mail/*.mbox`` (and any mboxrd/mboxo file).

Exporting app: Google Takeout, Gmail ("All mail Including Spam and Trash.mbox"), as written
2019-2025; Thunderbird and ``mutt`` mailboxes read the same way. The format is described in
RFC 4155 (https://www.rfc-editor.org/rfc/rfc4155) and in Jamie Zawinski's notes on the mbox
variants; Takeout's own extras (``X-GM-THRID``, ``X-Gmail-Labels``) are listed in FORMATS.md 4.

Why the tricky parts are done as they are:

* Splitting. A message starts at a line beginning ``From `` that is the first line of the
  file or follows a blank line (CPython's ``mailbox.mbox`` splits at any ``From `` line and
  cuts messages in two). The file is read in 1 MiB binary chunks and separators are found with
  one regular expression over the buffer, never with unbounded line reads, so a 2 GB line
  costs no more memory than ``max_message_bytes``; a message larger than that is skipped with
  a Problem (its bytes stay in the vault's copy of the original).
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

from nocontact.importers._email_message import looks_like_headers, message_to_record
from nocontact.importers.base import ImportContext, Match, SourceError
from nocontact.model import Problem, Record
from nocontact.sources import Source

__all__ = ["IMPORTERS", "MboxImporter", "split_mbox"]

CHUNK = 1 << 20
#: Gmail refuses messages over 50 MB; anything far above that is not a message.
MAX_MESSAGE_BYTES = 256 * 1024**2

_SEPARATOR = re.compile(rb"\n\r?\nFrom ")
_FROM_LINE = re.compile(rb"^From \S+ +\S")
_QUOTED_FROM = re.compile(rb"(?m)^>(>*From )")


class Part:
    """One message found in the file: its offset, its From_ line and its content bytes."""

    __slots__ = ("content", "from_line", "offset", "oversized", "at_eof")

    def __init__(self, offset: int, from_line: bytes, content: bytes, *, oversized: bool = False,
                 at_eof: bool = False) -> None:
        self.offset = offset
        self.from_line = from_line
        self.content = content
        self.oversized = oversized
        self.at_eof = at_eof


def split_mbox(stream: BinaryIO, *, max_message_bytes: int = MAX_MESSAGE_BYTES,
               chunk: int = CHUNK) -> Iterator[Part]:
    """Split an mbox byte stream into messages, streaming, memory bounded by the largest message.

    A message longer than ``max_message_bytes`` comes out as an ``oversized`` Part carrying only
    its offset; its bytes are dropped as they are read.
    """
    buf = b""
    base = 0  # file offset of buf[0]
    start = 0  # start of the current message in buf
    scan = 0  # where the next separator search begins
    eof = False
    oversized_at: int | None = None
    while True:
        m = _SEPARATOR.search(buf, scan)
        if m is not None:
            if oversized_at is not None:
                yield Part(oversized_at, b"", b"", oversized=True)
                oversized_at = None
            else:
                yield _part(base + start, buf[start:m.start() + 1])
            start = m.end() - 5
            scan = start + 1
            continue
        if eof:
            if oversized_at is not None:
                yield Part(oversized_at, b"", b"", oversized=True, at_eof=True)
            elif start < len(buf):
                tail = buf[start:]
                if tail.endswith(b"\r\n\r\n"):
                    tail = tail[:-2]
                elif tail.endswith(b"\n\n"):
                    tail = tail[:-1]
                p = _part(base + start, tail)
                p.at_eof = True
                yield p
            return
        if oversized_at is None and len(buf) - start > max_message_bytes:
            oversized_at = base + start
        # keep the current message (or, while skipping, only the bytes a separator could start in)
        cut = max(start, len(buf) - 8) if oversized_at is not None else start
        more = stream.read(chunk)
        eof = not more
        base += cut
        buf = buf[cut:] + more
        start = 0
        scan = max(0, len(buf) - len(more) - 8)


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

    def __init__(self, max_message_bytes: int = MAX_MESSAGE_BYTES) -> None:
        self.max_message_bytes = max_message_bytes

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
            for part in split_mbox(f, max_message_bytes=self.max_message_bytes):
                pos = f"byte {part.offset}"
                if part.oversized:
                    yield Problem("too_large", pos, f"the message starting at byte {part.offset} is larger than "
                                  f"{self.max_message_bytes:,} bytes and was not read (the original file is kept "
                                  "unchanged).")
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


def _cut_in_headers(content: bytes) -> bool:
    if not content:
        return True
    if content.startswith((b"\n", b"\r\n")):
        return False
    return b"\n\n" not in content and b"\n\r\n" not in content and not content.endswith(b"\n")


IMPORTERS = (MboxImporter(),)
