"""Vaults for the report tests: one from the shared fixtures (skipped plainly when absent) and one
from the package's own fictional samples, each with its boundary set; built once per module."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from nocontact.case import case_from_json
from nocontact.demo import write_all_samples
from nocontact.ingest import Planned, context_for_vault, import_planned, plan_sources
from nocontact.samples import DEMO_BOUNDARY_UTC, DEMO_CASE, DEMO_TIMEZONE
from nocontact.vault.events import iter_events, log_incident, save_case, set_boundary
from nocontact.vault.store import Vault
from tests.support import FIXTURES, case_from_expected, fixtures_present, load_expected

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts" / "report"


def import_all(vault: Vault, folder: Path) -> None:
    ctx = context_for_vault(vault)
    for item in plan_sources([folder]):
        if isinstance(item, Planned):
            import_planned(vault, item, ctx)


@pytest.fixture(scope="module")
def fixture_vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    """Every shared fixture imported, the case from expected.json, the boundary at the fixture's record."""
    if not fixtures_present():
        pytest.skip(f"shared fixtures not present at {FIXTURES} (they exist only on developer and CI machines)")
    expected = load_expected()
    v, _ = Vault.create(tmp_path_factory.mktemp("report-fx") / "vault", "pw", fast_kdf=True)
    save_case(v, case_from_expected(expected))
    import_all(v, FIXTURES)
    b = expected["boundary"]
    ev = [e for e in iter_events(v) if e["source_display"] == b["file"] and e["source_pos"] == b["id"]]
    assert len(ev) == 1
    set_boundary(v, ev[0].utc, event_id=ev[0].id)
    yield v
    v.close()


@pytest.fixture(scope="module")
def sample_vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    """The demo story from the package's own samples, with one in-person incident (a witness named)."""
    root = tmp_path_factory.mktemp("report-sm")
    files = root / "exports"
    files.mkdir()
    write_all_samples(files)
    v, _ = Vault.create(root / "vault", "pw", fast_kdf=True)
    save_case(v, case_from_json(json.dumps(DEMO_CASE)))
    import_all(v, files)
    set_boundary(v, DEMO_BOUNDARY_UTC, note="no-contact text")
    log_incident(v, occurred=datetime(2026, 3, 14, 23, 40, tzinfo=UTC), raw_time="2026-03-14 18:40",
                 time_zone=DEMO_TIMEZONE, channel="in_person",
                 what="Casey was waiting in the car park outside my office when I left work.",
                 location="Car park, 200 W Example St", witnesses="Dana Whitfield (colleague), 312 555 0111",
                 police_report="CPD-2026-0314-77", officer="Ofc. Example #4411",
                 impact="Shaken; a colleague walked me to the train.")
    yield v
    v.close()


#: Fixed "now" so reports are reproducible in tests.
NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
