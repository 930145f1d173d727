"""Check-ins (mood, sleep, feeling safe, a note) and a self-care log, kept in the vault.

Scores are 1 (very low) to 5 (very good). Each entry is journaled by its hash, not its text.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

from nocontact.pillars import ensure_pillars
from nocontact.vault.store import Vault, VaultError, utc_now

__all__ = ["CheckIn", "SelfCareEntry", "add_selfcare", "checkins", "record_checkin", "selfcare_log"]


@dataclass(frozen=True)
class CheckIn:
    id: int
    day: date
    mood: int
    sleep: int
    safe: int
    note: str


@dataclass(frozen=True)
class SelfCareEntry:
    id: int
    day: date
    activity: str
    note: str


def _digest(obj: object) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _score(name: str, v: int) -> int:
    if not 1 <= v <= 5:
        raise VaultError(f"{name} must be between 1 and 5")
    return v


def record_checkin(vault: Vault, day: date, *, mood: int, sleep: int, safe: int, note: str = "") -> int:
    ensure_pillars(vault)
    vals = (day.isoformat(), _score("mood", mood), _score("sleep", sleep), _score("feeling safe", safe), note)
    with vault.transaction() as conn:
        cur = conn.execute("INSERT INTO checkins(day, mood, sleep, safe, note, recorded_at, journal_seq) "
                           "VALUES (?, ?, ?, ?, ?, ?, 0)", (*vals, utc_now()))
        rid = int(cur.lastrowid)
        seq, _ = vault.append_journal("checkin", {"checkin_id": rid, "sha256": _digest(vals)})
        conn.execute("UPDATE checkins SET journal_seq = ? WHERE id = ?", (seq, rid))
    return rid


def checkins(vault: Vault, *, since: date | None = None) -> list[CheckIn]:
    """Check-ins oldest first; several on one day are all kept."""
    ensure_pillars(vault)
    rows = vault.conn.execute("SELECT id, day, mood, sleep, safe, note FROM checkins WHERE day >= ? "
                              "ORDER BY day, id", ((since or date.min).isoformat(),)).fetchall()
    return [CheckIn(int(r[0]), date.fromisoformat(r[1]), int(r[2]), int(r[3]), int(r[4]), str(r[5]))
            for r in rows]


def add_selfcare(vault: Vault, day: date, activity: str, note: str = "") -> int:
    ensure_pillars(vault)
    if not activity.strip():
        raise VaultError("say what you did for yourself")
    vals = (day.isoformat(), activity.strip(), note)
    with vault.transaction() as conn:
        cur = conn.execute("INSERT INTO selfcare_log(day, activity, note, recorded_at, journal_seq) "
                           "VALUES (?, ?, ?, ?, 0)", (*vals, utc_now()))
        rid = int(cur.lastrowid)
        seq, _ = vault.append_journal("selfcare", {"selfcare_id": rid, "sha256": _digest(vals)})
        conn.execute("UPDATE selfcare_log SET journal_seq = ? WHERE id = ?", (seq, rid))
    return rid


def selfcare_log(vault: Vault, limit: int = 50) -> list[SelfCareEntry]:
    ensure_pillars(vault)
    rows = vault.conn.execute("SELECT id, day, activity, note FROM selfcare_log ORDER BY day DESC, id DESC "
                              "LIMIT ?", (limit,)).fetchall()
    return [SelfCareEntry(int(r[0]), date.fromisoformat(r[1]), str(r[2]), str(r[3])) for r in rows]
