"""Counting the ex's attempts after the boundary, and the person's own contacts, honestly.

A court asks "how many times, by what means, on how many days, since when". Each answer here is a
``Figure``: the count together with the event ids behind it, so every number in a report can be
traced to rows of the events export. Days and weeks are calendar days in the case's time zone
(what the person lived through), weeks start on Monday and are labelled by that Monday's date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from nocontact.analysis._rows import (
    Row,
    identifier_key,
    is_after,
    is_attempt,
    is_own_contact,
    is_reaction,
    local_day,
    require_aware,
    utc_of,
    week_start,
)

__all__ = ["AttemptCounts", "Figure", "Moment", "count_attempts", "own_contacts", "reactions"]


@dataclass(slots=True)
class Figure:
    """A count and the ids of the events it counts (``count == len(event_ids)``)."""

    event_ids: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.event_ids)

    def add(self, event_id: int) -> None:
        self.event_ids.append(event_id)

    def as_json(self) -> dict[str, Any]:
        return {"count": self.count, "event_ids": list(self.event_ids)}


@dataclass(frozen=True, slots=True)
class Moment:
    """One event in time: when (UTC, as exported) and which event."""

    utc: str
    event_id: int

    def as_json(self) -> dict[str, Any]:
        return {"utc": self.utc, "event_id": self.event_id}


@dataclass(slots=True)
class AttemptCounts:
    """The ex's attempts after the boundary, broken down the ways a court asks for."""

    total: Figure = field(default_factory=Figure)
    by_channel: dict[str, Figure] = field(default_factory=dict)
    by_identifier: dict[str, Figure] = field(default_factory=dict)
    by_category: dict[str, Figure] = field(default_factory=dict)
    calls_by_type: dict[str, Figure] = field(default_factory=dict)
    by_day: dict[str, Figure] = field(default_factory=dict)
    by_week: dict[str, Figure] = field(default_factory=dict)
    first: Moment | None = None
    last: Moment | None = None

    @property
    def distinct_days(self) -> int:
        """Days (local calendar) with at least one attempt: course of conduct is two or more acts."""
        return len(self.by_day)

    @property
    def two_or_more_acts(self) -> bool:
        """Whether there are at least two acts: the threshold the law's "course of conduct" names."""
        return self.total.count >= 2

    def as_json(self) -> dict[str, Any]:
        def table(d: dict[str, Figure]) -> dict[str, Any]:
            return {k: d[k].as_json() for k in sorted(d)}

        return {
            "total": self.total.as_json(),
            "by_channel": table(self.by_channel),
            "by_identifier": table(self.by_identifier),
            "by_category": table(self.by_category),
            "calls_by_type": table(self.calls_by_type),
            "by_day": table(self.by_day),
            "by_week": table(self.by_week),
            "distinct_days": self.distinct_days,
            "days": sorted(self.by_day),
            "two_or_more_acts": self.two_or_more_acts,
            "first": self.first.as_json() if self.first else None,
            "last": self.last.as_json() if self.last else None,
        }


def _put(table: dict[str, Figure], key: str, event_id: int) -> None:
    fig = table.get(key)
    if fig is None:
        fig = table[key] = Figure()
    fig.add(event_id)


def count_attempts(rows: Iterable[Row], boundary: datetime | None, tz: ZoneInfo) -> AttemptCounts:
    """Attempts (see ``_rows``) strictly after ``boundary`` (all of them when it is None), one pass."""
    require_aware("boundary", boundary)
    c = AttemptCounts()
    first_t: datetime | None = None
    last_t: datetime | None = None
    for row in rows:
        if not is_attempt(row) or not is_after(row, boundary):
            continue
        eid = int(row["event_id"])
        t = utc_of(row)
        c.total.add(eid)
        _put(c.by_channel, str(row.get("channel") or "other"), eid)
        _put(c.by_identifier, identifier_key(row), eid)
        _put(c.by_category, str(row.get("category")), eid)
        if row.get("category") == "call" and row.get("call_type") is not None:
            _put(c.calls_by_type, str(row["call_type"]), eid)
        day = local_day(t, tz)
        _put(c.by_day, day.isoformat(), eid)
        _put(c.by_week, week_start(day).isoformat(), eid)
        if first_t is None or t < first_t:
            first_t, c.first = t, Moment(str(row["utc"]), eid)
        if last_t is None or t >= last_t:
            last_t, c.last = t, Moment(str(row["utc"]), eid)
    return c


def own_contacts(rows: Iterable[Row], boundary: datetime | None) -> Figure:
    """The person's own messages and calls to the ex after the boundary, shown as plainly as theirs."""
    require_aware("boundary", boundary)
    fig = Figure()
    for row in rows:
        if is_own_contact(row) and is_after(row, boundary):
            fig.add(int(row["event_id"]))
    return fig


def reactions(rows: Iterable[Row], boundary: datetime | None) -> Figure:
    """The ex's reactions (tapbacks) after the boundary: contact, but counted apart from attempts."""
    require_aware("boundary", boundary)
    fig = Figure()
    for row in rows:
        if is_reaction(row) and is_after(row, boundary):
            fig.add(int(row["event_id"]))
    return fig
