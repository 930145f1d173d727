"""The crash matrix: each writing command (import, log, passphrase change, backup, restore) killed
with SIGKILL at 50 different moments of its run, and after every kill the vault opens, verifies, and
the command's change is wholly there or wholly absent.

How the moments are chosen: a dry run of the command, forked from the zygote in
tests/vault/_crash_worker.py, numbers its *steps* (every call into nocontact code and every call
nocontact code makes, down to each ``execute``, ``write``, ``fsync`` and ``os.replace``) and notes
which of them write, sync, rename or remove. Half the kill points are spread evenly over those I/O
steps, the rest evenly over all steps from the first to the last, so the kills cover the whole run
and land densely where the disk changes. Each kill point runs as its own forked child on a fresh
copy of a small vault, and must actually die there (a run that finishes instead would mean the
numbering is not deterministic, and the test says so). The named points (just before and after
each blob, event insert, journal entry, COMMIT, header save and rename) are in test_faults.py.

The state after a kill is compared whole: which passphrase opens the vault, the row count of every
table, and the journal's kinds in order, with ``verify`` clean. It must equal the state before the
command or the state an uninterrupted run leaves; nothing in between is accepted.

Figures (kill points, outcomes, events lost) are printed, and appended as JSON lines to the file
named by ``NOCONTACT_CRASH_REPORT`` when that is set.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from nocontact.demo import write_all_samples
from nocontact.vault.backup import backup, restore
from nocontact.vault.store import Vault, VaultError
from nocontact.vault.verify import verify_vault
from tests.vault.helpers import import_paths, with_case

WORKER = Path(__file__).with_name("_crash_worker.py")
OLD = "old passphrase for the crash matrix"
NEW = "new passphrase for the crash matrix"
WRONG = "does not open this vault"
KILL_POINTS = 50

State = tuple[Any, ...]


# ---- the zygote: one prepared process that forks each run ----------------------------------------
class Zygote:
    """tests/vault/_crash_worker.py --zygote, and a way to run one command in a fresh child of it."""

    def __init__(self, cwd: Path, passphrase: str = OLD, new_passphrase: str = NEW) -> None:
        self.passphrase, self.new_passphrase = passphrase, new_passphrase
        env = {k: v for k, v in os.environ.items() if not k.startswith("NOCONTACT_")}
        env["PYTHONHASHSEED"] = "0"
        self.cwd = cwd
        self.proc = subprocess.Popen([sys.executable, str(WORKER), "--zygote"], env=env, cwd=cwd, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.runs = 0

    def run(self, argv: Sequence[str], vault: Path, *, crash_step: int | None = None, crash_at: str | None = None,
            steps_out: Path | None = None) -> tuple[int, str]:
        """Run ``nocontact argv`` on ``vault`` in a forked child; returns its exit code (-9: killed) and output."""
        env = {"NOCONTACT_VAULT": str(vault), "NOCONTACT_PASSPHRASE": self.passphrase,
               "NOCONTACT_NEW_PASSPHRASE": self.new_passphrase, "NOCONTACT_TEST_FAST_KDF": "1"}
        if crash_step is not None:
            env["NOCONTACT_CRASH_STEP"] = str(crash_step)
        if crash_at is not None:
            env["NOCONTACT_CRASH_AT"] = crash_at
        if steps_out is not None:
            env["NOCONTACT_STEPS_OUT"] = str(steps_out)
        out = vault.parent / f"run-{self.runs}.out"
        self.runs += 1
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"argv": list(argv), "env": env, "cwd": str(self.cwd),
                                          "out": str(out)}) + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        assert answer, "the crash worker's zygote died"
        return int(json.loads(answer)["rc"]), out.read_text("utf-8", "replace")

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


# ---- looking at a vault --------------------------------------------------------------------------
def open_with_one_passphrase(root: Path) -> tuple[str, Vault]:
    """The vault, opened with the one passphrase (old or new) that opens it; both or neither fails the test."""
    opened: list[tuple[str, Vault]] = []
    for p in (OLD, NEW):
        try:
            opened.append((p, Vault.open(root, p)))
        except VaultError as e:
            assert WRONG in str(e), e
    for _, v in opened[1:]:
        v.close()
    assert len(opened) == 1, f"{len(opened)} of the old and new passphrases open the vault"
    return opened[0]


def vault_state(root: Path) -> State:
    """Which passphrase opens the vault, every table's row count and the journal's kinds; verify must be clean."""
    passphrase, vault = open_with_one_passphrase(root)
    with vault as v:
        rep = verify_vault(v)
        assert rep.ok, rep.problems
        tables = [r[0] for r in v.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        counts = tuple((t, int(v.conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0])) for t in tables)  # noqa: S608
        kinds = tuple(r[0] for r in v.conn.execute("SELECT kind FROM journal ORDER BY seq"))
    return ("old" if passphrase == OLD else "new", counts, kinds)


def events_in(state: State) -> int:
    return int(dict(state[1])["events"])


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_of(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): sha256_of(p) for p in sorted(root.rglob("*")) if p.is_file()}


# ---- the world: a small vault, the exports, a backup ---------------------------------------------
@dataclass
class World:
    template: Path
    sms: Path
    photo: Path
    backup: Path
    before: State = ()
    in_backup: State = ()
    template_files: dict[str, str] = field(default_factory=dict)
    backup_sha: str = ""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    base = tmp_path_factory.mktemp("crash-world")
    files = {p.name: p for p in write_all_samples(base / "exports")}
    sms = next(p for n, p in files.items() if n.startswith("sms-"))
    calls = next(p for n, p in files.items() if n.startswith("calls-"))
    photo = base / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 not really a photo " * 40)
    template = base / "template"
    v, _ = Vault.create(template, OLD, fast_kdf=True)
    with v:
        with_case(v)
        import_paths(v, calls, keep_unrelated=True)
        info = backup(v, base / "template.ncbackup")
    w = World(template, sms, photo, info.path)
    w.before = vault_state(template)
    restore(info.path, base / "backed-up", OLD)
    w.in_backup = vault_state(base / "backed-up")
    w.template_files = files_of(template)
    w.backup_sha = sha256_of(info.path)
    yield w
    # Nothing in the matrix may touch the vault copied from, or the backup restored from.
    assert files_of(template) == w.template_files
    assert sha256_of(info.path) == w.backup_sha


@pytest.fixture(scope="module")
def zygote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Zygote]:
    z = Zygote(tmp_path_factory.mktemp("zygote"))
    yield z
    z.close()


# ---- the five commands ---------------------------------------------------------------------------
@dataclass
class Op:
    """One writing command: how to set it up on a fresh copy, run it, and judge the state a kill left."""

    name: str
    argv: Callable[[World, Path], list[str]]
    #: The folder the command is pointed at (NOCONTACT_VAULT), made in ``scratch``.
    prepare: Callable[[World, Path], Path]
    #: The state after a kill (or a full run), asserting whatever cannot be in a state.
    observe: Callable[[World, Path, Path], State]
    #: Further states that are neither "before" nor "after" but allowed, by name.
    between: Callable[[World, State], dict[str, State]] = lambda w, before: {}


def copy_template(w: World, scratch: Path) -> Path:
    scratch.mkdir(parents=True)
    root = scratch / "vault"
    shutil.copytree(w.template, root)
    return root


def observe_vault(w: World, root: Path, scratch: Path) -> State:
    return vault_state(root)


def observe_backup(w: World, root: Path, scratch: Path) -> State:
    """The vault's state, and whether a backup file is there; a backup that is there must restore whole."""
    out = scratch / "b.ncbackup"
    state = vault_state(root)
    if out.exists():
        rep = restore(out, scratch / "check", OLD)
        assert rep.ok
        # The snapshot is taken before the backup's own journal entry: it holds the vault as it was.
        assert vault_state(scratch / "check") == w.before
        shutil.rmtree(scratch / "check")
    if state != w.before:
        assert out.exists(), "the journal records a backup whose file is not there"
    return (*state, out.exists())


