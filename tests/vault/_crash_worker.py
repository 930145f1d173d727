"""Run one ``nocontact`` command in this process, with hooks that kill or pause it at a chosen point.

Used by tests/vault/test_faults.py and tests/vault/test_crash_matrix.py::

    python tests/vault/_crash_worker.py import --json FILE      # any nocontact command line
    python tests/vault/_crash_worker.py --zygote                # fork one child per request (below)

Environment (besides the usual NOCONTACT_VAULT, NOCONTACT_PASSPHRASE, NOCONTACT_TEST_FAST_KDF):

``NOCONTACT_CRASH_AT=point[@n]``
    SIGKILL this process the n-th time (default 1st) execution reaches ``point``.
``NOCONTACT_CRASH_STEP=n``
    SIGKILL this process just before its n-th *step* (see below).
``NOCONTACT_STEPS_OUT=file``
    When the command ends, write ``{"steps": N, "io": [...]}`` to ``file``: how many steps it took and
    which of them were calls that write or sync (a dry run, to choose kill steps from).
``NOCONTACT_PAUSE_AT=point[@n]``
    At that point, report ``p`` on the status pipe and wait until the file ``NOCONTACT_PAUSE_GO`` exists.
``NOCONTACT_STATUS_FD=fd``
    A pipe: ``r`` is written once the vault is open (the command's work begins), ``p`` when paused.

Points: ``blob:before`` / ``blob:after`` (one blob written to the store), ``record`` (the importer
hands the writer its next record), ``events_sql:before`` / ``events_sql:after`` (one statement that
inserts into ``events``, whatever the batching), ``journal:before`` / ``journal:after`` (a journal entry
appended), ``commit:before`` / ``commit:after`` (the SQLite COMMIT), ``header:before`` /
``header:after`` (the vault header saved), ``replace:<what>`` just before the atomic rename of a
``blob``, ``header``, ``backup`` file or ``restore`` folder, ``zip:member`` before one file is added
to a backup.

Steps: a profiler counts every call into a function of the ``nocontact`` package and every call
(Python or C: ``execute``, ``write``, ``fsync``, ``os.replace`` ...) made from one. The count is the
same on every run of the same command on the same vault (the zygote forks each run from one
prepared process, with a fixed hash seed), so step n names one moment of the command exactly; a
killed run whose step was never reached exits normally and the test says so.

Zygote: importing nocontact takes most of a second, far longer than a command on a tiny vault.
``--zygote`` imports everything once, then reads one JSON request per line on stdin
(``{"argv": [...], "env": {...}, "cwd": "...", "out": "file"}``), forks a child that runs the command
with its output in ``out``, waits for it, and answers ``{"rc": ...}`` (negative: killed by that
signal) on stdout.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import nocontact
from nocontact import cli
from nocontact.importers import all_importers
from nocontact.vault import store as store_mod
from nocontact.vault.blobs import BlobStore

PACKAGE = str(Path(nocontact.__file__).resolve().parent) + os.sep
#: C and library calls that write, rename, sync or remove: the moments a kill matters most.
IO_CALLS = frozenset({"execute", "executemany", "commit", "replace", "rename", "fsync", "write", "writestr",
                      "unlink", "rmdir", "mkdir", "backup", "close", "flush", "truncate", "writelines"})


def _parse(spec: str | None) -> tuple[str, int] | None:
    if not spec:
        return None
    point, _, nth = spec.partition("@")
    return point, int(nth or "1")


CRASH: tuple[str, int] | None = None
PAUSE: tuple[str, int] | None = None
STATUS_FD: int | None = None
_seen: Counter[str] = Counter()


def configure() -> None:
    """Read the hook settings from the environment (again, in each forked child)."""
    global CRASH, PAUSE, STATUS_FD
    CRASH = _parse(os.environ.get("NOCONTACT_CRASH_AT"))
    PAUSE = _parse(os.environ.get("NOCONTACT_PAUSE_AT"))
    STATUS_FD = int(os.environ["NOCONTACT_STATUS_FD"]) if os.environ.get("NOCONTACT_STATUS_FD") else None
    _seen.clear()


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(10)  # not reached: SIGKILL to oneself is delivered at once


def _status(b: bytes) -> None:
    if STATUS_FD is not None:
        os.write(STATUS_FD, b)


def hit(point: str) -> None:
    _seen[point] += 1
    n = _seen[point]
    if (point, n) == CRASH:
        _die()
    if (point, n) == PAUSE:
        _status(b"p")
        go = Path(os.environ["NOCONTACT_PAUSE_GO"])
        while not go.exists():
            time.sleep(0.01)


# ---- steps ---------------------------------------------------------------------------------------
class Steps:
    """The profiler that numbers the command's steps, kills at one of them, or records them all."""

    def __init__(self, crash_at: int | None, out: Path | None) -> None:
        self.crash_at = crash_at
        self.out = out
        self.n = 0
        self.io: list[int] = []
        self._ours: dict[str, bool] = {}

    def _in_package(self, frame: FrameType | None) -> bool:
        if frame is None:
            return False
        name = frame.f_code.co_filename
        ours = self._ours.get(name)
        if ours is None:
            ours = self._ours[name] = name.startswith(PACKAGE)
        return ours

    def __call__(self, frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            if not (self._in_package(frame) or self._in_package(frame.f_back)):
                return
            name = frame.f_code.co_name
        elif event == "c_call":
            if not self._in_package(frame):
                return
            name = getattr(arg, "__name__", "")
        else:
            return
        self.n += 1
        if self.n == self.crash_at:
            _die()
        if self.out is not None and name in IO_CALLS:
            self.io.append(self.n)

    def start(self) -> None:
        sys.setprofile(self)

    def save(self) -> None:
        sys.setprofile(None)
        if self.out is not None:
            self.out.write_text(json.dumps({"steps": self.n, "io": self.io}))


def start_steps() -> Steps | None:
    crash = os.environ.get("NOCONTACT_CRASH_STEP")
    out = os.environ.get("NOCONTACT_STEPS_OUT")
    if not crash and not out:
        return None
    steps = Steps(int(crash) if crash else None, Path(out) if out else None)
    steps.start()
    return steps


# ---- hooks on the write path ---------------------------------------------------------------------
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
                else "backup" if str(src).endswith(".partial") else "restore" if ".restoring-" in str(src)
                else "other")
        hit(f"replace:{what}")
        replace(src, dst, *a, **kw)

    os.replace = hooked_replace

    write = zipfile.ZipFile.write

    def hooked_write(self: Any, *a: Any, **kw: Any) -> None:
        hit("zip:member")
        write(self, *a, **kw)

    zipfile.ZipFile.write = hooked_write  # type: ignore[method-assign]


