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


@pytest.fixture
def new_vault(tmp_path):  # type: ignore[no-untyped-def]
    """A fresh, empty vault with cheap test KDF parameters, closed after the test."""
    from nocontact.vault.store import Vault

    v, _ = Vault.create(tmp_path / "vault", "correct horse", fast_kdf=True)
    yield v
    v.close()
