"""Moving forward: how long it has been, and whether contact is fading, as of a given ``now``.

For the person, not the court: "12 days since their last attempt" is something to hold on to.
``now`` is always passed in (never read from the clock here) so the figures are reproducible and
testable. Days are counted in local calendar days in the case's zone: an attempt yesterday
evening is "1 day ago" this morning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from nocontact.analysis._rows import (
    Row,
    is_after,
    is_attempt,
    is_own_contact,
    local_day,
    require_aware,
    utc_of,
    week_start,
)
from nocontact.analysis.counts import Figure, Moment

__all__ = ["Progress", "WeekCount", "days_between", "progress"]


@dataclass(frozen=True, slots=True)
class WeekCount:
    """Attempts in one local week (labelled by its Monday)."""

    week: str
    attempts: Figure

    def as_json(self) -> dict[str, Any]:
        return {"week": self.week, "attempts": self.attempts.as_json()}


@dataclass(frozen=True, slots=True)
class Progress:
    """Days since their last attempt and since the person's own last contact, and recent weeks."""

    now: str
    last_attempt: Moment | None
    days_since_last_attempt: int | None
    last_own_contact: Moment | None
    days_since_last_own_contact: int | None
    weeks: tuple[WeekCount, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {"now": self.now,
                "last_attempt": self.last_attempt.as_json() if self.last_attempt else None,
                "days_since_last_attempt": self.days_since_last_attempt,
                "last_own_contact": self.last_own_contact.as_json() if self.last_own_contact else None,
                "days_since_last_own_contact": self.days_since_last_own_contact,
                "weeks": [w.as_json() for w in self.weeks]}


def days_between(earlier: datetime, now: datetime, tz: ZoneInfo) -> int:
    """Local calendar days from ``earlier`` to ``now`` (0 = the same day)."""
    return (local_day(now, tz) - local_day(earlier, tz)).days


def progress(rows: Iterable[Row], boundary: datetime | None, tz: ZoneInfo, now: datetime, *,
             weeks: int = 8) -> Progress:
    """Progress as of ``now``: their attempts after the boundary, the person's own contacts at any time.

    Events later than ``now`` are ignored, so "as of" a past date is what it was that day.
    """
    require_aware("boundary", boundary)
    require_aware("now", now)
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    this_week = week_start(local_day(now, tz))
    first_week = this_week - timedelta(days=7 * (weeks - 1))
    table = {(first_week + timedelta(days=7 * i)).isoformat(): Figure() for i in range(weeks)}
    last_t: datetime | None = None
    last: Moment | None = None
    own_t: datetime | None = None
    own: Moment | None = None
    for row in rows:
        t = utc_of(row)
        if t > now:
            continue
        if is_attempt(row) and is_after(row, boundary):
            if last_t is None or t >= last_t:
                last_t, last = t, Moment(str(row["utc"]), int(row["event_id"]))
            wk = week_start(local_day(t, tz)).isoformat()
            if wk in table:
                table[wk].add(int(row["event_id"]))
        elif is_own_contact(row) and (own_t is None or t >= own_t):
            own_t, own = t, Moment(str(row["utc"]), int(row["event_id"]))
    return Progress(
        now=now.isoformat(),
        last_attempt=last,
        days_since_last_attempt=days_between(last_t, now, tz) if last_t else None,
        last_own_contact=own,
        days_since_last_own_contact=days_between(own_t, now, tz) if own_t else None,
        weeks=tuple(WeekCount(k, v) for k, v in table.items()),
    )
