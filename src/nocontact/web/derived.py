"""The figures and flag index the pages show, from ``nocontact.analysis``, kept in memory per unlock.

Why this shape, and not SQL or a table in the vault:

* Same numbers as the report. Home's counters, the weekly and monthly charts and the timeline's
  text flags come from ``nocontact.analysis`` (``progress``, ``count_attempts``, the flag rules)
  over the rows of ``nocontact.eventlog.event_dicts``: the functions the report uses, on the
  rows the events export holds. Web and report cannot disagree, because there is one definition.
* Fast pages. Running those functions over 100,000 events takes seconds, so it never happens in a
  request. A background thread computes the figures on a second, read-only connection inside one
  read transaction (a consistent snapshot), and pages read the last result.
* Incremental. Each event's export row is derived once; the ex's events, block notices and
  flagged events are kept in a compact form (the fields the analysis reads, plus the flags), the
  rest only counted; a later change derives only new or corrected events.
  Everything is derived again only when the case (who the ex is) or the flag rules change.
* Not evidence, never stored. Flags and counts are derived from the events and the rules; they
  are not written to the vault, so they never enter the journal, verify or the bundle, and a
  rules change needs no migration. The cost is one background pass per unlock (about half a
  minute for 100,000 events on a small laptop); pages say "still counting" meanwhile.
* Dropped on lock. The cache belongs to the session and is cleared when the vault locks, so no
  derived data outlives the key.

The cache is keyed by what the figures depend on: the highest event, revision, retraction, case
and boundary ids, the rules and the day (counters are "days since" as of today). A check-in or a
helper's note does not change that key, so it costs nothing here.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nocontact.analysis import Progress, count_attempts, default_rules, progress
from nocontact.analysis._rows import BLOCK_NOTICE
from nocontact.eventlog import event_dicts
from nocontact.vault.events import StoredEvent, current_boundary, current_case
from nocontact.vault.store import Vault

__all__ = ["ANALYSIS_FIELDS", "DerivedCache", "Figures", "Key", "rules_digest"]

#: The export fields the analysis functions read (see ``nocontact.analysis._rows``); compact rows
#: keep only these (and a block notice's text), never message text.
ANALYSIS_FIELDS = ("event_id", "utc", "category", "direction", "party", "channel", "identifier", "call_type",
                   "retracted", "flags")


@dataclass(frozen=True)
class Key:
    """What the figures depend on; a different key means the figures must be computed again."""

    max_event: int
    max_revision: int
    retractions: tuple[int, int]
    case_version: int
    boundary_version: int
    rules: str
    today: date


@dataclass(frozen=True)
class Figures:
    """What the pages show, all computed by ``nocontact.analysis`` over the export rows."""

    key: Key
    boundary: datetime | None
    zone: ZoneInfo
    progress: Progress
    attempts_total: int
    attempts_after_boundary: int
    by_week: dict[str, int]
    by_month: dict[str, int]
    #: Per text flag, the ids of the events carrying it, oldest first by (``occurred_us``, id), the
    #: timeline's own order; ``flag_times`` holds their ``occurred_us`` alongside.
    flag_ids: dict[str, tuple[int, ...]]
    events: int
    flag_times: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def weeks(self, end: date, n: int = 12) -> list[tuple[date, int]]:
        """Attempts per local week (Monday first) for the ``n`` weeks up to ``end``."""
        last = end - timedelta(days=end.weekday())
        first = last - timedelta(weeks=n - 1)
        return [(first + timedelta(weeks=i), self.by_week.get((first + timedelta(weeks=i)).isoformat(), 0))
                for i in range(n)]

    def months(self) -> list[tuple[str, int]]:
        """Attempts per local calendar month, oldest first, months without any included."""
        if not self.by_month:
            return []
        keys = sorted(self.by_month)
        y, m = map(int, keys[0].split("-"))
        ly, lm = map(int, keys[-1].split("-"))
        out: list[tuple[str, int]] = []
        while (y, m) <= (ly, lm):
            k = f"{y:04d}-{m:02d}"
            out.append((k, self.by_month.get(k, 0)))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


def rules_digest() -> str:
    """A digest of the flag rules in use: a rules change re-derives every event's flags."""
    h = hashlib.sha256()
    for r in default_rules().rules:
        h.update(json.dumps([r.name, r.flag, r.pattern, r.case_sensitive]).encode())
    return h.hexdigest()[:16]


