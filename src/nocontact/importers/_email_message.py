"""One RFC 5322 message's bytes -> one Record (shared by the mbox and .eml importers).

Parsing is the stdlib's ``email`` package, in two layers. The MIME structure is parsed by
``BytesParser`` with the ``compat32`` policy into ``EmailMessage`` objects, because under
``policy.default`` every ``get_content_type()`` re-parses Content-Type through the header
registry and the structure walk alone costs six times more. A well-formed message is split
into its parts here (``parse_message``) and only the header blocks go through ``BytesParser``;
the tree is the one ``BytesParser`` builds, which the tests hold to. Every header this module reads
as text (Subject, X-Gmail-Labels, encoded file names) is parsed from its raw value by
``email.policy.default.header_fetch_parse`` (the raw value is stored identically under both
policies), so RFC 2047 words are decoded exactly as ``policy.default`` decodes them. Address
lists go through ``email.utils.getaddresses`` (only addr-specs are kept, and the registry's
parser costs fifty times more for the same addr-specs). Text parts are decoded as the content
manager does (``get_payload(decode=True)``, then the declared charset, ``errors="replace"``).

What is decided here:

* Time: the ``Date`` header. A year written with three or more digits is read as written
  (``email.utils`` applies its two-digit rule to any year below 100, so ``0000`` became 2000
  and ``0050`` 2050); a year outside 1-9999, such as 0, makes the Date unreadable. An offset in the header is used as written (time_basis
  "offset in Date header"). ``-0000`` means "UTC, local zone unknown" (RFC 5322 3.3); the
  stdlib returns a naive datetime for it, which is read as UTC and said so in time_basis. A
  missing or unreadable Date falls back to the mbox ``From_`` line (receipt time) when the
  caller has one, else to the earliest ``Received`` header; otherwise the message is a Problem.
* Body: the first ``text/plain`` part the stdlib's ``get_body`` picks; with only HTML, the HTML
  source is kept as the body and ``("body_format", "html")`` marks it. The text is exactly the
  decoded part (no strip, no newline change).
* Attachments: every other leaf part that is an attachment, has a file name or is not text;
  ``message/rfc822`` parts are kept whole as one attachment.
* People: sender = the From address (Identifier "email", as written); peers = To + Cc.
  Direction is outgoing when From is one of the case user's addresses (draft when Gmail's
  label says Draft). is_group when more than one peer.
* Ids: source_id and natural_key = Message-ID (so mbox and .eml copies of one email dedupe);
  without a Message-ID the caller's position is used and natural_key stays unset.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.policy import compat32
from email.policy import default as default_policy
from typing import Any, BinaryIO

from nocontact.importers.base import ImportContext
from nocontact.model import AttachmentRef, Direction, Identifier, Problem, Record

__all__ = ["HEADER_NAMES", "MAX_LINE_BYTES", "MAX_MESSAGE_BYTES", "AbsurdMessage", "describe_headers",
           "looks_like_headers", "message_to_record", "parse_date", "parse_from_line_date", "parse_message",
           "read_whole_message"]

#: Gmail refuses messages over 50 MB; a message far above that is not an email. Reading one
#: costs several times its size (the parser's text, the decoded parts), so this is the bound.
MAX_MESSAGE_BYTES = 256 * 1024**2
#: RFC 5322 limits a line to 998 characters. Real mail breaks that (unwrapped HTML, a base64
#: attachment on one line), but a line longer than the largest whole message Gmail accepts is
#: not an email: refusing it there keeps a 2 GB line from ever being held in memory.
MAX_LINE_BYTES = 64 * 1024**2



class _Part(EmailMessage):
    """EmailMessage whose attachment test works on compat32's plain-string headers."""

    def is_attachment(self) -> bool:
        return self.get_content_disposition() == "attachment"


_PARSER = BytesParser(_class=_Part, policy=compat32)

_FIRST_BLANK_LINE = re.compile(rb"\n\r?\n")


