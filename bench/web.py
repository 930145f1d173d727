"""Page render times of the web app over a large vault (target: under 200 ms per page).

Builds a vault by importing a generated WhatsApp sample scaled up (about 100,000 events by
default; ``--scale 1667`` makes about 100,000), unlocks it through the app, and times each page
N times in process (Starlette's TestClient, no network). Prints the median and p95 per page.

Home, Moving forward and the text-flag filters read figures that ``nocontact.web.derived``
computes in the background after unlock; the bench first prints how long that took (pages say
"still counting" meanwhile), then how long a recount takes after one new event (incremental),
then the page times with the figures ready.

    .venv/bin/python bench/web.py [--scale N] [--runs N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from starlette.testclient import TestClient

from nocontact.case import case_from_json
from nocontact.ingest import Planned, context_for_vault, import_planned, plan_sources
from nocontact.samples import DEMO_CASE
from nocontact.samples.whatsapp import write_sample
from nocontact.vault.events import log_incident, save_case, set_boundary
from nocontact.vault.store import Vault
from nocontact.web import create_app

PAGES = ["/", "/boundary", "/documentation", "/documentation/timeline", "/documentation/timeline?flag=threat",
         "/documentation/timeline?flag=surveillance",
         "/documentation/timeline?channel=whatsapp&flag=after_boundary", "/documentation/event/{eid}",
         "/support", "/legal", "/selfcare", "/forward", "/helper"]


def build(root: Path, scale: int) -> int:
    import json

    v, _ = Vault.create(root / "vault", "bench", fast_kdf=True)
    with v:
        save_case(v, case_from_json(json.dumps(DEMO_CASE)))
        files = write_sample(root / "exports", scale=scale)
        ctx = context_for_vault(v)
        for item in plan_sources(files):
            if isinstance(item, Planned):
                import_planned(v, item, ctx)
        set_boundary(v, datetime(2026, 3, 3, 2, 15, tzinfo=UTC))
        return int(v.conn.execute("SELECT count(*) FROM events").fetchone()[0])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=2500)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--keep", type=Path)
    a = ap.parse_args()
    base = a.keep or Path(tempfile.mkdtemp(prefix="nc-web-bench-"))
    if not (base / "vault").exists():
        t = time.perf_counter()
        n = build(base, a.scale)
        print(f"built a vault with {n} events in {time.perf_counter() - t:.1f} s at {base}")
    app = create_app(base / "vault", token="bench", derived_wait=0.0)
    with TestClient(app, base_url="http://127.0.0.1:1") as c:
        r = c.get("/unlock?token=bench")
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', r.text).group(1)  # type: ignore[union-attr]
        c.post("/unlock", data={"csrf": csrf, "passphrase": "bench"})
        t = time.perf_counter()
        while "Counting the" in c.get("/").text:
            time.sleep(0.2)
        print(f"figures ready {time.perf_counter() - t:.1f} s after unlock (first count of every event)")
        with Vault.open(base / "vault", "bench") as v:
            log_incident(v, occurred=datetime(2026, 4, 1, 12, tzinfo=UTC), raw_time="2026-04-01 12:00",
                         time_zone="UTC", channel="in_person", what="bench: one more event")
        t = time.perf_counter()
        while "Updating the figures" in c.get("/").text:
            time.sleep(0.05)
        print(f"figures current {time.perf_counter() - t:.1f} s after one new event (incremental recount)")
        r = c.get("/documentation/timeline")
        m = re.search(r"/documentation/event/(\d+)", r.text)
        eid = m.group(1) if m else "1"
        print(f"{'page':58} {'median ms':>10} {'p95 ms':>8}")
        for page in PAGES:
            path = page.format(eid=eid)
            times = []
            for _ in range(a.runs):
                t = time.perf_counter()
                resp = c.get(path)
                times.append((time.perf_counter() - t) * 1000)
                assert resp.status_code in (200, 403), (path, resp.status_code)
            times.sort()
            p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
            print(f"{path:58} {statistics.median(times):10.1f} {p95:8.1f}")


if __name__ == "__main__":
    main()
