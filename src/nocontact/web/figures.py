"""The numbers the pages show, computed in SQL so a 100,000-event vault renders quickly.

Stand-in until ``nocontact.analysis`` lands: the events table holds only the ex's events unless
an import kept unrelated ones, so "from them" here means incoming, missed, rejected or blocked
contact stored in the vault. Retracted events never count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

__all__ = [
    "CONTACT_DIRECTIONS",
    "THREAT_WORDS",
    "Counters",
    "counters",
    "flags_for",
    "monthly_counts",
    "threat_like",
    "weekly_counts",
]

CONTACT_DIRECTIONS = ("incoming", "missed", "rejected", "blocked", "voicemail")
_CONTACT_CATEGORIES = ("message", "call", "incident", "attachment")
_NOT_RETRACTED = "id NOT IN (SELECT event_id FROM retractions)"

#: A plain word check, shown as "possible threat words": the person reads the message to judge.
THREAT_WORDS: tuple[str, ...] = ("kill", "hurt", "die", "dead", "gun", "knife", "regret", "make you pay",
                                 "watching you", "know where you", "can't have you", "burn", "destroy you",
                                 "sorry you'll be", "you'll be sorry")
_THREAT_RE = re.compile(r"\b(" + "|".join(re.escape(w) for w in THREAT_WORDS) + r")\b", re.IGNORECASE)


def threat_like(text: str | None) -> bool:
    return bool(text and _THREAT_RE.search(text))


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


@dataclass(frozen=True)
class Counters:
    last_from_them: datetime | None
    last_from_me: datetime | None
    total_from_them: int
    after_boundary: int
    boundary: datetime | None

    def days_since_them(self, today: date) -> int | None:
        return None if self.last_from_them is None else (today - self.last_from_them.date()).days

    def days_since_me(self, today: date) -> int | None:
        return None if self.last_from_me is None else (today - self.last_from_me.date()).days


def _dt(us: int | None) -> datetime | None:
    return None if us is None else datetime.fromtimestamp(us / 1_000_000, UTC)


def counters(conn: Any, boundary: datetime | None) -> Counters:
    b_us = int(boundary.timestamp() * 1_000_000) if boundary else None
    row = conn.execute(
        "SELECT max(occurred_us), count(*), sum(CASE WHEN occurred_us > ? THEN 1 ELSE 0 END) FROM events "  # noqa: S608
        f"WHERE direction IN {_in(CONTACT_DIRECTIONS)} AND category IN {_in(_CONTACT_CATEGORIES)} "
        f"AND {_NOT_RETRACTED}", (b_us if b_us is not None else 2**62,)).fetchone()
    mine = conn.execute(
        "SELECT max(occurred_us) FROM events WHERE direction = 'outgoing' "  # noqa: S608
        f"AND category IN ('message', 'call') AND {_NOT_RETRACTED}").fetchone()
    return Counters(_dt(row[0]), _dt(mine[0]), int(row[1] or 0), int(row[2] or 0), boundary)


def weekly_counts(conn: Any, end: date, weeks: int = 12) -> list[tuple[date, int]]:
    """Contact from them per week (Monday to Sunday), the ``weeks`` weeks up to ``end``."""
    last_monday = end - timedelta(days=end.weekday())
    first = last_monday - timedelta(weeks=weeks - 1)
    start_us = int(datetime(first.year, first.month, first.day, tzinfo=UTC).timestamp() * 1_000_000)
    week_us = 7 * 86_400 * 1_000_000
    rows = conn.execute(
        "SELECT (occurred_us - ?) / ?, count(*) FROM events WHERE occurred_us >= ? "  # noqa: S608
        f"AND direction IN {_in(CONTACT_DIRECTIONS)} AND category IN {_in(_CONTACT_CATEGORIES)} "
        f"AND {_NOT_RETRACTED} GROUP BY 1", (start_us, week_us, start_us)).fetchall()
    by = {int(r[0]): int(r[1]) for r in rows}
    return [(first + timedelta(weeks=i), by.get(i, 0)) for i in range(weeks)]


def monthly_counts(conn: Any) -> list[tuple[str, int]]:
    """Contact from them per calendar month (UTC), oldest first, months without contact included."""
    days = conn.execute(
        "SELECT occurred_us / 86400000000, count(*) FROM events "  # noqa: S608
        f"WHERE direction IN {_in(CONTACT_DIRECTIONS)} AND category IN {_in(_CONTACT_CATEGORIES)} "
        f"AND {_NOT_RETRACTED} GROUP BY 1 ORDER BY 1").fetchall()
    months: dict[str, int] = {}
    for day, n in days:
        key = (date(1970, 1, 1) + timedelta(days=int(day))).strftime("%Y-%m")
        months[key] = months.get(key, 0) + int(n)
    rows = sorted(months.items())
    if not rows:
        return []
    by = {str(r[0]): int(r[1]) for r in rows}
    y, m = map(int, rows[0][0].split("-"))
    ly, lm = map(int, rows[-1][0].split("-"))
    out: list[tuple[str, int]] = []
    while (y, m) <= (ly, lm):
        key = f"{y:04d}-{m:02d}"
        out.append((key, by.get(key, 0)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def flags_for(row: dict[str, Any], boundary: datetime | None, flagged_ids: set[int]) -> list[str]:
    """Short flags for one event: plain words, never a verdict."""
    out: list[str] = []
    if boundary is not None and row["occurred_us"] > boundary.timestamp() * 1_000_000 \
            and row["direction"] in CONTACT_DIRECTIONS:
        out.append("after your boundary")
    if threat_like(row.get("body")):
        out.append("possible threat words")
    if row.get("n_attachments"):
        out.append("attachment")
    if row["id"] in flagged_ids:
        out.append("flagged by a helper")
    if row.get("origin") == "manual":
        out.append("logged by you")
    return out
