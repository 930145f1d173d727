"""Moving forward: archive the case (read-only from then on) or destroy the vault.

Destroying overwrites every file of the vault once with random bytes, then removes it, so the
keys in the header and the database are gone. On SSDs and flash storage, overwriting does not
reliably reach the old physical blocks, and backups, cloud sync and copies elsewhere are not
touched: the interface says so before the person confirms.
"""

from __future__ import annotations

import os
from pathlib import Path

from nocontact.pillars import ensure_pillars
from nocontact.vault.store import HEADER, Vault, utc_now

__all__ = ["archive_case", "destroy_vault", "is_archived", "reopen_case"]


def _set_state(vault: Vault, state: str, note: str) -> None:
    ensure_pillars(vault)
    with vault.transaction() as conn:
        cur = conn.execute("INSERT INTO case_state(state, note, recorded_at, journal_seq) VALUES (?, ?, ?, 0)",
                           (state, note, utc_now()))
        seq, _ = vault.append_journal("case_state", {"state": state})
        conn.execute("UPDATE case_state SET journal_seq = ? WHERE id = ?", (seq, cur.lastrowid))


def archive_case(vault: Vault, note: str = "") -> None:
    _set_state(vault, "archived", note)


def reopen_case(vault: Vault, note: str = "") -> None:
    _set_state(vault, "open", note)


def is_archived(vault: Vault) -> bool:
    ensure_pillars(vault)
    row = vault.conn.execute("SELECT state FROM case_state ORDER BY id DESC LIMIT 1").fetchone()
    return bool(row and row[0] == "archived")


def _overwrite(path: Path) -> None:
    size = path.stat().st_size
    with open(path, "r+b") as f:
        left = size
        while left > 0:
            n = min(left, 1 << 20)
            f.write(os.urandom(n))
            left -= n
        f.flush()
        os.fsync(f.fileno())
    path.unlink()


def destroy_vault(root: Path) -> int:
    """Overwrite and remove every file of the vault at ``root`` (header first); returns files removed."""
    if not (root / HEADER).is_file():
        raise FileNotFoundError(f"{root}: not a nocontact vault")
    removed = 0
    _overwrite(root / HEADER)
    removed += 1
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        for fn in filenames:
            p = Path(dirpath) / fn
            if p.is_symlink():
                p.unlink()
            else:
                _overwrite(p)
            removed += 1
        for d in dirnames:
            (Path(dirpath) / d).rmdir()
    root.rmdir()
    return removed