def parse_message(raw: bytes) -> Message:
    """The message as ``BytesParser(policy=compat32).parsebytes`` gives it, faster and in fewer copies.

    The stdlib decodes the whole message to text and feeds it through ``StringIO`` buffers that
    hold a long line four bytes per character: a 60 MB one-line body peaked at 613 MB. And it
    reads a multipart message line by line in Python, checking every line of a base64 photo
    against each enclosing boundary (with a regex compiled for each message): half the time of
    reading a mailbox. So a well-formed message is split here, with ``bytes.find`` for the
    boundary lines, and only each header block goes through the stdlib; the tree built is the
    one the stdlib builds (same headers, payloads, preambles, epilogues). Any doubt (a lone CR,
    a header defect, a missing boundary, a message/* part) takes the stdlib's path for the whole
    message, so its answer, defects included, stays the reference.
    """
    fast = _parse_fast(raw)
    return fast if fast is not None else _PARSER.parsebytes(raw)


#: Nesting deeper than this is left to the stdlib (no real mail nests multiparts this deep).
_MAX_FAST_DEPTH = 16
#: What may follow ``--boundary`` on a delimiter line: the stdlib's ``boundaryre`` without the
#: separator (a lone CR never reaches it: such messages take the stdlib's path).
_DELIMITER_REST = re.compile(rb"(--)?[ \t]*(?:\r?\n)?")


def _parse_fast(raw: bytes) -> Message | None:
    return _parse_part(raw, 0, inner=False)


def _parse_part(raw: bytes, depth: int, *, inner: bool) -> Message | None:
    """A whole message (``inner`` False) or one part between two boundary lines, as the stdlib
    parses it; None to leave the whole message to the stdlib."""
    split = _split_head(raw)
    if split is None:
        return None
    msg, body = split
    maintype = msg.get_content_maintype()
    if maintype == "message":
        return None
    if maintype == "multipart":
        if not inner and body.count(b"\r") != body.count(b"\r\n"):
            return None  # a lone CR ends a line for the parser: let it decide
        if not _fill_multipart(msg, body, depth):
            return None
        if inner:  # the line ending before the next boundary belongs to that boundary (RFC 2046)
            epilogue = msg.epilogue or ""
            ending = 2 if epilogue.endswith("\r\n") else 1 if epilogue.endswith("\n") else 0
            msg.epilogue = epilogue[:len(epilogue) - ending] if epilogue else None
        return msg
    msg.set_payload((_drop_eol(body) if inner else body).decode("ascii", "surrogateescape"))
    return msg


def _split_head(raw: bytes) -> tuple[Message, bytes] | None:
    """(the header block parsed by the stdlib, the bytes after the blank line), or None on any doubt."""
    if raw.startswith((b"\n", b"\r\n")):
        return None
    m = _FIRST_BLANK_LINE.search(raw)
    if m is None:
        return None
    head = raw[:m.end()]
    if b"\r" in head.replace(b"\r\n", b""):
        return None  # a lone CR ends a line for the parser: let it decide
    msg = _PARSER.parsebytes(head, headersonly=True)
    if msg.defects or msg.get_payload() != "":
        return None
    return msg, raw[m.end():]


def _delimiters(body: bytes, separator: bytes) -> Iterator[tuple[int, int, bool]]:
    """(start, end, is_close) of each line of ``body`` that the stdlib takes for this boundary."""
    at = 0
    if not body.startswith(separator):
        at = body.find(b"\n" + separator) + 1
        if at == 0:
            return
    while True:
        nl = body.find(b"\n", at)
        end = len(body) if nl < 0 else nl + 1
        mo = _DELIMITER_REST.fullmatch(body, at + len(separator), end)
        if mo is not None:
            yield at, end, mo.group(1) is not None
        if nl < 0:
            return
        at = body.find(b"\n" + separator, nl) + 1
        if at == 0:
            return


def _drop_eol(text: bytes) -> bytes:
    """Without its last line ending: that one belongs to the boundary line after it (RFC 2046)."""
    return text[:-2] if text.endswith(b"\r\n") else text[:-1] if text.endswith(b"\n") else text


