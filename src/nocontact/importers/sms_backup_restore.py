"""SMS Backup & Restore (SyncTech, Android): ``sms-*.xml`` messages and ``calls-*.xml`` call logs.

The app (``com.riteshsahu.SMSBackupRestore``; files seen from v10.x, e.g. "v10.20.002", and older
ones without ``backup_set``/``backup_date``) writes one XML document per backup: root ``<smses>``
holding ``<sms>`` and ``<mms>`` elements in date order, or root ``<calls>`` holding ``<call>``
elements. Field reference: https://www.synctech.com.au/sms-backup-restore/fields-in-xml-backup-files/
(and the project's FORMATS.md, section 1).

Why the tricky parts are done as they are:

* **Streaming.** Backups with base64 photos reach gigabytes. ``lxml.etree.iterparse`` reads the
  file in chunks; every top-level element is processed at its end event and then removed from the
  tree with whatever preceded it, so memory stays flat whatever the file size. ``huge_tree`` is
  needed because a single photo attribute can exceed libxml2's 10 MB text limit.
* **No entities, no DTD, no network.** The app never writes a ``<!DOCTYPE>``. A file that declares
  entities (billion laughs) or names an external DTD/entity is refused before the parser sees it
  (a byte-level look at the prolog), and the parser itself runs with ``resolve_entities=False``,
  ``load_dtd=False`` and ``no_network=True``. ``recover=True`` is never used: it silently drops text.
* **Surrogate-pair character references.** Some versions write an emoji as two UTF-16 halves,
  ``&#55357;&#56846;``, which is not XML (libxml2 stops with ``xmlParseCharRef``). A file-like
  wrapper rewrites each adjacent high+low pair into the one code point it stands for
  (``&#128526;``) at byte level, across chunk boundaries, before the parser reads the bytes. A lone
  half cannot be text at all: it becomes ``&#65533;`` (U+FFFD) and a ``Problem`` names its byte
  offset, so nothing is dropped silently. References with leading zeros are not repaired.
* **"null".** The app writes missing values as the literal text ``null``; they are read as absent.
  (A message whose whole body is the word "null" is indistinguishable from a missing body.)
* **Times.** ``date`` is epoch milliseconds (UTC), for MMS whole seconds x 1000; MMS ``date_sent``
  is in seconds. ``readable_date`` is locale text in the phone's zone and is never parsed. A
  ``date`` too small to be milliseconds (before 1973) is read as epoch seconds and says so.
* **Direction.** SMS ``type`` / MMS ``msg_box``: 1 inbox -> incoming, 2 sent -> outgoing,
  3 draft -> draft, 4 outbox and 6 queued -> outgoing (the person's own message on its way out;
  the raw value is kept in ``extra`` as ``type``/``msg_box`` so a report can say "queued"),
  5 failed -> failed; anything else -> unknown. Calls follow the fixtures' convention: outgoing
  for type 2, incoming for every other type (1-7 and vendor codes), ``call_type`` keeps the number.
* **MMS people.** ``address`` lists the conversation's other participants joined by ``~``; those
  are the peers (the user's own numbers from the case are dropped should a phone list them). The
  sender is the ``<addr type="137">`` (From); in a sent MMS that is the user's own number, or the
  placeholder ``insert-address-token``, which is read as absent. More than one peer is a group.
  Text parts (``text/plain``) are joined with a newline; the SMIL part (``seq="-1"``) is layout
  and is skipped; other parts become attachments with their base64 ``data`` decoded, or
  placeholders when the backup was made without media.
* **Withheld calls.** ``presentation`` 2 (restricted), 3 (unknown) and 4 (payphone) with no number
  (or Android's ``-1``/``-2``/``-3``) are kept, with sender ``Identifier("withheld", "")`` (or
  ``"unknown"``/``"payphone"``), which identity matching attributes to no one.
* **Positions.** ``source_id`` is the 0-based index of the element among the root's element
  children (``<sms>`` and ``<mms>`` share one count), as the fixtures' ``id_meaning`` says.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, BinaryIO

from lxml import etree

from nocontact.identity import normalise_phone
from nocontact.importers.base import ImportContext, Match, SourceError
from nocontact.model import AttachmentRef, Direction, Identifier, Problem, Record
from nocontact.sources import Source

__all__ = [
    "IMPORTERS",
    "RepairingReader",
    "SmsBackupRestoreCalls",
    "SmsBackupRestoreSms",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: A ``date`` below this cannot be milliseconds of a real phone (it would be before 1973).
_MS_FLOOR = 100_000_000_000
_READ_CHUNK = 1 << 20
_HOLD = 32
_PROLOG_LIMIT = 1 << 20

# Exact UTF-16 surrogate ranges as decimal and hexadecimal character references.
_HI_DEC = rb"55(?:29[6-9]|[3-9]\d\d)|56(?:[0-2]\d\d|3[01]\d)"
_LO_DEC = rb"56(?:3[2-9]\d|[4-9]\d\d)|57(?:[0-2]\d\d|3(?:[0-3]\d|4[0-3]))"
_HI_HEX = rb"[xX][dD][89abAB][0-9a-fA-F]{2}"
_LO_HEX = rb"[xX][dD][c-fC-F][0-9a-fA-F]{2}"
_PAIR = re.compile(rb"&#(" + _HI_DEC + rb"|" + _HI_HEX + rb");&#(" + _LO_DEC + rb"|" + _LO_HEX + rb");")
_LONE = re.compile(rb"&#(?:" + _HI_DEC + rb"|" + _HI_HEX + rb"|" + _LO_DEC + rb"|" + _LO_HEX + rb");")

_PROLOG_SKIP = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.S)
_ROOT_START = re.compile(rb"<([A-Za-z_][-A-Za-z0-9_.:]*)")
_EXTERNAL = re.compile(rb"\b(?:SYSTEM|PUBLIC)\b")
_XML_POS = re.compile(r", line \d+, column \d+$")

_DIRECTIONS: dict[str, Direction] = {
    "1": "incoming", "2": "outgoing", "3": "draft", "4": "outgoing", "5": "failed", "6": "outgoing",
}
_MIB_CHARSETS = {"106": "utf-8", "3": "ascii", "4": "latin-1", "1015": "utf-16", "1013": "utf-16-be",
                 "1014": "utf-16-le", "2026": "big5", "17": "shift_jis", "2025": "gb2312", "39": "iso-2022-jp"}
_NO_NUMBER = {"", "-1", "-2", "-3", "null"}
_WITHHELD_VALUE = {"2": "", "3": "unknown", "4": "payphone", "-2": "", "-1": "unknown", "-3": "payphone"}


def _ref_value(ref: bytes) -> int:
    return int(ref[1:], 16) if ref[:1] in (b"x", b"X") else int(ref)


def _join_pair(m: re.Match[bytes]) -> bytes:
    hi, lo = _ref_value(m.group(1)), _ref_value(m.group(2))
    cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
    return b"&#%d;" % cp


class RepairingReader:
    """A read-only file-like object that repairs surrogate-pair character references on the fly.

    Bytes are read from ``raw`` a megabyte at a time; the last few bytes that could be the start
    of a reference are held back until the next chunk, so a pair split across chunks is still
    joined. Lone surrogate references become ``&#65533;`` and their byte offsets (in the repaired
    stream) are kept in ``lone_offsets``. ``prime()`` reads the prolog first and refuses
    DOCTYPEs with entities or external identifiers.
    """

    def __init__(self, raw: BinaryIO, display: str) -> None:
        self._raw = raw
        self._display = display
        self._carry = b""
        self._out = b""
        self._pos = 0
        self._eof = False
        self.bytes_in = 0
        self.bytes_out = 0
        self.newlines = 0
        self.tail = b""
        self.root: str | None = None
        self.lone_offsets: list[int] = []

    @property
    def at_eof(self) -> bool:
        return self._eof and not self._carry and self._pos >= len(self._out)

    def _fill(self) -> bool:
        """Read and repair the next chunk into ``_out``; False at the end of the source."""
        while True:
            if self._eof:
                if not self._carry:
                    return False
                buf, self._carry = self._carry, b""
                final = True
            else:
                data = self._raw.read(_READ_CHUNK)
                if not data:
                    self._eof = True
                    continue
                self.bytes_in += len(data)
                buf = self._carry + data if self._carry else data
                final = False
            if b"&#" in buf:
                buf = _PAIR.sub(_join_pair, buf)
            if not final:
                cut = buf.find(b"&", max(0, len(buf) - _HOLD))
                if cut != -1:
                    buf, self._carry = buf[:cut], buf[cut:]
                else:
                    self._carry = b""
            if b"&#" in buf:
                buf = self._replace_lone(buf)
            if not buf:
                continue
            self._out = buf
            self._pos = 0
            self.newlines += buf.count(b"\n")
            self.tail = (self.tail + buf[-64:])[-64:]
            return True

    def _replace_lone(self, buf: bytes) -> bytes:
        base = self.bytes_out

        def sub(m: re.Match[bytes]) -> bytes:
            self.lone_offsets.append(base + m.start())
            return b"&#65533;"

        return _LONE.sub(sub, buf)

    def read(self, size: int = -1) -> bytes:
        if self._pos >= len(self._out) and not self._fill():
            return b""
        if size is None or size < 0:
            size = len(self._out) - self._pos
        chunk = self._out[self._pos:self._pos + size]
        self._pos += len(chunk)
        self.bytes_out += len(chunk)
        return chunk

    def prime(self) -> None:
        """Look at the prolog (declaration, comments, processing instructions, DOCTYPE) and the
        root's name before any parsing; raise ``SourceError`` for empty, non-XML or hostile input."""
        head = b""
        while True:
            data = self._raw.read(64 * 1024)
            if data:
                head += data
            root, hostile = _scan_prolog(head, final=not data)
            if hostile:
                raise SourceError(_msg_hostile(self._display), "prolog")
            if root is not None or not data or len(head) > _PROLOG_LIMIT:
                break
        if root is None:
            root = ""
        if not head:
            raise SourceError(
                f"{self._display} is empty (0 bytes): there is nothing in it to import. "
                "Make the backup again in SMS Backup & Restore and import the new file.", "byte 0")
        if not root:
            raise SourceError(
                f"{self._display} is not an SMS Backup & Restore backup (it is not an XML file "
                "the app writes), so nothing was read from it.", "byte 0")
        self.root = root
        self.bytes_in = len(head)
        self._carry = head
        if not data:
            self._eof = True


