"""One import = one transaction: the original stored byte-for-byte, then the events, then the journal.

Write order (docs/vault-format.md, "Write order"): the original's blob is written and synced
first; the source row, event rows, attachments and the journal entry follow in one database
transaction. A crash before the commit leaves at most an unreferenced blob, which ``verify``
reports as harmless and the next import of the same file reuses.
"""

from __future__ import annotations

import binascii
import io
import json
import queue
import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import PurePosixPath
from typing import Any, BinaryIO, TypeVar
from zoneinfo import ZoneInfo

import sqlcipher3

from nocontact.identity import ExMatcher
from nocontact.importers.base import (
    GIVEN_BY_THE_PERSON,
    DateOrderNeeded,
    ImportContext,
    Importer,
    SourceError,
)
from nocontact.model import RECORD_CATEGORIES, AttachmentRef, Problem, Record, format_utc
from nocontact.sources import Source
from nocontact.vault.blobs import BlobInfo, BlobStore
from nocontact.vault.events import (
    NATURAL_KEY_SCOPES,
    RECORD_KEY_SCOPES,
    Prepared,
    _micros,
    dedupe_key,
    insert_prepared,
    next_event_id,
    prepare_record,
)
from nocontact.vault.journal import MerkleRoot
from nocontact.vault.store import Vault, utc_now

__all__ = ["ZONE_FROM_CONTEXT", "ImportFailed", "ImportSummary", "NeedsDateOrder", "ReadBefore", "drop_unreferenced",
           "import_source", "read_before"]

Progress = Callable[[int, int, int], None]  # (bytes read, total bytes, records read)


class ImportFailed(Exception):
    """The whole import was undone; the vault is as it was. The message names file and position."""


class NeedsDateOrder(ImportFailed):
    """Undone because the file's dates read both day first and month first: ask the person.

    ``readings`` pairs each order ("DMY", "MDY") with the file's first date written out in it.
    """

    def __init__(self, message: str, readings: tuple[tuple[str, str], ...]) -> None:
        super().__init__(message)
        self.readings = readings


@dataclass
class ImportSummary:
    """What ``nocontact import --json`` prints per source file (a stable interface)."""

    source: str
    format: str
    records_read: int = 0
    records_by_kind: dict[str, int] = field(default_factory=dict)
    attributed: int = 0
    skipped_unrelated: int = 0
    already_in_vault: int = 0
    added: int = 0
    problems: list[dict[str, str]] = field(default_factory=list)
    sha256: str = ""
    system_lines: int = 0
    reactions: int = 0
    #: Files named by new records by a path beside the export, and not found there (or, reading an
    #: export again from the vault, not stored with it): importing the export's folder or zip again
    #: adds them beside their events.
    attachments_missing: int = 0
    #: Files found this time that an event already in the vault was stored without (its photo was
    #: not beside the export then): each is added as an attachment event beside it.
    attachments_added_later: int = 0

    #: Who the records not theirs were from or to, ``(kind, value, name shown beside it)`` ->
    #: records, so the person can be shown a name their case is missing. Said at the end of the
    #: import and never stored, nor printed by ``--json``: they are other people's names.
    not_theirs: Counter[tuple[str, str, str]] = field(default_factory=Counter, compare=False, repr=False)

    #: Numbers not saved on the phone that messaged or called the person, and are not theirs:
    #: number as written -> records. A new number is how an ex blocked on one number comes back;
    #: said at the end of the import, never stored, nor printed by ``--json``.
    unsaved_numbers: Counter[str] = field(default_factory=Counter, compare=False, repr=False)
    #: Likewise, names whose Messenger or Instagram messages arrived as message requests (people
    #: the person is not connected with): a new account after a block lands there.
    message_requests: Counter[str] = field(default_factory=Counter, compare=False, repr=False)

    def as_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["problems"] = list(self.problems)
        del d["not_theirs"], d["unsaved_numbers"], d["message_requests"]
        return d


#: How many different people ``ImportSummary.not_theirs`` counts; a mailbox can name thousands.
NOT_THEIRS_LIMIT = 1000

_K = TypeVar("_K")