def _fill_multipart(msg: Message, body: bytes, depth: int) -> bool:
    """Attach the parts, preamble and epilogue the stdlib would; False to leave it to the stdlib."""
    if depth > _MAX_FAST_DEPTH or msg.get_content_type() == "multipart/digest":
        return False  # a digest's parts default to message/rfc822
    boundary = msg.get_boundary()
    if not boundary:
        return False
    if str(msg.get("content-transfer-encoding", "8bit")).lower() not in ("7bit", "8bit", "binary"):
        return False  # the stdlib notes a defect
    try:
        separator = b"--" + boundary.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return False
    if b"\n" in separator or b"\r" in separator:
        return False  # folded into the parameter: no single line can match it
    delims = _delimiters(body, separator)
    first = next(delims, None)
    if first is None or first[2]:
        return False  # no start boundary
    start, end, _ = first
    msg.preamble = None if start == 0 else _drop_eol(body[:start]).decode("ascii", "surrogateescape")
    parts: list[Message | str] = []
    for nxt_start, nxt_end, is_close in delims:
        if nxt_start == end:
            return False  # two boundary lines in a row: the stdlib skips the second
        part = _parse_part(body[end:nxt_start], depth + 1, inner=True)
        if part is None:
            return False
        parts.append(part)
        if is_close:
            msg.set_payload(parts)
            msg.epilogue = body[nxt_end:].decode("ascii", "surrogateescape")
            return True
        end = nxt_end
    return False  # no close boundary


#: Header names that make a block of ``Name: value`` lines an email (for sniffing).
HEADER_NAMES = frozenset({b"from", b"to", b"cc", b"subject", b"date", b"message-id", b"received",
                          b"return-path", b"mime-version", b"delivered-to", b"x-gm-thrid",
                          b"x-gmail-labels", b"reply-to", b"in-reply-to", b"references", b"content-type"})
_HEADER_LINE = re.compile(rb"^([\x21-\x39\x3b-\x7e]+):")
_FROM_LINE_DATE = re.compile(
    rb"^From \S+\s+(?:(?P<wd>[A-Z][a-z]{2}) )?(?P<mon>[A-Z][a-z]{2}) +(?P<day>\d{1,2}) "
    rb"(?P<time>\d{2}:\d{2}:\d{2}) (?:(?P<tz>[+-]\d{4}) )?(?P<year>\d{4})")


def looks_like_headers(head: bytes) -> bool:
    """True when ``head`` starts with a block of RFC 5322 header fields naming email headers."""
    lines = head.split(b"\n", 60)[:60]
    names: set[bytes] = set()
    fields = 0
    for i, raw in enumerate(lines):
        line = raw.rstrip(b"\r")
        if not line:
            break
        if line[:1] in (b" ", b"\t"):
            if i == 0:
                return False
            continue
        m = _HEADER_LINE.match(line)
        if m is None:
            if i == len(lines) - 1:
                break  # a line cut by the head limit
            return False
        fields += 1
        names.add(m.group(1).lower())
    known = names & HEADER_NAMES
    return fields >= 2 and len(known) >= 2 and bool(known & {b"from", b"date", b"message-id", b"received"})


class AbsurdMessage(ValueError):
    """A message refused while it was read: ``offset`` is where the reason was seen."""

    def __init__(self, offset: int, reason: str) -> None:
        super().__init__(reason)
        self.offset = offset
        self.reason = reason


def read_whole_message(stream: BinaryIO, *, max_bytes: int = MAX_MESSAGE_BYTES,
                       max_line_bytes: int = MAX_LINE_BYTES, chunk: int = 1 << 20) -> bytes:
    """All of one message's bytes, read in chunks and refused as soon as it is absurd.

    Raises ``AbsurdMessage`` once more than ``max_bytes`` were read or a line runs past
    ``max_line_bytes``, so a 2 GB line costs at most about ``max_line_bytes`` of memory. Lines
    are measured across reads, so a read is never longer than ``max_line_bytes``.
    """
    chunk = max(1, min(chunk, max_line_bytes))
    pieces: list[bytes] = []
    total = 0
    line_start = 0  # file offset where the last unfinished line began
    while True:
        more = stream.read(chunk)
        if not more:
            return b"".join(pieces)
        first_nl = more.find(b"\n")
        longest = (total + first_nl if first_nl >= 0 else total + len(more)) - line_start
        if longest > max_line_bytes:
            raise AbsurdMessage(line_start, f"a line of more than {max_line_bytes:,} bytes with no line break, "
                                "which no email program writes")
        if first_nl >= 0:
            line_start = total + more.rfind(b"\n") + 1
        total += len(more)
        if total > max_bytes:
            raise AbsurdMessage(max_bytes, f"more than {max_bytes:,} bytes, far larger than any email")
        pieces.append(more)


