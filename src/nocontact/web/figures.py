"""The short flags shown on timeline rows and entries: plain words, never a verdict.

Text flags are those of ``nocontact.analysis.flags`` (the rules the report and the events export
use), worded for the person; the others say where an entry stands (after the boundary, has an
attachment, flagged by a helper, logged by you). Counts and charts live in ``derived.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nocontact.analysis import FLAGS, row_flag_names

__all__ = ["CONTACT_DIRECTIONS", "TEXT_FLAG_WORDS", "flags_for", "sql_in"]

CONTACT_DIRECTIONS = ("incoming", "missed", "rejected", "blocked", "voicemail")

#: How each analysis flag reads on a page (a prompt to look, not a finding).
TEXT_FLAG_WORDS: dict[str, str] = {
    "threat": "possible threat words", "self_harm": "mentions self-harm", "surveillance": "possible watching",
    "workplace": "mentions your work", "demand_response": "demands a reply", "third_party": "through others",
}
assert set(TEXT_FLAG_WORDS) == set(FLAGS), "every analysis flag needs its words"


def sql_in(values: tuple[str, ...]) -> str:
    """A SQL ``IN`` list of fixed, known words (never user input)."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def flags_for(row: dict[str, Any], boundary: datetime | None, flagged_ids: set[int]) -> list[str]:
    """Short flags for one event (``row`` with ``subject`` and ``body``), in plain words."""
    out: list[str] = []
    if boundary is not None and row["occurred_us"] > boundary.timestamp() * 1_000_000 \
            and row["direction"] in CONTACT_DIRECTIONS:
        out.append("after your boundary")
    out.extend(TEXT_FLAG_WORDS[f] for f in row_flag_names({"subject": row.get("subject"), "body": row.get("body")}))
    if row.get("n_attachments"):
        out.append("attachment")
    if row["id"] in flagged_ids:
        out.append("flagged by a helper")
    if row.get("origin") == "manual":
        out.append("logged by you")
    return out
