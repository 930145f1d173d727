"""Benchmark: reading a ~100 MB Google Takeout mbox, nocontact vs the stdlib, in one run.

Generates a Takeout-style mailbox with ``nocontact.samples.email`` at scale (``>From`` lines,
base64/QP bodies, JPEG attachments), then times, each in a forked child so peak RSS is its own:

* baseline: ``mailbox.mbox`` + ``email.message_from_bytes(..., policy=policy.default)`` per
  message, body = ``get_body(("plain",)).get_content()`` (what a careful script would do);
* nocontact: ``MboxImporter().read()`` (records with bodies, attachments, times, people);
* nocontact + vault: ``nocontact.vault.importing.import_source`` into a fresh vault (original
  stored encrypted, events written, journal entry), when the vault package is present; only
  the import is timed, not making the fresh vault or deleting it afterwards.

Prints messages/s, our speed as a multiple of the baseline, peak RSS and whether every body
equals the generated one exactly (the stdlib keeps mbox's ``>From`` quoting and splits at
unescaped ``From `` lines). Figures only; nothing is asserted.

    python bench/import_mbox.py [--mb 100] [--keep DIR]
"""

from __future__ import annotations

import argparse
import email
import mailbox
import multiprocessing as mp
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from email import policy
from pathlib import Path
from typing import Any

from nocontact.case import Case, Person
from nocontact.importers.base import ImportContext
from nocontact.importers.mbox import MboxImporter
from nocontact.model import Record
from nocontact.samples.email import generate, write_sample
from nocontact.sources import FileSource

BYTES_PER_SCALE = 91_000
CTX = ImportContext(case=Case(user=Person(emails=("robin.hale@example.org",))))


def _stdlib(path: Path, want: dict[str, str]) -> dict[str, Any]:
    n = exact = 0
    mb = mailbox.mbox(str(path), create=False)
    for key in mb.iterkeys():
        msg = email.message_from_bytes(mb.get_bytes(key), policy=policy.default)
        part = msg.get_body(preferencelist=("plain",))
        body = part.get_content() if part is not None else None  # type: ignore[attr-defined]
        n += 1
        exact += body == want.get(str(msg.get("Message-ID", "")).strip())
    mb.close()
    return {"messages": n, "exact": exact}


def _ours(path: Path, want: dict[str, str]) -> dict[str, Any]:
    n = exact = problems = 0
    src = FileSource(path, path.parent, path.name)
    for item in MboxImporter().read(src, CTX):
        if isinstance(item, Record):
            n += 1
            exact += item.body == want.get(item.source_id)
        else:
            problems += 1
    return {"messages": n, "exact": exact, "problems": problems}


def _vault(path: Path, want: dict[str, str]) -> dict[str, Any]:
    from nocontact.vault.importing import import_source
    from nocontact.vault.store import Vault

    root = Path(tempfile.mkdtemp(prefix="nocontact-bench-vault-"))
    try:
        vault, _ = Vault.create(root / "v", "bench passphrase", fast_kdf=True)
        src = FileSource(path, path.parent, path.name)
        t0 = time.perf_counter()  # the import alone: making the vault and deleting it afterwards are not
        s = import_source(vault, src, MboxImporter(), CTX, keep_unrelated=True)
        seconds = time.perf_counter() - t0
        close = getattr(vault, "close", None)
        if callable(close):
            close()
        return {"messages": s.records_read, "exact": None, "added": s.added, "seconds": seconds}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _child(fn: Callable[[Path, dict[str, str]], dict[str, Any]], path: Path, want: dict[str, str],
           q: Any) -> None:
    t0 = time.perf_counter()
    out = fn(path, want)
    out.setdefault("seconds", time.perf_counter() - t0)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    q.put(out)


def run(fn: Callable[[Path, dict[str, str]], dict[str, Any]], path: Path, want: dict[str, str]) -> dict[str, Any]:
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(fn, path, want, q))
    p.start()
    out: dict[str, Any] = q.get()
    p.join()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=100.0, help="approximate mailbox size in MB")
    ap.add_argument("--keep", type=Path, help="write the mailbox here and keep it")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="nocontact-bench-mbox-"))
    scale = max(1, int(args.mb * 1e6 / BYTES_PER_SCALE))
    t0 = time.perf_counter()
    mbox, _ = write_sample(folder, scale=scale)
    want = {m.message_id: m.body for m in generate(scale)}
    size = mbox.stat().st_size
    print(f"generated {size / 1e6:.1f} MB, {len(want)} messages (scale {scale}) in {time.perf_counter() - t0:.1f}s")
    try:
        results = {"stdlib mailbox.mbox + policy.default": run(_stdlib, mbox, want),
                   "nocontact MboxImporter.read": run(_ours, mbox, want)}
        try:
            import nocontact.vault.importing  # noqa: F401
        except ImportError:
            print("(nocontact.vault has no import function yet: vault import not measured)")
        else:
            results["nocontact import into vault"] = run(_vault, mbox, want)
        base = results["stdlib mailbox.mbox + policy.default"]["seconds"]
        print(f"{'':40} {'msgs':>7} {'secs':>7} {'msgs/s':>9} {'MB/s':>7} {'x stdlib':>8} {'peak RSS':>9}  bodies exact")
        for name, r in results.items():
            exact = "n/a" if r["exact"] is None else f"{r['exact']}/{len(want)}"
            print(f"{name:40} {r['messages']:>7} {r['seconds']:>7.2f} {r['messages'] / r['seconds']:>9.0f} "
                  f"{size / 1e6 / r['seconds']:>7.1f} {base / r['seconds']:>8.2f} {r['peak_rss_mb']:>7.0f}MB  {exact}")
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
