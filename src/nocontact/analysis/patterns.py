"""Patterns in the ex's attempts: bursts, night-time contact, new routes after a block, new
identities, and how frequency and severity change week by week.

These are the behaviours stalking guidance asks people to document (persistence, contact at
night, switching numbers and apps after being blocked, rising frequency or severity). Each
result carries the event ids that show it. Nothing here decides what the behaviour means.
All functions take the rows of the events export and read them once; those that need time
order sort a slim copy (O(n log n)), never the rows themselves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from nocontact.analysis._rows import (
    Row,
    identifier_key,
    is_after,
    is_attempt,
    is_block,
    local_day,
    require_aware,
    utc_of,
    week_start,
)
from nocontact.analysis.counts import Figure, Moment
from nocontact.analysis.flags import RuleSet, flags_for_row

__all__ = [
    "DEFAULT_NIGHT",
    "SEVERE_FLAGS",
    "Burst",
    "Escalation",
    "IdentitySeen",
    "RouteSwitch",
    "WeekFigures",
    "escalation",
    "find_bursts",
    "first_seen_identities",
    "hour_by_weekday",
    "is_night",
    "night_contacts",
    "switches_after_block",
]

#: Default night: 22:00 to 06:00 local time (start inclusive, end exclusive).
DEFAULT_NIGHT: tuple[time, time] = (time(22, 0), time(6, 0))
#: Flags whose appearance marks a rise in severity (the risk signals SAFETY_FACTS names).
SEVERE_FLAGS: tuple[str, ...] = ("threat", "self_harm", "surveillance")
WEEKDAYS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

GroupBy = Literal["channel_identifier", "identifier", "party"]


# ---- bursts ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Burst:
    """At least ``min_count`` attempts within ``window_minutes`` of each other, merged while they overlap."""

    channel: str | None
    identifier: str | None
    first_utc: str
    last_utc: str
    event_ids: tuple[int, ...]
    window_minutes: float
    min_count: int

    @property
    def count(self) -> int:
        return len(self.event_ids)

    @property
    def span_minutes(self) -> float:
        return (datetime.fromisoformat(self.last_utc) - datetime.fromisoformat(self.first_utc)).total_seconds() / 60

    def as_json(self) -> dict[str, Any]:
        return {"channel": self.channel, "identifier": self.identifier, "first_utc": self.first_utc,
                "last_utc": self.last_utc, "count": self.count, "span_minutes": round(self.span_minutes, 1),
                "window_minutes": self.window_minutes, "min_count": self.min_count,
                "event_ids": list(self.event_ids)}


def find_bursts(rows: Iterable[Row], boundary: datetime | None = None, *,
                window: timedelta = timedelta(minutes=60), min_count: int = 5,
                group_by: GroupBy = "channel_identifier") -> list[Burst]:
    """Bursts of attempts after ``boundary``: every attempt that starts a ``window`` holding at
    least ``min_count`` attempts, together with those attempts; overlapping windows merge.

    By default attempts are grouped per channel and identifier ("25 calls from one number");
    ``group_by="identifier"`` joins channels of one identifier, ``"party"`` joins everything.
    Two pointers over each group's sorted times: O(n log n) for the sort, O(n) after.
    """
    require_aware("boundary", boundary)
    if min_count < 2:
        raise ValueError("a burst needs min_count of at least 2")
    groups: dict[tuple[str | None, str | None], list[tuple[datetime, int, str]]] = defaultdict(list)
    for row in rows:
        if not is_attempt(row) or not is_after(row, boundary):
            continue
        channel = str(row.get("channel") or "other")
        ident = identifier_key(row)
        key: tuple[str | None, str | None] = {
            "channel_identifier": (channel, ident), "identifier": (None, ident), "party": (None, None),
        }[group_by]
        groups[key].append((utc_of(row), int(row["event_id"]), str(row["utc"])))
    out: list[Burst] = []
    for (g_channel, g_ident), items in groups.items():
        items.sort()
        n = len(items)
        j = 0
        run_start = run_end = -1
        for i in range(n):
            j = max(j, i)
            while j + 1 < n and items[j + 1][0] - items[i][0] <= window:
                j += 1
            if j - i + 1 < min_count:
                continue
            if run_start >= 0 and i <= run_end:
                run_end = max(run_end, j)
            else:
                if run_start >= 0:
                    out.append(_burst(items, run_start, run_end, g_channel, g_ident, window, min_count))
                run_start, run_end = i, j
        if run_start >= 0:
            out.append(_burst(items, run_start, run_end, g_channel, g_ident, window, min_count))
    out.sort(key=lambda b: (b.first_utc, b.channel or "", b.identifier or ""))
    return out


def _burst(items: list[tuple[datetime, int, str]], a: int, b: int, channel: str | None, ident: str | None,
           window: timedelta, min_count: int) -> Burst:
    part = items[a:b + 1]
    return Burst(channel, ident, part[0][2], part[-1][2], tuple(x[1] for x in part),
                 window.total_seconds() / 60, min_count)


# ---- night-time ------------------------------------------------------------------------------
def is_night(local_time: time, night: tuple[time, time] = DEFAULT_NIGHT) -> bool:
    """Whether a local wall-clock time falls in ``night`` (which may wrap past midnight)."""
    start, end = night
    t = local_time.replace(tzinfo=None)
    if start <= end:
        return start <= t < end
    return t >= start or t < end


def night_contacts(rows: Iterable[Row], boundary: datetime | None, tz: ZoneInfo, *,
                   night: tuple[time, time] = DEFAULT_NIGHT) -> Figure:
    """Attempts after the boundary at night, local time in ``tz`` (default 22:00-06:00)."""
    require_aware("boundary", boundary)
    fig = Figure()
    for row in rows:
        if is_attempt(row) and is_after(row, boundary) and is_night(utc_of(row).astimezone(tz).time(), night):
            fig.add(int(row["event_id"]))
    return fig


def hour_by_weekday(rows: Iterable[Row], boundary: datetime | None, tz: ZoneInfo) -> dict[str, Figure]:
    """Attempts after the boundary per local weekday and hour, keyed ``"Mon 22"`` (non-empty cells only)."""
    require_aware("boundary", boundary)
    cells: dict[str, Figure] = {}
    for row in rows:
        if is_attempt(row) and is_after(row, boundary):
            lt = utc_of(row).astimezone(tz)
            key = f"{WEEKDAYS[lt.weekday()]} {lt.hour:02d}"
            cells.setdefault(key, Figure()).add(int(row["event_id"]))
    return {k: cells[k] for k in sorted(cells, key=lambda k: (WEEKDAYS.index(k[:3]), k[4:]))}


# ---- new routes after a block, new identities ------------------------------------------------
@dataclass(frozen=True, slots=True)
class RouteSwitch:
    """A channel/identifier the ex first used after the person blocked them somewhere."""

    channel: str
    identifier: str
    first: Moment
    after_block: Moment
    new_identifier: bool

    def as_json(self) -> dict[str, Any]:
        return {"channel": self.channel, "identifier": self.identifier, "first": self.first.as_json(),
                "after_block": self.after_block.as_json(), "new_identifier": self.new_identifier}


def switches_after_block(rows: Iterable[Row]) -> list[RouteSwitch]:
    """Routes (channel + identifier) of attempts first seen after a block, with the block before them.

    A block is a blocked call from the ex (call type 6) or a chat notice "You blocked this contact".
    """
    # (time, order, id, utc, channel, identifier); at one instant an attempt sorts before a block, so
    # a blocked call's own route is "seen" before the block it marks.
    events: list[tuple[datetime, int, int, str, str, str]] = []
    for row in rows:
        if is_attempt(row):
            events.append((utc_of(row), 0, int(row["event_id"]), str(row["utc"]),
                           str(row.get("channel") or "other"), identifier_key(row)))
        if is_block(row):
            events.append((utc_of(row), 1, int(row["event_id"]), str(row["utc"]), "", ""))
    events.sort()
    seen_routes: set[tuple[str, str]] = set()
    seen_idents: set[str] = set()
    last_block: Moment | None = None
    out: list[RouteSwitch] = []
    for _t, order, eid, utc, channel, ident in events:
        if order == 1:
            last_block = Moment(utc, eid)
            continue
        route = (channel, ident)
        if route in seen_routes:
            continue
        seen_routes.add(route)
        if last_block is not None:
            out.append(RouteSwitch(channel, ident, Moment(utc, eid), last_block, ident not in seen_idents))
        seen_idents.add(ident)
    return out


@dataclass(frozen=True, slots=True)
class IdentitySeen:
    """When one of the ex's identifiers first and last appeared, on which channels, how often."""

    identifier: str
    first: Moment
    last: Moment
    channels: tuple[str, ...]
    events: Figure
    first_after_boundary: bool

    def as_json(self) -> dict[str, Any]:
        return {"identifier": self.identifier, "first": self.first.as_json(), "last": self.last.as_json(),
                "channels": list(self.channels), "events": self.events.as_json(),
                "first_after_boundary": self.first_after_boundary}