def prepare_restore(w: World, scratch: Path) -> Path:
    scratch.mkdir(parents=True)
    return scratch / "restored"


def observe_restore(w: World, target: Path, scratch: Path) -> State:
    """Either no vault at the target, or the whole backed-up vault, verified; the backup file unchanged.

    After a kill that left nothing, restoring again into the same folder must work.
    """
    assert sha256_of(w.backup) == w.backup_sha
    if not target.exists():
        leftovers = sorted(p.name for p in scratch.iterdir() if p.name.startswith("restored.restoring-"))
        assert restore(w.backup, target, OLD).ok, "a restore after the killed one fails"
        assert vault_state(target) == w.in_backup
        assert not list(scratch.glob("restored.restoring-*")), "the next restore left the killed one's folder"
        return ("absent", len(leftovers))
    assert vault_state(target) == w.in_backup
    return ("present", 0)


def _pass_changed_entry_missing(w: World, before: State) -> dict[str, State]:
    # store.py saves the new header, then appends the journal entry in the same locked section: a kill
    # between the two leaves the new passphrase working and its journal entry not written.
    return {"new passphrase, journal entry not written": ("new", before[1], before[2])}


OPS = [
    Op("import", lambda w, s: ["import", "--json", "--keep-unrelated", str(w.sms)], copy_template, observe_vault),
    Op("log", lambda w, s: ["log", "--what", "Waited outside my door", "--at", "2026-03-05 18:30",
                            "--attach", str(w.photo)], copy_template, observe_vault),
    Op("passphrase change", lambda w, s: ["passphrase", "change"], copy_template, observe_vault,
       _pass_changed_entry_missing),
    Op("backup", lambda w, s: ["backup", str(s / "b.ncbackup")], copy_template, observe_backup,
       lambda w, before: {"backup file written, journal entry not yet": (*before[:-1], True)}),
    Op("restore", lambda w, s: ["restore", str(w.backup)], prepare_restore, observe_restore),
]