def _scan_prolog(buf: bytes, *, final: bool) -> tuple[str | None, bool]:
    """(root element name, hostile DOCTYPE seen). The name is None while undecided (more bytes
    needed) and "" when the bytes are not an XML document at all."""
    pos = 3 if buf.startswith(b"\xef\xbb\xbf") else 0
    n = len(buf)
    while pos < n:
        m = _PROLOG_SKIP.match(buf, pos)
        if m and (m.end() < n or final or buf[pos:pos + 1].isspace()):
            pos = m.end()
            continue
        if buf.startswith((b"<!DOCTYPE", b"<!doctype"), pos):
            r = _ROOT_START.search(buf, pos + 9)
            doctype = buf[pos:r.start()] if r else buf[pos:]
            if b"<!ENTITY" in doctype or _EXTERNAL.search(doctype):
                return None, True
            if r is None:
                return (None if not final else ""), False
            pos = r.start()
            continue
        r = _ROOT_START.match(buf, pos)
        if r:
            if r.end() == n and not final:
                return None, False
            return r.group(1).decode("ascii", "replace"), False
        rest = buf[pos:]
        if not final and (rest.startswith((b"<?", b"<!")) or rest in (b"<",)):
            return None, False
        return "", False
    return (None if not final else ""), False


def _msg_hostile(display: str) -> str:
    return (f"{display} was refused: it contains a <!DOCTYPE> that declares entities or points to "
            "another file. SMS Backup & Restore never writes this, and it can be used to attack the "
            "program that reads the file. Nothing was read from it. If you did not change this "
            "file yourself, make the backup again on the phone.")


