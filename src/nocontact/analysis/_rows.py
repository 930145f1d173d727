"""What an events-export row *is* for counting: an attempt, the person's own contact, a block.

Every analysis function reads the rows ``nocontact.eventlog.event_dicts`` yields, so each figure
can be traced back to exported events by ``event_id``. The definitions live here, once:

* attempt: an event of the ex (``party`` set) that came in (``direction`` incoming) as a
  message or call of any type (missed, rejected and blocked calls count), or an incident the
  person logged. Reactions (tapbacks) are counted apart; system notices never count.
* own contact: the person's outgoing message or call to the ex.
* after the boundary: strictly later than the boundary; with no boundary, every event counts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

Row = Mapping[str, Any]

#: Call type 6 in SMS Backup & Restore is "blocked" (see the fixtures' conventions).
BLOCKED_CALL_TYPE = 6
#: A chat notice that the person blocked the contact (WhatsApp, English and German wording).
BLOCK_NOTICE = re.compile(r"\b(?:you blocked this contact|du hast diesen kontakt blockiert)", re.IGNORECASE)
#: Key used in per-identifier tables for events without an identifier (the person's own log).
NO_IDENTIFIER = "(no identifier)"
LOGGED_BY_YOU = "(logged by you)"


@lru_cache(maxsize=65536)
def parse_utc(text: str) -> datetime:
    """An export's ``utc`` string (ISO-8601 with ``Z``) as an aware datetime."""
    return datetime.fromisoformat(text)


def utc_of(row: Row) -> datetime:
    return parse_utc(str(row["utc"]))


def _live(row: Row) -> bool:
    return not row.get("retracted")


def is_attempt(row: Row) -> bool:
    if not _live(row) or row.get("party") is None:
        return False
    cat = row.get("category")
    if cat == "incident":
        return True
    return cat in ("message", "call") and row.get("direction") == "incoming"


def is_own_contact(row: Row) -> bool:
    return (_live(row) and row.get("party") is not None and row.get("category") in ("message", "call")
            and row.get("direction") == "outgoing")


def is_reaction(row: Row) -> bool:
    return _live(row) and row.get("party") is not None and row.get("category") == "reaction"


def is_block(row: Row) -> bool:
    """A blocked call from the ex, or a chat notice that the person blocked someone."""
    if not _live(row):
        return False
    if row.get("category") == "call" and row.get("party") is not None and row.get("call_type") == BLOCKED_CALL_TYPE:
        return True
    return row.get("category") == "system" and bool(BLOCK_NOTICE.search(str(row.get("body") or "")))


def is_after(row: Row, boundary: datetime | None) -> bool:
    return boundary is None or utc_of(row) > boundary


def identifier_key(row: Row) -> str:
    ident = row.get("identifier")
    if ident:
        return str(ident)
    return LOGGED_BY_YOU if row.get("category") == "incident" else NO_IDENTIFIER


def local(dt: datetime, tz: ZoneInfo) -> datetime:
    return dt.astimezone(tz)


def local_day(dt: datetime, tz: ZoneInfo) -> date:
    return dt.astimezone(tz).date()


def week_start(day: date) -> date:
    """The Monday of ``day``'s week (ISO weeks), used as the week's label."""
    return day - timedelta(days=day.weekday())


def require_aware(name: str, dt: datetime | None) -> None:
    if dt is not None and dt.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware (got {dt.isoformat()}); pass UTC or the case zone")