def _bump(counter: Counter[_K], key: _K) -> None:
    """Count ``key``, unless it would be a new one past ``NOT_THEIRS_LIMIT``: memory stays flat."""
    if key in counter or len(counter) < NOT_THEIRS_LIMIT:
        counter[key] += 1


def _count_not_theirs(counter: Counter[tuple[str, str, str]], rec: Record) -> None:
    """Count who a record not theirs was from (or, sent by the person, to).

    A Telegram id means nothing to a person: the name the export shows beside it (``from``) goes
    with it, for the messages the person received.
    """
    outgoing = rec.direction == "outgoing"
    who = rec.peers[0] if outgoing and rec.peers else rec.sender
    if who is None or who.kind in ("withheld", "party") or not who.value:
        return
    shown = "" if outgoing or who.kind == "name" else next((v for k, v in rec.extra if k == "from"), "")
    _bump(counter, (who.kind, who.value, shown))


#: Formats that say when a number is not saved on the phone: a WhatsApp author written as a number
#: is one (saved contacts are written by name); SMS Backup & Restore writes "(Unknown)" or nothing
#: as the contact name. Other formats do not say (iMessage, Google Voice name no contact at all).
_SAYS_UNSAVED = ("whatsapp_android_txt", "whatsapp_ios_zip", "sms_backup_restore_sms", "sms_backup_restore_calls")


#: Folders of a Facebook or Instagram download that hold message requests (and Messenger's
#: filtered requests): conversations with people the person is not connected with.
_REQUEST_FOLDERS = frozenset({"message_requests", "filtered_threads"})


def _request_folder(source: Source) -> bool:
    """Whether the file sits in a message requests folder, by its place in a download or on disk."""
    local = source.local_path()
    places = (source.display.replace("!/", "/"), local.as_posix() if local is not None else "")
    return any(_REQUEST_FOLDERS.intersection(place.split("/")[:-1]) for place in places)


def _count_unsaved(summary: ImportSummary, rec: Record, fmt: str, in_requests: bool) -> None:
    """Count a record not theirs that came in from a number the phone has no name for, or as a
    message request (a group's strangers are not counted: a new number of theirs writes to the person)."""
    who = rec.sender
    if rec.direction != "incoming" or rec.is_group or who is None:
        return
    if who.kind == "name" and fmt in ("facebook_messenger_json", "instagram_json"):
        if in_requests:
            _bump(summary.message_requests, who.value)
        return
    if who.kind != "phone" or fmt not in _SAYS_UNSAVED:
        return
    if fmt.startswith("sms_backup_restore") and dict(rec.extra).get("contact_name") not in (None, "", "(Unknown)"):
        return
    if sum(c.isdigit() for c in who.value) < 7:  # a short code: a bank, a delivery, a sign-in code
        return
    _bump(summary.unsaved_numbers, who.value)


#: How an importer says it read local times in the zone the import was given (the case's, or
#: ``--timezone``), rather than from the file itself.
ZONE_FROM_CONTEXT = ("case source_timezone", "given with --timezone")


@dataclass(frozen=True)
class ReadBefore:
    """How an earlier import of an original read what the file leaves open."""

    #: (zone, basis) its local times were read in, when the import gave the zone; else None.
    zone: tuple[str, str] | None = None
    #: The day/month order the person gave for it ("DMY", "MDY"), if they gave one.
    date_order: str | None = None
    #: The earlier imports that read it so (their events not retracted).
    imports: tuple[int, ...] = ()