def first_seen_identities(rows: Iterable[Row], boundary: datetime | None = None) -> list[IdentitySeen]:
    """Every identifier of the ex's messages, calls and reactions, in order of first appearance."""
    require_aware("boundary", boundary)
    acc: dict[str, list[tuple[datetime, int, str, str]]] = defaultdict(list)
    for row in rows:
        if row.get("party") is None or row.get("retracted") or not row.get("identifier"):
            continue
        if row.get("category") not in ("message", "call", "reaction"):
            continue
        acc[str(row["identifier"])].append((utc_of(row), int(row["event_id"]), str(row["utc"]),
                                            str(row.get("channel") or "other")))
    out = []
    for ident, items in acc.items():
        items.sort()
        fig = Figure([x[1] for x in items])
        out.append(IdentitySeen(ident, Moment(items[0][2], items[0][1]), Moment(items[-1][2], items[-1][1]),
                                tuple(sorted({x[3] for x in items})), fig,
                                boundary is not None and items[0][0] > boundary))
    out.sort(key=lambda s: (s.first.utc, s.identifier))
    return out


# ---- escalation ------------------------------------------------------------------------------
@dataclass(slots=True)
class WeekFigures:
    """One local week (labelled by its Monday): attempts and, per flag, the attempts that raised it."""

    week: str
    attempts: Figure = field(default_factory=Figure)
    flagged: dict[str, Figure] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"week": self.week, "attempts": self.attempts.as_json(),
                "flagged": {k: self.flagged[k].as_json() for k in sorted(self.flagged)}}


