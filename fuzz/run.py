"""Run the fuzz targets: ``python -m fuzz.run [TARGET ...] --seconds 60``.

Each target runs in its own process under atheris (libFuzzer with Python coverage), starting from
``fuzz/seeds/<target>/`` and growing ``fuzz/corpus/<target>/`` (not committed). An input that
ends in anything but a record, a problem or a plain refusal is written to
``fuzz/crashes/<target>/`` with its traceback beside it, once per distinct crash site, and fuzzing
carries on (``--stop-on-crash`` restores libFuzzer's stop-at-first behaviour). libFuzzer's own
timeouts and out-of-memory inputs land in the same folder. At the end a table gives executions
and new crashes per target.

When atheris cannot be installed, ``--fallback`` (chosen automatically) runs a plain random
mutation loop over the seeds instead. It is labelled as such in the output: it is NOT
coverage-guided and finds far less.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

FUZZ_DIR = Path(__file__).resolve().parent
REPO = FUZZ_DIR.parent
CRASHES = FUZZ_DIR / "crashes"
CORPUS = FUZZ_DIR / "corpus"
LOGS = FUZZ_DIR / "logs"
MAX_LEN = 128 * 1024


def target_names() -> list[str]:
    from fuzz.targets import TARGETS

    return list(TARGETS)


# --- crash bookkeeping (shared by atheris and the fallback) ------------------------------------


def signature(exc: BaseException) -> str:
    """Exception type plus the innermost frame in nocontact: one file per distinct crash site."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/nocontact/" in f.filename.replace("\\", "/")] or frames
    last = ours[-1] if ours else None
    where = f"{Path(last.filename).stem}_{last.lineno}" if last else "unknown"
    return re.sub(r"[^A-Za-z0-9_]+", "_", f"{type(exc).__name__}-{where}")


def record_crash(target: str, data: bytes, exc: BaseException) -> Path | None:
    """Save input and traceback unless this crash site is already on file; returns the new path."""
    folder = CRASHES / target
    folder.mkdir(parents=True, exist_ok=True)
    sig = signature(exc)
    if any(p.name.startswith(sig + "-") for p in folder.iterdir()):
        return None
    path = folder / f"{sig}-{hashlib.sha1(data).hexdigest()[:12]}"  # noqa: S324 - a name, not security
    path.write_bytes(data)
    path.with_name(path.name + ".txt").write_text(
        f"target: {target}\nsignature: {sig}\nreplay: python -m fuzz.run --replay {target} {path}\n\n"
        + "".join(traceback.format_exception(exc)), "utf-8")
    return path


def harness(target: str, stop_on_crash: bool) -> Callable[[bytes], None]:
    from fuzz.targets import run_target

    def one_input(data: bytes) -> None:
        try:
            run_target(target, data)
        except Exception as e:
            if record_crash(target, data, e) is not None:
                print(f"\n== new crash in {target}: {type(e).__name__}: {str(e)[:200]}", file=sys.stderr, flush=True)
            if stop_on_crash:
                raise

    return one_input


# --- one target in this process ----------------------------------------------------------------


def child_atheris(target: str, seconds: int, stop_on_crash: bool) -> None:
    import atheris  # type: ignore[import-untyped,import-not-found,unused-ignore]

    with atheris.instrument_imports(include=["nocontact", "email", "zipfile", "fuzz.targets"]):
        from nocontact.importers import all_importers

        all_importers()
        one_input = harness(target, stop_on_crash)
    corpus = CORPUS / target
    corpus.mkdir(parents=True, exist_ok=True)
    (CRASHES / target).mkdir(parents=True, exist_ok=True)
    args = [sys.argv[0], f"-max_total_time={seconds}", "-timeout=30", "-rss_limit_mb=2048",
            f"-max_len={MAX_LEN}", f"-artifact_prefix={CRASHES / target}/", "-print_final_stats=1",
            str(corpus), str(FUZZ_DIR / "seeds" / target)]
    atheris.Setup(args, one_input)
    atheris.Fuzz()


def mutate(rng: random.Random, data: bytes, seeds: list[bytes]) -> bytes:
    """One of a few blind byte mutations (the fallback has no coverage to steer by)."""
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(7)
        i = rng.randrange(len(b) + 1)
        if op == 0 and b:
            b[min(i, len(b) - 1)] ^= 1 << rng.randrange(8)
        elif op == 1:
            b[i:i] = bytes([rng.randrange(256)]) * rng.randint(1, 8)
        elif op == 2:
            del b[i:i + rng.randint(1, 64)]
        elif op == 3:
            j = rng.randrange(len(b) + 1)
            b[i:i] = b[j:j + rng.randint(1, 256)]
        elif op == 4:
            other = rng.choice(seeds)
            j = rng.randrange(len(other) + 1)
            b = b[:i] + bytearray(other[j:])
        elif op == 5:
            b[i:i] = rng.choice([b"\xff", b"\xed\xa0\x80", b"\x00", b"&#55357;", b"\\ud800", b"[", b"{", b"<",
                                 b"9999", b"0000", b"99999999999999999999", b"\n", b"\r\n", b'"', b"-"])
        else:
            b = b[:i]
    return bytes(b[:MAX_LEN])


