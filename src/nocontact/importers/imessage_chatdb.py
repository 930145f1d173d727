"""Apple Messages database: macOS ``~/Library/Messages/chat.db`` and an iPhone backup's ``sms.db``.

Exporting app: macOS Messages (10.13 High Sierra to 15 Sequoia seen) and iOS Messages (the same
SQLite schema inside an iTunes/Finder backup as ``3d/3d0d7e5fb2ce288813306e4d4636395e047a3d28``
or ``Library/SMS/sms.db``). There is no official field reference; the best public one is
imessage-exporter's documentation (https://github.com/ReagentX/imessage-exporter, ``docs/``)
and the notes in FORMATS.md section 3.

How the tricky parts are done, and why:

* Opening. A file on disk is opened through a ``file:...?mode=ro&immutable=1`` URI, so SQLite
  never writes, never creates ``-wal``/``-shm`` files and never takes locks on evidence. A
  ``chat.db-wal`` beside it (Messages was running when it was copied) is not replayed with
  ``immutable``; the importer says so with a Problem rather than quietly missing messages. A
  database inside an archive has no path: its bytes are read (up to ``MAX_IN_MEMORY_BYTES``)
  and loaded with ``Connection.deserialize``; a WAL-mode header is switched to rollback mode in
  that private copy only, because SQLite cannot open a deserialized WAL database. Recognising
  it reads only its first MiB when Messages' table names are there, so it is loaded once.
* Hostile files. ``PRAGMA trusted_schema=OFF`` and ``query_only=ON``; only SELECTs on the
  named tables, after checking in ``sqlite_master`` that each is a real table (a view named
  ``message`` is refused). Triggers never fire, as nothing is written.
* Dates are seconds since 2001-01-01 UTC before High Sierra/iOS 11 and nanoseconds since; old
  databases migrated forward hold both, so the unit is decided per value by magnitude. 0 or
  NULL means unset: that row becomes a Problem (a record without a time is no evidence).
* Bodies: ``text`` when present, else the ``attributedBody`` typedstream decoded by structure
  (``nocontact.importers.typedstream``). When the structure cannot be read, a byte-search
  fallback is tried and a Problem says so.
* Tapbacks (``associated_message_type`` 2000-2007 added, 3000-3007 removed) are kind
  ``imessage_reaction``, category ``reaction``; rows with ``item_type`` != 0 (renames, members
  joining/leaving) are category ``system``. Neither counts as a record.
* Participants: the chat's handles from ``chat_handle_join``; more than one handle (or chat
  style 43) is a group. Sam's own messages carry the 1:1 partner's ``handle_id`` (0 in groups);
  for an outgoing 1:1 message the single other handle is the peer.
* ``source_id`` is ``message.ROWID``; ``natural_key`` is ``message.guid`` (globally unique).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath

from nocontact.importers.base import ImportContext, Match, SourceError
from nocontact.importers.typedstream import TypedStreamError, decode_attributed_body, heuristic_text
from nocontact.model import AttachmentRef, Category, Direction, Identifier, Problem, Record
from nocontact.sources import Source

__all__ = ["IMPORTERS", "ChatDbImporter", "apple_time"]

SQLITE_MAGIC = b"SQLite format 3\x00"
#: Largest database read into memory when it sits inside an archive (it cannot be opened in place).
MAX_IN_MEMORY_BYTES = 2 * 1024**3
#: How much of a database inside an archive is searched for Messages' table names.
SCHEMA_SNIFF_BYTES = 1 << 20
APPLE_EPOCH = datetime(2001, 1, 1, tzinfo=UTC)
#: Values above this are nanoseconds (1e11 s after 2001 is the year 5170).
_NANOSECOND_THRESHOLD = 100_000_000_000

_REQUIRED_TABLES = ("message", "handle")
_OPTIONAL_TABLES = ("chat", "chat_message_join", "chat_handle_join", "attachment", "message_attachment_join")
_MESSAGE_COLUMNS = ("guid", "text", "attributedBody", "handle_id", "date", "is_from_me", "item_type",
                    "associated_message_type", "associated_message_guid", "cache_has_attachments",
                    "service", "subject", "group_title", "error", "other_handle")

_REACTIONS = {0: "loved", 1: "liked", 2: "disliked", 3: "laughed", 4: "emphasized", 5: "questioned",
              6: "emoji", 7: "sticker"}
OBJECT_REPLACEMENT = "\ufffc"


def apple_time(value: int) -> tuple[datetime, str]:
    """UTC time of an Apple epoch value and the unit it was read in (decided by magnitude)."""
    if abs(value) >= _NANOSECOND_THRESHOLD:
        seconds, nanos = divmod(value, 1_000_000_000)
        return (APPLE_EPOCH + timedelta(seconds=seconds, microseconds=nanos // 1000),
                "Apple epoch nanoseconds (since 2001-01-01 UTC)")
    return APPLE_EPOCH + timedelta(seconds=value), "Apple epoch seconds (since 2001-01-01 UTC)"


@dataclass(frozen=True)
class _Chat:
    identifier: str | None
    name: str | None
    style: int | None
    handles: tuple[int, ...]


class ChatDbImporter:
    """Reads Messages' ``chat.db`` / an iPhone backup's ``sms.db``."""

    name = "imessage_chat_db"

    def sniff(self, source: Source, head: bytes) -> Match | None:
        if not head.startswith(SQLITE_MAGIC):
            return None
        # Inside an archive the schema rarely fits in the head: the database is opened the way
        # ``read`` opens it (a private copy in memory, up to the limit), so a zipped Messages folder
        # is recognised as what it is rather than listed as unreadable.
        path = source.local_path()
        if path is None:
            # The schema usually sits in the first pages: finding Messages' tables named there
            # spares loading a database of gigabytes a first time only to recognise it (``read``
            # checks the tables themselves and says plainly if they are not there).
            with source.open() as f:
                first = f.read(SCHEMA_SNIFF_BYTES)
            if b"chat_message_join" in first and b"CREATE TABLE message" in first:
                return Match(self.name, 80, "SQLite database naming Messages' tables")
            if source.size > MAX_IN_MEMORY_BYTES:
                return None
        try:
            con = _connect_file(path) if path is not None else _open(source)
        except (SourceError, sqlite3.Error, UnicodeDecodeError, OSError):
            return None
        try:
            tables = _tables(con)
        except sqlite3.Error:
            return None
        finally:
            con.close()
        if {"message", "handle", "chat_message_join"} <= set(tables):
            return Match(self.name, 90, "SQLite database with Messages' message/handle/chat tables")
        return None

    def read(self, source: Source, ctx: ImportContext) -> Iterator[Record | Problem]:
        con = _open(source)
        try:
            yield from _wal_warning(source)
            yield from self._read(con, source)
        except (sqlite3.DatabaseError, UnicodeDecodeError) as e:
            raise SourceError(f"{source.display}: this SQLite file is damaged and cannot be read "
                              f"({type(e).__name__}: {str(e)[:80]}).") from None
        finally:
            con.close()

    def _read(self, con: sqlite3.Connection, source: Source) -> Iterator[Record | Problem]:
        try:
            tables = _tables(con)
        except sqlite3.DatabaseError as e:
            raise SourceError(f"{source.display}: this SQLite file is damaged and cannot be read ({e}).") from None
        for t in _REQUIRED_TABLES:
            if tables.get(t) != "table":
                what = "has no" if t not in tables else f"has a {tables[t]} instead of a"
                raise SourceError(f"{source.display}: this database {what} '{t}' table, so it is not a "
                                  "Messages chat.db or sms.db.")
        present = {t for t in _OPTIONAL_TABLES if tables.get(t) == "table"}
        handles = {int(r[0]): str(r[1]) for r in con.execute("SELECT ROWID, id FROM handle")}
        chats = _chats(con, present)
        cols = {str(r[1]) for r in con.execute("PRAGMA table_info(message)")}
        select = ", ".join(f"m.{c}" if c in cols else "NULL" for c in _MESSAGE_COLUMNS)
        # One grouped pass over chat_message_join, joined through SQLite's automatic index: a
        # correlated subquery per message scans the table each time (no message_id index in
        # many chat.db versions), which took 10 s for 18,000 messages and grows with the square.
        if "chat_message_join" in present:
            chat_col = "j.chat_id"
            join = ("LEFT JOIN (SELECT message_id, MIN(chat_id) AS chat_id FROM chat_message_join "
                    "GROUP BY message_id) AS j ON j.message_id = m.ROWID")
        else:
            chat_col, join = "NULL", ""
        cur = con.execute(f"SELECT m.ROWID, {select}, {chat_col} FROM message AS m {join} "  # noqa: S608
                          "ORDER BY m.ROWID")
        att_ok = {"attachment", "message_attachment_join"} <= present
        while True:
            try:
                rows = cur.fetchmany(512)
            except sqlite3.DatabaseError as e:
                yield Problem("damaged", "message table", f"the message table is damaged; reading stopped ({e}).",
                              fatal=True)
                return
            if not rows:
                return
            for row in rows:
                try:
                    yield from self._row(con, source, row, handles, chats, att_ok)
                except (sqlite3.Error, ValueError, TypeError, OverflowError) as e:
                    yield Problem("bad_row", f"ROWID {row[0]}", f"this message row could not be read ({e}).")

    def _row(self, con: sqlite3.Connection, source: Source, row: tuple[object, ...],
             handles: dict[int, str], chats: dict[int, _Chat], att_ok: bool) -> Iterator[Record | Problem]:
        (rowid, guid, text, abody, handle_id, date, is_from_me, item_type, assoc_type, assoc_guid,
         has_att, service, subject, group_title, error, other_handle, chat_id) = row
        pos = f"ROWID {rowid}"
        if not isinstance(date, int) or date == 0:
            yield Problem("no_time", pos, "this message has no date, so it cannot be placed in time; skipped.")
            return
        utc, basis = apple_time(date)
        body: str | None = text if isinstance(text, str) else None
        if body is None and isinstance(abody, bytes) and abody:
            try:
                decoded = decode_attributed_body(abody)
                body = decoded.text
                if decoded.run_lengths and not decoded.runs_cover_text():
                    yield Problem("attributed_body", pos, "the text's formatting runs do not add up to its "
                                  "length; the text was kept as stored.")
            except TypedStreamError as e:
                body = heuristic_text(abody)
                how = "recovered by a byte search" if body is not None else "could not be recovered"
                yield Problem("attributed_body", pos, f"the message text in attributedBody is not a "
                              f"well-formed archive ({e}); the text was {how}.")
        elif body is None and isinstance(text, bytes):
            body = text.decode("utf-8", "replace")
            yield Problem("encoding", pos, "the text column holds bytes, not text; decoded as UTF-8.")

        from_me = bool(is_from_me)
        chat = chats.get(chat_id) if isinstance(chat_id, int) else None
        chat_handles = chat.handles if chat else ()
        is_group = len(chat_handles) > 1 or (chat is not None and chat.style == 43)
        sender: Identifier | None = None
        peers: tuple[Identifier, ...]
        own = int(handle_id) if isinstance(handle_id, int) else 0
        if from_me:
            ids = chat_handles or ((own,) if own else ())
            peers = tuple(Identifier("handle", handles[h]) for h in ids if h in handles)
        else:
            if own and own in handles:
                sender = Identifier("handle", handles[own])
            elif own:
                yield Problem("unknown_handle", pos, f"the sender's handle {own} is missing from the handle table.")
            peers = tuple(Identifier("handle", handles[h]) for h in chat_handles if h in handles and h != own)

        atype = int(assoc_type) if isinstance(assoc_type, int) else 0
        extra: list[tuple[str, str]] = []
        if isinstance(service, str) and service:
            extra.append(("service", service))
        kind = "sms" if service == "SMS" else "imessage"
        category: Category
        if isinstance(item_type, int) and item_type != 0:
            category, kind = "system", "imessage_system"
            extra.append(("item_type", str(item_type)))
            if isinstance(group_title, str):
                extra.append(("group_title", group_title))
            if isinstance(other_handle, int) and other_handle in handles:
                extra.append(("other_handle", handles[other_handle]))
        elif 2000 <= atype <= 2007 or 3000 <= atype <= 3007:
            category, kind = "reaction", "imessage_reaction"
            extra.append(("reaction", _REACTIONS[atype % 1000]))
            if atype >= 3000:
                extra.append(("reaction_removed", "true"))
            if isinstance(assoc_guid, str):
                extra.append(("associated_message_guid", assoc_guid))
        else:
            category = "message"
            if atype:
                extra.append(("associated_message_type", str(atype)))

        direction: Direction = "incoming"
        if from_me:
            direction = "failed" if isinstance(error, int) and error != 0 else "outgoing"

        attachments: tuple[AttachmentRef, ...] = ()
        if att_ok and (has_att or (body is not None and OBJECT_REPLACEMENT in body)):
            attachments = tuple(_attachments(con, source, int(rowid)))  # type: ignore[call-overload]
        conversation = (chat.name or chat.identifier) if chat else None
        yield Record(
            source_id=str(rowid), kind=kind, category=category,
            utc=utc, raw_time=str(date), time_zone="UTC", time_basis=basis, direction=direction,
            sender=sender, peers=peers, is_group=is_group, conversation=conversation, body=body,
            subject=subject if isinstance(subject, str) else None, attachments=attachments,
            natural_key=guid if isinstance(guid, str) and guid else None, extra=tuple(extra),
        )


def _connect_file(path: Path) -> sqlite3.Connection:
    uri = path.resolve().as_uri() + "?mode=ro&immutable=1"
    con = sqlite3.connect(uri, uri=True)
    _harden(con)
    return con


def _harden(con: sqlite3.Connection) -> None:
    con.execute("PRAGMA trusted_schema=OFF")
    con.execute("PRAGMA query_only=ON")
    con.text_factory = _text


def _text(b: bytes) -> str | bytes:
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return b


def _open(source: Source) -> sqlite3.Connection:
    size = source.size
    if size == 0:
        raise SourceError(f"{source.display}: the file is empty (0 bytes), so there are no messages to read.")
    head = source.head(len(SQLITE_MAGIC))
    if not head.startswith(SQLITE_MAGIC):
        raise SourceError(f"{source.display}: this is not a SQLite database, so it is not a Messages chat.db "
                          "or sms.db.")
    path = source.local_path()
    if path is not None:
        try:
            return _connect_file(path)
        except (sqlite3.Error, UnicodeDecodeError) as e:
            raise SourceError(f"{source.display}: the database could not be opened ({e}).") from None
    if size > MAX_IN_MEMORY_BYTES:
        raise SourceError(f"{source.display}: this database is {size:,} bytes, too large to read from inside an "
                          f"archive (the limit is {MAX_IN_MEMORY_BYTES:,}). Unpack it and import the file itself.")
    # One buffer of the declared size, filled in place, handed to SQLite as it is: SQLite keeps
    # its own copy, so the peak is twice the database (a bytes() copy on the way made it three).
    data = bytearray(size)
    got = 0
    with source.open() as f:
        while got < size and (chunk := f.read(min(1 << 20, size - got))):
            data[got:got + len(chunk)] = chunk
            got += len(chunk)
        longer = f.read(1)
    if got != size or longer:
        raise SourceError(f"{source.display}: the database is not the size its archive says it is; the archive "
                          "is damaged. Make it again from the original, or import the file itself.")
    if len(data) >= 20 and data[18] == 2 and data[19] == 2:
        data[18] = data[19] = 1  # WAL mode cannot be deserialized; this private copy only
    con = sqlite3.connect(":memory:")
    try:
        con.deserialize(data)
        del data
        _harden(con)
    except (sqlite3.Error, UnicodeDecodeError) as e:
        con.close()
        raise SourceError(f"{source.display}: the database could not be opened ({e}).") from None
    return con


def _tables(con: sqlite3.Connection) -> dict[str, str]:
    """Table and view names by kind; a schema SQLite cannot even name in its error is damaged.

    A malformed schema makes SQLite fail with a message quoting the bad object's name; when
    that name is not UTF-8, Python cannot decode the message and raises UnicodeDecodeError
    instead of sqlite3.DatabaseError. It is reported as the DatabaseError it stands for, which
    every caller already turns into "damaged" or "not this format".
    """
    try:
        return {str(n): str(t) for t, n in con.execute(
            "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view')")}
    except UnicodeDecodeError:
        raise sqlite3.DatabaseError("malformed database schema, naming an object that is not UTF-8 text") from None


def _chats(con: sqlite3.Connection, present: set[str]) -> dict[int, _Chat]:
    if "chat" not in present:
        return {}
    cols = {str(r[1]) for r in con.execute("PRAGMA table_info(chat)")}
    sel = ", ".join(c if c in cols else "NULL" for c in ("chat_identifier", "display_name", "style"))
    members: dict[int, list[int]] = {}
    if "chat_handle_join" in present:
        for cid, hid in con.execute("SELECT chat_id, handle_id FROM chat_handle_join ORDER BY chat_id, handle_id"):
            if isinstance(cid, int) and isinstance(hid, int):  # a damaged row joins nothing
                members.setdefault(cid, []).append(hid)
    out: dict[int, _Chat] = {}
    for rid, ident, name, style in con.execute(f"SELECT ROWID, {sel} FROM chat"):  # noqa: S608
        out[int(rid)] = _Chat(ident if isinstance(ident, str) else None,
                              name if isinstance(name, str) and name else None,
                              style if isinstance(style, int) else None,
                              tuple(members.get(int(rid), ())))
    return out


def _attachments(con: sqlite3.Connection, source: Source, rowid: int) -> Iterator[AttachmentRef]:
    rows = con.execute(
        "SELECT a.filename, a.mime_type, a.transfer_name FROM message_attachment_join AS j "
        "JOIN attachment AS a ON a.ROWID = j.attachment_id WHERE j.message_id = ? ORDER BY a.ROWID", (rowid,))
    for filename, mime, transfer in rows:
        fname = filename if isinstance(filename, str) else ""
        name = transfer if isinstance(transfer, str) and transfer else PurePosixPath(fname).name or "attachment"
        found = _find_related(source, fname) if fname else None
        yield AttachmentRef(name=name, mime=mime if isinstance(mime, str) else None,
                            related=found, included=found is not None)


def _find_related(source: Source, filename: str) -> str | None:
    """The attachment file beside the database, if the export carries it."""
    p = filename[2:] if filename.startswith("~/") else filename.lstrip("/")
    candidates = [p]
    for anchor in ("Library/Messages/", "Library/SMS/"):
        i = p.find(anchor)
        if i >= 0:
            candidates.append(p[i + len(anchor):])
    for c in candidates:
        try:
            rel = source.related(c)
        except (OSError, ValueError):
            rel = None
        if rel is not None:
            return rel.display
    return None


def _wal_warning(source: Source) -> Iterator[Problem]:
    path = source.local_path()
    if path is None:
        return
    wal = path.with_name(path.name + "-wal")
    try:
        if wal.is_file() and wal.stat().st_size > 0:
            yield Problem("wal_not_read", wal.name,
                          f"{wal.name} lies beside the database: Messages was probably running when it was "
                          "copied, and the most recent messages may be in that file, which is not read. Quit "
                          "Messages, copy chat.db again and import the new copy.")
    except OSError:
        return


IMPORTERS = (ChatDbImporter(),)
