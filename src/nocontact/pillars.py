"""Tables for the person's own pillars: check-ins, self-care, supporters, helpers, triage, case state.

Proposed as migration ``0002_pillars`` for ``vault/schema.py``. Until it is moved there,
``ensure_pillars`` applies the same SQL under the same name, recorded in ``migrations`` and
journaled like any migration, so a vault that got it here is not migrated twice later.
Rows are append-only like evidence: a change is a new row, the newest row wins when read.
"""

from __future__ import annotations

from typing import Any

from nocontact.vault.store import Vault, utc_now

__all__ = ["MIGRATION_NAME", "PILLARS_SQL", "ensure_pillars"]

MIGRATION_NAME = "0002_pillars"

PILLARS_SQL = """
CREATE TABLE checkins (
    id INTEGER PRIMARY KEY,
    day TEXT NOT NULL,
    mood INTEGER NOT NULL CHECK (mood BETWEEN 1 AND 5),
    sleep INTEGER NOT NULL CHECK (sleep BETWEEN 1 AND 5),
    safe INTEGER NOT NULL CHECK (safe BETWEEN 1 AND 5),
    note TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    journal_seq INTEGER NOT NULL
);
CREATE INDEX checkins_day ON checkins(day);

CREATE TABLE selfcare_log (
    id INTEGER PRIMARY KEY,
    day TEXT NOT NULL,
    activity TEXT NOT NULL,
    note TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    journal_seq INTEGER NOT NULL
);

CREATE TABLE supporters (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('friend', 'family', 'therapist', 'advocate', 'lawyer', 'other')),
    reach TEXT NOT NULL,
    note TEXT NOT NULL,
    removed INTEGER NOT NULL DEFAULT 0,
    recorded_at TEXT NOT NULL,
    journal_seq INTEGER NOT NULL
);

CREATE TABLE helper_accounts (
    id INTEGER PRIMARY KEY,
    helper_id TEXT NOT NULL UNIQUE,
    supporter_id INTEGER REFERENCES supporters(id),
    name TEXT NOT NULL,
    can_read_text INTEGER NOT NULL,
    revoked_at TEXT,
    recorded_at TEXT NOT NULL,
    journal_seq INTEGER NOT NULL
);

CREATE TABLE triage (
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
CREATE INDEX triage_event ON triage(event_id);

CREATE TABLE case_state (
    id INTEGER PRIMARY KEY,
    state TEXT NOT NULL CHECK (state IN ('open', 'archived')),
    note TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    journal_seq INTEGER NOT NULL
)
"""


def ensure_pillars(vault: Vault) -> bool:
    """Apply ``0002_pillars`` if this vault lacks it; returns True when it was applied now."""
    conn: Any = vault.conn
    if conn.execute("SELECT 1 FROM migrations WHERE name = ?", (MIGRATION_NAME,)).fetchone():
        return False
    with vault.transaction() as c:
        if c.execute("SELECT 1 FROM migrations WHERE name = ?", (MIGRATION_NAME,)).fetchone():
            return False
        for stmt in PILLARS_SQL.split(";"):
            if stmt.strip():
                c.execute(stmt)
        c.execute("INSERT INTO migrations(name, applied_at) VALUES (?, ?)", (MIGRATION_NAME, utc_now()))
        vault.append_journal("migration", {"applied": [MIGRATION_NAME]})
    return True