def _value(a: Any, key: str) -> str | None:
    v: str | None = a.get(key)
    if v is None or v == "null":
        return None
    return v


def _time(raw: str) -> tuple[datetime, str]:
    n = int(raw)
    if abs(n) < _MS_FLOOR:
        return _EPOCH + timedelta(seconds=n), "epoch seconds (value too small for milliseconds)"
    return _EPOCH + timedelta(milliseconds=n), "epoch milliseconds"


_ASCII_LETTER = re.compile(r"[A-Za-z]")


def _ident(addr: str) -> Identifier:
    if "@" in addr:
        return Identifier("email", addr)
    if _ASCII_LETTER.search(addr) if addr.isascii() else any(ch.isalpha() for ch in addr):
        return Identifier("handle", addr)
    return Identifier("phone", addr)


def _extra(pairs: tuple[tuple[str, str | None], ...]) -> tuple[tuple[str, str], ...]:
    return tuple((k, v) for k, v in pairs if v is not None)


class _XmlImporter:
    """What both SMS Backup & Restore importers share: sniffing, safe streaming, error sentences."""

    name = ""
    root_tag = ""
    what = ""
    _sniff_re: re.Pattern[bytes]

    def sniff(self, source: Source, head: bytes) -> Match | None:
        root, hostile = _scan_prolog(head, final=True)
        if root == self.root_tag:
            return Match(self.name, 90, f"XML root <{self.root_tag}>")
        if hostile and self._sniff_re.search(head):
            return Match(self.name, 60, f"XML with a DOCTYPE and a <{self.root_tag}> element")
        return None

    def _elements(self, source: Source, reader: RepairingReader) -> Iterator[tuple[int, Any]]:
        """(index among the root's element children, element) for every top-level element."""
        reader.prime()
        if reader.root != self.root_tag:
            other = {"smses": "a messages backup (sms-...xml)", "calls": "a call log backup (calls-...xml)"}
            hint = f" It looks like {other[reader.root]}." if reader.root in other else ""
            raise SourceError(
                f"{source.display} is not an SMS Backup & Restore {self.what} file: its main element "
                f"is <{reader.root}>, not <{self.root_tag}>.{hint}", "root element")
        parser = etree.iterparse(reader, events=("end",), resolve_entities=False, no_network=True,
                                 load_dtd=False, huge_tree=True, remove_comments=True, remove_pis=True)
        root: Any = None
        index = 0
        try:
            for _, el in parser:
                if root is None:
                    top = el
                    while (up := top.getparent()) is not None:
                        top = up
                    if top is el:
                        break
                    root = top
                    docinfo = root.getroottree().docinfo
                    dtd = docinfo.internalDTD
                    if dtd is not None and (list(dtd.iterentities()) or docinfo.system_url):
                        raise SourceError(_msg_hostile(source.display), "prolog")
                if el.getparent() is not root:
                    continue
                if isinstance(el.tag, str):
                    yield index, el
                    index += 1
                el.clear()
                # Free what came before; the current element stays (cleared) because libxml2
                # appends the next sibling to it.
                while el.getprevious() is not None:
                    del root[0]
        except etree.XMLSyntaxError as e:
            raise self._syntax_error(source, reader, e) from None

    def _syntax_error(self, source: Source, reader: RepairingReader, e: etree.XMLSyntaxError) -> SourceError:
        line, col = e.position if e.position and e.position[0] else (reader.newlines + 1, 0)
        ends_well = reader.tail.rstrip().endswith(f"</{self.root_tag}>".encode())
        if reader.at_eof and not ends_well:
            return SourceError(
                f"{source.display} is incomplete: it stops in the middle, at line {reader.newlines + 1} "
                f"(byte {reader.bytes_in}). The backup was probably cut short while it was being copied "
                "or downloaded. Copy the complete file from the phone again and import that copy.",
                f"line {reader.newlines + 1}, byte {reader.bytes_in}")
        detail = _XML_POS.sub("", str(e.msg or e))
        return SourceError(
            f"{source.display} is damaged at line {line}, column {col} and cannot be read safely "
            f"({detail}). Copy the backup from the phone again; if the problem stays, keep this file "
            "unchanged and ask for help.", f"line {line}, column {col}")

    def _lone_problems(self, reader: RepairingReader) -> Iterator[Problem]:
        for off in reader.lone_offsets:
            yield Problem("repaired", f"byte {off}",
                          "half of an emoji (a lone UTF-16 surrogate reference) cannot be text; "
                          "it was replaced by U+FFFD (the replacement character)")


