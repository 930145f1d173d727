"""Local wall-clock times without a zone, read in the zone the case gives.

When the clocks go back, an hour of wall times happens twice, and the file does not say which
time it meant. The file's own order decides: a time is the second of the two when the first would
step back from the message before it; otherwise it is the first. Either way the record says so.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["REPEATED_KEY", "read_local"]

#: The ``extra`` member naming which of two equal wall times a record was read as.
REPEATED_KEY = "repeated_local_time"


def read_local(local: datetime, last: datetime | None) -> tuple[datetime, str | None]:
    """(UTC instant, note for ``extra`` or None) of ``local`` (aware, fold 0), given the instant of
    the message before it in the same chat (or None)."""
    first = local.astimezone(UTC)
    second = local.replace(fold=1).astimezone(UTC)
    if second <= first:
        return first, None
    if last is not None and first < last <= second:
        return second, "the second time the clock showed it"
    return first, "the first time the clock showed it"
