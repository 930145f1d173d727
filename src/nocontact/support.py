"""The support circle, helper accounts, and the helpers' triage notes.

A helper is a trusted person the owner sets up with a passphrase of their own. Their passphrase
wraps the same data key as the owner's (one more entry under ``helpers`` in the vault header),
so it opens the same vault: what a helper may *do* is limited by this app (label, note and flag
incoming contact; never delete or change evidence, which the vault does not allow anyone), but
someone holding the vault folder and a helper's passphrase can technically read everything.
The interface says so.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from nocontact.pillars import ensure_pillars
from nocontact.vault import crypto
from nocontact.vault.store import Header, Vault, VaultError, utc_now

__all__ = [
    "ROLES",
    "TRIAGE_LABELS",
    "Helper",
    "Supporter",
    "TriageNote",
    "add_helper",
    "add_supporter",
    "helpers",
    "open_as_helper",
    "remove_supporter",
    "revoke_helper",
    "supporters",
    "triage_notes",
    "add_triage",
]

ROLES: tuple[str, ...] = ("friend", "family", "therapist", "advocate", "lawyer", "other")
TRIAGE_LABELS: tuple[str, ...] = ("new contact attempt", "threat or fear", "needs your attention",
                                  "nothing to do", "not from them")


@dataclass(frozen=True)
class Supporter:
    id: int
    name: str
    role: str
    reach: str
    note: str


@dataclass(frozen=True)
class Helper:
    helper_id: str
    name: str
    can_read_text: bool
    revoked: bool


@dataclass(frozen=True)
class TriageNote:
    id: int
    event_id: int
    label: str
    note: str
    flagged: bool
    by_role: str
    by_name: str
    recorded_at: str


def _digest(obj: object) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _journaled_insert(vault: Vault, table: str, cols: tuple[str, ...], vals: tuple[object, ...], kind: str) -> int:
    ensure_pillars(vault)
    with vault.transaction() as conn:
        sql = (f"INSERT INTO {table}({', '.join(cols)}, recorded_at, journal_seq) "  # noqa: S608 - fixed names
               f"VALUES ({', '.join('?' for _ in cols)}, ?, 0)")
        rid = int(conn.execute(sql, (*vals, utc_now())).lastrowid)
        seq, _ = vault.append_journal(kind, {"row_id": rid, "sha256": _digest([str(v) for v in vals])})
        conn.execute(f"UPDATE {table} SET journal_seq = ? WHERE id = ?", (seq, rid))  # noqa: S608
    return rid


# ---- support circle ----------------------------------------------------------------------
def add_supporter(vault: Vault, name: str, role: str, reach: str, note: str = "") -> int:
    if role not in ROLES:
        raise VaultError(f"the role must be one of: {', '.join(ROLES)}")
    if not name.strip():
        raise VaultError("give the person's name")
    return _journaled_insert(vault, "supporters", ("name", "role", "reach", "note"),
                             (name.strip(), role, reach.strip(), note.strip()), "supporter")


def remove_supporter(vault: Vault, supporter_id: int) -> None:
    """Hide a person from the circle: their row is kept, flagged removed, and a journal entry
    records when. Nothing is erased, and the flag is outside the digest of the row's fields that
    the journal took when the person was added."""
    ensure_pillars(vault)
    row = vault.conn.execute("SELECT name, role, reach, note FROM supporters WHERE id = ?",
                             (supporter_id,)).fetchone()
    if row is None:
        raise VaultError("there is no such person in your support circle")
    with vault.transaction() as conn:
        conn.execute("UPDATE supporters SET removed = 1 WHERE id = ?", (supporter_id,))
        vault.append_journal("supporter_removed", {"row_id": supporter_id})


def supporters(vault: Vault) -> list[Supporter]:
    ensure_pillars(vault)
    rows = vault.conn.execute("SELECT id, name, role, reach, note FROM supporters WHERE removed = 0 "
                              "ORDER BY id").fetchall()
    return [Supporter(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4])) for r in rows]


# ---- helper accounts ---------------------------------------------------------------------
def _helper_aad(vault_id: str, helper_id: str) -> bytes:
    return f"nocontact helper key v1|{vault_id}|{helper_id}".encode()


def add_helper(vault: Vault, name: str, passphrase: str, *, can_read_text: bool = False,
               fast_kdf: bool = False) -> str:
    """Wrap the vault's data key under the helper's own passphrase; returns the helper id."""
    ensure_pillars(vault)
    if len(passphrase) < 8:
        raise VaultError("the helper's passphrase needs at least 8 characters")
    helper_id = os.urandom(8).hex()
    params = crypto.KdfParams.fresh(fast=fast_kdf)
    wrapped = crypto.wrap(crypto.derive_kek(passphrase, params), vault._data_key,
                          _helper_aad(vault.vault_id, helper_id))
    data = dict(vault.header.data)
    entries = list(data.get("helpers", []))
    entries.append({"helper_id": helper_id, "kdf": params.to_json(),
                    "wrapped_data_key": base64.b64encode(wrapped).decode("ascii")})
    data["helpers"] = entries
    with vault.transaction() as conn:
        Header(data).save(vault.root)
        vault.header = Header(data)
        cur = conn.execute("INSERT INTO helper_accounts(helper_id, name, can_read_text, recorded_at, journal_seq) "
                           "VALUES (?, ?, ?, ?, 0)", (helper_id, name.strip(), int(can_read_text), utc_now()))
        seq, _ = vault.append_journal("helper_added", {"helper_id": helper_id, "can_read_text": can_read_text})
        conn.execute("UPDATE helper_accounts SET journal_seq = ? WHERE id = ?", (seq, cur.lastrowid))
    return helper_id


def revoke_helper(vault: Vault, helper_id: str) -> None:
    """Remove the helper's wrapped key from the header: their passphrase no longer opens this vault."""
    ensure_pillars(vault)
    data = dict(vault.header.data)
    data["helpers"] = [h for h in data.get("helpers", []) if h.get("helper_id") != helper_id]
    with vault.transaction() as conn:
        Header(data).save(vault.root)
        vault.header = Header(data)
        conn.execute("UPDATE helper_accounts SET revoked_at = ? WHERE helper_id = ?", (utc_now(), helper_id))
        vault.append_journal("helper_revoked", {"helper_id": helper_id})


