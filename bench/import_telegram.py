"""Benchmark: Telegram Desktop result.json import speed and memory against a plain json.load pass.

Generates (with ``nocontact.samples.telegram``, into a temporary folder) a ``result.json`` of at
least ``--size-mb`` megabytes, and one 4x larger, then for each file, every measurement in its own
subprocess (so peak RSS is that run's alone):

  (a) baseline: stdlib ``json.load`` of the whole file, then a walk over every chat's messages
      joining each text (what a naive importer does; its memory grows with the file);
  (b) ``importer.read()``: our streaming parser (ijson events, ``\\xNN`` repair, one message built
      at a time), checking the record count against the baseline;
  (c) the vault: ``nocontact.vault.importing.import_source`` into a fresh vault (fast KDF), with the
      demo case, when the vault offers it.

Prints records/s, the ratio to the baseline, peak RSS and how it grows with the 4x file (a
streaming parser should stay flat). Figures only: nothing is asserted.

    python bench/import_telegram.py            # 200 MB and 800 MB
    python bench/import_telegram.py --quick    # 25 MB and 100 MB
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import peak_rss_mb, run_child

_rss_mb = peak_rss_mb


def child_baseline(path: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    with open(path, "rb") as f:
        doc = json.load(f)
    records = 0
    chars = 0
    for chat in doc["chats"]["list"]:
        for m in chat["messages"]:
            t = m.get("text", "")
            text = t if isinstance(t, str) else "".join(p if isinstance(p, str) else p.get("text", "") for p in t)
            chars += len(text)
            if m.get("type") == "message" or m.get("action") == "phone_call":
                records += 1
    return {"records": records, "seconds": time.perf_counter() - t0, "rss_mb": _rss_mb(), "chars": chars}


def child_read(path: Path) -> dict[str, Any]:
    from nocontact.importers.telegram_json import TelegramDesktopJson
    from nocontact.model import Record
    from nocontact.sources import FileSource

    t0 = time.perf_counter()
    records = problems = chars = 0
    for item in TelegramDesktopJson().read(FileSource(path, path.parent, path.name), _ctx()):
        if isinstance(item, Record):
            chars += len(item.body or "")
            if item.category in ("message", "call"):
                records += 1
        else:
            problems += 1
    return {"records": records, "seconds": time.perf_counter() - t0, "rss_mb": _rss_mb(),
            "problems": problems, "chars": chars}


def child_vault(path: Path) -> dict[str, Any]:
    from nocontact.importers.telegram_json import TelegramDesktopJson
    from nocontact.sources import FileSource
    from nocontact.vault.importing import import_source
    from nocontact.vault.store import Vault

    with tempfile.TemporaryDirectory(prefix="nocontact-bench-vault-") as d:
        vault, _ = Vault.create(Path(d) / "vault", "bench passphrase", fast_kdf=True)
        try:
            t0 = time.perf_counter()
            summary = import_source(vault, FileSource(path, path.parent, path.name), TelegramDesktopJson(), _ctx())
            seconds = time.perf_counter() - t0
        finally:
            vault.close()
    return {"records": summary.records_read, "seconds": seconds, "rss_mb": _rss_mb(), "added": summary.added}


def _ctx() -> Any:
    from nocontact.case import case_from_json
    from nocontact.importers.base import ImportContext
    from nocontact.samples import DEMO_CASE

    case = case_from_json(json.dumps(DEMO_CASE))
    return ImportContext(case=case, source_timezone=case.zone())


def _vault_available() -> bool:
    try:
        from nocontact.vault.importing import import_source  # noqa: F401
        from nocontact.vault.store import Vault  # noqa: F401
    except ImportError:
        return False
    return True


def _run_child(mode: str, *args: object) -> dict[str, Any]:
    return run_child(__file__, mode, *args)


def _generate(folder: Path, target_mb: float, seed: int) -> tuple[Path, int]:
    from nocontact.samples.telegram import write_sample

    target = target_mb * 1024 * 1024
    one = write_sample(folder / "s1", scale=1, seed=seed)[0].stat().st_size
    nine = write_sample(folder / "s9", scale=9, seed=seed)[0].stat().st_size
    per_unit = max(1.0, (nine - one) / 8)
    scale = max(1, int((target - one) / per_unit) + 1)
    while True:
        path = write_sample(folder / f"scale{scale}", scale=scale, seed=seed)[0]
        size = path.stat().st_size
        if size >= target:
            return path, scale
        path.unlink()
        scale = int(scale * target / size) + 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="25 MB and 100 MB instead of 200 MB and 800 MB")
    ap.add_argument("--size-mb", type=float, default=None, help="size of the smaller file (default 200)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-large", action="store_true", help="skip the 4x file")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        mode, path = args.child[0], Path(args.child[1])
        res = child_baseline(path) if mode == "baseline" else child_read(path) if mode == "read" else child_vault(path)
        print(json.dumps(res))
        return
    size = args.size_mb or (25.0 if args.quick else 200.0)
    sizes = [size] if args.no_large else [size, size * 4]
    vault = _vault_available()
    print(f"Telegram Desktop result.json import benchmark (python {sys.version.split()[0]})")
    if not vault:
        print("nocontact.vault offers no import function here: measuring importer.read() alone")
    rss: dict[str, list[float]] = {"baseline": [], "read": [], "vault": []}
    with tempfile.TemporaryDirectory(prefix="nocontact-bench-telegram-") as d:
        for target in sizes:
            t0 = time.perf_counter()
            path, scale = _generate(Path(d) / f"{int(target)}mb", target, args.seed)
            mb = path.stat().st_size / 1024 / 1024
            print(f"\nfile: {mb:.1f} MB, scale {scale}, generated in {time.perf_counter() - t0:.1f} s")
            base = _run_child("baseline", path)
            read = _run_child("read", path)
            base_rate = base["records"] / base["seconds"]
            read_rate = read["records"] / read["seconds"]
            print(f"  (a) json.load + walk    : {base['records']:>9,} records  {base_rate:>10,.0f} rec/s  "
                  f"{mb / base['seconds']:6.1f} MB/s  peak RSS {base['rss_mb']:7.1f} MB")
            print(f"  (b) importer.read()     : {read['records']:>9,} records  {read_rate:>10,.0f} rec/s  "
                  f"{mb / read['seconds']:6.1f} MB/s  peak RSS {read['rss_mb']:7.1f} MB  "
                  f"ratio to (a) {read_rate / base_rate:.2f}")
            print(f"      same records and text as the baseline: "
                  f"{read['records'] == base['records'] and read['chars'] == base['chars']} "
                  f"({read['problems']} problems)")
            rss["baseline"].append(base["rss_mb"])
            rss["read"].append(read["rss_mb"])
            if vault:
                v = _run_child("vault", path)
                v_rate = v["records"] / v["seconds"]
                print(f"  (c) vault import_source : {v['records']:>9,} records  {v_rate:>10,.0f} rec/s  "
                      f"{mb / v['seconds']:6.1f} MB/s  peak RSS {v['rss_mb']:7.1f} MB  "
                      f"ratio to (a) {v_rate / base_rate:.2f}  ({v['added']:,} events added)")
                rss["vault"].append(v["rss_mb"])
    print()
    for name, values in rss.items():
        if values:
            line = f"peak RSS {name}: {values[0]:.1f} MB"
            if len(values) > 1:
                line += f"; 4x file {values[1]:.1f} MB, {100 * (values[1] / values[0] - 1):+.1f}%"
            print(line)


if __name__ == "__main__":
    main()
