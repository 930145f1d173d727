"""Benchmark: the report over growing vaults, for time, pages and peak memory.

Builds vaults of synthetic SMS from the ex through the real ``import_source`` (a tiny in-memory
importer, so rows are real vault rows), shaped like a long case: one export file per
``--per-file`` events (monthly backups), a photo attached to one message in ``--attach-every``,
a threat in about one message in 200. Then, each phase in its own process so its peak RSS
(VmHWM) is its own:

  build     the vault (not timed as part of the report)
  analysis  ``build_model`` (read the vault, the analysis package's figures, the log)
  pdf       ``build_report`` to a PDF: seconds, pages, peak RSS

A report that stays readable has about the same pages at 20,000 and 200,000 events, and peak
memory that grows far slower than the events.

    .venv/bin/python bench/report.py --sizes 20000,200000
    .venv/bin/python bench/report.py --sizes 20000 --no-pdf
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import peak_rss_mb, run_child
from nocontact.case import Case, Person
from nocontact.importers.base import ImportContext, Match
from nocontact.model import AttachmentRef, Identifier, Problem, Record
from nocontact.sources import FileSource, Source
from nocontact.vault.events import save_case, set_boundary
from nocontact.vault.importing import import_source
from nocontact.vault.store import Vault

PASSPHRASE = "bench"
EX = "+13125550187"
CASE = Case(user=Person(name="Robin Hale", phones=("+13125550123",)),
            ex=Person(name="Casey Drummond", phones=(EX,)), source_timezone="America/Chicago")
START = datetime(2024, 1, 1, tzinfo=UTC)
BOUNDARY = START + timedelta(days=30)
PHRASES = ["Call me.", "Why won't you answer?", "Please, just talk to me.", "I miss you so much.",
           "Where are you?", "ok", "<b>hi</b> & <script>x</script>", "Answer your phone!",
           "Your mom said you were home.", "I saw you at the station today."]
THREAT = "You'll regret this."


class Synthetic:
    """An in-memory importer: ``n`` incoming SMS from the ex from ``start``, a few minutes apart."""

    name = "bench_synthetic"

    def __init__(self, first: int, n: int, start: datetime, attach_every: int, seed: int) -> None:
        self.first, self.n, self.start, self.attach_every, self.seed = first, n, start, attach_every, seed
        self.end = start

    def sniff(self, source: Source, head: bytes) -> Match | None:
        return None

    def read(self, source: Source, ctx: ImportContext) -> Iterator[Record | Problem]:
        rng = random.Random(self.seed)
        t = self.start
        for k in range(self.n):
            i = self.first + k
            t += timedelta(seconds=rng.choice((20, 60, 300, 900, 3600, 7200)))
            body = THREAT if rng.random() < 0.005 else rng.choice(PHRASES)
            atts = ((AttachmentRef(f"IMG_{i:06d}.jpg", "image/jpeg", data=b"\xff\xd8 photo %d" % i),)
                    if self.attach_every and i % self.attach_every == 0 else ())
            yield Record(source_id=str(i), kind="sms", category="message", utc=t, raw_time=str(int(t.timestamp())),
                         time_zone="UTC", time_basis="epoch seconds", direction="incoming",
                         sender=Identifier("phone", EX), body=f"{body} ({i})", attachments=atts)
        self.end = t


def build_vault(root: Path, n: int, per_file: int, attach_every: int) -> None:
    v, _ = Vault.create(root, PASSPHRASE, fast_kdf=True)
    save_case(v, CASE)
    start = START
    for f, first in enumerate(range(0, n, per_file)):
        src_file = root.parent / f"sms-backup-{f:04d}.xml"
        src_file.write_text(f"synthetic export {f} of {n} events\n")
        imp = Synthetic(first, min(per_file, n - first), start, attach_every, seed=f)
        import_source(v, FileSource(src_file, root.parent, src_file.name), imp, ImportContext(case=CASE))
        start = imp.end
    set_boundary(v, BOUNDARY)
    v.close()


def child(mode: str, folder: str, *args: str) -> dict[str, Any]:
    root = Path(folder) / "vault"
    if mode == "build":
        t0 = time.perf_counter()
        build_vault(root, int(args[0]), int(args[1]), int(args[2]))
        return {"seconds": time.perf_counter() - t0, "rss_mb": peak_rss_mb()}
    with Vault.open(root, PASSPHRASE) as v:
        t0 = time.perf_counter()
        if mode == "analysis":
            from nocontact.report.model import build_model

            m = build_model(v)
            return {"seconds": time.perf_counter() - t0, "rss_mb": peak_rss_mb(), "headline": m.headline.value,
                    "log_rows": len(m.log), "log_total": m.log_total,
                    "exhibits": len(m.exhibits), "attachments": len(m.attachments)}
        from nocontact.report import build_report

        info = build_report(v, Path(folder) / "report.pdf")
        return {"seconds": time.perf_counter() - t0, "rss_mb": peak_rss_mb(), "pages": info.pages,
                "log_rows": info.log_rows, "log_total": info.log_total}


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], *sys.argv[3:])))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--sizes", default="20000,200000", help="event counts, comma-separated")
    ap.add_argument("--per-file", type=int, default=1000, help="events per export file (one exhibit each)")
    ap.add_argument("--attach-every", type=int, default=20, help="a photo on one message in this many (0: none)")
    ap.add_argument("--no-pdf", action="store_true", help="only the model, not the PDF")
    args = ap.parse_args()
    script = str(Path(__file__).resolve())
    for n in [int(s) for s in args.sizes.split(",")]:
        with tempfile.TemporaryDirectory() as d:
            print(f"== {n:,} events, {-(-n // args.per_file)} export files", flush=True)
            b = run_child(script, "build", d, n, args.per_file, args.attach_every)
            print(f"  vault built in {b['seconds']:.1f} s", flush=True)
            a = run_child(script, "analysis", d)
            print(f"  model: {a['seconds']:.1f} s, peak RSS {a['rss_mb']:.0f} MB; headline {a['headline']}, "
                  f"log {a['log_rows']} of {a['log_total']} rows, {a['exhibits']} exhibits, "
                  f"{a['attachments']} attachments listed", flush=True)
            if not args.no_pdf:
                p = run_child(script, "pdf", d)
                print(f"  PDF:   {p['seconds']:.1f} s, peak RSS {p['rss_mb']:.0f} MB, {p['pages']} pages", flush=True)


if __name__ == "__main__":
    main()
