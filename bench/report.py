"""Benchmark: the report over 10,000 and 100,000 events.

Builds vaults of synthetic SMS from the ex (a tiny in-memory importer through the real
``import_source``, so rows are real vault rows), then times (1) the analysis the report does
(``model_from_rows`` over the events-export rows: counts, bursts, night-time, flags, log) and
(2) the whole PDF. Prints time per 1,000 events for both, the PDF's pages, and the ratio of the
analysis time at 100k to 10k (linear growth gives about 10).

    .venv/bin/python bench/report.py [--sizes 10000,100000]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from nocontact.case import Case, Person
from nocontact.eventlog import event_dicts
from nocontact.importers.base import ImportContext, Match
from nocontact.model import Identifier, Problem, Record
from nocontact.report import build_report
from nocontact.report.model import model_from_rows
from nocontact.sources import FileSource, Source
from nocontact.vault.events import current_boundary, current_case, iter_events, save_case, set_boundary
from nocontact.vault.importing import import_source
from nocontact.vault.store import Vault

EX = "+13125550187"
CASE = Case(user=Person(name="Robin Hale", phones=("+13125550123",)),
            ex=Person(name="Casey Drummond", phones=(EX,)), source_timezone="America/Chicago")
START = datetime(2024, 1, 1, tzinfo=UTC)
BOUNDARY = START + timedelta(days=30)
PHRASES = ["Call me.", "Why won't you answer?", "I saw you at the station today.", "Please, just talk to me.",
           "I'm outside your office.", "You'll regret this.", "Answer your phone!", "I miss you so much.",
           "Your mom said you were home.", "ok", "<b>hi</b> & <script>x</script>"]


class Synthetic:
    """An in-memory importer: ``n`` incoming SMS from the ex, a few minutes apart."""

    name = "bench_synthetic"

    def __init__(self, n: int, seed: int = 0) -> None:
        self.n, self.seed = n, seed

    def sniff(self, source: Source, head: bytes) -> Match | None:
        return None

    def read(self, source: Source, ctx: ImportContext) -> Iterator[Record | Problem]:
        rng = random.Random(self.seed)
        t = START
        for i in range(self.n):
            t += timedelta(seconds=rng.choice((20, 60, 300, 900, 3600, 7200)))
            yield Record(source_id=str(i), kind="sms", category="message", utc=t, raw_time=str(int(t.timestamp())),
                         time_zone="UTC", time_basis="epoch seconds", direction="incoming",
                         sender=Identifier("phone", EX), body=f"{rng.choice(PHRASES)} ({i})")


def build_vault(root: Path, n: int) -> Vault:
    v, _ = Vault.create(root / "vault", "bench", fast_kdf=True)
    save_case(v, CASE)
    src_file = root / f"synthetic-{n}.txt"
    src_file.write_text(f"synthetic export of {n} events\n")
    import_source(v, FileSource(src_file, root, src_file.name), Synthetic(n), ImportContext(case=CASE))
    set_boundary(v, BOUNDARY)
    return v


def run(n: int, with_pdf: bool) -> tuple[float, float | None, int | None]:
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        v = build_vault(Path(d), n)
        print(f"  vault of {n:,} events built in {time.perf_counter() - t0:.1f} s")
        case, b = current_case(v), current_boundary(v)
        rows = list(event_dicts(iter_events(v), case, b[0] if b else None))
        t0 = time.perf_counter()
        model = model_from_rows(rows, case=case, zone=ZoneInfo("America/Chicago"), boundary=b[0] if b else None,
                                boundary_event_id=None, journal=v.head(), public_key=v.header.public_key,
                                vault_id=v.vault_id)
        analysis = time.perf_counter() - t0
        print(f"  analysis: {analysis:.2f} s ({analysis / n * 1000:.3f} s per 1,000 events); "
              f"headline {model.headline.value}, log {len(model.log)} of {model.log_total} rows")
        pdf_s = pages = None
        if with_pdf:
            t0 = time.perf_counter()
            info = build_report(v, Path(d) / "report.pdf")
            pdf_s = time.perf_counter() - t0
            pages = info.pages
            print(f"  PDF: {pdf_s:.1f} s ({pdf_s / n * 1000:.3f} s per 1,000 events), {pages} pages")
        v.close()
        return analysis, pdf_s, pages


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--sizes", default="10000,100000")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {}
    for n in sizes:
        print(f"== {n:,} events")
        results[n] = run(n, with_pdf=n == max(sizes))
    if len(sizes) >= 2:
        small, big = min(sizes), max(sizes)
        ratio = results[big][0] / results[small][0]
        print(f"analysis time ratio {big:,} / {small:,} events: {ratio:.1f} (linear would be {big / small:.0f})")


if __name__ == "__main__":
    main()
