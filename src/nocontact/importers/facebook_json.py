"""Facebook Messenger and Instagram direct messages from Meta's "Download your information" (JSON).

Exporting app: accountscenter.facebook.com / instagram.com "Download your information", format
JSON. Layouts seen:

* classic (2018 on): ``messages/inbox/<thread>/message_1.json, message_2.json ...`` (at most about
  10,000 messages per file; since 2024 under ``your_facebook_activity/messages/`` or
  ``your_activity_across_facebook/messages/``), Instagram under
  ``your_instagram_activity/messages/inbox/`` (older Instagram exports: ``messages/inbox/`` in an
  ``instagram-<user>-<date>`` folder). Object ``{participants: [{name}], messages: [{sender_name,
  timestamp_ms, content, type, call_duration, photos: [{uri, creation_timestamp}], reactions,
  is_unsent, share}], title, thread_path, ...}``, messages newest first.
* camelCase (Messenger end-to-end encrypted chats, 2024 on, "Download secure storage data";
  marked [U] in FORMATS.md terms: from public reports, not verified against Meta's code):
  ``{participants: ["name", ...], threadName, messages: [{senderName, timestamp (ms), text, type,
  media: [{uri}], reactions: [{actor, reaction}], isUnsent}]}``. Both are read by one importer.

There is no official field reference; public parsers (chat-miner, Chatistics, msgvault) and
exports seen in issue trackers are the sources.

Why things are done as they are:

* Mojibake: the classic layout escapes each UTF-8 byte of non-ASCII text as its own ``\\u00XX``
  (``José`` is ``Jos\\u00c3\\u00a9``). EVERY string is repaired with
  ``s.encode("latin-1").decode("utf-8")``; when that raises (already correct text, e.g. the
  camelCase layout or emoji), the original is kept.
* ``source_id`` is ``<display path of the file>#<0-based index in messages[]>``: the position in
  the file, whatever order it is in. Records are yielded in file order (newest first); the vault
  orders by time.
* Identity is by display name only: ``sender = Identifier("name", sender_name)``; the peers are
  the participants that are not the person (``ctx.case.user.display_names()``); direction is
  outgoing when the sender is one of the person's names, so those names are required. In a thread
  of two where neither participant is one of them and exactly one is the ex's (by the case), the
  other participant is the person (``extra.direction_basis``, :data:`BY_PEER`).
  ``is_group`` when the thread has more than two participants (or thread_type RegularGroup).
* Calls: ``type == "Call"`` or ``call_duration`` present is a call (``messenger_call`` /
  ``instagram_call``); duration 0 is a missed call (``call_status=missed`` in extra, like the
  file's own "missed" flag). ``Subscribe``/``Unsubscribe`` (people added to / leaving a group)
  are ``system`` events.
* Unsent messages stay records, marked ``unsent=true`` in extra. Reactions have no time of their
  own in these files, so they are kept in extra (JSON) rather than as separate events.
* Photos, videos, audio, files, GIFs and stickers are ``AttachmentRef(related=...)``: the ``uri``
  is relative to the export's root, so the root-relative spelling under the import folder is
  derived from this file's display path and checked with ``source.related()``; a file that is not
  there is kept as a placeholder (``included=False``).
* Messenger or Instagram: both layouts are the same JSON, so content decides that the file is a
  Meta message thread and the path decides the app: a path with a ``your_instagram_activity``
  folder, or a folder whose name starts with ``instagram``, is Instagram; anything else is
  Messenger. A photo ``uri`` that starts with ``your_instagram_activity/`` also means Instagram.
* Streaming: ijson events; ``participants`` precede ``messages`` in every export seen; should they
  not, the messages are held until the end of the file.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from nocontact.identity import name_key
from nocontact.importers._json_stream import events, resolve_related, walk
from nocontact.importers.base import ImportContext, Match, SourceError, is_empty
from nocontact.model import AttachmentRef, Identifier, Problem, Record
from nocontact.sources import Source

__all__ = ["BY_PEER", "IMPORTERS", "FacebookMessengerJson", "InstagramJson", "is_instagram_path", "unmojibake"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MEDIA = (("photos", "image/jpeg"), ("videos", "video/mp4"), ("audio_files", None), ("gifs", "image/gif"),
          ("files", None), ("media", None))
_SYSTEM_TYPES = frozenset({"Subscribe", "Unsubscribe"})


def unmojibake(s: str) -> str:
    """Facebook's per-byte ``\\u00XX`` mojibake undone; already correct text returned unchanged."""
    if s.isascii():
        return s
    try:
        return s.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return s


