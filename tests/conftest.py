from __future__ import annotations

import pytest

from tests.support import FIXTURES, fixtures_present


def pytest_report_header() -> str:
    if fixtures_present():
        return f"conformance fixtures: {FIXTURES}"
    return f"conformance fixtures: NOT FOUND at {FIXTURES}; the conformance suite is skipped"


@pytest.fixture
def shared_fixtures():  # type: ignore[no-untyped-def]
    if not fixtures_present():
        pytest.skip(f"shared fixtures not present at {FIXTURES} (they exist only on developer and CI machines)")
    return FIXTURES