def read_before(conn: Any, sha256: str) -> ReadBefore:
    """How earlier imports of this original read its local times and its dates, if they did.

    Read from the first and last event of each earlier import of it (its journal entry names
    them), so it costs a few lookups however large the vault. A file whose times carry their own
    zone (epoch times, offsets) and whose dates are plain gives ``ReadBefore()``.
    """
    zone: tuple[str, str] | None = None
    order: str | None = None
    imports: list[int] = []
    rows = conn.execute("SELECT i.id, j.entry FROM imports i JOIN sources s ON s.id = i.source_id "
                        "JOIN journal j ON j.seq = i.journal_seq WHERE s.sha256 = ? ORDER BY i.id",
                        (sha256,)).fetchall()
    for import_id, entry in rows:
        body = json.loads(entry).get("body", {})
        for eid in (body.get("first_event_id"), body.get("last_event_id")):
            if not isinstance(eid, int):
                continue
            # A retracted event no longer holds the file to how it was read: retracting an import
            # read in the wrong zone is how the person corrects it.
            got = conn.execute("SELECT time_zone, time_basis, extra FROM events WHERE id = ? AND id NOT IN "
                               "(SELECT event_id FROM retractions WHERE event_id = ?)", (eid, eid)).fetchone()
            if got is None:
                continue
            held = False
            if zone is None and got[1] in ZONE_FROM_CONTEXT:
                zone, held = (str(got[0]), str(got[1])), True
            extra = json.loads(got[2])
            if order is None and extra.get("date_order_basis") == GIVEN_BY_THE_PERSON:
                order, held = extra.get("date_order"), True
            if held and import_id not in imports:
                imports.append(int(import_id))
    return ReadBefore(zone, order, tuple(imports))


def _as_read_before(before: ReadBefore, ctx: ImportContext, display: str, *, adopt_zone: bool) -> ImportContext:
    """The context that reads a file as its earlier imports did, or ImportFailed when the one
    given would read it otherwise: every message would then be stored a second time, at another
    time, under another key. ``adopt_zone``: take the earlier zone instead of refusing (reading
    stored exports again, where no one chose a zone for this file)."""
    if before.zone is not None and adopt_zone:
        ctx = replace(ctx, source_timezone=ZoneInfo(before.zone[0]), timezone_basis=before.zone[1])
    if before.zone is not None and ctx.source_timezone is not None and before.zone[0] != ctx.source_timezone.key:
        raise ImportFailed(
            f"{display}: this file was imported before, with its local times read in {before.zone[0]}. "
            f"Read in {ctx.source_timezone.key} now, every message in it would be stored a second time, at "
            f"another time. To read it as before, import it with --timezone {before.zone[0]}. If "
            f"{before.zone[0]} was wrong, first retract what that reading added ({_retract_hint(before)}), "
            "then import it again. Nothing from it was added.")
    if before.date_order is not None:
        if ctx.date_order not in (None, before.date_order):
            raise ImportFailed(
                f"{display}: when this chat was imported before, you said its dates are "
                f"{_ORDER_WORDS.get(before.date_order, before.date_order)}. Read the other way now, every message "
                f"in it would be stored a second time, on another day. To read it as before, import it with "
                f"--date-order {before.date_order}. If that was wrong, first retract what that reading added "
                f"({_retract_hint(before)}), then import it again. Nothing from it was added.")
        ctx = replace(ctx, date_order=before.date_order)
    return ctx


_ORDER_WORDS = {"DMY": "day first (DMY)", "MDY": "month first (MDY)"}


def _retract_hint(before: ReadBefore) -> str:
    return "; ".join(f'nocontact retract --import {i} --why "..."' for i in before.imports) or "nocontact retract"


class _Counting(io.RawIOBase):
    def __init__(self, inner: BinaryIO, tick: Callable[[int], None]) -> None:
        self._inner = inner
        self._tick = tick

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(b))
        n = len(data)
        b[:n] = data
        self._tick(n)
        return n

    def seekable(self) -> bool:
        return bool(self._inner.seekable())

    def seek(self, offset: int, whence: int = 0) -> int:
        return int(self._inner.seek(offset, whence))

    def tell(self) -> int:
        return int(self._inner.tell())

    def close(self) -> None:
        self._inner.close()
        super().close()


class _CountingSource:
    """Wraps a source so the progress bar can show bytes read by the importer."""

    def __init__(self, inner: Source, tick: Callable[[int], None]) -> None:
        self._inner = inner
        self._tick = tick

    @property
    def display(self) -> str:
        return self._inner.display

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def size(self) -> int:
        return self._inner.size

    def open(self) -> BinaryIO:
        return io.BufferedReader(_Counting(self._inner.open(), self._tick), 1 << 16)  # type: ignore[return-value]

    def head(self, n: int = 8192) -> bytes:
        return self._inner.head(n)

    def related(self, relpath: str) -> Source | None:
        return self._inner.related(relpath)

    def local_path(self) -> Any:
        return self._inner.local_path()