def helpers(vault: Vault) -> list[Helper]:
    ensure_pillars(vault)
    rows = vault.conn.execute("SELECT helper_id, name, can_read_text, revoked_at FROM helper_accounts "
                              "ORDER BY id").fetchall()
    return [Helper(str(r[0]), str(r[1]), bool(r[2]), r[3] is not None) for r in rows]


def open_as_helper(root: Path, passphrase: str) -> tuple[Vault, Helper]:
    """Open the vault with a helper's passphrase; raises VaultError when it matches no helper."""
    header = Header.load(root)
    for entry in header.data.get("helpers", []):
        try:
            params = crypto.KdfParams.from_json(entry["kdf"])
            data_key = crypto.unwrap(crypto.derive_kek(passphrase, params),
                                     base64.b64decode(entry["wrapped_data_key"]),
                                     _helper_aad(header.vault_id, str(entry["helper_id"])))
        except (crypto.WrongKey, KeyError, ValueError):
            continue
        vault = Vault(root, header, data_key)
        for h in helpers(vault):
            if h.helper_id == entry["helper_id"] and not h.revoked:
                return vault, h
        vault.close()
    raise VaultError("that passphrase does not open this vault")


# ---- triage ------------------------------------------------------------------------------
def add_triage(vault: Vault, event_id: int, *, label: str, note: str, flagged: bool, by_role: str,
               by_name: str) -> int:
    """A helper's (or the owner's) label on one event; the event itself is never touched."""
    if label not in TRIAGE_LABELS:
        raise VaultError(f"the label must be one of: {', '.join(TRIAGE_LABELS)}")
    if vault.conn.execute("SELECT 1 FROM events WHERE id = ?", (event_id,)).fetchone() is None:
        raise VaultError(f"there is no event {event_id}")
    return _journaled_insert(vault, "triage", ("event_id", "label", "note", "flagged", "by_role", "by_name"),
                             (event_id, label, note.strip(), int(flagged), by_role, by_name), "triage")


def triage_notes(vault: Vault, event_id: int | None = None, limit: int = 100) -> list[TriageNote]:
    ensure_pillars(vault)
    sql = "SELECT id, event_id, label, note, flagged, by_role, by_name, recorded_at FROM triage"
    args: tuple[object, ...] = ()
    if event_id is not None:
        sql += " WHERE event_id = ?"
        args = (event_id,)
    rows = vault.conn.execute(sql + " ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
    return [TriageNote(int(r[0]), int(r[1]), str(r[2]), str(r[3]), bool(r[4]), str(r[5]), str(r[6]), str(r[7]))
            for r in rows]
