"""Helpers the tests share: reading a source through the registry and computing the figures
that the fixtures' ``expected.json`` states, the same way for every format."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from nocontact.case import Case, case_from_json
from nocontact.identity import ExMatcher
from nocontact.importers import identify
from nocontact.importers.base import ImportContext
from nocontact.model import RECORD_CATEGORIES, Problem, Record, format_utc
from nocontact.sources import FileSource, Source

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(os.environ.get("NOCONTACT_FIXTURES", REPO.parent / "shared" / "fixtures"))


def fixtures_present() -> bool:
    return (FIXTURES / "expected.json").is_file()


def load_expected() -> dict[str, Any]:
    return json.loads((FIXTURES / "expected.json").read_text("utf-8"))


def case_from_expected(expected: dict[str, Any]) -> Case:
    return case_from_json(json.dumps({k: expected[k] for k in ("user", "ex", "source_timezone")}))


def context_for(case: Case, **kw: Any) -> ImportContext:
    return ImportContext(case=case, source_timezone=case.zone(), **kw)


def fixture_source(relpath: str) -> FileSource:
    p = FIXTURES / relpath
    return FileSource(p, FIXTURES, relpath)


def read_source(source: Source, ctx: ImportContext) -> tuple[list[Record], list[Problem]]:
    imp, _ = identify(source)
    records: list[Record] = []
    problems: list[Problem] = []
    for item in imp.read(source, ctx):
        (records if isinstance(item, Record) else problems).append(item)
    return records, problems


def figures(records: Iterable[Record], case: Case, boundary: datetime) -> dict[str, Any]:
    """The per-file figures of expected.json, computed from records."""
    everything = list(records)
    recs = [r for r in everything if r.category in RECORD_CATEGORIES]
    m = ExMatcher(case)
    ex_events = []
    by_dir: Counter[str] = Counter()
    after_by_dir: Counter[str] = Counter()
    by_ident: Counter[str] = Counter()
    for r in recs:
        a = m.attribute(r)
        if not a.is_ex:
            continue
        assert a.identifier is not None
        by_dir[r.direction] += 1
        by_ident[a.identifier] += 1
        if r.utc > boundary:
            after_by_dir[r.direction] += 1
        ex_events.append({"id": r.source_id, "utc": format_utc(r.utc), "category": r.category,
                          "kind": r.kind, "direction": r.direction, "identifier": a.identifier})
    return {
        "records_total": len(recs),
        "records_by_kind": dict(Counter(r.kind for r in recs)),
        "records_by_category": dict(Counter(r.category for r in recs)),
        "ex": {
            "total": sum(by_dir.values()),
            "by_direction": dict(by_dir),
            "after_boundary": sum(after_by_dir.values()),
            "after_boundary_by_direction": dict(after_by_dir),
            "by_identifier": dict(by_ident),
        },
        "ex_events": ex_events,
        "system_lines": sum(1 for r in everything if r.category == "system"),
        "reactions_total": sum(1 for r in everything if r.category == "reaction"),
        "ex_reactions": [
            {"id": r.source_id, "utc": format_utc(r.utc), "direction": r.direction,
             "identifier": m.attribute(r).identifier}
            for r in everything if r.category == "reaction" and m.attribute(r).is_ex
        ],
    }


def assert_matches_expected(relpath: str, records: list[Record], expected: dict[str, Any]) -> None:
    """Compare every figure the fixtures state for one file, and the ex's events one by one."""
    case = case_from_expected(expected)
    boundary = datetime.fromisoformat(expected["boundary"]["utc"].replace("Z", "+00:00"))
    want = expected["files"][relpath]
    got = figures(records, case, boundary)
    assert got["records_total"] == want["records_total"]
    assert got["records_by_kind"] == want["records_by_kind"]
    assert got["records_by_category"] == want["records_by_category"]
    for key in ("total", "by_direction", "after_boundary", "after_boundary_by_direction", "by_identifier"):
        assert got["ex"][key] == want["ex"][key], key
    want_events = sorted(({k: e[k] for k in ("id", "utc", "direction", "identifier")}
                          for e in want["ex_events"] if e.get("category") != "reaction"
                          and e.get("kind") != "tapback"), key=lambda e: (e["utc"], e["id"]))
    got_events = sorted(({k: e[k] for k in ("id", "utc", "direction", "identifier")}
                         for e in got["ex_events"]), key=lambda e: (e["utc"], e["id"]))
    assert got_events == want_events
    if "system_lines" in want:
        assert got["system_lines"] == want["system_lines"]
    if "reactions_total" in want:
        assert got["reactions_total"] == want["reactions_total"]
        want_r = sorted(({k: e[k] for k in ("id", "utc", "direction", "identifier")}
                         for e in want["ex_events"] if e.get("category") == "reaction"), key=lambda e: e["id"])
        assert sorted(got["ex_reactions"], key=lambda e: e["id"]) == want_r