class _Ordinals:
    """Numbers identical records within one source, so two identical texts in one minute stay two.

    Keys are (time, digest). Identical records share a time stamp, and exports come in time
    order, so a count is needed only while the file is still at that time: counts are kept in
    two generations, and the older is forgotten once the file has moved a day past it (or after
    ``per_generation`` records, for a day denser than any real chat). Memory stays flat however
    long the file, where keeping every key grew by about 200 bytes a record (5 MB at 27,000).
    """

    _DAY_US = 86_400_000_000

    def __init__(self, per_generation: int = 100_000) -> None:
        self._current: dict[tuple[int, bytes], int] = {}
        self._previous: dict[tuple[int, bytes], int] = {}
        self._started = 0
        self._per_generation = per_generation

    def next(self, t_us: int, digest: bytes) -> int:
        if t_us - self._started >= self._DAY_US or len(self._current) >= self._per_generation:
            self._previous, self._current = self._current, {}
            self._started = t_us
        k = (t_us, digest)
        n = self._current.get(k)
        if n is None:
            n = self._previous.get(k, 0)
        self._current[k] = n + 1
        return n


def _is_related(rec: Record, matcher: ExMatcher) -> tuple[bool, str | None]:
    a = matcher.attribute(rec)
    if a.is_ex:
        return True, a.identifier
    if rec.category in ("system", "reaction") and not rec.is_group:
        for p in rec.peers:
            if matcher.key(p) in matcher.keys:
                return True, matcher.key(p)
    return False, None


def _files_held_back(conn: Any, event_id: int, key: str, rec: Record) -> list[tuple[AttachmentRef, str]]:
    """The files this read carries that the stored event ``event_id`` (dedupe key ``key``) was
    stored without and that no earlier import has added beside it, each with the name the stored
    attachment row gives it.

    A file found is named with its extension, while one missing keeps the name the export wrote:
    Google Voice writes an MMS image's name without its ``.jpg``, so a found file also answers a
    missing name equal to its name without the extension. A WhatsApp media message stored from an
    export without media names no file at all ("<Media omitted>"); its file answers that placeholder.
    """
    if not any(a.included for a in rec.attachments):
        return []
    missing = {name for name, included in conn.execute(
        "SELECT name, included FROM attachments WHERE event_id = ? ORDER BY id", (event_id,)) if not included}
    if not missing:
        return []
    # Files added beside it have keys "<key>#<SHA-256>": "#" sorts just below "$".
    for (extra,) in conn.execute("SELECT extra FROM events WHERE dedupe_key > ? AND dedupe_key < ?",
                                 (key + "#", key + "$")):
        missing.discard(json.loads(extra).get("file_for"))
    held = []
    unnamed = []
    for a in rec.attachments:
        if not a.included:
            continue
        for name in (a.name, PurePosixPath(a.name).stem):
            if name in missing:
                held.append((a, name))
                missing.discard(name)
                break
        else:
            unnamed.append(a)
    if rec.digest_body is not None:
        # The same message written another way (dedupe form 4): the stored event holds only the
        # placeholder of an export without media ("<Media omitted>"), which names no file.
        held.extend(zip(unnamed, sorted(missing), strict=False))
    return held


def _beside(rec: Record, event_id: int, name: str) -> Record:
    """The attachment event that brings a file to an event stored without it (docs/vault-format.md,
    "Files added later"): same time, source, sender and conversation, no text of its own."""
    extra = (*rec.extra, ("attached_to_event", str(event_id)), ("file_for", name))
    return replace(rec, category="attachment", body=None, subject=None, duration_s=None, call_type=None,
                   attachments=(), extra=extra, natural_key=None)


