"""Run one ``nocontact`` command in this process, with hooks that kill or pause it at a named point.

Used by tests/vault/test_faults.py as a subprocess::

    python tests/vault/_crash_worker.py import --json FILE      # any nocontact command line

Environment (besides the usual NOCONTACT_VAULT, NOCONTACT_PASSPHRASE, NOCONTACT_TEST_FAST_KDF):

``NOCONTACT_CRASH_AT=point[@n]``
    SIGKILL this process the n-th time (default 1st) execution reaches ``point``.
``NOCONTACT_PAUSE_AT=point[@n]``
    At that point, report ``p`` on the status pipe and wait until the file ``NOCONTACT_PAUSE_GO`` exists.
``NOCONTACT_STATUS_FD=fd``
    A pipe: ``r`` is written once the vault is open (the command's work begins), ``p`` when paused.

Points: ``blob:before`` / ``blob:after`` (one blob written to the store), ``record`` (the importer
hands the writer its next record), ``events_sql:before`` / ``events_sql:after`` (one statement that
inserts into ``events``, whatever the batching), ``journal:before`` / ``journal:after`` (a journal entry
appended), ``commit:before`` / ``commit:after`` (the SQLite COMMIT), ``header:before`` /
``header:after`` (the vault header saved), ``replace:<what>`` just before the atomic rename of a
``blob``, ``header`` or ``backup`` file, ``zip:member`` before one file is added to a backup.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from nocontact import cli
from nocontact.importers import all_importers
from nocontact.vault import store as store_mod
from nocontact.vault.blobs import BlobStore


def _parse(spec: str | None) -> tuple[str, int] | None:
    if not spec:
        return None
    point, _, nth = spec.partition("@")
    return point, int(nth or "1")


CRASH = _parse(os.environ.get("NOCONTACT_CRASH_AT"))
PAUSE = _parse(os.environ.get("NOCONTACT_PAUSE_AT"))
STATUS_FD = int(os.environ["NOCONTACT_STATUS_FD"]) if os.environ.get("NOCONTACT_STATUS_FD") else None
_seen: Counter[str] = Counter()


def _status(b: bytes) -> None:
    if STATUS_FD is not None:
        os.write(STATUS_FD, b)


def hit(point: str) -> None:
    _seen[point] += 1
    n = _seen[point]
    if (point, n) == CRASH:
        os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(10)  # not reached: SIGKILL to oneself is delivered at once
    if (point, n) == PAUSE:
        _status(b"p")
        go = Path(os.environ["NOCONTACT_PAUSE_GO"])
        while not go.exists():
            time.sleep(0.01)


def _around(owner: Any, name: str, point: str) -> None:
    original: Callable[..., Any] = getattr(owner, name)

    def wrapper(*a: Any, **kw: Any) -> Any:
        hit(f"{point}:before")
        result = original(*a, **kw)
        hit(f"{point}:after")
        return result

    setattr(owner, name, wrapper)


class _Conn:
    """The vault's database connection, seen through a hook on COMMIT."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def execute(self, sql: str, *args: Any) -> Any:
        return self._run(self._inner.execute, sql, *args)

    def executemany(self, sql: str, *args: Any) -> Any:
        return self._run(self._inner.executemany, sql, *args)

    @staticmethod
    def _run(method: Callable[..., Any], sql: str, *args: Any) -> Any:
        head = " ".join(sql.split()).upper()
        point = ("commit" if head == "COMMIT" else "events_sql" if head.startswith("INSERT")
                 and " INTO EVENTS" in head else None)
        if point is None:
            return method(sql, *args)
        hit(f"{point}:before")
        cur = method(sql, *args)
        hit(f"{point}:after")
        return cur

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _hook_read(cls: type) -> None:
    read = cls.read  # type: ignore[attr-defined]

    def hooked_read(self: Any, *a: Any, **kw: Any) -> Iterator[Any]:
        for item in read(self, *a, **kw):
            hit("record")
            yield item

    cls.read = hooked_read  # type: ignore[attr-defined]


def install() -> None:
    _around(BlobStore, "put_stream", "blob")
    _around(store_mod.Vault, "append_journal", "journal")
    _around(store_mod.Header, "save", "header")
    for cls in {type(imp) for imp in all_importers()}:
        _hook_read(cls)

    connect = store_mod.Vault._connect

    def hooked_connect(self: Any, key: bytes) -> Any:
        return _Conn(connect(self, key))

    store_mod.Vault._connect = hooked_connect  # type: ignore[method-assign]

    open_ = store_mod.Vault.open.__func__  # type: ignore[attr-defined]

    def hooked_open(cls: Any, *a: Any, **kw: Any) -> Any:
        v = open_(cls, *a, **kw)
        _status(b"r")
        return v

    store_mod.Vault.open = classmethod(hooked_open)  # type: ignore[method-assign, assignment]

    replace = os.replace

    def hooked_replace(src: Any, dst: Any, *a: Any, **kw: Any) -> None:
        d = Path(dst)
        what = ("header" if d.name == "header.json" else "blob" if d.parent.parent.name == "blobs"
                else "backup" if str(src).endswith(".partial") else "other")
        hit(f"replace:{what}")
        replace(src, dst, *a, **kw)

    os.replace = hooked_replace

    write = zipfile.ZipFile.write

    def hooked_write(self: Any, *a: Any, **kw: Any) -> None:
        hit("zip:member")
        write(self, *a, **kw)

    zipfile.ZipFile.write = hooked_write  # type: ignore[method-assign]


if __name__ == "__main__":
    install()
    sys.argv = ["nocontact", *sys.argv[1:]]
    cli.main()