def child_fallback(target: str, seconds: int, stop_on_crash: bool) -> None:
    print(f"[{target}] random mutation fallback, NOT coverage-guided (atheris is not installed)", file=sys.stderr)
    from fuzz.targets import all_seeds

    one_input = harness(target, stop_on_crash)
    seeds = [p.read_bytes() for p in all_seeds(target)] or [b""]
    rng = random.Random(int.from_bytes(os.urandom(8), "big"))
    end = time.monotonic() + seconds
    runs = 0
    for s in seeds:
        one_input(s)
        runs += 1
    while time.monotonic() < end:
        one_input(mutate(rng, rng.choice(seeds), seeds))
        runs += 1
    print(f"Done {runs} runs in {seconds} second(s) (random mutation fallback)", file=sys.stderr)


def have_atheris() -> bool:
    try:
        import atheris  # noqa: F401
    except ImportError:
        return False
    return True


# --- the parent: one process per target, then a table ------------------------------------------


def _runs(log: str) -> int | None:
    m = re.findall(r"Done (\d+) runs in", log)
    if m:
        return int(m[-1])
    m = re.findall(r"^#(\d+)\s", log, re.M)
    return int(m[-1]) if m else None


def run_all(targets: list[str], seconds: int, jobs: int, stop_on_crash: bool, fallback: bool) -> int:
    LOGS.mkdir(exist_ok=True)
    mode = "random mutation fallback (NOT coverage-guided)" if fallback else "atheris (coverage-guided)"
    print(f"fuzzing {len(targets)} target(s) for {seconds} s each with {mode}, {jobs} at a time")
    before = {t: set((CRASHES / t).glob("*")) if (CRASHES / t).is_dir() else set() for t in targets}
    tmp = Path(tempfile.mkdtemp(prefix="nocontact-fuzz-"))
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": os.pathsep.join(
        [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])}
    pending = list(targets)
    running: dict[str, tuple[subprocess.Popen[bytes], float]] = {}
    results: dict[str, tuple[int | None, float, int]] = {}
    try:
        while pending or running:
            while pending and len(running) < jobs:
                t = pending.pop(0)
                cmd = [sys.executable, "-m", "fuzz.run", "--child", t, "--seconds", str(seconds)]
                if stop_on_crash:
                    cmd.append("--stop-on-crash")
                if fallback:
                    cmd.append("--fallback")
                with open(LOGS / f"{t}.log", "wb") as sink:
                    running[t] = (subprocess.Popen(cmd, cwd=REPO, env=env, stdout=sink, stderr=subprocess.STDOUT),
                                  time.monotonic())
            time.sleep(0.5)
            for t, (proc, started) in list(running.items()):
                if proc.poll() is None:
                    continue
                del running[t]
                log = (LOGS / f"{t}.log").read_text("utf-8", "replace")
                results[t] = (_runs(log), time.monotonic() - started, proc.returncode)
                print(f"  {t}: done ({results[t][0]} runs, exit {proc.returncode})", flush=True)
    finally:
        for proc, _ in running.values():
            proc.terminate()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\n{'target':28} {'runs':>10} {'exec/s':>8} {'new crashes':>12}")
    total_new = 0
    for t in targets:
        runs, took, _rc = results.get(t, (None, 0.0, -1))
        new = sorted(p for p in (set((CRASHES / t).glob("*")) - before[t]) if not p.name.endswith(".txt"))
        total_new += len(new)
        rate = f"{runs / took:8.0f}" if runs and took else "       ?"
        print(f"{t:28} {runs if runs is not None else '?':>10} {rate} {len(new):>12}")
        for p in new:
            print(f"    {p.relative_to(REPO)}")
    print(f"\nlogs in {LOGS.relative_to(REPO)}/; crashes in {CRASHES.relative_to(REPO)}/ "
          "(each with a .txt traceback; make each a test in tests/fuzz/test_regressions.py)")
    return 1 if total_new else 0


def replay(target: str, path: Path) -> int:
    from fuzz.targets import run_target

    out = run_target(target, path.read_bytes())
    print(out)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("targets", nargs="*", help="targets to run (default: all)")
    ap.add_argument("--seconds", type=int, default=int(os.environ.get("FUZZ_SECONDS", "60")))
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("FUZZ_JOBS", "1")))
    ap.add_argument("--stop-on-crash", action="store_true")
    ap.add_argument("--fallback", action="store_true", help="random mutation loop instead of atheris")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--replay", nargs=2, metavar=("TARGET", "FILE"), help="run one saved input and show the result")
    ns = ap.parse_args(argv)
    if ns.replay:
        return replay(ns.replay[0], Path(ns.replay[1]))
    fallback = ns.fallback or not have_atheris()
    if ns.child:
        if fallback:
            child_fallback(ns.child, ns.seconds, ns.stop_on_crash)
        else:
            child_atheris(ns.child, ns.seconds, ns.stop_on_crash)
        return 0
    names = target_names()
    unknown = [t for t in ns.targets if t not in names]
    if unknown:
        ap.error(f"unknown target(s) {unknown}; known: {', '.join(names)}")
    return run_all(ns.targets or names, ns.seconds, max(1, ns.jobs), ns.stop_on_crash, fallback)


if __name__ == "__main__":
    sys.exit(main())
