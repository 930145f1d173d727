"""Long vault work (an import) on a worker thread with its own handle, so the app keeps answering.

An import of a big download takes minutes. Run in the request's own coroutine it held the event
loop: every other page, the idle lock and the quick exit's request waited for it. Here it runs
on a thread, on a second handle on the vault (``Vault.reader``: its own database connection,
the same keys), so pages keep reading the vault meanwhile (SQLite's WAL lets them read the last
committed state), and a write from another page waits its turn on the vault's writer lock like
a second ``nocontact`` would, then says the vault is busy. The handle is closed when the work
ends, even if the page that asked was locked meanwhile (its import still finishes whole or not
at all, as always).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio

from nocontact.vault.store import Vault
from nocontact.web.session import Session

__all__ = ["off_the_loop"]

T = TypeVar("T")


async def off_the_loop(vault: Vault, work: Callable[[Vault], T], session: Session | None = None,
                      what: str = "") -> T:
    """``work(handle)`` on a worker thread, with a handle of its own on ``vault``. With
    ``session`` and ``what`` ("an import": work that holds the vault's writer lock for long), the
    session's pages say what is running meanwhile and refuse changes at once (``writable_vault``)
    rather than wait for the lock on the event loop; what the work said of its progress
    (``session.progress``) is cleared when it ends."""
    handle = vault.reader()
    # A thread can wait for another writer (a command-line import) as long as the CLI does.
    handle.default_lock_wait = Vault.default_lock_wait
    if session is not None and what:
        session.working.append(what)
    try:
        return await anyio.to_thread.run_sync(work, handle)
    finally:
        handle.close()
        if session is not None and what:
            session.working.remove(what)
            session.progress = ""
