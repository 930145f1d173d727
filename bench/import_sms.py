"""Benchmark: SMS Backup & Restore import speed and memory against a bare lxml pass.

Generates (with ``nocontact.samples.sms_backup_restore``, into a temporary folder) an
``sms-*.xml`` of at least ``--size-mb`` megabytes with base64 MMS photos, and one 4x larger, then
for each file, every measurement in its own subprocess (so peak RSS is that run's alone):

  (a) baseline: a bare ``lxml.etree.iterparse`` pass that reads every element's attributes and
      clears elements as it goes;
  (b) ``importer.read()``: our parser alone, checking every body against the generated one byte
      for byte;
  (c) the vault: ``nocontact.vault.importing.import_source`` into a fresh vault (fast KDF), with
      the demo case (unrelated contacts not stored, the default).

Prints records/s, the ratio to the baseline (target >= 0.35 for the parser), peak RSS (target
< 150 MB, and at most 20% more for the 4x file). Figures only: nothing is asserted.

    python bench/import_sms.py            # 200 MB and 800 MB
    python bench/import_sms.py --quick    # 25 MB and 100 MB
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
    from lxml import etree

    t0 = time.perf_counter()
    records = 0
    attrs = 0
    root = None
    for _, el in etree.iterparse(str(path), events=("end",), resolve_entities=False, no_network=True,
                                 load_dtd=False, huge_tree=True):
        attrs += len(dict(el.attrib))
        parent = el.getparent()
        if parent is None:
            continue
        if root is None and parent.getparent() is None:
            root = parent
        if parent is root:
            records += 1
            el.clear()
            while el.getprevious() is not None:
                del root[0]
    return {"records": records, "seconds": time.perf_counter() - t0, "rss_mb": _rss_mb(), "attributes": attrs}


def child_read(path: Path, bodies: Path) -> dict[str, Any]:
    from nocontact.importers.sms_backup_restore import SmsBackupRestoreSms
    from nocontact.model import Record
    from nocontact.sources import FileSource

    expected_file = open(bodies, encoding="utf-8")  # noqa: SIM115 (one JSON body per line, read as we go)
    n_expected = int(expected_file.readline())
    ctx = _ctx()
    t0 = time.perf_counter()
    records = problems = mismatches = attachments = 0
    for item in SmsBackupRestoreSms().read(FileSource(path, path.parent, path.name), ctx):
        if isinstance(item, Record):
            line = expected_file.readline()
            if not line or item.body != json.loads(line):
                mismatches += 1
            attachments += sum(len(a.content() or b"") for a in item.attachments)
            records += 1
        else:
            problems += 1
    seconds = time.perf_counter() - t0
    return {"records": records, "seconds": seconds, "rss_mb": _rss_mb(), "problems": problems,
            "bodies_equal": mismatches == 0 and records == n_expected, "mismatches": mismatches,
            "attachment_bytes": attachments}


def child_vault(path: Path) -> dict[str, Any]:
    from nocontact.importers.sms_backup_restore import SmsBackupRestoreSms
    from nocontact.sources import FileSource
    from nocontact.vault.importing import import_source
    from nocontact.vault.store import Vault

    with tempfile.TemporaryDirectory(prefix="nocontact-bench-vault-") as d:
        vault, _ = Vault.create(Path(d) / "vault", "bench passphrase", fast_kdf=True)
        try:
            t0 = time.perf_counter()
            summary = import_source(vault, FileSource(path, path.parent, path.name), SmsBackupRestoreSms(), _ctx())
            seconds = time.perf_counter() - t0
        finally:
            vault.close()
    return {"records": summary.records_read, "seconds": seconds, "rss_mb": _rss_mb(), "added": summary.added}


def _ctx() -> Any:
    from nocontact.case import case_from_json
    from nocontact.importers.base import ImportContext
    from nocontact.samples import DEMO_CASE

    return ImportContext(case=case_from_json(json.dumps(DEMO_CASE)))


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
    from nocontact.samples.sms_backup_restore import write_sample

    target = target_mb * 1024 * 1024
    one = write_sample(folder / "s1", scale=1, seed=seed)[0].stat().st_size
    nine = write_sample(folder / "s9", scale=9, seed=seed)[0].stat().st_size
    per_round = max(1.0, (nine - one) / 8)
    scale = max(1, int((target - one) / per_round) + 1)
    while True:
        path = write_sample(folder / f"scale{scale}", scale=scale, seed=seed)[0]
        size = path.stat().st_size
        if size >= target:
            return path, scale
        path.unlink()
        scale = int(scale * target / size) + 1


def _bodies_file(path: Path, scale: int, seed: int) -> Path:
    """The generated bodies in file order, one JSON string per line (so the child stays small)."""
    from nocontact.samples.sms_backup_restore import sms_items

    items = sms_items(scale, seed)
    out = path.with_name("bodies.jsonl")
    with open(out, "w", encoding="utf-8") as f:
        f.write(f"{len(items)}\n")
        for it in items:
            f.write(json.dumps(it.body) + "\n")
    return out


def _repaired_copy(path: Path) -> Path:
    """The file with its surrogate-pair references joined (bare lxml refuses them), for the baseline."""
    from nocontact.importers.sms_backup_restore import RepairingReader

    out = path.with_name("baseline-" + path.name)
    with open(path, "rb") as raw, open(out, "wb") as f:
        reader = RepairingReader(raw, path.name)
        reader.prime()
        while chunk := reader.read(1 << 20):
            f.write(chunk)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="25 MB and 100 MB instead of 200 MB and 800 MB")
    ap.add_argument("--size-mb", type=float, default=None, help="size of the smaller file (default 200)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-large", action="store_true", help="skip the 4x file")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        mode, *rest = args.child
        if mode == "baseline":
            res = child_baseline(Path(rest[0]))
        elif mode == "read":
            res = child_read(Path(rest[0]), Path(rest[1]))
        else:
            res = child_vault(Path(rest[0]))
        print(json.dumps(res))
        return
    size = args.size_mb or (25.0 if args.quick else 200.0)
    sizes = [size] if args.no_large else [size, size * 4]
    vault = _vault_available()
    print(f"SMS Backup & Restore import benchmark (python {sys.version.split()[0]})")
    print("(a) reads a copy whose surrogate-pair references were joined beforehand (bare lxml refuses them);"
          " (b) and (c) read the original")
    if not vault:
        print("nocontact.vault offers no import function here: measuring importer.read() alone")
    rss: dict[str, list[float]] = {"read": [], "vault": []}
    with tempfile.TemporaryDirectory(prefix="nocontact-bench-sms-") as d:
        for target in sizes:
            t0 = time.perf_counter()
            path, scale = _generate(Path(d) / f"{int(target)}mb", target, args.seed)
            mb = path.stat().st_size / 1024 / 1024
            print(f"\nfile: {mb:.1f} MB, scale {scale}, generated in {time.perf_counter() - t0:.1f} s")
            plain = _repaired_copy(path)
            base = _run_child("baseline", plain)
            read = _run_child("read", path, _bodies_file(path, scale, args.seed))
            base_rate = base["records"] / base["seconds"]
            read_rate = read["records"] / read["seconds"]
            print(f"  (a) bare lxml iterparse : {base['records']:>9,} records  {base_rate:>10,.0f} rec/s  "
                  f"{mb / base['seconds']:6.1f} MB/s  peak RSS {base['rss_mb']:6.1f} MB")
            print(f"  (b) importer.read()     : {read['records']:>9,} records  {read_rate:>10,.0f} rec/s  "
                  f"{mb / read['seconds']:6.1f} MB/s  peak RSS {read['rss_mb']:6.1f} MB  "
                  f"ratio to (a) {read_rate / base_rate:.2f} (target >= 0.35)")
            print(f"      every body equal to the generated one, byte for byte: {read['bodies_equal']} "
                  f"({read['mismatches']} mismatches, {read['problems']} problems, "
                  f"{read['attachment_bytes'] / 1024 / 1024:.1f} MB of photos decoded)")
            rss["read"].append(read["rss_mb"])
            if vault:
                v = _run_child("vault", path)
                v_rate = v["records"] / v["seconds"]
                print(f"  (c) vault import_source : {v['records']:>9,} records  {v_rate:>10,.0f} rec/s  "
                      f"{mb / v['seconds']:6.1f} MB/s  peak RSS {v['rss_mb']:6.1f} MB  "
                      f"ratio to (a) {v_rate / base_rate:.2f}  ({v['added']:,} events added)")
                rss["vault"].append(v["rss_mb"])
    print()
    for name, values in rss.items():
        if values:
            line = f"peak RSS {name}: {values[0]:.1f} MB (target < 150 MB)"
            if len(values) > 1:
                line += f"; 4x file {values[1]:.1f} MB, {100 * (values[1] / values[0] - 1):+.1f}% (target <= +20%)"
            print(line)


if __name__ == "__main__":
    main()