class SmsBackupRestoreSms(_XmlImporter):
    """Messages: ``<smses>`` with ``<sms>`` and ``<mms>``."""

    name = "sms_backup_restore_sms"
    root_tag = "smses"
    what = "messages"
    _sniff_re = re.compile(rb"<smses[\s>/]")

    def read(self, source: Source, ctx: ImportContext) -> Iterator[Record | Problem]:
        own = {normalise_phone(p, ctx.region) for p in ctx.case.user.phones} - {""}
        with source.open() as raw:
            reader = RepairingReader(raw, source.display)
            for index, el in self._elements(source, reader):
                tag = el.tag
                if tag == "sms":
                    yield from self._sms(index, el.attrib)
                elif tag == "mms":
                    yield from self._mms(index, el, own, ctx.region)
                else:
                    yield Problem("unknown_element", f"element {index}",
                                  f"an element <{tag}> that SMS Backup & Restore does not write was skipped")
            yield from self._lone_problems(reader)

    def _sms(self, index: int, a: Any) -> Iterator[Record | Problem]:
        sid = str(index)
        raw_date = a.get("date")
        try:
            utc, basis = _time(raw_date)
        except (TypeError, ValueError, OverflowError):
            yield Problem("bad_date", f"element {index}", f"an SMS without a readable date ({raw_date!r}) was skipped")
            return
        typ = a.get("type")
        direction: Direction = _DIRECTIONS.get(typ, "unknown")
        address = _value(a, "address")
        peers: tuple[Identifier, ...] = ()
        if address:
            peers = tuple(_ident(p) for p in address.split("~") if p and p != "null") if "~" in address \
                else (_ident(address),)
        sender = peers[0] if direction == "incoming" and len(peers) == 1 else None
        yield Record(
            source_id=sid, kind="sms", category="message", utc=utc, raw_time=raw_date, time_zone="UTC",
            time_basis=basis, direction=direction, sender=sender, peers=peers, is_group=len(peers) > 1,
            conversation=address, body=_value(a, "body"), subject=_value(a, "subject"),
            extra=_extra((("type", typ), ("date_sent", _value(a, "date_sent")),
                          ("contact_name", _value(a, "contact_name")))),
        )

    def _mms(self, index: int, el: Any, own: set[str], region: str) -> Iterator[Record | Problem]:
        a = el.attrib
        raw_date = a.get("date")
        try:
            utc, basis = _time(raw_date)
        except (TypeError, ValueError, OverflowError):
            yield Problem("bad_date", f"element {index}", f"an MMS without a readable date ({raw_date!r}) was skipped")
            return
        box = _value(a, "msg_box")
        m_type = _value(a, "m_type")
        direction: Direction
        if box in _DIRECTIONS:
            direction = _DIRECTIONS[box]
        elif m_type == "128":
            direction = "outgoing"
        elif m_type in ("130", "132"):
            direction = "incoming"
        else:
            direction = "unknown"
        texts: list[str] = []
        attachments: list[AttachmentRef] = []
        addrs: list[tuple[str, str]] = []
        problems: list[Problem] = []
        for group in el:
            if group.tag == "parts":
                for n, part in enumerate(group):
                    self._part(index, n, part.attrib, texts, attachments, problems)
            elif group.tag == "addrs":
                for ad in group:
                    v = _value(ad.attrib, "address")
                    if v and v != "insert-address-token":
                        addrs.append((v, ad.get("type", "")))

        def mine(v: str) -> bool:
            return bool(own) and normalise_phone(v, region) in own

        from_addr = next((v for v, t in addrs if t == "137"), None)
        address = _value(a, "address")
        seen: set[str] = set()
        peers: list[Identifier] = []
        names = [p for p in address.split("~") if p and p != "null"] if address else []
        if not names:
            names = [v for v, t in addrs if t in ("137", "151", "130", "129")
                     and not (t == "137" and direction != "incoming")]
        for v in names:
            key = normalise_phone(v, region) if "@" not in v else v.lower()
            if key in seen or mine(v):
                continue
            seen.add(key)
            peers.append(_ident(v))
        sender = _ident(from_addr) if from_addr else None
        if direction == "incoming" and sender is None and len(peers) == 1:
            sender = peers[0]
        yield from problems
        yield Record(
            source_id=str(index), kind="mms", category="message", utc=utc, raw_time=raw_date, time_zone="UTC",
            time_basis=basis, direction=direction, sender=sender, peers=tuple(peers), is_group=len(peers) > 1,
            conversation=address, body="\n".join(texts) if texts else None, subject=_value(a, "sub"),
            attachments=tuple(attachments),
            extra=_extra((("msg_box", box), ("m_type", m_type), ("date_sent", _value(a, "date_sent")),
                          ("m_id", _value(a, "m_id")), ("contact_name", _value(a, "contact_name")))),
        )

    @staticmethod
    def _part(index: int, n: int, p: Any, texts: list[str], attachments: list[AttachmentRef],
              problems: list[Problem]) -> None:
        ct = (_value(p, "ct") or "").lower()
        if p.get("seq") == "-1" or ct == "application/smil":
            return
        data = _value(p, "data")
        if ct.startswith("text/plain"):
            text = _value(p, "text")
            if text is None and data:
                try:
                    raw = binascii.a2b_base64(data)
                    text = raw.decode(_MIB_CHARSETS.get(p.get("chset", ""), "utf-8"), "replace")
                except (binascii.Error, LookupError):
                    text = None
            if text is not None:
                texts.append(text)
            return
        name = _value(p, "cl") or _value(p, "name") or _value(p, "fn") or f"part{n}"
        if data is None:
            attachments.append(AttachmentRef(name=name, mime=ct or None, included=False))
            return
        # Decoded only if the message is kept (the vault stores it; invalid base64 is a problem then).
        attachments.append(AttachmentRef(name=name, mime=ct or None, base64=data))