@dataclass(slots=True)
class Escalation:
    """Weekly attempts and flags after the boundary, and where frequency or severity rose.

    ``frequency_rose``: some later week had more attempts than the first week (ids: that week's).
    ``severity_steps``: the first appearance of each severe flag (threat, self-harm, surveillance)
    after the first week with attempts. Both are descriptions, not predictions.
    """

    weeks: list[WeekFigures]
    first_by_flag: dict[str, Moment]
    severity_steps: list[tuple[str, Moment]]
    busiest_week: str | None
    frequency_rose: bool

    def as_json(self) -> dict[str, Any]:
        return {"weeks": [w.as_json() for w in self.weeks],
                "first_by_flag": {k: v.as_json() for k, v in sorted(self.first_by_flag.items())},
                "severity_steps": [{"flag": f, **m.as_json()} for f, m in self.severity_steps],
                "busiest_week": self.busiest_week, "frequency_rose": self.frequency_rose}


def escalation(rows: Iterable[Row], boundary: datetime | None, tz: ZoneInfo,
               rules: RuleSet | None = None, *,
               known_flags: Mapping[int, Collection[str]] | None = None) -> Escalation:
    """Week-by-week attempts and flags after the boundary, empty weeks included (for charts).

    ``known_flags`` (event id -> flags) skips scanning text already scanned by the caller.
    """
    require_aware("boundary", boundary)
    items: list[tuple[datetime, int, str, tuple[str, ...]]] = []
    for row in rows:
        if is_attempt(row) and is_after(row, boundary):
            if known_flags is not None:
                flags = tuple(sorted(known_flags.get(int(row["event_id"]), ())))
            else:
                flags = tuple(sorted({h.flag for h in flags_for_row(row, rules)}))
            items.append((utc_of(row), int(row["event_id"]), str(row["utc"]), flags))
    items.sort()
    if not items:
        return Escalation([], {}, [], None, False)
    first_week = week_start(local_day(items[0][0], tz))
    last_week = week_start(local_day(items[-1][0], tz))
    weeks: dict[str, WeekFigures] = {}
    w = first_week
    while w <= last_week:
        weeks[w.isoformat()] = WeekFigures(w.isoformat())
        w += timedelta(days=7)
    first_by_flag: dict[str, Moment] = {}
    first_week_of_flag: dict[str, str] = {}
    for t, eid, utc, flags in items:
        wk = week_start(local_day(t, tz)).isoformat()
        wf = weeks[wk]
        wf.attempts.add(eid)
        for f in flags:
            wf.flagged.setdefault(f, Figure()).add(eid)
            if f not in first_by_flag:
                first_by_flag[f] = Moment(utc, eid)
                first_week_of_flag[f] = wk
    ordered = list(weeks.values())
    steps = sorted(((f, m) for f, m in first_by_flag.items()
                    if f in SEVERE_FLAGS and first_week_of_flag[f] != first_week.isoformat()),
                   key=lambda fm: fm[1].utc)
    busiest = max(ordered, key=lambda wf: wf.attempts.count)  # the earliest on ties
    rose = any(wf.attempts.count > ordered[0].attempts.count for wf in ordered[1:])
    return Escalation(ordered, first_by_flag, steps, busiest.week, rose)
