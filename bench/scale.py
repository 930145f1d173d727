"""Benchmark (issue 8): one vault of about a million events from every export format, and how it grows.

Builds two vaults, a small one (``--small``, default 100,000 events) and a large one (``--events``,
default 1,000,000), each from the package's own fictional samples (``nocontact.samples``) of every
format, imported through the real path (``plan_sources`` / ``import_planned``, demo case saved
with ``save_case``, boundary set). Then, on each vault:

  import   seconds and records/s per format (records the importer read / seconds), peak RSS
  verify   ``verify_vault``
  export   the events export: ``event_dicts`` over every event + ``write_jsonl`` to /dev/null
  report   ``build_report`` (PDF)
  web      every page of the app (Starlette TestClient, unlocked with token and CSRF like
           tests/web), 20 requests each, p95 per page

Every phase runs in its own subprocess, which prints its peak RSS (VmHWM; reset by exec, so it is
that phase's alone). The last table prints, per figure, large / small and that ratio divided by
the size ratio: 1.00 means linear growth, below 1 better than linear, above 1 worse.

Volume: the generators' ``scale`` mostly multiplies everyday traffic with other people (the
family chat, the climbing group, other numbers), so the vault keeps unrelated records
(``keep_unrelated=True``); the ex's share stays the demo story's. Each sample module gets
``events * k / 11`` stored events, k = the number of formats it writes (11 formats in all); the
scale per module is calibrated at start-up by importing scale 1 and 3 into a scratch vault.
``eml`` and ``instagram_json`` do not grow with scale (one message, four messages), so their
share lands on ``gmail_takeout_mbox`` and ``facebook_messenger_json``; their records/s is
dominated by per-file overhead and printed for completeness. The vault's time span grows with
scale too (the email sample moves each repetition 28 days on: about 28 years at 20,000 events),
which is what the report's per-day chart pays for.

Figures only: nothing is asserted.

    .venv/bin/python bench/scale.py                              # 100k and 1M events
    .venv/bin/python bench/scale.py --events 200000 --small 20000
    .venv/bin/python bench/scale.py --workdir /tmp/nc-scale --keep --report-timeout 600
    .venv/bin/python bench/scale.py --results /tmp/nc-scale/results.json   # the table again
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import peak_rss_mb

PASSPHRASE = "bench passphrase"
TOKEN = "bench-token-0123456789"
#: Sample modules and how many importer formats each writes (11 in all).
MODULES: dict[str, int] = {"email": 2, "facebook": 2, "google_voice": 1, "imessage": 1,
                           "sms_backup_restore": 2, "telegram": 1, "whatsapp": 2}
PAGES = ["/", "/boundary", "/documentation", "/documentation/timeline", "/documentation/timeline?flag=threat",
         "/documentation/timeline?channel=whatsapp&flag=after_boundary", "/documentation/event/{eid}",
         "/support", "/legal", "/selfcare", "/forward", "/helper"]
WEB_RUNS = 20


_rss_mb = peak_rss_mb


# ---- phases, each in its own process ---------------------------------------------------------------
def phase_generate(folder: Path, module: str, scale: int) -> dict[str, Any]:
    """Write one sample module's exports at ``scale`` into ``folder``/``module``."""
    mod = importlib.import_module(f"nocontact.samples.{module}")
    t0 = time.perf_counter()
    files = mod.write_sample(folder / module, scale=scale)
    size = sum(p.stat().st_size for p in (folder / module).rglob("*") if p.is_file())
    return {"seconds": time.perf_counter() - t0, "files": len(files), "bytes": size, "rss_mb": _rss_mb()}


def phase_create(vault_root: Path) -> dict[str, Any]:
    from nocontact.case import case_from_json
    from nocontact.samples import DEMO_BOUNDARY_UTC, DEMO_CASE
    from nocontact.vault.events import save_case, set_boundary
    from nocontact.vault.store import Vault

    v, _ = Vault.create(vault_root, PASSPHRASE, fast_kdf=True)
    with v:
        save_case(v, case_from_json(json.dumps(DEMO_CASE)))
        set_boundary(v, DEMO_BOUNDARY_UTC, note="no-contact text (bench)")
    return {"rss_mb": _rss_mb()}


