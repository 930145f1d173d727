"""The database schema as named, ordered migrations, each applied in a transaction and recorded.

Never edit a migration that has shipped: add a new one. ``verify`` and later versions rely on
the names in the ``migrations`` table to know what shape they are reading.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DEDUPE_FORM_3_SQL", "DEDUPE_FORM_4_SQL", "DEDUPE_FORM_SQL", "MIGRATIONS", "PILLARS_SQL", "apply_migrations"]

_INITIAL = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    blob TEXT NOT NULL,
    size INTEGER NOT NULL,
    display TEXT NOT NULL,
    format TEXT,
    first_imported_at TEXT NOT NULL
);

CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id),
    display TEXT NOT NULL,
    format TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    records_read INTEGER NOT NULL,
    inserted INTEGER NOT NULL,
    already_in_vault INTEGER NOT NULL,
    skipped_unrelated INTEGER NOT NULL,
    problems INTEGER NOT NULL,
    summary TEXT NOT NULL,
    journal_seq INTEGER NOT NULL
);

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    dedupe_key TEXT NOT NULL UNIQUE,
    origin TEXT NOT NULL,
    import_id INTEGER REFERENCES imports(id),
    source_sha256 TEXT,
    source_display TEXT,
    source_pos TEXT,
    format TEXT,
    kind TEXT NOT NULL,
    category TEXT NOT NULL,
    channel TEXT NOT NULL,
    direction TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    occurred_us INTEGER NOT NULL,
    raw_time TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    time_basis TEXT NOT NULL,
    sender_kind TEXT,
    sender TEXT,
    peers TEXT NOT NULL,
    is_group INTEGER NOT NULL,
    conversation TEXT,
    body TEXT,
    subject TEXT,
    duration_s INTEGER,
    call_type INTEGER,
    location TEXT,
    witnesses TEXT,
    police_report TEXT,
    officer TEXT,
    impact TEXT,
    extra TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX events_time ON events(occurred_us);
CREATE INDEX events_source ON events(source_display, source_pos);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events(id),
    blob TEXT,
    sha256 TEXT,
    size INTEGER,
    name TEXT NOT NULL,
    mime TEXT,
    included INTEGER NOT NULL
);
CREATE INDEX attachments_event ON attachments(event_id);

CREATE TABLE revisions (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events(id),
    fields TEXT NOT NULL,
    reason TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    journal_seq INTEGER NOT NULL
);

CREATE TABLE retractions (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events(id),
    reason TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    journal_seq INTEGER NOT NULL
);

CREATE TABLE case_versions (
    id INTEGER PRIMARY KEY,
    case_json TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    journal_seq INTEGER NOT NULL
);

CREATE TABLE boundaries (
    id INTEGER PRIMARY KEY,
    occurred_at TEXT NOT NULL,
    event_id INTEGER REFERENCES events(id),
    note TEXT,
    recorded_at TEXT NOT NULL,
    journal_seq INTEGER NOT NULL
);

CREATE TABLE journal (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    entry TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE journal_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    signature TEXT NOT NULL
);
"""

#: The person's own pillars: check-ins, self-care, supporters, helpers, triage, case state, and
#: indexes for the web app's counters. Idempotent, because early vaults got these tables before
#: the migration existed.
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

#: Which form of dedupe key the vault's imports write (docs/vault-format.md, "Dedupe key"). A vault
#: with no imported event yet takes form 2, whose keys begin with the event's time, so a long
#: export's keys arrive in order and the unique index on them is appended to, not written all
#: over (once that index outgrew the page cache, each insert read and re-encrypted a page: a
#: million-message chat imported at half speed). A vault that already holds imported events keeps
#: form 1, so the keys of a re-import still meet the keys it holds.
DEDUPE_FORM_SQL = """
INSERT OR IGNORE INTO meta(key, value) SELECT 'dedupe_key_form',
    CASE WHEN EXISTS (SELECT 1 FROM events WHERE origin = 'import') THEN '1' ELSE '2' END
"""

#: Form 3 (docs/vault-format.md, "Dedupe key"): a record read by either WhatsApp importer is
#: digested under one scope, "whatsapp", so a chat imported as the zip and again as its unpacked
#: ``_chat.txt`` is one set of events (their media messages, with media and without, from form 4); form 2 took
#: each importer's name and stored such a chat twice. Like form 2, only a vault with no imported
#: event takes it, so a vault's keys never change form under it.
DEDUPE_FORM_3_SQL = """
UPDATE meta SET value = '3' WHERE key = 'dedupe_key_form' AND value = '2'
    AND NOT EXISTS (SELECT 1 FROM events WHERE origin = 'import')
"""

#: Form 4 (docs/vault-format.md, "Dedupe key"): a record that says how its source writes it in
#: another variant (``Record.digest_body``) is digested by that, so WhatsApp's media messages are
#: one event whether the chat was exported with its media ("IMG-….jpg (file attached)") or
#: without ("<Media omitted>"); form 3 digested the placeholder text and stored each twice. Like
#: forms 2 and 3, only a vault with no imported event takes it.
DEDUPE_FORM_4_SQL = """
UPDATE meta SET value = '4' WHERE key = 'dedupe_key_form' AND value = '3'
    AND NOT EXISTS (SELECT 1 FROM events WHERE origin = 'import')
"""

#: (name, SQL). Appended to, never edited.
MIGRATIONS: tuple[tuple[str, str], ...] = (("0001_initial", _INITIAL), ("0002_pillars", PILLARS_SQL),
                                           ("0003_dedupe_key_form", DEDUPE_FORM_SQL),
                                           ("0004_dedupe_key_form_3", DEDUPE_FORM_3_SQL),
                                           ("0005_dedupe_key_form_4", DEDUPE_FORM_4_SQL))


def apply_migrations(conn: Any, now: str) -> list[str]:
    """Apply every migration not yet recorded, each in its own transaction; return their names."""
    conn.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    done = {r[0] for r in conn.execute("SELECT name FROM migrations")}
    applied: list[str] = []
    for name, sql in MIGRATIONS:
        if name in done:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for stmt in sql.split(";"):
                if stmt.strip():
                    conn.execute(stmt)
            conn.execute("INSERT INTO migrations(name, applied_at) VALUES (?, ?)", (name, now))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied
