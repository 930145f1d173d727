"""Telegram Desktop "Export Telegram data" in machine-readable JSON (``result.json``).

Exporting app: Telegram Desktop (Settings > Advanced > Export Telegram data, format
"Machine-readable JSON"; or a single chat's menu > Export chat history). Versions seen: 2.x to
5.x layouts; ``date_unixtime`` appears from 2022 (3.x/4.x) on. Field reference: the exporter's
source, ``Telegram/SourceFiles/export/output/export_output_json.cpp`` in telegramdesktop/tdesktop.

Two layouts:

* full export ``{"personal_information": {"user_id": N}, "chats": {"list": [chat...]},
  "left_chats": {"list": [...]}}``: the person's own id is ``personal_information.user_id``;
* single-chat export: the chat object itself ``{"name", "type", "id", "messages": [...]}``. It
  does not say who exported it, so the person's Telegram id comes from the case
  (``user.telegram_ids``). Without it, a personal chat is still read: Telegram gives a personal
  chat the other person's user id, so ``from_id`` ``user<chat id>`` is them and every other
  sender is the person (each event says so in ``extra.direction_basis``); a single group chat
  cannot be told apart that way, and a ``SourceError`` asks for the id.

Why things are done as they are:

* Streaming: personal exports reach hundreds of MB, so the file is read with ijson parse events
  (``_json_stream``) and one message is built at a time. Chat metadata (``id``, ``type``,
  ``name``) precedes ``messages`` in everything the exporter writes; should it not, the chat's
  messages are held until it closes.
* ``\\xNN`` escapes (invalid JSON written by some exporter versions for control characters) are
  repaired to ``\\u00NN`` on the byte stream before parsing, outside already valid escapes.
* ``text`` is a string or an array of strings and entity objects (bold, link, mention ...):
  concatenated exactly, no separator, nothing stripped. ``text_entities`` repeats the same text
  and is not used.
* Time: ``date_unixtime`` (UTC epoch seconds as a string) is authoritative; ``date`` is the
  exporting computer's local wall clock without offset and is used only when ``date_unixtime``
  is absent (older exports), read in the case's ``source_timezone`` (first occurrence of a
  repeated autumn hour, as ``zoneinfo`` does with fold=0).
* Service messages: ``phone_call`` is a call record (kind ``telegram_call``, ``discard_reason``
  and ``duration_seconds`` kept); every other action (create_group, pin_message, ...) is a
  ``system`` event. Direction compares ``from_id``/``actor_id`` with the person's id.
* ``source_id`` is ``<chat id>:<message id>``. The sender is ``Identifier("telegram",
  from_id)``; in a personal chat the peer is the other party, ``user<chat id>``; group and
  channel chats are ``is_group`` with no peers listed (their members are not in the export).
* Media that was not downloaded is written "(File not included. ...)": a placeholder
  attachment (``included=False``); a downloaded file is a path relative to ``result.json``.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from nocontact.importers._json_stream import END, events, resolve_related, walk
from nocontact.importers._local_time import REPEATED_KEY, read_local
from nocontact.importers.base import ImportContext, Match, SourceError, is_empty
from nocontact.model import AttachmentRef, Identifier, Problem, Record
from nocontact.sources import Source

__all__ = ["IMPORTERS", "TelegramDesktopJson", "concat_text"]

NAME = "telegram_desktop_json"
WHAT = "Telegram export"

_PERSONAL_TYPES = frozenset({"personal_chat", "bot_chat"})
#: How direction was told in a single personal chat read without the person's id.
BY_PEER = "the chat's id is the other person's (a personal chat); every other sender is you"
_NOT_GROUP_TYPES = frozenset({"personal_chat", "bot_chat", "saved_messages"})
_CHAT_TYPE_RE = re.compile(
    rb'"type"\s*:\s*"(personal_chat|bot_chat|saved_messages|private_group|private_supergroup|'
    rb'public_supergroup|private_channel|public_channel)"')
_NOT_TELEGRAM = ("This file is JSON but not a Telegram Desktop export (no chats or messages were found). "
                 "Choose the result.json that Telegram Desktop wrote.")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MEDIA_FIELDS = ("photo", "file", "thumbnail")
_EXTRA_SET = frozenset(("from", "actor", "edited", "edited_unixtime", "reply_to_message_id", "forwarded_from",
                 "saved_from", "via_bot", "media_type", "mime_type", "sticker_emoji", "action",
                 "discard_reason", "title", "author"))


def concat_text(text: Any) -> str | None:
    """The message text: a string as is, or an array of strings and ``{type, text}`` entities
    joined with no separator. None when the value is neither (the caller reports a problem)."""
    if isinstance(text, str):
        return text
    if not isinstance(text, list):
        return None
    parts: list[str] = []
    for part in text:
        if isinstance(part, str):
            parts.append(part)
        elif isinstance(part, dict) and isinstance(part.get("text"), str):
            parts.append(part["text"])
        else:
            return None
    return "".join(parts)


class _Chat:
    __slots__ = ("id", "type", "name", "pending")

    def __init__(self) -> None:
        self.id: str | None = None
        self.type: str | None = None
        self.name: str | None = None
        self.pending: list[tuple[int, dict[str, Any]]] = []


class TelegramDesktopJson:
    """Telegram Desktop ``result.json``, full or single-chat export."""

    name = NAME

    def sniff(self, source: Source, head: bytes) -> Match | None:
        h = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not h.startswith(b"{"):
            return None
        if b'"personal_information"' in h and b'"user_id"' in h:
            return Match(NAME, 90, "Telegram export with personal_information")
        if b'"sender_name"' in h or b'"participants"' in h:
            return None
        if b'"chats"' in h and b'"list"' in h and (b'"date_unixtime"' in h or b'"from_id"' in h):
            return Match(NAME, 85, "Telegram export with chats.list")
        if _CHAT_TYPE_RE.search(h) and b'"messages"' in h:
            return Match(NAME, 80, "Telegram single-chat export")
        return None

    def read(self, source: Source, ctx: ImportContext) -> Iterator[Record | Problem]:
        if is_empty(source):
            raise SourceError("This Telegram export is empty (0 bytes). Export it again from "
                              "Telegram Desktop and import the new result.json.", "byte 0")
        with source.open() as f:
            yield from _Reader(source, ctx, f).run()


class _Reader:
    def __init__(self, source: Source, ctx: ImportContext, f: Any) -> None:
        self.source = source
        self.ctx = ctx
        self.f = f
        self.user_ids: frozenset[str] | None = None
        #: a single-chat export read without the person's id: in a personal chat the chat's id is
        #: the other person's, so every other sender is the person
        self.by_peer = False
        self.full = False
        self.chat = _Chat()
        self.held: list[tuple[_Chat, int, dict[str, Any]]] = []
        self.seen_any = False
        self.single_index = 0
        self.index = 0
        self.dir = posixpath.dirname(source.display) if "!/" not in source.display else ""
        #: for a local time without a zone that happened twice (the clocks went back): the chat
        #: whose messages are being read, the instant of its previous such message, and which of
        #: the two instants this message was read as
        self.local_chat: _Chat | None = None
        self.last_local: datetime | None = None
        self.repeated: str | None = None

    def _case_ids(self) -> frozenset[str]:
        """The person's ids from the case; empty when the case has none, and then a single
        personal chat is read by its peer (``_convert``) and any other single chat is refused."""
        ids = frozenset(t if t.startswith("user") else f"user{t}" for t in self.ctx.case.user.telegram_ids)
        self.by_peer = not ids
        return ids

    def _no_id(self) -> SourceError:
        return SourceError(
            "This is a Telegram export of a single group chat, which does not say which side is you. "
            "Tell nocontact your Telegram id and import again: it is the from_id next to your own "
            "messages in result.json, such as \"user123456789\" (a full export of all your Telegram "
            "data says it too). Add it with: nocontact me --telegram-id user123456789 (or in the case "
            "file, user.telegram_ids).")

    def run(self) -> Iterator[Record | Problem]:
        reader, evs = events(self.f, WHAT)

        def want(p: tuple[str, ...]) -> bool:
            n = len(p)
            if n == 2:
                return p == ("messages", "item") or p == ("personal_information", "user_id")
            if n == 1:
                return p[0] in ("id", "type", "name")
            if n == 4:
                return p[0] in ("chats", "left_chats") and p[1] == "list" and p[3] in ("id", "type", "name")
            if n == 5:
                return p[0] in ("chats", "left_chats") and p[1] == "list" and p[3] == "messages"
            return False

        ends = (("chats", "list", "item"), ("left_chats", "list", "item"))
        for path, value in walk(evs, want, ends, WHAT, reader):
            n = len(path)
            if value is END:
                yield from self._close_chat()
                continue
            if n == 2 and path[0] == "personal_information":
                if isinstance(value, int | str) and str(value).isdigit():
                    self.user_ids = frozenset({f"user{value}"})
                self.full = True
                continue
            if n == 1 or n == 4:
                if n == 4:
                    self.full = True
                attr = path[-1]
                if attr == "id" and isinstance(value, int | str):
                    self.chat.id = str(value)
                elif attr == "type" and isinstance(value, str):
                    self.chat.type = value
                elif attr == "name" and isinstance(value, str):
                    self.chat.name = value
                continue
            # A message.
            self.seen_any = True
            if n == 2:
                idx = self.single_index
                self.single_index += 1
                if self.user_ids is None and not self.full:
                    self.user_ids = self._case_ids()
            else:
                self.full = True
                idx = self.index
                self.index += 1
            if not isinstance(value, dict):
                yield Problem("not_a_message", f"chat {self.chat.id or '?'}, message #{idx}",
                              "an entry of messages[] is not an object")
                continue
            if self.user_ids is None or self.chat.id is None or self.chat.type is None:
                self.chat.pending.append((idx, value))
                continue
            yield self._convert(self.chat, value, idx)
        # End of document.
        if not self.full and self.single_index and (self.chat.id is None or self.chat.type is None):
            raise SourceError(_NOT_TELEGRAM)
        if self.chat.pending:
            yield from self._close_chat()
        if self.held:
            if self.user_ids is None:
                self.user_ids = self._case_ids()
            for chat, idx, msg in self.held:
                yield self._convert(chat, msg, idx)
            self.held.clear()
        if not self.seen_any and not self.full and self.chat.type is None:
            raise SourceError(_NOT_TELEGRAM)

    def _close_chat(self) -> Iterator[Record | Problem]:
        chat, self.chat = self.chat, _Chat()
        self.index = 0
        for idx, msg in chat.pending:
            if self.user_ids is None:
                self.held.append((chat, idx, msg))
            else:
                yield self._convert(chat, msg, idx)
        chat.pending = []

    # -- one message -------------------------------------------------------------------------

    def _time(self, msg: dict[str, Any], pos: str) -> tuple[datetime, str, str, str] | Problem:
        """The message's time, or a Problem when it has none or names a moment outside years 1-9999.

        ``date_unixtime`` up to 12 digits and ``date`` at the calendar's edges (0001-01-01 east
        of UTC, 9999-12-31 west of it) overflow Python's datetime; that is a counted problem.
        """
        try:
            return self._time_or_overflow(msg, pos)
        except OverflowError:
            return Problem("bad_time", pos, "the message date is outside the calendar (years 1 to 9999)")

    def _time_or_overflow(self, msg: dict[str, Any], pos: str) -> tuple[datetime, str, str, str] | Problem:
        du = msg.get("date_unixtime")
        if isinstance(du, int) and not isinstance(du, bool):
            du = str(du)
        if isinstance(du, str) and du.isascii() and du.isdigit() and len(du) <= 12:
            return _EPOCH + timedelta(seconds=int(du)), du, "UTC", "epoch seconds"
        d = msg.get("date")
        if not isinstance(d, str):
            return Problem("no_time", pos, "the message has no readable date")
        try:
            local = datetime.fromisoformat(d)
        except ValueError:
            return Problem("bad_time", pos, "the message date is not a date")
        if local.tzinfo is not None:
            return local.astimezone(UTC), d, str(local.tzinfo), "offset in source"
        zone = self.ctx.source_timezone
        if zone is None:
            raise SourceError(
                "This Telegram export is from an older Telegram Desktop that wrote times in the "
                "computer's local time without saying which zone. Say which zone that computer used (in "
                "the app: Documentation, Who is who; or nocontact me --timezone America/Los_Angeles) and "
                "import again.", pos)
        utc, self.repeated = read_local(local.replace(tzinfo=zone), self.last_local)
        self.last_local = utc
        return utc, d, zone.key, self.ctx.timezone_basis

    def _convert(self, chat: _Chat, msg: dict[str, Any], idx: int) -> Record | Problem:
        chat_id = chat.id or "?"
        mid = msg.get("id")
        if isinstance(mid, bool) or not isinstance(mid, int | str) or str(mid) == "":
            return Problem("no_id", f"chat {chat_id}, message #{idx}", "the message has no id")
        source_id = f"{chat_id}:{mid}"
        pos = f"message {source_id}"
        if chat is not self.local_chat:  # a chat's own order decides a repeated wall time
            self.local_chat, self.last_local = chat, None
        self.repeated = None
        t = self._time(msg, pos)
        if isinstance(t, Problem):
            return t
        utc, raw_time, zone, basis = t
        text = concat_text(msg.get("text", ""))
        if text is None:
            return Problem("bad_text", pos, "the message text is neither text nor a list of text parts")
        mtype = msg.get("type")
        action = msg.get("action")
        who = msg.get("from_id")
        if who is None:
            who = msg.get("actor_id")
        sender = None
        if isinstance(who, int) and not isinstance(who, bool):
            who = f"user{who}"
        if isinstance(who, str) and who:
            sender = Identifier("telegram", who)
        assert self.user_ids is not None
        ctype = chat.type or ""
        sender_id = None if sender is None else (sender.value if sender.value.startswith("user")
                                                 else f"user{sender.value}")
        if self.by_peer:
            if ctype not in _PERSONAL_TYPES or chat.id is None:
                raise self._no_id()
            outgoing = sender_id is not None and sender_id != f"user{chat.id}"
        else:
            outgoing = sender_id is not None and sender_id in self.user_ids
        peers: tuple[Identifier, ...] = ()
        if ctype in _PERSONAL_TYPES and chat.id is not None:
            peers = (Identifier("telegram", f"user{chat.id}"),)
        is_group = ctype not in _NOT_GROUP_TYPES
        extra: list[tuple[str, str]] = [("chat_type", ctype)] if ctype else []
        if self.by_peer:
            extra.append(("direction_basis", BY_PEER))
        if self.repeated is not None:
            extra.append((REPEATED_KEY, self.repeated))
        for k, v in msg.items():
            if k in _EXTRA_SET and isinstance(v, str | int) and not isinstance(v, bool):
                extra.append((k, str(v)))
        duration: int | None = None
        if mtype == "service" and action == "phone_call":
            kind, category = "telegram_call", "call"
            dur = msg.get("duration_seconds")
            if isinstance(dur, int) and not isinstance(dur, bool):
                duration = dur
        elif mtype == "service":
            kind, category = "telegram_service", "system"
        elif mtype == "message" or mtype is None:
            kind, category = "telegram_message", "message"
            dur = msg.get("duration_seconds")
            if isinstance(dur, int) and not isinstance(dur, bool):
                duration = dur
        else:
            return Problem("unknown_type", pos, f"unknown message type {str(mtype)[:40]!r}")
        return Record(
            source_id=source_id,
            kind=kind,
            category=category,  # type: ignore[arg-type]
            utc=utc,
            raw_time=raw_time,
            time_zone=zone,
            time_basis=basis,
            direction="outgoing" if outgoing else "incoming",
            sender=sender,
            peers=peers,
            is_group=is_group,
            conversation=chat.name if chat.name is not None else f"telegram chat {chat_id}",
            body=text or None,
            duration_s=duration,
            attachments=self._attachments(msg),
            extra=tuple(extra),
        )

    def _attachments(self, msg: dict[str, Any]) -> tuple[AttachmentRef, ...]:
        out: list[AttachmentRef] = []
        for field in _MEDIA_FIELDS:
            v = msg.get(field)
            if not isinstance(v, str) or not v:
                continue
            mime = msg.get("mime_type") if field == "file" else ("image/jpeg" if field == "photo" else None)
            mime = mime if isinstance(mime, str) else None
            if v.startswith("(") and v.endswith(")"):
                fname = msg.get("file_name")
                name = fname if field == "file" and isinstance(fname, str) else field
                out.append(AttachmentRef(name=name, mime=mime, included=False))
                continue
            cands = [posixpath.join(self.dir, v)] if self.dir else []
            found = resolve_related(self.source, v, cands)
            out.append(AttachmentRef(name=posixpath.basename(v) or field, mime=mime,
                                     related=found or v, included=found is not None))
        return tuple(out)


IMPORTERS = (TelegramDesktopJson(),)