def _store_attachment(vault: Vault, writer: _AttachmentWriter, source: Source, ref: AttachmentRef,
                      problems: list[dict[str, str]], position: str) -> dict[str, Any]:
    info: BlobInfo | None = None
    try:
        data = ref.content()
    except (binascii.Error, ValueError):
        problems.append({"kind": "bad_attachment", "position": position,
                         "message": f"the attachment {ref.name!r} is not valid base64 and was not kept "
                                    "(the original file keeps its exact text)"})
        data = None
        ref = replace(ref, included=False, base64=None)
    if data is not None:
        info = writer.put(data)
    elif ref.related is not None and ref.included:
        rel = source.related(ref.related)
        if rel is not None:
            small = None
            if rel.size <= _AttachmentWriter.SMALL:  # a photo beside the chat: read it, write it on
                with rel.open() as f:
                    small = f.read(_AttachmentWriter.SMALL + 1)
            if small is not None and len(small) <= _AttachmentWriter.SMALL:
                info = writer.put(small)
            else:
                with rel.open() as f:
                    info = vault.blobs.put_stream(f, durable=False)
    if info is None:
        return {"blob": None, "sha256": None, "size": None, "name": ref.name, "mime": ref.mime, "included": False}
    return {"blob": info.name, "sha256": info.sha256, "size": info.size, "name": ref.name, "mime": ref.mime,
            "included": True}


def import_source(vault: Vault, source: Source, importer: Importer, ctx: ImportContext, *,
                  keep_unrelated: bool = False, progress: Progress | None = None,
                  max_problems: int = 1000, again: bool = False) -> ImportSummary:
    """Import one source all-or-nothing; raises ``ImportFailed`` (vault unchanged) on a fatal problem.

    The writer lock is held from storing the original to the commit, so a failing import can
    never remove a blob that a concurrent import of the same file has just reused. ``again``: a
    stored export read again, in the zone its earlier imports used (``import --again``).
    """
    with vault.locked():
        return _import_locked(vault, source, importer, ctx, keep_unrelated=keep_unrelated, progress=progress,
                              max_problems=max_problems, again=again)


