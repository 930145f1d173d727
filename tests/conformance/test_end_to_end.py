"""The whole pipeline against the shared fixtures: import everything, export events, compare.

Runs only where ../shared/fixtures exists (developer and CI machines); says so plainly otherwise.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from nocontact.eventlog import event_dicts
from nocontact.ingest import Planned, context_for_vault, import_planned, plan_sources
from nocontact.vault.events import current_boundary, current_case, iter_events, save_case, set_boundary
from nocontact.vault.store import Vault
from nocontact.vault.verify import verify_vault
from tests.support import case_from_expected, load_expected


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from tests.support import FIXTURES, fixtures_present

    if not fixtures_present():
        pytest.skip(f"shared fixtures not present at {FIXTURES} (they exist only on developer and CI machines)")
    expected = load_expected()
    v, _ = Vault.create(tmp_path_factory.mktemp("e2e") / "vault", "pw", fast_kdf=True)
    save_case(v, case_from_expected(expected))
    ctx = context_for_vault(v)
    summaries = {}
    skipped = {}
    for item in plan_sources([FIXTURES]):
        if isinstance(item, Planned):
            summaries[item.source.display] = import_planned(v, item, ctx)
        else:
            skipped[item.display] = item.reason
    b = expected["boundary"]
    events = [e for e in iter_events(v) if e["source_display"] == b["file"] and e["source_pos"] == b["id"]]
    assert len(events) == 1, "the boundary record is in the vault"
    set_boundary(v, events[0].utc, event_id=events[0].id)
    rows = list(event_dicts(iter_events(v), current_case(v), current_boundary(v)[0], ex_only=True))  # type: ignore[index]
    report = verify_vault(v)
    again = {item.source.display: import_planned(v, item, ctx) for item in plan_sources([FIXTURES])
             if isinstance(item, Planned)}
    v.close()
    return {"expected": expected, "summaries": summaries, "skipped": skipped, "rows": rows,
            "verify": report, "again": again}


def _files() -> list[str]:
    from tests.support import fixtures_present

    return sorted(load_expected()["files"]) if fixtures_present() else ["(fixtures absent)"]


@pytest.mark.parametrize("relpath", _files())
def test_each_fixture_imports_with_the_expected_figures(imported: dict[str, Any], relpath: str) -> None:
    """Every fixture file is recognised and its records, the ex's share and the skipped rest match expected.json."""
    want = imported["expected"]["files"][relpath]
    s = imported["summaries"][relpath]
    assert s.format == want["format"]
    assert s.records_read == want["records_total"]
    assert s.records_by_kind == want["records_by_kind"]
    assert s.attributed == want["ex"]["total"]
    assert s.skipped_unrelated == want["records_total"] - want["ex"]["total"]


@pytest.mark.parametrize("relpath", _files())
def test_the_events_export_lists_the_exs_events_one_by_one(imported: dict[str, Any], relpath: str) -> None:
    """The events export has each of the ex's records with the expected id, time, direction and identifier."""
    want = imported["expected"]["files"][relpath]
    rows = [r for r in imported["rows"] if r["source"] == relpath and r["category"] in ("message", "call")]
    got = sorted((r["source_id"], r["utc"], r["direction"], r["identifier"]) for r in rows)
    exp = sorted((e["id"], e["utc"], e["direction"], e["identifier"]) for e in want["ex_events"]
                 if e["category"] in ("message", "call"))
    assert got == exp
    after = Counter(r["direction"] for r in rows if r["after_boundary"])
    assert dict(after) == want["ex"]["after_boundary_by_direction"]


def test_the_incoming_total_after_the_boundary_matches(imported: dict[str, Any]) -> None:
    """The number a report leads with: the ex's incoming contacts after the boundary, over all files."""
    rows = imported["rows"]
    n = sum(1 for r in rows if r["after_boundary"] and r["direction"] == "incoming"
            and r["category"] in ("message", "call"))
    assert n == imported["expected"]["totals"]["ex_incoming_after_boundary_sum_over_files"]


def test_only_non_exports_are_skipped(imported: dict[str, Any]) -> None:
    """README, expected.json and the Messenger photo are the only files not imported."""
    assert set(imported["skipped"]) <= {"README.md", "expected.json"} | {
        k for k in imported["skipped"] if k.endswith(".jpg")}


def test_the_vault_verifies_and_reimport_adds_nothing(imported: dict[str, Any]) -> None:
    """After importing everything the vault is intact; importing it all again adds nothing."""
    assert imported["verify"].ok, imported["verify"].problems
    for display, s in imported["again"].items():
        assert s.added == 0, display
        assert s.already_in_vault == imported["summaries"][display].added