def current_key(conn: Any, today: date) -> Key:
    """The key of the vault as it is now: a few index look-ups, cheap enough for every request."""
    def one(sql: str) -> int:
        row = conn.execute(sql).fetchone()
        return int(row[0] or 0)

    ret = conn.execute("SELECT count(*), coalesce(max(rowid), 0) FROM retractions").fetchone()
    return Key(one("SELECT max(id) FROM events"), one("SELECT max(id) FROM revisions"),
               (int(ret[0]), int(ret[1])), one("SELECT max(id) FROM case_versions"),
               one("SELECT max(id) FROM boundaries"), rules_digest(), today)


def _revisions(conn: Any) -> dict[int, dict[str, Any]]:
    revisions: dict[int, dict[str, Any]] = {}
    for event_id, fields in conn.execute("SELECT event_id, fields FROM revisions ORDER BY id"):
        revisions.setdefault(int(event_id), {}).update(json.loads(fields))
    return revisions


def _events(conn: Any, where: str, args: tuple[Any, ...], revisions: dict[int, dict[str, Any]],
            limit: int = -1) -> Iterator[StoredEvent]:
    """Events matching ``where`` with their corrections applied, like ``iter_events`` for a subset.

    Attachments are left out: no analysis function reads them, and the compact rows drop them.
    """
    cur = conn.execute(f"SELECT * FROM events WHERE {where} ORDER BY id LIMIT ?",  # noqa: S608 (fixed clauses)
                       (*args, limit))
    cols = [d[0] for d in cur.description]
    for values in cur:
        row = dict(zip(cols, values, strict=True))
        eid = int(row["id"])
        ev = StoredEvent(eid, row, [])
        if eid in revisions:
            ev.row = {**row, **revisions[eid]}
            ev.revised = True
        yield ev


#: What a compact row holds, in order (``ANALYSIS_FIELDS`` without the id, plus a block notice's text).
_COMPACT = ("utc", "category", "direction", "party", "channel", "identifier", "call_type", "flags", "body")
_Compact = tuple[int, int, tuple[Any, ...]]


def _compact(row: dict[str, Any], occurred_us: int) -> _Compact | None:
    """What the analysis needs of one export row, or None when it needs nothing of it.

    Only the ex's events (``party`` set), block notices and flagged events count for anything
    the pages show; keeping just those, as tuples of shared strings, holds a million-event vault
    in tens of megabytes instead of gigabytes.
    """
    flags = tuple(row["flags"])
    blocked = row["category"] == "system" and bool(BLOCK_NOTICE.search(str(row.get("body") or "")))
    if row["party"] is None and not flags and not blocked:
        return None
    values = (row["utc"], sys.intern(row["category"]), sys.intern(row["direction"]),
              sys.intern(row["party"]) if row["party"] is not None else None, sys.intern(row["channel"]),
              row["identifier"], row["call_type"], flags, row["body"] if blocked else None)
    return occurred_us, int(row["event_id"]), values


def _rows(compact: list[_Compact]) -> Iterator[dict[str, Any]]:
    """The compact rows as the export-row dicts the analysis functions read, one at a time."""
    for _, eid, values in compact:
        row = dict(zip(_COMPACT, values, strict=True))
        row["event_id"] = eid
        row["retracted"] = False
        yield row


def _from(ordered: list[_Compact], boundary: datetime, revisions: dict[int, dict[str, Any]]) -> list[_Compact]:
    """The rows that can be after ``boundary``: those from just before it on, in ``occurred_us``
    order, and any whose time a correction moved (``occurred_us`` keeps the time first stored).

    ``count_attempts`` itself decides which are after; the millisecond of slack covers a time
    stored to the millisecond.
    """
    start = bisect_left(ordered, (_micros_of(boundary) - 1000,))
    moved = {eid for eid, fields in revisions.items() if "occurred_at" in fields}
    return [t for t in ordered[:start] if t[1] in moved] + ordered[start:] if moved else ordered[start:]


def _micros_of(t: datetime) -> int:
    """Microseconds since the epoch, as ``occurred_us`` counts them."""
    return (t - _EPOCH) // timedelta(microseconds=1)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass
class _State:
    rows: dict[int, _Compact] = field(default_factory=dict)
    max_event: int = 0
    max_revision: int = 0
    case_version: int = -1
    rules: str = ""