class SmsBackupRestoreCalls(_XmlImporter):
    """Call logs: ``<calls>`` with ``<call>``."""

    name = "sms_backup_restore_calls"
    root_tag = "calls"
    what = "call log"
    _sniff_re = re.compile(rb"<calls[\s>/]")

    def read(self, source: Source, ctx: ImportContext) -> Iterator[Record | Problem]:
        with source.open() as raw:
            reader = RepairingReader(raw, source.display)
            for index, el in self._elements(source, reader):
                if el.tag == "call":
                    yield from self._call(index, el.attrib)
                else:
                    yield Problem("unknown_element", f"element {index}",
                                  f"an element <{el.tag}> that SMS Backup & Restore does not write was skipped")
            yield from self._lone_problems(reader)

    @staticmethod
    def _call(index: int, a: Any) -> Iterator[Record | Problem]:
        raw_date = a.get("date")
        try:
            utc, basis = _time(raw_date)
        except (TypeError, ValueError, OverflowError):
            yield Problem("bad_date", f"element {index}", f"a call without a readable date ({raw_date!r}) was skipped")
            return
        typ = _value(a, "type")
        call_type = int(typ) if typ is not None and typ.lstrip("-").isdigit() else None
        direction: Direction = "unknown" if call_type is None else ("outgoing" if call_type == 2 else "incoming")
        number = a.get("number") or ""
        presentation = _value(a, "presentation")
        ident: Identifier
        if number.strip() in _NO_NUMBER:
            ident = Identifier("withheld", _WITHHELD_VALUE.get(presentation or number.strip(), ""))
        else:
            ident = _ident(number)
        dur = _value(a, "duration")
        duration = int(dur) if dur is not None and dur.isdigit() else None
        yield Record(
            source_id=str(index), kind="call", category="call", utc=utc, raw_time=raw_date, time_zone="UTC",
            time_basis=basis, direction=direction, sender=None if direction == "outgoing" else ident,
            peers=(ident,), conversation=number or None, duration_s=duration, call_type=call_type,
            extra=_extra((("presentation", presentation), ("contact_name", _value(a, "contact_name")))),
        )


IMPORTERS = (SmsBackupRestoreSms(), SmsBackupRestoreCalls())
