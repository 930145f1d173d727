"""A vault with every shared fixture imported (unrelated records kept), built once per session."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="session")
def fixture_rows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from nocontact.eventlog import event_dicts
    from nocontact.ingest import Planned, context_for_vault, import_planned, plan_sources
    from nocontact.vault.events import current_boundary, current_case, iter_events, save_case, set_boundary
    from nocontact.vault.store import Vault
    from tests.support import FIXTURES, case_from_expected, fixtures_present, load_expected

    if not fixtures_present():
        pytest.skip(f"shared fixtures not present at {FIXTURES} (they exist only on developer and CI machines)")
    expected = load_expected()
    v, _ = Vault.create(tmp_path_factory.mktemp("analysis") / "vault", "pw", fast_kdf=True)
    try:
        case = case_from_expected(expected)
        save_case(v, case)
        ctx = context_for_vault(v)
        for item in plan_sources([FIXTURES]):
            if isinstance(item, Planned):
                import_planned(v, item, ctx, keep_unrelated=True)
        b = expected["boundary"]
        events = [e for e in iter_events(v) if e["source_display"] == b["file"] and e["source_pos"] == b["id"]]
        assert len(events) == 1, "the boundary record is in the vault"
        set_boundary(v, events[0].utc, event_id=events[0].id)
        boundary = current_boundary(v)
        assert boundary is not None
        rows = list(event_dicts(iter_events(v), current_case(v), boundary[0]))
    finally:
        v.close()
    return {"expected": expected, "rows": rows, "boundary": boundary[0], "tz": case.zone()}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the flags precision/recall table in the test output, not only with -s."""
    from tests.analysis.flag_table import TABLES

    for table in TABLES:
        terminalreporter.write_sep("-", "flags: precision and recall against expected.json")
        terminalreporter.write_line(table)