def describe_headers(head: bytes) -> str:
    """``Date: ...; Message-ID: ...`` from a message's first bytes, to name a message that was not read.

    Printable characters only, each value cut at 120, so a hostile header cannot fill the report.
    """
    cut = re.search(rb"\r?\n\r?\n", head)
    block = head[:cut.start()] if cut else head[:head.rfind(b"\n") + 1]
    try:
        msg = BytesHeaderParser(policy=compat32).parsebytes(block + b"\n\n")
    except Exception:  # noqa: BLE001 - naming the message is a courtesy; it must never fail the import
        return ""
    said = []
    for name in ("Date", "Message-ID"):
        raw = _raw_header(msg, name)
        if raw:
            text = " ".join(raw.split())[:120]
            said.append(f"{name}: " + "".join(c if c.isprintable() else "\ufffd" for c in text))
    return "; ".join(said)


#: Numbers in a date that are not part of the time (``01:29:30``) or the zone (``+0100``).
_DATE_NUMBER = re.compile(r"(?<![\d:+-])\d+(?![\d:])")


def parse_date(raw: str) -> datetime | None:
    """An RFC 5322 date-time as written, or None when it names no real moment.

    ``email.utils`` reads every year below 100 by the two-digit rule, even ``0000`` (as 2000).
    The year is the first number of three or more digits; RFC 5322 4.3 adds 1900 to a
    three-digit year, and four digits are read as written, so year 0 gives None.
    """
    try:
        dt = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    for token in _DATE_NUMBER.findall(raw):
        if len(token) >= 3:
            year = int(token) + (1900 if len(token) == 3 else 0)
            if year != dt.year:
                if not 1 <= year <= 9999:
                    return None
                try:
                    dt = dt.replace(year=year)
                except ValueError:  # 29 February in a year that has none
                    return None
            break
    return dt


def parse_from_line_date(line: bytes) -> datetime | None:
    """The time on an mbox ``From_`` line (``Thu Jan 09 14:00:13 +0000 2025`` or asctime form)."""
    m = _FROM_LINE_DATE.match(line)
    if m is None:
        return None
    try:
        dt = datetime.strptime(
            f"{m['mon'].decode()} {int(m['day'])} {m['time'].decode()} {m['year'].decode()}", "%b %d %H:%M:%S %Y")
    except ValueError:
        return None
    tz = m["tz"]
    if tz is None:
        return dt.replace(tzinfo=UTC)
    sign = 1 if tz[:1] == b"+" else -1
    off = sign * (int(tz[1:3]) * 60 + int(tz[3:5]))
    return (dt.replace(tzinfo=UTC) - timedelta(minutes=off)).astimezone(UTC)


def _raw_header(msg: Message, name: str) -> str | None:
    lname = name.lower()
    for k, v in msg.raw_items():
        if k.lower() == lname:
            return str(v)
    return None


#: The header classes ``policy.default`` builds, one per header name. Its registry builds a new
#: class (``type(...)``) on every call; that was a twelfth of the time of reading a mailbox.
_HEADER_CLASSES: dict[str, Any] = {}
_LINESEP = re.compile(r"\n|\r")  # the policy's own splitter: not splitlines, which splits on more


