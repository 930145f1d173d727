"""Google Voice in Google Takeout: ``Voice/Calls/<Name or +number> - <Kind> - <UTC stamp>.html``.

Takeout writes one XHTML page per text conversation (``- Text -``, or ``Group Conversation -``)
and one per call (``- Placed -``, ``- Received -``, ``- Missed -``, ``- Voicemail -``,
``- Recorded -``), microformat-marked (hChatLog/hAudio). Seen in exports from 2013 to 2024; the
layout has not changed in that time apart from ``&#8239;`` before AM/PM in the display dates.
There is no official field reference; the project's FORMATS.md section 7 and public converters
(e.g. github.com/wjcarpenter/gvoice-sms-takeout-xml, its DATA_EXAMPLES.md) describe it.

Kinds: texts are ``sms`` (``mms`` when a picture, contact card or group is involved), category
``message``; calls are ``call`` and voicemails ``voicemail``, both category ``call`` with
``call_type`` in SMS Backup & Restore's numbering (1 received, 2 placed, 3 missed, 4 voicemail;
a recorded call is 1). Direction: placed calls are outgoing, every other call incoming; a text
is outgoing when its sender is marked "Me" (``<abbr class="fn">Me</abbr>``) or is one of the
user's phone numbers in the case.

Why the tricky parts are done as they are:

* **Times** come from the ``title`` attribute of ``abbr.dt`` / ``abbr.published``
  (``2023-09-01T19:29:20.270-07:00``), which carries its own UTC offset; the display text
  ("Sep 1, 2023, 7:29:20 PM Pacific Time") is never parsed. ``time_zone`` is that offset and
  ``time_basis`` "offset in source".
* **Parsing** uses lxml's HTML parser with ``no_network=True``; the XHTML DOCTYPE is never
  fetched. Each file holds one conversation or one call, so a file is parsed whole (its size is
  that of one conversation, not of the account); the importer is called once per file.
* **People.** The sender is ``cite.sender a.tel[href="tel:..."]`` as written (a phone
  identifier; a name when the number is empty; ``withheld`` for a call with no number). In a
  group the other participants are listed in ``div.participants``; in a one-to-one file the
  other party is the one non-"Me" number in the file, else the number or name the file is
  named after (a thread may hold only the user's own messages).
* **Bodies** are the ``<q>`` text exactly, ``<br>`` read as a newline, HTML's own escaping undone.
  Pictures (``img[src]``, written without their extension) and contact cards are attachments
  resolved beside the page; the voicemail transcript (``span.full-text``) is the body of a
  voicemail and its ``audio[src]`` an attachment.
* **Damage.** A page that does not end with ``</html>`` was cut short and is refused (the HTML
  parser would otherwise read half a conversation silently).
* **Positions.** ``source_id`` is the 0-based index of the ``div.message`` in the page for texts,
  and ``"0"`` for the single call of a call page.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from lxml import etree

from nocontact.identity import normalise_phone
from nocontact.importers.base import ImportContext, Match, SourceError
from nocontact.model import AttachmentRef, Direction, Identifier, Problem, Record
from nocontact.sources import Source

__all__ = ["IMPORTERS", "GoogleVoiceHtml"]

_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
_FILE_NAME = re.compile(r"^(.*?) - (Text|Placed|Received|Missed|Voicemail|Recorded)? ?-? ?\d{4}-\d\d-\d\dT")
_CALL_TYPES = {"received": 1, "placed": 2, "missed": 3, "voicemail": 4, "recorded": 1}
_IMAGE_EXTS = ("", ".jpg", ".jpeg", ".png", ".gif", ".vcf", ".mp3", ".amr", ".3gp", ".mp4")


def _classes(el: Any) -> list[str]:
    return str(el.get("class") or "").split()


def _find(el: Any, tag: str, cls: str) -> Any:
    for e in el.iter(tag):
        if cls in _classes(e):
            return e
    return None


def _text(el: Any) -> str:
    """The element's text with ``<br>`` as a newline, exactly as the page writes it.

    Walks the tree with an explicit stack, so deeply nested hostile markup cannot exhaust recursion.
    """
    parts: list[str] = []
    stack: list[tuple[Any, bool]] = [(el, False)]
    while stack:
        node, closing = stack.pop()
        if closing:
            if node is not el:
                parts.append(node.tail or "")
            continue
        stack.append((node, True))
        if node is not el:
            if not isinstance(node.tag, str):
                continue
            if node.tag.lower() == "br":
                parts.append("\n")
                continue
        parts.append(node.text or "")
        for child in reversed(list(node)):
            stack.append((child, False))
    return "".join(parts)


def _time(title: str | None) -> tuple[datetime, str]:
    """UTC and the zone written in the title (its offset, or "UTC" for a trailing Z)."""
    s = (title or "").strip()
    dt = datetime.fromisoformat(s)
    if dt.tzinfo is None:
        raise ValueError("no offset")
    try:
        return dt.astimezone(UTC), ("UTC" if s.endswith("Z") else s[-6:])
    except OverflowError:
        raise ValueError("time outside the calendar") from None


def _seconds(iso: str | None) -> int | None:
    if not iso:
        return None
    m = _DURATION.match(iso.strip())
    if not m:
        return None
    d, h, mi, s = (float(x) if x else 0.0 for x in m.groups())
    return int(d * 86400 + h * 3600 + mi * 60 + s)


def _tel(a: Any) -> tuple[Identifier | None, bool]:
    """(identifier, marked as Me) for an ``a.tel`` element."""
    if a is None:
        return None, False
    href = str(a.get("href") or "")
    number = href[4:] if href.lower().startswith("tel:") else href
    fn = _find(a, "abbr", "fn")
    me = fn is not None and (fn.text or "").strip() == "Me"
    if number.strip():
        return Identifier("phone", number), me
    name_el = fn if fn is not None else _find(a, "span", "fn")
    name = (name_el.text or "").strip() if name_el is not None else ""
    return (Identifier("name", name) if name else None), me


class GoogleVoiceHtml:
    """Google Voice Takeout pages: texts, calls and voicemails."""

    name = "google_voice_html"

    def sniff(self, source: Source, head: bytes) -> Match | None:
        low = head[:8192].lower()
        if b"<html" not in low:
            return None
        if b'class="hchatlog' in low or b'class="haudio"' in low:
            return Match(self.name, 85, "Google Voice hChatLog/hAudio page")
        return None

    def read(self, source: Source, ctx: ImportContext) -> Iterator[Record | Problem]:
        with source.open() as f:
            data = f.read()
        if not data:
            raise SourceError(f"{source.display} is empty (0 bytes): there is nothing in it to import. "
                              "Download the Google Takeout archive again and import the new copy.", "byte 0")
        if not data.rstrip().lower().endswith(b"</html>"):
            raise SourceError(
                f"{source.display} is incomplete: it stops in the middle (byte {len(data)}) instead of ending "
                "with </html>. The Takeout download or unzip was probably cut short. Download the archive "
                "again and import the complete copy.", f"byte {len(data)}")
        parser = etree.HTMLParser(encoding="utf-8", no_network=True, remove_comments=True, remove_pis=True, huge_tree=True)
        try:
            root = etree.fromstring(data, parser)
        except etree.XMLSyntaxError:
            root = None
        body = None if root is None else root.find("body")
        log = None if body is None else _find(body, "div", "hChatLog")
        audio = None if body is None else _find(body, "div", "haudio")
        if log is None and audio is None:
            raise SourceError(f"{source.display} is not a Google Voice page from Google Takeout (it has no "
                              "conversation or call in it), so nothing was read from it.", "byte 0")
        own = {normalise_phone(p, ctx.region) for p in ctx.case.user.phones} - {""}
        if log is not None:
            yield from self._texts(source, body, log, own, ctx.region)
        else:
            yield from self._call(source, audio)

    def _file_party(self, source: Source) -> Identifier | None:
        m = _FILE_NAME.match(source.name)
        if not m or not m.group(1).strip() or m.group(1) == "Group Conversation":
            return None
        who = m.group(1).strip()
        digits = who.lstrip("+")
        return Identifier("phone", who) if digits.isdigit() else Identifier("name", who)

    def _texts(self, source: Source, body: Any, log: Any, own: set[str], region: str) -> Iterator[Record | Problem]:
        def is_me(ident: Identifier | None, marked: bool) -> bool:
            return marked or (ident is not None and ident.kind == "phone" and normalise_phone(ident.value, region) in own)

        participants = _find(body, "div", "participants")
        messages = [d for d in log.iter("div") if "message" in _classes(d)]
        if participants is not None:
            peers = []
            for a in participants.iter("a"):
                if "tel" in _classes(a):
                    ident, marked = _tel(a)
                    if ident is not None and not is_me(ident, marked):
                        peers.append(ident)
            peer_tuple = tuple(dict.fromkeys(peers))
            group = True
        else:
            others: dict[Identifier, None] = {}
            for d in messages:
                ident, marked = _tel(_find(d, "a", "tel"))
                if ident is not None and not is_me(ident, marked):
                    others[ident] = None
            if len(others) == 1 or not others:
                fallback = self._file_party(source)
                peer_tuple = tuple(others) or ((fallback,) if fallback else ())
            else:
                peer_tuple = tuple(others)
            group = len(peer_tuple) > 1
        for n, d in enumerate(messages):
            dt_el = _find(d, "abbr", "dt")
            raw = None if dt_el is None else dt_el.get("title")
            try:
                utc, zone = _time(raw)
            except (ValueError, IndexError):
                yield Problem("bad_date", f"message {n}", f"a text without a readable time ({raw!r}) was skipped")
                continue
            ident, marked = _tel(_find(d, "a", "tel"))
            direction: Direction = "outgoing" if is_me(ident, marked) else "incoming"
            q = d.find(".//q")
            text = _text(q) if q is not None else None
            attachments = tuple(self._attachments(source, d))
            yield Record(
                source_id=str(n), kind="mms" if attachments or group else "sms", category="message", utc=utc,
                raw_time=str(raw), time_zone=zone, time_basis="offset in source", direction=direction,
                sender=ident, peers=peer_tuple, is_group=group, conversation=source.name, body=text,
                attachments=attachments,
            )

    def _attachments(self, source: Source, el: Any) -> Iterator[AttachmentRef]:
        refs: list[tuple[str, str | None]] = []
        for img in el.iter("img"):
            if img.get("src"):
                refs.append((str(img.get("src")), None))
        for a in el.iter("a"):
            if "vcard" in _classes(a) and a.get("href"):
                refs.append((str(a.get("href")), "text/vcard"))
        for au in el.iter("audio"):
            if au.get("src"):
                refs.append((str(au.get("src")), None))
        for ref, mime in refs:
            if ref.startswith(("http:", "https:", "data:", "//")):
                yield AttachmentRef(name=ref, mime=mime, included=False)
                continue
            found = None
            for ext in _IMAGE_EXTS:
                found = source.related(ref + ext)
                if found is not None:
                    break
            name = PurePosixPath(found.name if found else ref).name
            mime = mime or (mimetypes.guess_type(name)[0] if found else None)
            if found is None:  # where it was looked for, so a later import of the folder can add it
                yield AttachmentRef(name=name, mime=mime, related=ref, included=False)
            else:
                # The path as this source resolves it, not the found file's display name: inside
                # a zip that name carries the archive's ("Takeout.zip!/...") and resolves to nothing.
                yield AttachmentRef(name=name, mime=mime, related=ref + ext)

    def _call(self, source: Source, audio: Any) -> Iterator[Record | Problem]:
        kind_word = ""
        tags = _find(audio, "div", "tags")
        if tags is not None:
            for a in tags.iter("a"):
                frag = str(a.get("href") or "").rsplit("#", 1)[-1].lower()
                if frag in _CALL_TYPES:
                    kind_word = frag
                    break
        if not kind_word:
            fn = audio.find("span")
            label = _text(fn).strip().lower() if fn is not None else ""
            kind_word = next((k for k in _CALL_TYPES if label.startswith(k)), "")
        if not kind_word:
            m = _FILE_NAME.match(source.name)
            kind_word = (m.group(2) or "").lower() if m else ""
        call_type = _CALL_TYPES.get(kind_word)
        pub = _find(audio, "abbr", "published")
        raw = None if pub is None else pub.get("title")
        try:
            utc, zone = _time(raw)
        except (ValueError, IndexError):
            yield Problem("bad_date", "call 0", f"a call without a readable time ({raw!r}) was skipped")
            return
        contributor = _find(audio, "div", "contributor")
        ident, _ = _tel(None if contributor is None else _find(contributor, "a", "tel"))
        if ident is None or (ident.kind == "name" and not ident.value):
            ident = Identifier("withheld", "")
        dur = _find(audio, "abbr", "duration")
        transcript = _find(audio, "span", "full-text")
        direction: Direction = "outgoing" if call_type == 2 else ("unknown" if call_type is None else "incoming")
        yield Record(
            source_id="0", kind="voicemail" if kind_word == "voicemail" else "call", category="call", utc=utc,
            raw_time=str(raw), time_zone=zone, time_basis="offset in source", direction=direction,
            sender=None if direction == "outgoing" else ident, peers=(ident,), conversation=source.name,
            body=_text(transcript) if transcript is not None else None,
            duration_s=_seconds(None if dur is None else dur.get("title")), call_type=call_type,
            attachments=tuple(self._attachments(source, audio)),
            extra=(("label", kind_word),) if kind_word else (),
        )


IMPORTERS = (GoogleVoiceHtml(),)
