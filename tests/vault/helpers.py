"""Building small vaults for tests from the package's own sample exports."""

from __future__ import annotations

import json
from pathlib import Path

from nocontact.case import case_from_json
from nocontact.demo import write_all_samples
from nocontact.ingest import Planned, context_for_vault, import_planned, plan_sources
from nocontact.samples import DEMO_CASE
from nocontact.vault.events import save_case
from nocontact.vault.importing import ImportSummary
from nocontact.vault.store import Vault


def samples(folder: Path) -> dict[str, Path]:
    """Every sample export, keyed by file name."""
    return {p.name: p for p in write_all_samples(folder)}


def with_case(vault: Vault) -> Vault:
    save_case(vault, case_from_json(json.dumps(DEMO_CASE)))
    return vault


def import_paths(vault: Vault, *paths: Path, keep_unrelated: bool = False) -> list[ImportSummary]:
    """What ``nocontact import PATHS`` imports (a zip inside a zip too), as summaries."""
    from nocontact.blobsource import Spooler

    ctx = context_for_vault(vault)
    out = []
    spool = Spooler(vault)
    try:
        for item in plan_sources(list(paths), spool=spool):
            if isinstance(item, Planned):
                out.append(import_planned(vault, item, ctx, keep_unrelated=keep_unrelated))
    finally:
        spool.discard()
    return out


def count(vault: Vault, table: str = "events") -> int:
    return int(vault.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