def phase_import(vault_root: Path, exports: Path, fmt: str) -> dict[str, Any]:
    """Import every source in ``exports`` that is recognised as ``fmt``; time the imports only."""
    from nocontact.ingest import Planned, context_for_vault, import_planned, plan_sources
    from nocontact.vault.store import Vault

    out: dict[str, Any] = {"format": fmt, "seconds": 0.0, "cpu": 0.0, "files": 0, "records": 0, "attributed": 0, "added": 0, "bytes": 0}
    with Vault.open(vault_root, PASSPHRASE) as v:
        ctx = context_for_vault(v)
        for item in plan_sources([exports]):
            if not isinstance(item, Planned) or item.importer.name != fmt:
                continue
            t0, c0 = time.perf_counter(), time.process_time()
            s = import_planned(v, item, ctx, keep_unrelated=True)
            out["seconds"] += time.perf_counter() - t0
            out["cpu"] += time.process_time() - c0
            out["files"] += 1
            out["records"] += s.records_read
            out["attributed"] += s.attributed
            out["added"] += s.added
            out["bytes"] += item.source.size
        out["events_after"] = int(v.conn.execute("SELECT count(*) FROM events").fetchone()[0])
    out["rss_mb"] = _rss_mb()
    return out


def phase_formats(exports: Path) -> dict[str, Any]:
    """The formats ``plan_sources`` finds under ``exports`` (first-seen order)."""
    from nocontact.ingest import Planned, plan_sources

    seen: dict[str, None] = {}
    for item in plan_sources([exports]):
        if isinstance(item, Planned):
            seen.setdefault(item.importer.name, None)
    return {"formats": list(seen)}


def phase_calibrate(folder: Path) -> dict[str, Any]:
    """Stored events per sample module at scale 1 and 3 (keep_unrelated), to pick scales."""
    from nocontact.ingest import Planned, context_for_vault, import_planned, plan_sources
    from nocontact.vault.store import Vault

    counts: dict[str, dict[str, int]] = {}
    for scale in (1, 3):
        root = folder / f"calibrate-{scale}"
        phase_create(root / "vault")
        with Vault.open(root / "vault", PASSPHRASE) as v:
            ctx = context_for_vault(v)
            for module in MODULES:
                importlib.import_module(f"nocontact.samples.{module}").write_sample(root / module, scale=scale)
                before = int(v.conn.execute("SELECT count(*) FROM events").fetchone()[0])
                for item in plan_sources([root / module]):
                    if isinstance(item, Planned):
                        import_planned(v, item, ctx, keep_unrelated=True)
                after = int(v.conn.execute("SELECT count(*) FROM events").fetchone()[0])
                counts.setdefault(module, {})[str(scale)] = after - before
        shutil.rmtree(root)
    return {"counts": counts}


def phase_verify(vault_root: Path) -> dict[str, Any]:
    from nocontact.vault.store import Vault
    from nocontact.vault.verify import verify_vault

    with Vault.open(vault_root, PASSPHRASE) as v:
        t0, c0 = time.perf_counter(), time.process_time()
        rep = verify_vault(v)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"seconds": seconds, "cpu": cpu, "ok": rep.ok, "events": rep.events, "entries": rep.entries,
            "problems": rep.problems[:3], "rss_mb": _rss_mb()}


def phase_export(vault_root: Path) -> dict[str, Any]:
    from nocontact.eventlog import event_dicts, write_jsonl
    from nocontact.vault.events import current_boundary, current_case, iter_events
    from nocontact.vault.store import Vault

    with Vault.open(vault_root, PASSPHRASE) as v, open(os.devnull, "w", encoding="utf-8") as sink:
        t0, c0 = time.perf_counter(), time.process_time()
        b = current_boundary(v)
        n = write_jsonl(event_dicts(iter_events(v), current_case(v), b[0] if b else None), sink)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"seconds": seconds, "cpu": cpu, "rows": n, "rss_mb": _rss_mb()}