def _parsed(name: str, raw: str) -> Any:
    """A header value parsed exactly as ``policy.default.header_fetch_parse`` parses it (same class,
    same value), or None when it cannot be."""
    try:
        cls = _HEADER_CLASSES.get(name.lower())
        if cls is None:
            cls = default_policy.header_factory[name]  # type: ignore[index]
            if len(_HEADER_CLASSES) < 64:
                _HEADER_CLASSES[name.lower()] = cls
        return cls(name, "".join(_LINESEP.split(raw)))
    except Exception:  # noqa: BLE001 - a malformed header must not end the import
        return None


def _header_text(msg: Message, name: str) -> str | None:
    raw = _raw_header(msg, name)
    if raw is None:
        return None
    h = _parsed(name, raw)
    return str(h) if h is not None else raw


def _filename(part: Message) -> str | None:
    """The attachment's file name (RFC 2231 and, as mail clients write them, RFC 2047 words decoded)."""
    try:
        name = part.get_filename()
    except (ValueError, TypeError, IndexError, LookupError):
        return None
    if name and "=?" in name:
        h = _parsed("X-Filename", name)
        name = str(h) if h is not None else name
    return name or None


def _addresses(msg: Message, name: str) -> list[Identifier]:
    """Every address in the named headers, as written (``getaddresses``: only addr-specs are kept).

    The header registry's address parser would give the same addr-specs at about fifty times
    the cost; display names, the only part it decodes better, are not used here.
    """
    lname = name.lower()
    raws = [" ".join(str(v).split()) for k, v in msg.raw_items() if k.lower() == lname]
    if not raws:
        return []
    return [Identifier("email", addr) for _, addr in email.utils.getaddresses(raws) if addr and addr != "<>"]


def _offset_text(dt: datetime) -> str:
    off = dt.utcoffset()
    assert off is not None
    minutes = int(off.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _time(msg: Message, from_line: bytes | None) -> tuple[datetime, str, str, str] | None:
    """(utc, raw_time, time_zone, time_basis) or None."""
    raw = _raw_header(msg, "Date")
    if raw is not None:
        raw_s = " ".join(raw.split())
        dt = parse_date(raw_s)
        if dt is not None:
            if dt.tzinfo is None:
                return (dt.replace(tzinfo=UTC), raw_s, "UTC",
                        "Date header with -0000 (no zone given), read as UTC")
            try:
                return dt.astimezone(UTC), raw_s, _offset_text(dt), "offset in Date header"
            except OverflowError:
                dt = None  # at the edge of the calendar: fall through to the From_ line or Received
    if from_line is not None:
        dt = parse_from_line_date(from_line)
        if dt is not None:
            return (dt, from_line.decode("ascii", "replace").rstrip("\r\n"), "UTC",
                    "mbox From_ line (receipt time; the Date header is missing or unreadable)")
    for k, v in reversed(list(msg.raw_items())):
        if k.lower() == "received" and ";" in str(v):
            stamp = " ".join(str(v).rsplit(";", 1)[1].split())
            dt = parse_date(stamp)
            if dt is None:
                continue
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=UTC)
            try:
                utc = dt.astimezone(UTC)
            except OverflowError:
                continue
            return (utc, stamp, _offset_text(dt),
                    "earliest Received header (the Date header is missing or unreadable)")
    return None


def _walk_leaves(part: Message, depth: int = 0) -> Iterator[Message]:
    if depth > 50:
        return
    ctype = part.get_content_type()
    if ctype == "message/rfc822" or not part.is_multipart():
        yield part
        return
    payload = part.get_payload()
    if isinstance(payload, list):
        for sub in payload:
            if isinstance(sub, Message):
                yield from _walk_leaves(sub, depth + 1)


def _decode_text(part: Message, position: str, problems: list[Problem]) -> str:
    """The text of a part, decoded as ``policy.default``'s content manager decodes it."""
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    try:
        charset = str(part.get_param("charset", "ASCII"))
    except (ValueError, TypeError, IndexError):
        charset = "ASCII"
    try:
        return data.decode(charset, errors="replace")
    except (LookupError, ValueError):
        problems.append(Problem("charset", position, f"a text part declares an unknown character set "
                                f"({charset[:40]!r}); it was read as UTF-8 with replacement characters."))
        return data.decode("utf-8", "replace")