def run_command(argv: list[str]) -> int:
    """Run ``nocontact argv`` here, counting steps if asked; returns its exit code."""
    configure()
    steps = start_steps()
    sys.argv = ["nocontact", *argv]
    code: Any = 0
    try:
        cli.main()
    except SystemExit as e:
        code = e.code
    finally:
        if steps is not None:
            steps.save()
    return code if isinstance(code, int) else (0 if code is None else 1)


# ---- the zygote ----------------------------------------------------------------------------------
def _preload() -> None:
    """Import what the commands import lazily, so each forked child starts with it already loaded."""
    import nocontact.ingest
    import nocontact.vault.backup
    import nocontact.vault.events
    import nocontact.vault.verify  # noqa: F401

    # The first command run in a process loads what typer, click and rich load lazily; run one here.
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    try:
        run_command(["version"])
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


class _Prebuilt:
    """The command line, built once by typer in the zygote instead of once per forked child."""

    def __init__(self, command: Any) -> None:
        self.command = command

    def __call__(self, **kw: Any) -> Any:
        return self.command(prog_name="nocontact", **kw)


def _child(request: dict[str, Any]) -> None:
    os.environ.update(request["env"])
    for k in request.get("unset", []):
        os.environ.pop(k, None)
    os.chdir(request["cwd"])
    fd = os.open(request["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    sys.stdin = open(os.devnull)  # noqa: SIM115
    code = 1
    try:
        code = run_command(list(request["argv"]))
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def zygote() -> None:
    import gc

    import typer.main

    _preload()
    cli.app = _Prebuilt(typer.main.get_command(cli.app))  # type: ignore[assignment]
    gc.collect()
    gc.freeze()  # forked children then do not copy every object the collector would touch
    answers = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)
        _, status = os.waitpid(pid, 0)
        rc = os.waitstatus_to_exitcode(status)
        answers.write(json.dumps({"rc": rc}) + "\n")
        answers.flush()


if __name__ == "__main__":
    install()
    if sys.argv[1:] == ["--zygote"]:
        zygote()
    else:
        sys.exit(run_command(sys.argv[1:]))