def phase_report(vault_root: Path, out: Path) -> dict[str, Any]:
    from nocontact.report import build_report
    from nocontact.vault.store import Vault

    with Vault.open(vault_root, PASSPHRASE) as v:
        t0, c0 = time.perf_counter(), time.process_time()
        info = build_report(v, out)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"seconds": seconds, "cpu": cpu, "pages": info.pages, "log_rows": info.log_rows, "log_total": info.log_total,
            "rss_mb": _rss_mb()}


def phase_web(vault_root: Path) -> dict[str, Any]:
    from starlette.testclient import TestClient

    from nocontact.web import create_app

    app = create_app(vault_root, token=TOKEN)
    pages: dict[str, dict[str, float]] = {}
    with TestClient(app, base_url="http://127.0.0.1:8765") as c:
        r = c.get(f"/unlock?token={TOKEN}")
        m = re.search(r'name="csrf-token" content="([^"]+)"', r.text)
        if m is None:
            raise SystemExit("the unlock page carries no CSRF token")
        r = c.post("/unlock", data={"csrf": m.group(1), "passphrase": PASSPHRASE})
        if r.status_code != 200 or r.url.path == "/unlock":
            raise SystemExit(f"unlock failed: {r.status_code}")
        unlocked = time.perf_counter()
        r = c.get("/documentation/timeline")
        m = re.search(r"/documentation/event/(\d+)", r.text)
        eid = m.group(1) if m else "1"

        def measure(into: dict[str, dict[str, float]]) -> None:
            for page in PAGES:
                path = page.format(eid=eid)
                times: list[float] = []
                status = 0
                for _ in range(WEB_RUNS):
                    t0 = time.perf_counter()
                    resp = c.get(path)
                    times.append(time.perf_counter() - t0)
                    status = resp.status_code
                times.sort()
                into[page] = {"p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
                              "median": times[len(times) // 2], "status": status}

        # Right after unlocking, the app counts its figures in the background (web/derived.py):
        # pages are measured while that runs, then again once Home no longer says "Counting".
        counting: dict[str, dict[str, float]] = {}
        measure(counting)
        while "Counting the entries" in c.get("/").text:
            time.sleep(1)
        ready_s = time.perf_counter() - unlocked
        measure(pages)
    return {"pages": pages, "pages_while_counting": counting, "figures_ready_s": ready_s, "rss_mb": _rss_mb()}


def _run_phase(args: argparse.Namespace) -> dict[str, Any]:
    p = args.phase
    if p == "generate":
        return phase_generate(args.folder, args.module, args.scale)
    if p == "create":
        return phase_create(args.folder)
    if p == "import":
        return phase_import(args.folder, args.exports, args.format)
    if p == "formats":
        return phase_formats(args.exports)
    if p == "calibrate":
        return phase_calibrate(args.folder)
    if p == "verify":
        return phase_verify(args.folder)
    if p == "export":
        return phase_export(args.folder)
    if p == "report":
        return phase_report(args.folder, args.out)
    if p == "web":
        return phase_web(args.folder)
    raise SystemExit(f"unknown phase {p}")


def _child(phase: str, folder: Path, *, timeout: float | None = None, **kw: object) -> dict[str, Any]:
    """Run one phase in a fresh process; past ``timeout`` it is stopped and reported as timed out."""
    cmd = [sys.executable, __file__, "--phase", phase, "--folder", str(folder)]
    for k, val in kw.items():
        cmd += [f"--{k}", str(val)]
    t0 = time.perf_counter()
    try:
        done = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"timed_out": True, "seconds": float(timeout or 0), "cpu": float("nan"), "rss_mb": float("nan"),
                "wall": time.perf_counter() - t0}
    res: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    res["wall"] = time.perf_counter() - t0
    return res


# ---- one vault ---------------------------------------------------------------------------------------
def scales_for(target: int, counts: dict[str, dict[str, int]]) -> dict[str, int]:
    """The scale per module that stores about ``target * k / 11`` events, from a straight-line fit."""
    total_k = sum(MODULES.values())
    out = {}
    for module, k in MODULES.items():
        at1, at3 = counts[module]["1"], counts[module]["3"]
        slope = max((at3 - at1) / 2, 1e-9)
        want = target * k / total_k
        out[module] = max(1, round((want - at1) / slope) + 1)
    return out


def build_and_measure(root: Path, target: int, counts: dict[str, dict[str, int]], *,
                      report_timeout: float | None = None) -> dict[str, Any]:
    """Generate, import per format, then verify, export, report and web on one vault under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    exports, vault_root = root / "exports", root / "vault"
    scales = scales_for(target, counts)
    print(f"== target {target:,} events; scales {scales}", flush=True)
    gen_s = 0.0
    for module, scale in scales.items():
        g = _child("generate", exports, module=module, scale=scale)
        gen_s += g["seconds"]
        print(f"  generated {module:20} scale {scale:6}: {g['files']:6} files, {g['bytes'] / 1e6:8.1f} MB "
              f"in {g['seconds']:6.1f} s", flush=True)
    print(f"  generation total {gen_s:.1f} s", flush=True)
    _child("create", vault_root)
    res: dict[str, Any] = {"imports": {}}
    for module in scales:
        for fmt in _child("formats", exports, exports=exports / module)["formats"]:
            r = _child("import", vault_root, exports=exports / module, format=fmt)
            res["imports"][fmt] = r
            rate = r["records"] / r["seconds"] if r["seconds"] else 0.0
            print(f"  import {fmt:26} {r['files']:6} files {r['records']:9,} records {r['seconds']:8.1f} s "
                  f"{rate:9,.0f} rec/s  RSS {r['rss_mb']:6.0f} MB  (vault now {r['events_after']:,} events)",
                  flush=True)
    res["events"] = max(r["events_after"] for r in res["imports"].values())
    res["verify"] = _child("verify", vault_root)
    v = res["verify"]
    print(f"  verify {v['seconds']:.1f} s, {'intact' if v['ok'] else 'NOT INTACT: ' + '; '.join(v['problems'])}, "
          f"{v['entries']:,} journal entries  RSS {v['rss_mb']:.0f} MB", flush=True)
    res["export"] = _child("export", vault_root)
    print(f"  export {res['export']['seconds']:.1f} s, {res['export']['rows']:,} rows  "
          f"RSS {res['export']['rss_mb']:.0f} MB", flush=True)
    res["report"] = _child("report", vault_root, out=root / "report.pdf", timeout=report_timeout)
    rp = res["report"]
    if rp.get("timed_out"):
        print(f"  report NOT FINISHED: stopped after {rp['seconds']:.0f} s (--report-timeout)", flush=True)
    else:
        print(f"  report {rp['seconds']:.1f} s, {rp['pages']} pages, log {rp['log_rows']} of {rp['log_total']}  "
              f"RSS {rp['rss_mb']:.0f} MB", flush=True)
    res["web"] = _child("web", vault_root)
    worst = max(res["web"]["pages"].items(), key=lambda kv: kv[1]["p95"])
    if "pages_while_counting" in res["web"]:
        w2 = max(res["web"]["pages_while_counting"].items(), key=lambda kv: kv[1]["p95"])
        print(f"  web while counting after unlock: worst p95 {w2[1]['p95'] * 1000:.0f} ms ({w2[0]}); "
              f"figures ready {res['web']['figures_ready_s']:.0f} s after unlock")
    print(f"  web worst p95 {worst[1]['p95'] * 1000:.0f} ms ({worst[0]})  RSS {res['web']['rss_mb']:.0f} MB",
          flush=True)
    return res


# ---- the tables ------------------------------------------------------------------------------------
def figures(res: dict[str, Any]) -> list[tuple[str, float, str, float]]:
    """(name, value, unit, size) rows; size is what the figure should grow with (events or records)."""
    rows: list[tuple[str, float, str, float]] = []
    n = float(res["events"])
    for fmt, r in res["imports"].items():
        rows.append((f"import {fmt}", r["seconds"], "s", float(r["records"])))
        rows.append((f"import {fmt} CPU", r["cpu"], "s", float(r["records"])))
        rows.append((f"import {fmt}", r["records"] / r["seconds"] if r["seconds"] else 0.0, "rec/s",
                     float(r["records"])))
        rows.append((f"import {fmt} peak RSS", r["rss_mb"], "MB", float(r["records"])))
    for phase in ("verify", "export", "report"):
        rows.append((phase, res[phase]["seconds"], "s", n))
        rows.append((f"{phase} CPU", res[phase]["cpu"], "s", n))
        rows.append((f"{phase} peak RSS", res[phase]["rss_mb"], "MB", n))
    for page, p in res["web"]["pages"].items():
        rows.append((f"web p95 {page}", p["p95"] * 1000, "ms", n))
    rows.append(("web peak RSS", res["web"]["rss_mb"], "MB", n))
    return rows


def print_comparison(small: dict[str, Any], large: dict[str, Any]) -> None:
    """One row per figure: small, large, large/small, and that divided by the growth of the data."""
    s_rows = {(name, unit): (val, size) for name, val, unit, size in figures(small)}
    print()
    print(f"{'figure':72} {'small':>10} {'large':>10} {'large/small':>11} {'/ size ratio':>12}")
    print(f"{'events in the vault':72} {small['events']:10,} {large['events']:10,} "
          f"{large['events'] / small['events']:11.2f}")
    for name, val, unit, size in figures(large):
        if (name, unit) not in s_rows:
            continue
        sval, ssize = s_rows[(name, unit)]
        ratio = val / sval if sval else float("nan")
        size_ratio = size / ssize if ssize else float("nan")
        # records/s: a linear cost keeps the rate flat, so the rate ratio itself is the column.
        norm = ratio if unit == "rec/s" else ratio / size_ratio
        cell = "10,.0f" if unit == "rec/s" else "10.2f"
        late = [w for w, r in (("small", small), ("large", large)) if r.get(name, {}).get("timed_out")]
        note = f"  timed out ({', '.join(late)}): a lower bound" if late and unit == "s" else ""
        print(f"{name + ' (' + unit + ')':72} {sval:{cell}} {val:{cell}} {ratio:11.2f} {norm:12.2f}{note}")
    print("\n'/ size ratio': growth of the figure divided by growth of the data (a format's own records for "
          "imports, the vault's events otherwise): 1.00 = linear, < 1 better, > 1 worse. For rec/s it is the "
          "rate ratio itself (1.00 = same speed per record, < 1 slower). RSS and page times should stay flat, "
          "so their '/ size ratio' is ideally about small/large. CPU = the phase process's own CPU time, "
          "steadier than wall time on a shared machine.")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--small", type=int, default=100_000)
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--keep", action="store_true", help="keep the workdir (vaults, exports, reports)")
    ap.add_argument("--report-timeout", type=float, help="stop the report phase after this many seconds "
                    "(it is then printed as a lower bound)")
    ap.add_argument("--results", type=Path, help="print the table from a kept results.json and stop")
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--exports", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--module", help=argparse.SUPPRESS)
    ap.add_argument("--scale", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--format", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        print(json.dumps(_run_phase(args)))
        return
    if args.results:
        saved = json.loads(args.results.read_text())
        print_comparison(saved["small"], saved["large"])
        return
    work = args.workdir or Path(tempfile.mkdtemp(prefix="nocontact-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    try:
        counts = _child("calibrate", work)["counts"]
        print(f"calibration (stored events at scale 1 / 3): "
              f"{ {m: (c['1'], c['3']) for m, c in counts.items()} }", flush=True)
        small = build_and_measure(work / f"small-{args.small}", args.small, counts,
                                  report_timeout=args.report_timeout)
        large = build_and_measure(work / f"large-{args.events}", args.events, counts,
                                  report_timeout=args.report_timeout)
        (work / "results.json").write_text(json.dumps({"small": small, "large": large}, indent=1))
        print_comparison(small, large)
        print(f"\ntotal wall time {time.perf_counter() - t0:.0f} s; results.json in {work}"
              f"{'' if args.keep else ' (removed)'}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