def message_to_record(raw: bytes, ctx: ImportContext, *, position: str, fallback_id: str,
                      from_line: bytes | None = None, kind: str = "email",
                      ) -> Iterator[Record | Problem]:
    """Parse one message and yield its Record (and any Problems found on the way)."""
    problems: list[Problem] = []
    try:
        msg = parse_message(raw)
    except (RecursionError, ValueError, TypeError, IndexError) as e:
        yield Problem("unparsable", position, f"this message could not be parsed ({type(e).__name__}).")
        return
    assert isinstance(msg, EmailMessage)
    try:
        yield from _build(msg, ctx, position, fallback_id, from_line, kind, problems)
    except RecursionError:
        yield Problem("unparsable", position, "this message is nested too deeply to read.")


def _build(msg: EmailMessage, ctx: ImportContext, position: str, fallback_id: str,
           from_line: bytes | None, kind: str, problems: list[Problem]) -> Iterator[Record | Problem]:
    when = _time(msg, from_line)
    if when is None:
        yield Problem("no_time", position, "this message has no readable Date header, so it cannot be placed "
                      "in time; skipped.")
        return
    utc, raw_time, zone, basis = when
    mid_raw = _raw_header(msg, "Message-ID")
    mid = "".join(mid_raw.split()) if mid_raw else ""
    senders = _addresses(msg, "From")
    sender = senders[0] if senders else None
    peers = tuple(_addresses(msg, "To") + _addresses(msg, "Cc"))
    labels_text = _header_text(msg, "X-Gmail-Labels")
    labels = [x.strip() for x in labels_text.split(",")] if labels_text else []
    user_emails = {e.strip().lower() for e in ctx.case.user.emails}
    direction: Direction = "incoming"
    if sender is not None and sender.value.lower() in user_emails:
        direction = "draft" if any(lb.lower() in ("draft", "drafts") for lb in labels) else "outgoing"

    body: str | None = None
    extra: list[tuple[str, str]] = []
    body_part: Message | None = None
    try:
        body_part = msg.get_body(preferencelist=("plain",))
        if body_part is None:
            body_part = msg.get_body(preferencelist=("html",))
            if body_part is not None:
                extra.append(("body_format", "html"))
    except (KeyError, ValueError, AttributeError):
        body_part = None
    if body_part is not None:
        body = _decode_text(body_part, position, problems)
    attachments: list[AttachmentRef] = []
    n = 0
    for part in _walk_leaves(msg):
        if part is body_part:
            continue
        ctype = part.get_content_type()
        fname = _filename(part)
        disp = part.get_content_disposition()
        if not (disp == "attachment" or fname or part.get_content_maintype() != "text"):
            continue  # an alternative rendering of the body (HTML), not a file
        n += 1
        if ctype == "message/rfc822":
            inner = part.get_payload()
            sub = inner[0] if isinstance(inner, list) and inner else None
            data = sub.as_bytes() if isinstance(sub, Message) else b""
        else:
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
        attachments.append(AttachmentRef(name=fname or f"part-{n}", mime=ctype, data=data))

    for d in getattr(msg, "defects", ()):
        if type(d).__name__ in ("CloseBoundaryNotFoundDefect", "StartBoundaryNotFoundDefect"):
            problems.append(Problem("mime", position, "a MIME boundary is missing: the message may be cut "
                                    "short; what could be read was kept."))
            break
    thread = _header_text(msg, "X-GM-THRID")
    if thread:
        extra.append(("gmail_thread_id", thread.strip()))
    if labels:
        extra.append(("gmail_labels", ",".join(labels)))
    if mid:
        extra.append(("message_id", mid))
    subject = _header_text(msg, "Subject")
    yield from problems
    yield Record(
        source_id=mid or fallback_id, kind=kind, category="message", utc=utc, raw_time=raw_time,
        time_zone=zone, time_basis=basis, direction=direction, sender=sender, peers=peers,
        is_group=len(peers) > 1, conversation=thread.strip() if thread else None, body=body,
        subject=subject, attachments=tuple(attachments), natural_key=mid or None, extra=tuple(extra),
    )

