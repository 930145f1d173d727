"""Tables for the person's own pillars: check-ins, self-care, supporters, helpers, triage, case state.

Proposed as migration ``0002_pillars`` for ``vault/schema.py``. Until it is moved there,
``ensure_pillars`` creates the same tables (``IF NOT EXISTS``) without a ``migrations`` row,
because ``Vault.open`` refuses vaults naming a migration it does not know; the SQL is written
to be idempotent, so the real migration runs cleanly over a vault that got the tables here.
Rows are append-only like evidence: a change is a new row, the newest row wins when read.
"""

from __future__ import annotations

from typing import Any

from nocontact.vault.store import Vault, utc_now

__all__ = ["MIGRATION_NAME", "PILLARS_SQL", "PILLAR_TABLES", "ensure_pillars"]

PILLAR_TABLES = ("checkins", "selfcare_log", "supporters", "helper_accounts", "triage", "case_state")

MIGRATION_NAME = "0002_pillars"

PILLARS_SQL = """
CREATE TABLE IF NOT EXISTS checkins (
    id INTEGER PRIMARY KEY,
    day TEXT NOT NULL,
    mood INTEGER NOT NULL CHECK (mood BETWEEN 1 AND 5),
    sleep INTEGER NOT NULL CHECK (sleep BETWEEN 1 AND 5),
    safe INTEGER NOT NULL CHECK (safe BETWEEN 1 AND 5),
    note TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    journal_seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS checkins_day ON checkins(day);

CREATE TABLE IF NOT EXISTS selfcare_log (
    id INTEGER PRIMARY KEY,
    day TEXT NOT NULL,
    activity TEXT NOT NULL,
    note TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    journal_seq INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS supporters (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('friend', 'family', 'therapist', 'advocate', 'lawyer', 'other')),
    reach TEXT NOT NULL,
    note TEXT NOT NULL,
    removed INTEGER NOT NULL DEFAULT 0,
    recorded_at TEXT NOT NULL,
    journal_seq INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS helper_accounts (
    id INTEGER PRIMARY KEY,
    helper_id TEXT NOT NULL UNIQUE,
    supporter_id INTEGER REFERENCES supporters(id),
    name TEXT NOT NULL,
    can_read_text INTEGER NOT NULL,
    revoked_at TEXT,
    recorded_at TEXT NOT NULL,
    journal_seq INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS triage (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events(id),
    label TEXT NOT NULL,
    note TEXT NOT NULL,
    flagged INTEGER NOT NULL,
    by_role TEXT NOT NULL,
    by_name TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    journal_seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS triage_event ON triage(event_id);

-- Covering indexes for the web pages' counts and filters: without them each page decrypts the
-- whole events table (1.7 s at 100,000 events), with them the counts read the index only.
CREATE INDEX IF NOT EXISTS events_contact ON events(direction, category, occurred_us);
CREATE INDEX IF NOT EXISTS events_channel_time ON events(channel, occurred_us);

CREATE TABLE IF NOT EXISTS case_state (
    id INTEGER PRIMARY KEY,
    state TEXT NOT NULL CHECK (state IN ('open', 'archived')),
    note TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    journal_seq INTEGER NOT NULL
)
"""


def ensure_pillars(vault: Vault) -> bool:
    """Create the pillars tables if this vault lacks them; returns True when they were made now."""
    conn: Any = vault.conn
    have = conn.execute("SELECT count(*) FROM sqlite_master WHERE name IN ('case_state', 'events_channel_time')")
    if have.fetchone()[0] == 2:
        return False
    with vault.transaction() as c:
        for stmt in PILLARS_SQL.split(";"):
            if stmt.strip():
                c.execute(stmt)
        vault.append_journal("tables_added", {"tables": list(PILLAR_TABLES), "proposed_migration": MIGRATION_NAME,
                                              "at": utc_now()})
    return True
