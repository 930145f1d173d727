"""Single email files (``.eml``): one RFC 5322 message per file.

Exporting apps: Apple Mail and Thunderbird ("Save As"), Outlook ("Save as .eml"), Gmail's
"Download message" (``original_msg.eml``), webmail "Show original". The reference is RFC 5322
(https://www.rfc-editor.org/rfc/rfc5322) with MIME (RFC 2045-2049).

Recognised by content: the file begins with a block of header fields that includes email
headers (From, Date, Message-ID, Received...), never by the ``.eml`` name. A file that starts
with an mbox ``From_`` line is left to the mbox importer. Parsing, time, people and ids are
shared with the mbox importer (``_email_message``), so the same email saved both ways has the
same Message-ID ``natural_key`` and is stored once.

Size: the file is read in chunks and refused, naming the byte where the reason was seen, as
soon as it passes ``MAX_MESSAGE_BYTES`` or holds a line longer than ``MAX_LINE_BYTES`` (the
mbox importer's limits), so an .eml of one 2 GB line is never held in memory. A single email
has nothing else to import, so the refusal is the import's failure; the file is not changed.
"""

from __future__ import annotations

from collections.abc import Iterator

from nocontact.importers._email_message import (
    MAX_LINE_BYTES,
    MAX_MESSAGE_BYTES,
    AbsurdMessage,
    looks_like_headers,
    message_to_record,
    read_whole_message,
)
from nocontact.importers.base import ImportContext, Match, SourceError
from nocontact.model import Problem, Record
from nocontact.sources import Source

__all__ = ["IMPORTERS", "EmlImporter"]

#: A single email above this is not an email (Gmail's limit is 50 MB); as for one mbox message.
MAX_EML_BYTES = MAX_MESSAGE_BYTES


class EmlImporter:
    """One email message per file."""

    name = "eml"

    def __init__(self, max_bytes: int = MAX_EML_BYTES, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.max_line_bytes = max_line_bytes

    def sniff(self, source: Source, head: bytes) -> Match | None:
        if head.startswith(b"From "):
            return None
        if looks_like_headers(head.removeprefix(b"\xef\xbb\xbf")):
            return Match(self.name, 60, "a single email: RFC 5322 header fields")
        return None

    def read(self, source: Source, ctx: ImportContext) -> Iterator[Record | Problem]:
        size = source.size
        if size == 0:
            raise SourceError(f"{source.display}: the file is empty (0 bytes), so there is no email to read.")
        if size > self.max_bytes:
            raise SourceError(f"{source.display}: this file is {size:,} bytes, far larger than any email "
                              f"(the limit is {self.max_bytes:,}); it was not read.")
        try:
            with source.open() as f:
                data = read_whole_message(f, max_bytes=self.max_bytes, max_line_bytes=self.max_line_bytes)
        except AbsurdMessage as e:
            raise SourceError(f"{source.display}: this file holds {e.reason}, so it was not read as an email "
                              f"(the problem starts at byte {e.offset:,}).", f"byte {e.offset}") from None
        data = data.removeprefix(b"\xef\xbb\xbf")
        if not looks_like_headers(data[:65536]):
            raise SourceError(f"{source.display}: this is not an email file: it does not begin with email "
                              "header lines such as 'From:' and 'Date:'.", "byte 0")
        if b"\n\n" not in data and b"\n\r\n" not in data and not data.endswith(b"\n"):
            raise SourceError(f"{source.display}: the email ends in the middle of its headers: the file looks "
                              "cut short.", f"byte {len(data)}")
        yield from message_to_record(data, ctx, position="file", fallback_id=source.name)


IMPORTERS = (EmlImporter(),)