class DerivedCache:
    """One session's figures: computed in the background, read by pages, dropped on lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done = threading.Condition(self._lock)
        self._state = _State()
        self._figures: Figures | None = None
        self._running: Key | None = None
        self._generation = 0
        self.last_error: str | None = None

    def clear(self) -> None:
        """Forget everything (the vault locked); a computation still running is discarded."""
        with self._lock:
            self._generation += 1
            self._state = _State()
            self._figures = None
            self._running = None
            self._done.notify_all()

    def get(self, vault: Vault, today: date, wait_s: float = 0.0) -> tuple[Figures | None, bool]:
        """The figures and whether they are current; starts a computation when they are not.

        Waits up to ``wait_s`` for a current result. Returns the last result (``False``: it is
        from before the latest change) or ``None`` when nothing was computed yet.
        """
        key = current_key(vault.conn, today)
        with self._lock:
            if self._figures is not None and self._figures.key == key:
                return self._figures, True
            if self._running is None:
                self._start(vault, key)
            if wait_s > 0:
                self._done.wait_for(lambda: self._figures is not None and self._figures.key == key
                                    or self._running is None, timeout=wait_s)
            fig = self._figures
            return fig, fig is not None and fig.key == key

    def _start(self, vault: Vault, key: Key) -> None:
        self._running = key
        gen = self._generation
        reader = vault.reader()  # a second connection: reads never join a write
        t = threading.Thread(target=self._run, args=(reader, key.today, gen), name="nocontact-figures",
                             daemon=True)
        t.start()

    def _run(self, reader: Vault, today: date, gen: int) -> None:
        try:
            reader.conn.execute("BEGIN")  # one snapshot: the key and the rows agree
            key = current_key(reader.conn, today)
            figures = self._compute(reader, key, gen)
            reader.conn.execute("COMMIT")
            with self._lock:
                if gen == self._generation and figures is not None:
                    self._figures = figures
                    self.last_error = None
        except Exception as e:  # noqa: BLE001 - a page shows the error; the app keeps working
            with self._lock:
                self.last_error = f"{type(e).__name__}: {e}"
        finally:
            reader.conn.close()
            with self._lock:
                if gen == self._generation:
                    self._running = None
                self._done.notify_all()

    def _compute(self, reader: Vault, key: Key, gen: int) -> Figures | None:
        with self._lock:
            st = self._state
        conn = reader.conn
        case = current_case(reader)
        b = current_boundary(reader)
        boundary = b[0] if b else None
        if st.case_version != key.case_version or st.rules != key.rules:
            st = _State(case_version=key.case_version, rules=key.rules)
        revisions = _revisions(conn)
        rules = default_rules()

        def derive(todo: list[StoredEvent]) -> None:
            for ev, row in zip(todo, event_dicts(todo, case, boundary, rules=rules), strict=True):
                c = _compact(row, int(ev.row["occurred_us"]))
                if c is None:
                    st.rows.pop(ev.id, None)
                else:
                    st.rows[ev.id] = c

        # New events in batches, so memory holds a few thousand full rows at a time, never the vault.
        last = st.max_event
        while batch := list(_events(conn, "id > ? AND id <= ?", (last, key.max_event), revisions, 5000)):
            derive(batch)
            last = batch[-1].id
        if key.max_revision > st.max_revision:
            ids = [int(r[0]) for r in conn.execute("SELECT DISTINCT event_id FROM revisions WHERE id > ? AND "
                                                   "event_id <= ?", (st.max_revision, st.max_event))]
            if ids:
                derive(list(_events(conn, "id IN (SELECT value FROM json_each(?))", (json.dumps(ids),), revisions)))
        st.max_event, st.max_revision = key.max_event, key.max_revision
        with self._lock:
            if gen != self._generation:
                return None
            self._state = st
        retracted = {int(r[0]) for r in conn.execute("SELECT event_id FROM retractions")}
        events = int(conn.execute("SELECT count(*) FROM events WHERE id NOT IN (SELECT event_id FROM retractions)")
                     .fetchone()[0])
        ordered = sorted((v for k, v in st.rows.items() if k not in retracted), key=lambda t: (t[0], t[1]))
        zone = _zone(case.source_timezone)
        now = datetime.combine(key.today, time(23, 59, 59), zone)
        every = count_attempts(_rows(ordered), None, zone)
        after = count_attempts(_rows(_from(ordered, boundary, revisions)), boundary, zone) if boundary else every
        by_month: dict[str, int] = {}
        for day, fig in every.by_day.items():
            by_month[day[:7]] = by_month.get(day[:7], 0) + fig.count
        flag_ids: dict[str, list[int]] = {}
        flag_times: dict[str, list[int]] = {}
        flags_at = _COMPACT.index("flags")
        for us, eid, values in ordered:
            for f in values[flags_at]:
                flag_ids.setdefault(f, []).append(eid)
                flag_times.setdefault(f, []).append(us)
        return Figures(key=key, boundary=boundary, zone=zone,
                       progress=progress(_rows(ordered), boundary, zone, now, weeks=12),
                       attempts_total=every.total.count, attempts_after_boundary=after.total.count,
                       by_week={k: v.count for k, v in every.by_week.items()}, by_month=by_month,
                       flag_ids={k: tuple(v) for k, v in flag_ids.items()}, events=events,
                       flag_times={k: tuple(v) for k, v in flag_times.items()})
