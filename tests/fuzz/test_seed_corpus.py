"""Every fuzz target over every seed, without atheris: the seeds are the fuzzer's starting point
and must themselves end only in records, problems or a plain refusal.

Seeds that still crash an importer are listed in ``KNOWN_CRASHES`` and marked
``xfail(strict=True)``: when the importer is fixed the test passes, the strict marker fails the
run, and the entry must be removed. Each has a named regression test in ``test_regressions.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzz.targets import TARGETS, all_seeds, run_target

from nocontact.vault.store import Vault
from tests.fuzz.vault_state import import_bytes, state, verified

#: (target, seed label) -> why it still crashes. The label is the seed file name before its hash.
KNOWN_CRASHES: dict[tuple[str, str], str] = {
}


def _label(seed: Path) -> str:
    return seed.name.rsplit("-", 1)[0]


def _cases() -> list[object]:
    out: list[object] = []
    for target in TARGETS:
        for seed in all_seeds(target):
            reason = KNOWN_CRASHES.get((target, _label(seed)))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            out.append(pytest.param(target, seed, id=f"{target}/{_label(seed)}", marks=marks))
    return out


def test_every_target_has_seeds() -> None:
    """Each target starts from at least one well-formed sample and one hostile variant."""
    for target in TARGETS:
        labels = {_label(s) for s in all_seeds(target)}
        assert len(labels) >= 2, target
        assert labels & {"sample", "sample_00", "download"}, target


def test_known_crashes_name_existing_seeds() -> None:
    """Every listed crash names a seed that exists, so no marker outlives its seed."""
    for target, label in KNOWN_CRASHES:
        assert label in {_label(s) for s in all_seeds(target)}, (target, label)


@pytest.mark.parametrize(("target", "seed"), _cases())
def test_seed_ends_in_records_problems_or_a_plain_refusal(target: str, seed: Path) -> None:
    """The seed is read to the end; every record survives the vault's insert, every refusal is a sentence."""
    out = run_target(target, seed.read_bytes())
    assert out.records >= 0 and out.problems >= 0
    if out.refused is not None:
        assert len(out.refused) > 20


def test_well_formed_samples_give_records() -> None:
    """The unmutated samples are read as records, so the fuzzer starts from deep inside each format."""
    for target in TARGETS:
        for seed in all_seeds(target):
            if _label(seed) in ("sample", "sample_00", "download"):
                out = run_target(target, seed.read_bytes())
                assert out.records > 0, (target, seed.name, out)


@pytest.mark.parametrize("target", list(TARGETS))
def test_every_seed_through_the_vault_commits_or_changes_nothing(target: str, tmp_path: Path) -> None:
    """Imported through the vault, a seed either commits or fails with a sentence naming the file and
    leaves journal, events, sources and blobs exactly as they were; the vault verifies after all."""
    vault, _ = Vault.create(tmp_path / "vault", "correct horse", fast_kdf=True)
    with vault:
        for seed in all_seeds(target):
            if (target, _label(seed)) in KNOWN_CRASHES:
                continue
            before = state(vault)
            result = import_bytes(vault, tmp_path / "in" / seed.name, target, seed.read_bytes())
            for failure in result.failures:
                assert TARGETS[target].relpath in failure, failure
            if not result.summaries:
                assert state(vault) == before, seed.name
        assert verified(vault)