def _fix(v: Any) -> Any:
    """Mojibake repair on every string of a parsed value (iteratively: values can be deep)."""
    if isinstance(v, str):
        return unmojibake(v)
    if not isinstance(v, dict | list):
        return v
    root: list[Any] = [v]
    stack: list[Any] = [v]
    while stack:
        c = stack.pop()
        items = c.items() if isinstance(c, dict) else enumerate(c)
        for k, x in list(items):
            if isinstance(x, str):
                c[k] = unmojibake(x)
            elif isinstance(x, dict | list):
                stack.append(x)
        if isinstance(c, dict):
            for k in [k for k in c if isinstance(k, str) and not k.isascii()]:
                c[unmojibake(k)] = c.pop(k)
    return root[0]


def is_instagram_path(display: str) -> bool:
    """Whether a thread file's display path says it came from an Instagram export."""
    inner = display.split("!/")[-1] if "!/" in display else display
    for part in inner.replace("\\", "/").split("/")[:-1]:
        low = part.lower()
        if low == "your_instagram_activity" or low.startswith("instagram"):
            return True
    if "!/" in display:
        archive = posixpath.basename(display.split("!/")[0]).lower()
        if archive.startswith("instagram"):
            return True
    return False


def _sniff_thread(head: bytes) -> int:
    """Confidence that ``head`` starts a Meta message thread JSON (0 when it does not)."""
    h = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not h.startswith(b"{") or b'"participants"' not in h:
        return 0
    if b'"sender_name"' in h and b'"timestamp_ms"' in h:
        return 90
    if b'"senderName"' in h and b'"timestamp"' in h:
        return 85
    if len(head) >= 8192 and (b'"name"' in h or h.count(b'"') > 8):
        return 40  # a participants list longer than the head
    return 0


class _MetaThread:
    name: str
    app: str  # "messenger" | "instagram"
    what: str

    def _mine(self, source: Source) -> bool:
        return is_instagram_path(source.display) == (self.app == "instagram")

    def sniff(self, source: Source, head: bytes) -> Match | None:
        conf = _sniff_thread(head)
        if not conf:
            return None
        insta = is_instagram_path(source.display) or b'"uri": "your_instagram_activity/' in head \
            or b'"uri":"your_instagram_activity/' in head
        if insta != (self.app == "instagram"):
            return None
        return Match(self.name, conf, f"{self.what} thread (participants + messages)")

    def read(self, source: Source, ctx: ImportContext) -> Iterator[Record | Problem]:
        names = ctx.case.user.display_names()
        if not names:
            app, option = (("Instagram", "instagram") if self.app == "instagram" else ("Messenger", "facebook"))
            raise SourceError(
                f"{self.what} exports name people only by their display name, so nocontact needs "
                f"yours to tell your messages from theirs. Add your name as it appears in {app} "
                f"(in the app: Documentation, Who is who; or nocontact me --{option}-name \"Your Name\"; "
                f"or user.{option}_names in the case file) and import again.")
        if is_empty(source):
            raise SourceError(f"This {self.what} file is empty (0 bytes). Download your "
                              f"information again and import the new file.", "byte 0")
        with source.open() as f:
            yield from _ThreadReader(self, source, ctx, frozenset(names), f).run()


#: How direction was told in a thread of two whose participants include none of the person's names.
BY_PEER = ("a conversation of two, and the case names neither participant as you: one is the ex (by the "
           "case), so the other is you")


class FacebookMessengerJson(_MetaThread):
    """Facebook Messenger thread file ``message_N.json``."""

    name = "facebook_messenger_json"
    app = "messenger"
    what = "Messenger"


class InstagramJson(_MetaThread):
    """Instagram direct messages thread file ``message_N.json``."""

    name = "instagram_json"
    app = "instagram"
    what = "Instagram"


