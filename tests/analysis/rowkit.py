"""Building small events-export rows by hand, so each analysis test states only what matters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from nocontact.eventlog import EXPORT_FIELDS
from nocontact.model import format_utc

EX = "Casey"


def at(text: str) -> datetime:
    """A UTC instant from ``YYYY-MM-DDTHH:MM[:SS]``."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def row(event_id: int, when: str, *, category: str = "message", channel: str = "sms",
        direction: str = "incoming", party: str | None = EX, identifier: str | None = "+15550100",
        body: str | None = None, subject: str | None = None, call_type: int | None = None,
        retracted: bool = False, **extra: Any) -> dict[str, Any]:
    """One row with every export field; the ex's incoming SMS unless told otherwise."""
    r: dict[str, Any] = {f: None for f in EXPORT_FIELDS}
    r.update({
        "event_id": event_id, "source": "test", "source_id": str(event_id), "utc": format_utc(at(when)),
        "kind": category, "category": category, "channel": channel, "direction": direction, "party": party,
        "identifier": identifier if party is not None else None, "after_boundary": False,
        "call_type": call_type, "body": body, "subject": subject, "attachments": [], "origin": "import",
        "revised": False, "retracted": retracted,
    })
    r.update(extra)
    return r


def call(event_id: int, when: str, *, call_type: int = 3, **kw: Any) -> dict[str, Any]:
    """A call from the ex (missed by default)."""
    kw.setdefault("channel", "call")
    return row(event_id, when, category="call", call_type=call_type, **kw)


def mine(event_id: int, when: str, **kw: Any) -> dict[str, Any]:
    """The person's own message to the ex."""
    return row(event_id, when, direction="outgoing", **kw)


def other(event_id: int, when: str, **kw: Any) -> dict[str, Any]:
    """A message from someone who is not the ex."""
    return row(event_id, when, party=None, identifier=None, **kw)
