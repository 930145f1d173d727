"""``nocontact demo`` / ``make demo``: a whole vault from fictional sample exports, end to end.

Uses only what the package carries (``nocontact.samples``), so it works on a user's machine.
The demo passphrase is printed: the demo vault holds nothing real.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import shutil
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from nocontact import samples
from nocontact.case import case_from_json
from nocontact.ingest import Planned, context_for_vault, import_planned, plan_sources
from nocontact.vault.events import log_incident, save_case, set_boundary
from nocontact.vault.store import Vault
from nocontact.vault.verify import verify_vault

__all__ = ["DEMO_PASSPHRASE", "build_demo", "write_all_samples"]

DEMO_PASSPHRASE = "demo passphrase - not for real use"  # noqa: S105 - printed on purpose


def write_all_samples(folder: Path, *, scale: int = 1, seed: int = 0) -> list[Path]:
    """Every sample generator the package has, into ``folder``; returns the files written."""
    written: list[Path] = []
    for mod in sorted(pkgutil.iter_modules(samples.__path__), key=lambda m: m.name):
        if mod.name.startswith("_"):
            continue
        module = importlib.import_module(f"{samples.__name__}.{mod.name}")
        write = getattr(module, "write_sample", None)
        if write is not None:
            written.extend(write(folder, scale=scale, seed=seed))
    return written


def build_demo(root: Path, *, out: Console, fresh: bool = True, fast_kdf: bool = False) -> Vault:
    """Build the demo vault in ``root`` and return it closed-over-ready (caller may reopen)."""
    exports = root.with_name(root.name + "-exports")
    if fresh:
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(exports, ignore_errors=True)
    exports.mkdir(parents=True, exist_ok=True)
    files = write_all_samples(exports)
    out.print(f"Wrote {len(files)} fictional sample exports to {escape(str(exports))}")
    vault, recovery = Vault.create(root, DEMO_PASSPHRASE, fast_kdf=fast_kdf)
    with vault:
        save_case(vault, case_from_json(json.dumps(samples.DEMO_CASE)))
        ctx = context_for_vault(vault)
        for item in plan_sources([exports]):
            if isinstance(item, Planned):
                s = import_planned(vault, item, ctx)
                out.print(f"  imported {escape(s.source)}: {s.records_read} records, {s.attributed} from or to "
                          f"the ex, {s.skipped_unrelated} others skipped")
        set_boundary(vault, samples.DEMO_BOUNDARY_UTC, note="no-contact text (demo)")
        from datetime import UTC, datetime

        log_incident(vault, occurred=datetime(2026, 3, 14, 23, 40, tzinfo=UTC), raw_time="2026-03-14 18:40",
                     time_zone=samples.DEMO_TIMEZONE, channel="in_person",
                     what="Casey was waiting in the car park outside my office when I left work.",
                     location="Car park, 200 W Example St", witnesses="Dana (colleague)",
                     impact="Shaken; a colleague walked me to the train.")
        rep = verify_vault(vault)
        report_path = root.with_name(root.name + "-report.pdf")
        bundle_path = root.with_name(root.name + "-case.zip")
        for p in (report_path, bundle_path):
            p.unlink(missing_ok=True)
        from nocontact.bundle import build_bundle
        from nocontact.report import build_report

        info = build_report(vault, report_path, fmt="pdf")
        build_bundle(vault, bundle_path)
    out.print()
    out.print(f"Report:     {escape(str(report_path))} ({info.pages} pages)")
    out.print(f"Bundle:     {escape(str(bundle_path))} (check it: python3 verify.py, inside the zip)")
    out.print(f"Demo vault: {escape(str(root))}")
    out.print(f"Passphrase: {DEMO_PASSPHRASE!r} (fictional data only)")
    out.print(f"Verify:     {'intact' if rep.ok else 'NOT INTACT'}: {rep.entries} entries, head {rep.head}")
    out.print("Try:")
    out.print(f"  export NOCONTACT_VAULT={escape(str(root))} NOCONTACT_PASSPHRASE='{DEMO_PASSPHRASE}'")
    out.print("  .venv/bin/nocontact events --ex-only")
    out.print("  .venv/bin/nocontact events --format csv --out events.csv")
    out.print("  .venv/bin/nocontact verify")
    del recovery
    return vault