# ---- choosing and running the kill points --------------------------------------------------------
def spread(values: Sequence[int], k: int) -> list[int]:
    """``k`` of ``values`` evenly spaced, first and last included (all of them if there are fewer)."""
    if k >= len(values):
        return list(values)
    if k == 1:
        return [values[-1]]
    return [values[round(i * (len(values) - 1) / (k - 1))] for i in range(k)]


def kill_steps(total: int, io: Sequence[int], k: int) -> list[int]:
    """``k`` distinct steps: half spread over the I/O steps, the rest spread over all steps."""
    chosen = set(spread(io, k // 2))
    everything = range(1, total + 1)
    m = k - len(chosen)
    while len(chosen) < min(k, total):
        for n in spread(everything, m):
            if len(chosen) < k:
                chosen.add(n)
        m += 1
    return sorted(chosen)


@dataclass
class Matrix:
    op: str
    steps: int
    io_steps: int
    kill_points: int
    outcomes: Counter[str]
    events_lost: int
    seconds: float

    def line(self) -> str:
        shown = ", ".join(f"{n} {what}" for what, n in sorted(self.outcomes.items()))
        return (f"crash matrix: {self.op}: {self.kill_points} kill points over {self.steps} steps "
                f"({self.io_steps} of them I/O); survived {sum(self.outcomes.values())}: {shown}; "
                f"events lost {self.events_lost}; {self.seconds:.1f} s")


def run_matrix(op: Op, w: World, z: Zygote, tmp: Path, k: int, *, every_io: bool = False) -> Matrix:
    started = time.monotonic()
    scratch = tmp / "dry"
    root = op.prepare(w, scratch)
    before = op.observe(w, root, scratch) if op.name != "restore" else ("absent", 0)
    shutil.rmtree(scratch)
    root = op.prepare(w, scratch)
    rc, out = z.run(op.argv(w, scratch), root, steps_out=scratch / "steps.json")
    assert rc == 0, out
    counted = json.loads((scratch / "steps.json").read_text())
    after = op.observe(w, root, scratch)
    assert after != before, "the uninterrupted command changed nothing"
    allowed = {"absent": before, "present": after, **op.between(w, before)}
    shutil.rmtree(scratch)

    total, io = int(counted["steps"]), list(counted["io"])
    points = sorted(set(kill_steps(total, io, k)) | (set(io) if every_io else set()))
    outcomes: Counter[str] = Counter()
    lost = 0
    for n in points:
        scratch = tmp / f"kill-{n}"
        root = op.prepare(w, scratch)
        rc, out = z.run(op.argv(w, scratch), root, crash_step=n)
        assert rc == -signal.SIGKILL, (f"{op.name}: step {n} of {total} was not reached (exit {rc}); the steps are "
                                       f"not numbered the same on every run\n{out}")
        state = op.observe(w, root, scratch)
        if op.name == "restore":
            outcome = str(state[0]) if not state[1] else f"{state[0]} (a .restoring- folder left)"
        else:
            names = [name for name, s in allowed.items() if s == state]
            assert names, f"{op.name} killed before step {n} of {total} left a state that is neither before " \
                          f"nor after it:\n  before {before}\n  after  {after}\n  got    {state}"
            outcome = names[0]
            lost += max(0, events_in(before) - events_in(state))
        outcomes[outcome] += 1
        shutil.rmtree(scratch)
    m = Matrix(op.name, total, len(io), len(points), outcomes, lost, time.monotonic() - started)
    print(m.line())
    report = os.environ.get("NOCONTACT_CRASH_REPORT")
    if report:
        with open(report, "a", encoding="utf-8") as f:
            f.write(json.dumps({"op": m.op, "steps": m.steps, "io_steps": m.io_steps, "kill_points": m.kill_points,
                                "outcomes": dict(m.outcomes), "events_lost": m.events_lost,
                                "seconds": round(m.seconds, 2)}) + "\n")
    return m


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
def test_a_command_killed_at_50_moments_leaves_its_change_wholly_there_or_absent(
        op: Op, world: World, zygote: Zygote, tmp_path: Path) -> None:
    """Killed at each of 50 moments spread over its run, the command leaves a vault that opens, verifies,
    and holds its change whole or not at all, with no event lost."""
    m = run_matrix(op, world, zygote, tmp_path, KILL_POINTS)
    assert m.kill_points >= KILL_POINTS
    assert sum(m.outcomes.values()) == m.kill_points
    assert m.events_lost == 0
    # The kills reach both sides of the change: early ones find it absent, the last ones find it done.
    assert m.outcomes["absent"] and m.outcomes["present"], m.outcomes


@pytest.mark.slow
@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
def test_a_command_killed_before_every_write_it_makes_leaves_its_change_wholly_there_or_absent(
        op: Op, world: World, zygote: Zygote, tmp_path: Path) -> None:
    """Killed just before every write, sync, rename or removal it makes (and at 200 more moments), the command
    leaves its change whole or not at all."""
    m = run_matrix(op, world, zygote, tmp_path, 200, every_io=True)
    assert m.events_lost == 0
    assert m.outcomes["absent"] and m.outcomes["present"], m.outcomes


@pytest.mark.parametrize("empty_folder", [False, True], ids=["new folder", "empty folder"])
def test_a_restore_killed_just_before_its_rename_leaves_no_vault_at_the_target(
        world: World, zygote: Zygote, tmp_path: Path, empty_folder: bool) -> None:
    """Killed after the backup is unpacked and verified but before the one rename, a restore leaves the target
    as it was (absent, or the empty folder made for it), and the next restore there works."""
    target = tmp_path / "restored"
    if empty_folder:
        target.mkdir()
    rc, out = zygote.run(["restore", str(world.backup)], target, crash_at="replace:restore@1")
    assert rc == -signal.SIGKILL, out
    assert (list(target.iterdir()) == []) if empty_folder else not target.exists()
    assert sha256_of(world.backup) == world.backup_sha
    assert restore(world.backup, target, OLD).ok
    assert vault_state(target) == world.in_backup


def test_an_import_takes_the_same_steps_on_every_run(world: World, zygote: Zygote, tmp_path: Path) -> None:
    """Kill points name the same moment only if a command's steps never vary; attachment threads
    started by an executor as it saw fit once made an import's count differ by two between runs."""
    op = next(o for o in OPS if o.name == "import")
    counts = []
    for i in range(12):
        scratch = tmp_path / f"run-{i}"
        root = op.prepare(world, scratch)
        rc, out = zygote.run(op.argv(world, scratch), root, steps_out=scratch / "steps.json")
        assert rc == 0, out
        counts.append(int(json.loads((scratch / "steps.json").read_text())["steps"]))
    assert len(set(counts)) == 1, counts