def _import_locked(vault: Vault, source: Source, importer: Importer, ctx: ImportContext, *,
                   keep_unrelated: bool, progress: Progress | None, max_problems: int,
                   again: bool) -> ImportSummary:
    summary = ImportSummary(source=source.display, format=importer.name)
    total = source.size
    done = [0]

    def tick(n: int) -> None:
        done[0] += n
        if progress is not None:
            progress(done[0], total, summary.records_read)

    created: list[str] = []
    with source.open() as f:
        original = vault.blobs.identify(f)
    summary.sha256 = original.sha256
    ctx = _as_read_before(read_before(vault.conn, original.sha256), ctx, source.display, adopt_zone=again)
    storing = _StoreOriginal(vault, source)
    attachments = _AttachmentWriter(vault.blobs)
    counted: Source = _CountingSource(source, tick) if progress is not None else source
    matcher = ExMatcher(ctx.case)
    form = vault.dedupe_form
    natural_scope = NATURAL_KEY_SCOPES.get(importer.name, importer.name) if form >= 2 else importer.name
    record_scope = RECORD_KEY_SCOPES.get(importer.name, importer.name) if form >= 3 else importer.name
    variants = form >= 4
    in_requests = _request_folder(source)
    ordinals = _Ordinals()
    merkle = MerkleRoot()
    kinds: Counter[str] = Counter()
    try:
        with vault.transaction() as conn:
            # The original is encrypted into the store by another thread while this one parses and
            # writes rows; its name and hashes were computed first (a quick pass), so rows can name
            # it at once. I3 holds: the thread is joined, the blob complete and durable, before the
            # commit.
            row = conn.execute("SELECT id FROM sources WHERE sha256 = ?", (original.sha256,)).fetchone()
            if row is None:
                cur = conn.execute("INSERT INTO sources(sha256, blob, size, display, format, first_imported_at) "
                                   "VALUES (?, ?, ?, ?, ?, ?)",
                                   (original.sha256, original.name, original.size, source.display, importer.name,
                                    utc_now()))
                source_row = int(cur.lastrowid)
            else:
                source_row = int(row[0])
            cur = conn.execute("INSERT INTO imports(source_id, display, format, imported_at, records_read, inserted, "
                               "already_in_vault, skipped_unrelated, problems, summary, journal_seq) "
                               "VALUES (?, ?, ?, ?, 0, 0, 0, 0, 0, '{}', 0)",
                               (source_row, source.display, importer.name, utc_now()))
            import_id = int(cur.lastrowid)
            next_id = next_event_id(conn)
            first_id = next_id
            recorded_at = utc_now()
            pending: list[tuple[Prepared, bool]] = []
            last_utc: Any = None
            utc_text = ""
            pending_keys: set[str] = set()

            def flush() -> None:
                nonlocal next_id
                vault.size_cache_for(next_id + len(pending))
                keys = [p.dedupe_key for p, _ in pending]
                existing: set[str] = set()
                for i in range(0, len(keys), 500):
                    chunk = keys[i:i + 500]
                    existing.update(r[0] for r in conn.execute(
                        f"SELECT dedupe_key FROM events WHERE dedupe_key IN ({','.join('?' * len(chunk))})",  # noqa: S608
                        chunk))
                new: list[Prepared] = []
                for p, is_record in pending:
                    if p.dedupe_key in existing:
                        summary.already_in_vault += is_record
                        continue
                    new.append(p)
                    summary.added += is_record
                    merkle.add(p.content_hash)
                insert_prepared(conn, new, first_id=next_id, import_id=import_id, recorded_at=recorded_at)
                next_id += len(new)
                pending.clear()
                pending_keys.clear()

            try:
                items = importer.read(counted, ctx)
                for item in items:
                    if isinstance(item, Problem):
                        if item.fatal:
                            raise ImportFailed(_failure_text(source.display, item.message, item.position))
                        summary.problems.append({"kind": item.kind, "position": item.position,
                                                 "message": item.message})
                        if len(summary.problems) > max_problems:
                            raise ImportFailed(f"{source.display}: more than {max_problems} unreadable parts; "
                                               "this does not look like a healthy export")
                        continue
                    rec = item
                    is_record = rec.category in RECORD_CATEGORIES
                    if is_record:
                        summary.records_read += 1
                        kinds[rec.kind] += 1
                    elif rec.category == "system":
                        summary.system_lines += 1
                    elif rec.category == "reaction":
                        summary.reactions += 1
                    related, _ident = _is_related(rec, matcher)
                    if related and is_record:
                        summary.attributed += 1
                    if not related and is_record:
                        _count_not_theirs(summary.not_theirs, rec)
                        _count_unsaved(summary, rec, importer.name, in_requests)
                    if not related and not keep_unrelated:
                        if is_record:
                            summary.skipped_unrelated += 1
                        continue
                    if rec.utc != last_utc:  # a chat's messages share their minute: format it once
                        last_utc, utc_text = rec.utc, format_utc(rec.utc)
                    digest = rec.content_digest(record_scope if rec.natural_key is None else natural_scope,
                                                utc_text, variants=variants)
                    occurred_us = _micros(rec.utc)
                    if rec.natural_key is None:
                        dkey = dedupe_key(digest, ordinals.next(occurred_us, digest), utc_text=utc_text,
                                          form=form)
                    else:
                        dkey = dedupe_key(digest, 0, utc_text=None, form=form)
                    if dkey in pending_keys:
                        summary.already_in_vault += is_record
                        continue
                    atts: list[dict[str, Any]] = []
                    if rec.attachments:
                        # Look before storing files, so a re-import does not re-encrypt every photo.
                        held = conn.execute("SELECT id FROM events WHERE dedupe_key = ?", (dkey,)).fetchone()
                        if held:
                            summary.already_in_vault += is_record
                            for later, file_for in _files_held_back(conn, int(held[0]), dkey, rec):
                                att = _store_attachment(vault, attachments, source, later, summary.problems,
                                                        rec.source_id)
                                if not att["included"]:
                                    continue
                                created.append(att["blob"])
                                beside = _beside(rec, int(held[0]), file_for)
                                lkey = f"{dkey}#{att['sha256']}"
                                if lkey not in pending_keys:
                                    pending.append((prepare_record(
                                        beside, fmt=importer.name, source_sha256=original.sha256,
                                        source_display=source.display, utc_text=utc_text, dedupe_key=lkey,
                                        attachments=[att])[0], False))
                                    pending_keys.add(lkey)
                                    summary.attachments_added_later += 1
                            continue
                        atts = [_store_attachment(vault, attachments, source, a, summary.problems, rec.source_id)
                                for a in rec.attachments]
                        created.extend(a["blob"] for a in atts if a["blob"])
                        summary.attachments_missing += sum(
                            1 for ref, a in zip(rec.attachments, atts, strict=True)
                            if not a["included"] and ref.related is not None)
                    prepared, fixed = prepare_record(rec, fmt=importer.name, source_sha256=original.sha256,
                                                     source_display=source.display, utc_text=utc_text,
                                                     dedupe_key=dkey, attachments=atts)
                    if fixed:
                        summary.problems.append({
                            "kind": "unstorable", "position": rec.source_id,
                            "message": f"{', '.join(fixed)} held something the vault cannot store as it is (a "
                                       "lone surrogate character, or a number beyond 64 bits); stored with U+FFFD "
                                       "or left empty there. The original file keeps the exact bytes."})
                    pending.append((prepared, is_record))
                    pending_keys.add(dkey)
                    if len(pending) >= 2000:
                        flush()
                flush()
                last_id: int | None = next_id - 1 if next_id > first_id else None
                first: int | None = first_id if last_id is not None else None
            except DateOrderNeeded as e:
                raise NeedsDateOrder(_failure_text(source.display, str(e), e.position), e.readings) from None
            except SourceError as e:
                raise ImportFailed(_failure_text(source.display, str(e), e.position)) from None
            except (RecursionError, MemoryError):
                raise ImportFailed(f"{source.display}: the file is built in a way nocontact refuses to read "
                                   "(nested too deeply or too large to hold)") from None
            except (ImportFailed, OSError, sqlcipher3.Error):
                raise  # the disk (full, unreadable) or the vault, not the file; said as such by the caller
            except Exception as e:  # noqa: BLE001 - an importer bug must never leave half an import
                raise ImportFailed(f"{source.display}: nocontact could not read this file: a part of it is "
                                   f"damaged or unusual ({type(e).__name__} after {summary.records_read} "
                                   "records). Nothing from it was added; please report this.") from None
            summary.records_by_kind = dict(kinds)
            attachments.finish()
            vault.blobs.make_durable(created)  # I3: every file a row names is on disk before the commit
            stored = storing.result()
            if stored != original:
                raise ImportFailed(f"{source.display} changed while it was being imported. Nothing from it "
                                   "was added; import it again once it is no longer being written.")
            body = {
                "import_id": import_id, "source_sha256": original.sha256, "source_size": original.size,
                "source_display": source.display, "format": importer.name,
                "records_read": summary.records_read, "added": merkle.count,
                "already_in_vault": summary.already_in_vault, "skipped_unrelated": summary.skipped_unrelated,
                "problems": len(summary.problems), "events_merkle_root": merkle.hexdigest(),
                "first_event_id": first, "last_event_id": last_id,
            }
            seq, _ = vault.append_journal("import", body)
            conn.execute("UPDATE imports SET records_read = ?, inserted = ?, already_in_vault = ?, "
                         "skipped_unrelated = ?, problems = ?, summary = ?, journal_seq = ? WHERE id = ?",
                         (summary.records_read, merkle.count, summary.already_in_vault,
                          summary.skipped_unrelated, len(summary.problems),
                          json.dumps(summary.as_json(), ensure_ascii=False), seq, import_id))
    except BaseException:
        stored_blob = storing.wait()
        attachments.close()
        for name in [*([stored_blob.name] if stored_blob else []), *created]:
            drop_unreferenced(vault, name)
        raise
    finally:
        attachments.close()
    return summary


