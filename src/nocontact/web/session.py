"""Who is using the app in this browser, and whether the vault is unlocked for them.

A browser earns a session by opening the start link (the token); the vault opens inside the
session with the passphrase. Idle time closes the vault (its key leaves memory with the
connection); the next request finds it locked.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from nocontact.support import Helper
from nocontact.vault.store import Vault
from nocontact.web.derived import DerivedCache

__all__ = ["Session", "Sessions"]


@dataclass
class Session:
    id: str
    csrf: str
    last_seen: float
    vault: Vault | None = None
    helper: Helper | None = None
    locked_for_idle: bool = False
    lock: threading.RLock = field(default_factory=threading.RLock)
    #: Figures and flag index derived from the open vault; cleared when it locks.
    derived: DerivedCache = field(default_factory=DerivedCache)
    #: What this session is doing on a worker thread (``background.py``), e.g. "an import"; pages
    #: say so, and changes are refused at once rather than waiting for the vault's writer lock.
    working: list[str] = field(default_factory=list)
    #: How far the running import has got, in words ("Reading x.txt: 12,000 messages and calls so
    #: far"), for the import page to show while it waits; "" when nothing is running.
    progress: str = ""

    @property
    def unlocked(self) -> bool:
        return self.vault is not None

    @property
    def role(self) -> str:
        return "helper" if self.helper is not None else "owner"

    def close_vault(self) -> None:
        with self.lock:
            self.derived.clear()
            if self.vault is not None:
                try:
                    self.vault.close()
                finally:
                    self.vault = None
                    self.helper = None


class Sessions:
    """The sessions of this run, with the idle rule applied on every touch and by ``sweep``."""

    def __init__(self, idle_seconds: float, clock: Callable[[], float]) -> None:
        self.idle_seconds = idle_seconds
        self.clock = clock
        self._by_id: dict[str, Session] = {}
        self._guard = threading.Lock()

    def new(self) -> Session:
        s = Session(id=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(32), last_seen=self.clock())
        with self._guard:
            self._by_id[s.id] = s
        return s

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        with self._guard:
            return self._by_id.get(session_id)

    def touch(self, s: Session) -> None:
        """Lock the vault if the session sat idle too long, then mark it used now."""
        now = self.clock()
        if s.vault is not None and now - s.last_seen > self.idle_seconds:
            s.close_vault()
            s.locked_for_idle = True
        s.last_seen = now

    def sweep(self) -> int:
        """Lock every idle session's vault; returns how many were locked."""
        now = self.clock()
        n = 0
        with self._guard:
            items = list(self._by_id.values())
        for s in items:
            if s.vault is not None and now - s.last_seen > self.idle_seconds:
                s.close_vault()
                s.locked_for_idle = True
                n += 1
        return n

    def close_all(self) -> None:
        with self._guard:
            items = list(self._by_id.values())
        for s in items:
            s.close_vault()
