"""Tables for the person's own pillars: check-ins, self-care, supporters, helpers, triage, case state.

They are created by migration ``0002_pillars`` in ``vault/schema.py``; its SQL is idempotent
(``IF NOT EXISTS``), so vaults that got the tables before the migration existed upgrade cleanly.
Rows are append-only like evidence: a change is a new row, the newest row wins when read.
"""

from __future__ import annotations

from nocontact.vault.schema import PILLARS_SQL as _PILLARS_SQL
from nocontact.vault.store import Vault

__all__ = ["MIGRATION_NAME", "PILLARS_SQL", "PILLAR_TABLES", "ensure_pillars"]

PILLAR_TABLES = ("checkins", "selfcare_log", "supporters", "helper_accounts", "triage", "case_state")

MIGRATION_NAME = "0002_pillars"

PILLARS_SQL = _PILLARS_SQL


def ensure_pillars(vault: Vault) -> bool:
    """Kept for callers: the tables now come with migration ``0002_pillars``, applied when a vault opens."""
    del vault
    return False