class _AttachmentWriter:
    """Writes attachments held in memory (MMS photos, e-mail files) on two other threads.

    Creating a file costs about a millisecond on some disks: 2.6 s of a 15 s import of a mailbox
    with 1,100 photos, all of it on the importing thread. Each attachment's name, SHA-256 and
    size are computed first, here (a hash of bytes already in memory), so its event row and
    content hash need not wait for the file; ``finish`` waits for every file, and checks that
    each was stored under the name computed, before the import syncs them and commits. At most
    32 MB of attachments wait to be written. Two plain threads, started with the first
    attachment, keep the import's own steps the same on every run.
    """

    #: Bytes that may wait to be written; a file beside the export up to ``SMALL`` is read whole.
    LIMIT = 32 << 20
    SMALL = 8 << 20
    THREADS = 2

    def __init__(self, blobs: BlobStore) -> None:
        self._blobs = blobs
        self._tasks: queue.SimpleQueue[_Written | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._waiting: deque[_Written] = deque()
        self._bytes = 0

    def put(self, data: bytes) -> BlobInfo:
        info = self._blobs.identify(io.BytesIO(data))
        if not self._threads:
            self._threads = [threading.Thread(target=self._work, name="nocontact-attachment", daemon=True)
                             for _ in range(self.THREADS)]
            for t in self._threads:
                t.start()
        job = _Written(data, info)
        self._tasks.put(job)
        self._waiting.append(job)
        self._bytes += len(data)
        while self._bytes > self.LIMIT:
            self._finish_one()
        return info

    def _work(self) -> None:
        while (job := self._tasks.get()) is not None:
            try:
                job.stored = self._blobs.put_bytes(job.data, durable=False)
            except BaseException as e:  # noqa: BLE001 - handed to the importing thread by finish()
                job.error = e
            job.data = b""  # written: the bytes need not wait for finish()
            job.done.set()

    def _finish_one(self) -> None:
        job = self._waiting.popleft()
        job.done.wait()
        self._bytes -= job.size
        if job.error is not None:
            raise job.error  # what writing raised (a full disk)
        if job.stored != job.info:
            raise RuntimeError("an attachment was stored under another name than its content gives")

    def finish(self) -> None:
        """Until every attachment is written; raises the first error."""
        while self._waiting:
            self._finish_one()

    def close(self) -> None:
        """Until the threads have ended, whatever became of the writes (their files can then be removed)."""
        for _ in self._threads:
            self._tasks.put(None)
        for t in self._threads:
            t.join()
        self._threads = []
        self._waiting.clear()


class _Written:
    """One attachment handed to the writer threads, and what became of it."""

    __slots__ = ("data", "done", "error", "info", "size", "stored")

    def __init__(self, data: bytes, info: BlobInfo) -> None:
        self.data = data
        self.size = len(data)
        self.info = info
        self.done = threading.Event()
        self.stored: BlobInfo | None = None
        self.error: BaseException | None = None


class _StoreOriginal:
    """Encrypts the original into the blob store on a thread of its own, overlapping the parse.

    Hashing, encrypting, writing and syncing a large export costs about as much as parsing it;
    ``hashlib``, file writes and ``fsync`` release the GIL, so on two cores the two overlap.
    """

    def __init__(self, vault: Vault, source: Source) -> None:
        self._info: BlobInfo | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(vault, source), name="nocontact-original",
                                        daemon=True)
        self._thread.start()

    def _run(self, vault: Vault, source: Source) -> None:
        try:
            with source.open() as f:
                self._info = vault.blobs.put_stream(f)
        except BaseException as e:  # noqa: BLE001 - handed to the importing thread by result()
            self._error = e

    def result(self) -> BlobInfo:
        """The stored original; re-raises what storing it raised (a full disk, an unreadable file)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._info is not None
        return self._info

    def wait(self) -> BlobInfo | None:
        """After a failure elsewhere: let the thread finish, so its blob can be removed."""
        self._thread.join()
        return self._info


def _failure_text(display: str, message: str, position: str) -> str:
    text = message if display in message else f"{display}: {message}"
    if position and position not in text:
        text += f" (at {position})"
    return text


def drop_unreferenced(vault: Vault, blob: str) -> None:
    """Remove a stored file unless an original or an attachment names it: the original of a failed
    import, or an upload or spooled zip once the exports in it are stored one by one."""
    try:
        used = vault.conn.execute("SELECT 1 FROM sources WHERE blob = ? UNION SELECT 1 FROM attachments "
                                  "WHERE blob = ?", (blob, blob)).fetchone()
    except Exception:  # noqa: BLE001 - never mask the original error
        return
    if not used:
        vault.blobs.path_for(blob).unlink(missing_ok=True)