class _ThreadReader:
    def __init__(self, imp: _MetaThread, source: Source, ctx: ImportContext, me: frozenset[str],
                 f: Any) -> None:
        self.imp = imp
        self.source = source
        self.ctx = ctx
        self.me = me
        self.f = f
        self.participants: list[str] = []
        self.participants_done = False
        #: the person's own name here was found by the other participant being the ex (``_settle_me``)
        self.by_peer = False
        self.settled = False
        self.thread_type: str | None = None
        self.title: str | None = None
        self.held: list[tuple[int, Any]] = []
        self.kind_msg = f"{imp.app}_message"
        self.kind_call = f"{imp.app}_call"
        disp = source.display.split("!/")[-1]
        self.conversation = posixpath.basename(posixpath.dirname(disp)) or disp

    def run(self) -> Iterator[Record | Problem]:
        what = f"{self.imp.what} file"
        reader, evs = events(self.f, what)

        def want(p: tuple[str, ...]) -> bool:
            if len(p) == 2:
                return p[1] == "item" and p[0] in ("participants", "messages")
            if len(p) == 1:
                return p[0] in ("title", "threadName", "thread_type")
            return False

        index = 0
        seen_messages = False
        for path, value in walk(evs, want, (("participants",),), what, reader):
            if path == ("participants",):  # END of the participants array
                self.participants_done = True
                yield from self._flush()
                continue
            top = path[0]
            if top == "participants":
                nm = value.get("name") if isinstance(value, dict) else value
                if isinstance(nm, str):
                    self.participants.append(unmojibake(nm))
                continue
            if top in ("title", "threadName"):
                if isinstance(value, str):
                    self.title = unmojibake(value)
                continue
            if top == "thread_type":
                if isinstance(value, str):
                    self.thread_type = value
                continue
            seen_messages = True
            idx = index
            index += 1
            if not self.participants_done:
                self.held.append((idx, value))
                continue
            yield self._convert(idx, value)
        self.participants_done = True
        yield from self._flush()
        if not seen_messages and not self.participants:
            raise SourceError(f"This file is JSON but not a {self.imp.what} conversation (it has no "
                              f"participants or messages). Choose a message_1.json from the "
                              f"messages/inbox folder of the export.")

    def _settle_me(self) -> None:
        """Take the person's name in this thread from the ex's, when the case does not hold it.

        A thread of two participants holds the person and one other. When neither participant
        is one of the person's names (Messenger shows "Robin H. Hale", the case says "Robin
        Hale") and exactly one is one of the ex's, the other is the person; without this, their
        own messages were read as a third person's and left out.
        """
        if self.settled:
            return
        self.settled = True
        parts = self.participants
        if len(parts) != 2 or self.thread_type == "RegularGroup" or any(p in self.me for p in parts):
            return
        ex = {name_key(n) for n in self.ctx.case.ex.display_names()}
        theirs = [p for p in parts if name_key(p) in ex]
        if len(theirs) == 1:
            self.me = self.me | {next(p for p in parts if p != theirs[0])}
            self.by_peer = True

    def _flush(self) -> Iterator[Record | Problem]:
        self._settle_me()
        held, self.held = self.held, []
        for idx, value in held:
            yield self._convert(idx, value)

    def _prefix(self, uri: str) -> str | None:
        """The folder of the export root within the import root, from this file's display path."""
        disp = self.source.display
        if "!/" in disp:
            return None
        d = posixpath.dirname(disp)
        parts = uri.split("/")
        # The uri names the thread folder (".../inbox/<thread>/photos/x.jpg"); find where the
        # export root ends by matching the uri's leading folders against the display path.
        for n in range(len(parts) - 1, 0, -1):
            lead = "/".join(parts[:n])
            if d == lead:
                return ""
            if d.endswith("/" + lead):
                return d[: -len(lead) - 1]
        return None

    def _convert(self, idx: int, raw: Any) -> Record | Problem:
        sid = f"{self.source.display}#{idx}"
        if not isinstance(raw, dict):
            return Problem("not_a_message", sid, "an entry of messages[] is not an object")
        msg: dict[str, Any] = _fix(raw)
        sender_name = msg.get("sender_name", msg.get("senderName"))
        ts = msg.get("timestamp_ms")
        basis = "epoch milliseconds"
        if ts is None:
            ts = msg.get("timestamp")
            if isinstance(ts, int) and not isinstance(ts, bool) and 0 <= ts < 100_000_000_000:
                basis = "epoch seconds"
        if isinstance(ts, float) and ts.is_integer():
            ts = int(ts)
        if not isinstance(ts, int) or isinstance(ts, bool) or not (0 <= ts < 10**15):
            return Problem("no_time", sid, "the message has no readable timestamp")
        try:
            utc = _EPOCH + (timedelta(seconds=ts) if basis == "epoch seconds" else timedelta(milliseconds=ts))
        except OverflowError:
            return Problem("bad_time", sid, "the message timestamp is out of range")
        sender = Identifier("name", sender_name) if isinstance(sender_name, str) else None
        outgoing = isinstance(sender_name, str) and sender_name in self.me
        others = [p for p in self.participants if p not in self.me]
        if not any(p in self.me for p in self.participants):
            others = [p for p in self.participants if p != sender_name]
        peers = tuple(Identifier("name", p) for p in others)
        is_group = len(self.participants) > 2 or self.thread_type == "RegularGroup"
        mtype = msg.get("type")
        content = msg.get("content", msg.get("text"))
        body = content if isinstance(content, str) and content != "" else None
        extra: list[tuple[str, str]] = [("direction_basis", BY_PEER)] if self.by_peer else []
        if isinstance(mtype, str):
            extra.append(("type", mtype))
        unsent = msg.get("is_unsent", msg.get("isUnsent"))
        if unsent is True:
            extra.append(("unsent", "true"))
        share = msg.get("share")
        if isinstance(share, dict):
            for k in ("link", "share_text"):
                if isinstance(share.get(k), str):
                    extra.append((f"share_{k}", share[k]))
        reactions = msg.get("reactions")
        if isinstance(reactions, list) and reactions:
            extra.append(("reactions", json.dumps(reactions, ensure_ascii=False, sort_keys=True)))
        duration: int | None = None
        cd = msg.get("call_duration")
        if isinstance(mtype, str) and mtype in _SYSTEM_TYPES:
            kind, category = f"{self.imp.app}_event", "system"
        elif mtype == "Call" or mtype == "call" or "call_duration" in msg:
            kind, category = self.kind_call, "call"
            if isinstance(cd, int) and not isinstance(cd, bool):
                duration = cd
            if duration == 0 or msg.get("missed") is True:
                extra.append(("call_status", "missed"))
        else:
            kind, category = self.kind_msg, "message"
        return Record(
            source_id=sid,
            kind=kind,
            category=category,  # type: ignore[arg-type]
            utc=utc,
            raw_time=str(ts),
            time_zone="UTC",
            time_basis=basis,
            direction="outgoing" if outgoing else "incoming",
            sender=sender,
            peers=peers,
            is_group=is_group,
            conversation=self.conversation,
            body=body,
            duration_s=duration,
            attachments=self._attachments(msg),
            extra=tuple(extra),
        )

    def _attachments(self, msg: dict[str, Any]) -> tuple[AttachmentRef, ...]:
        out: list[AttachmentRef] = []
        items: list[tuple[dict[str, Any], str | None]] = []
        for field, mime in _MEDIA:
            v = msg.get(field)
            if isinstance(v, list):
                items.extend((x, mime) for x in v if isinstance(x, dict))
        sticker = msg.get("sticker")
        if isinstance(sticker, dict):
            items.append((sticker, "image/png"))
        for item, mime in items:
            uri = item.get("uri")
            if not isinstance(uri, str) or not uri:
                continue
            if uri.startswith(("http://", "https://")):
                out.append(AttachmentRef(name=posixpath.basename(uri.split("?")[0]) or "link", mime=mime,
                                         related=None, included=False))
                continue
            prefix = self._prefix(uri)
            cands = [posixpath.join(prefix, uri)] if prefix else []
            found = resolve_related(self.source, uri, cands)
            out.append(AttachmentRef(name=posixpath.basename(uri), mime=mime, related=found or uri,
                                     included=found is not None))
        return tuple(out)


IMPORTERS = (FacebookMessengerJson(), InstagramJson())
