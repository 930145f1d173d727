"""The analysis over the shared fixtures: totals, per-file figures and the burst match expected.json."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from nocontact.analysis import count_attempts, find_bursts, reactions, summarise


def _by_file(data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in data["rows"]:
        out.setdefault(r["source"], []).append(r)
    return out


def test_the_exs_attempts_after_the_boundary_total_168(fixture_rows: dict[str, Any]) -> None:
    """Over every fixture, the ex's incoming contacts after the boundary are the 168 expected.json states."""
    c = count_attempts(fixture_rows["rows"], fixture_rows["boundary"], fixture_rows["tz"])
    assert c.total.count == fixture_rows["expected"]["totals"]["ex_incoming_after_boundary_sum_over_files"]


def test_per_file_attempts_first_and_call_types_match(fixture_rows: dict[str, Any]) -> None:
    """Per file: incoming after the boundary, the first such time, and calls by type after the boundary."""
    files = _by_file(fixture_rows)
    for relpath, want in fixture_rows["expected"]["files"].items():
        c = count_attempts(files.get(relpath, []), fixture_rows["boundary"], fixture_rows["tz"])
        assert c.total.count == want["ex"]["incoming_after_boundary"], relpath
        if c.first is not None:
            assert c.first.utc == want["ex"]["first_incoming_after_boundary_utc"], relpath
        assert {k: v.count for k, v in c.calls_by_type.items()} == want["ex"].get(
            "calls_after_boundary_by_type", {}), relpath


def test_reactions_after_the_boundary_are_counted_apart(fixture_rows: dict[str, Any]) -> None:
    """The chat.db tapback after the boundary is counted as a reaction, not an attempt."""
    want = fixture_rows["expected"]["files"]["Library/Messages/chat.db"]["ex"]["reactions_after_boundary"]
    assert reactions(fixture_rows["rows"], fixture_rows["boundary"]).count == want


def test_the_burst_finder_returns_exactly_the_expected_burst(fixture_rows: dict[str, Any]) -> None:
    """With a 60-minute window, the 25 calls from the second number are one burst with exactly the expected ids."""
    source_of = {r["event_id"]: (r["source"], r["source_id"]) for r in fixture_rows["rows"]}
    bursts = find_bursts(fixture_rows["rows"], fixture_rows["boundary"])
    got = [[source_of[i] for i in b.event_ids] for b in bursts]
    for relpath, want in fixture_rows["expected"]["files"].items():
        for expected_burst in want.get("bursts") or []:
            ids = [(relpath, i) for i in expected_burst["ids"]]
            assert ids in got, f"{relpath}: burst {expected_burst['first_utc']} not found exactly"
            [b] = [b for b in bursts if [source_of[i] for i in b.event_ids] == ids]
            assert b.first_utc == expected_burst["first_utc"]
            assert b.identifier == expected_burst["identifier"]


def test_the_summary_over_the_fixtures_is_json(fixture_rows: dict[str, Any]) -> None:
    """summarise over everything gives 168 attempts, the new numbers after the block, and valid JSON."""
    s = summarise(fixture_rows["rows"], fixture_rows["boundary"], fixture_rows["tz"],
                  datetime(2025, 3, 22, 17, 15, 30, tzinfo=UTC))
    j = json.loads(json.dumps(s.as_json()))
    assert j["attempts_after_boundary"]["total"]["count"] == 168
    assert j["attempts_after_boundary"]["two_or_more_acts"]
    switched = {(x["channel"], x["identifier"]) for x in j["route_switches_after_block"]}
    assert {("call", "+16285550142"), ("email", "jb.burner@example.net")} <= switched
    threat = next(x for x in j["risk"]["signals"] if x["key"] == "threats")
    assert threat["present"] and j["risk"]["show_hotlines"]
