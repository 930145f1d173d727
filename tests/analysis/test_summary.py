"""The summary bundles every figure with its event ids and survives JSON."""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from nocontact.analysis import summarise
from tests.analysis.rowkit import at, call, mine, row

LA = ZoneInfo("America/Los_Angeles")
BOUNDARY = at("2025-02-04T03:00")


def _counts(node: Any) -> list[dict[str, Any]]:
    """Every {"count", "event_ids"} figure anywhere in the JSON."""
    if isinstance(node, dict):
        found = [node] if "count" in node and "event_ids" in node else []
        return found + [f for v in node.values() for f in _counts(v)]
    if isinstance(node, list):
        return [f for v in node for f in _counts(v)]
    return []


def test_the_summary_is_json_and_every_count_traces_to_ids() -> None:
    """as_json() round-trips through json, and each count equals the number of ids behind it."""
    rows = [mine(1, "2025-02-03T20:00"), row(2, "2025-02-05T07:00", body="Answer me"),
            *[call(10 + i, f"2025-02-06T20:{i:02d}") for i in range(5)], mine(20, "2025-02-07T20:00")]
    s = summarise(iter(rows), BOUNDARY, LA, at("2025-02-10T20:00"))
    j = json.loads(json.dumps(s.as_json()))
    assert j["attempts_after_boundary"]["total"] == {"count": 6, "event_ids": [2, 10, 11, 12, 13, 14]}
    assert j["own_contacts_after_boundary"]["event_ids"] == [20]
    assert j["flagged"]["demand_response"]["event_ids"] == [2]
    assert j["flag_hits"]["2"][0]["text"] == "Answer me"
    assert j["night"]["event_ids"] == [2]
    assert j["bursts"][0]["event_ids"] == [10, 11, 12, 13, 14]
    assert j["days_since_last_attempt"] == 4
    figures = _counts(j)
    assert figures and all(f["count"] == len(f["event_ids"]) for f in figures)
