"""Benchmark: the vault writer against a bare SQLite insert of the same rows.

Generates ``--events`` synthetic messages (half from the ex, half to the ex, distinct bodies) and,
each phase in its own subprocess (so its peak RSS is its own):

  (a) vault: ``nocontact.vault.importing.import_source`` with an in-memory Source and a tiny
      Importer yielding Records, into a fresh vault (fast KDF) with the demo case: attribution,
      dedupe keys, content hashes, the Merkle root, one SQLCipher transaction, the journal entry;
  (b) baseline: the same Records turned into the same ``events`` columns and inserted into a plain
      ``sqlite3`` table of the same shape (same UNIQUE key and indexes, keys shaped alike) with ``executemany`` in one
      transaction, WAL and synchronous=FULL like the vault;
  (c) verify: ``verify_vault`` on the vault of (a).

Prints events/s for (a) and (b), their ratio (target >= 0.35), each phase's peak RSS and the
time verify takes. Figures only: nothing is asserted.

    python bench/vault_write.py                  # 200,000 events
    python bench/vault_write.py --events 20000
    python bench/vault_write.py --profile        # also cProfile phase (a), top functions
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from _common import peak_rss_mb

PASSPHRASE = "bench passphrase"
EX_PHONE = "+13125550187"
ME_PHONE = "+13125550123"


_rss_mb = peak_rss_mb


# ---- synthetic input ---------------------------------------------------------------------------
def records(n: int) -> Iterator[Any]:
    from nocontact.model import Identifier, Record

    start = datetime(2025, 1, 1, tzinfo=UTC)
    ex = Identifier("phone", EX_PHONE)
    me = Identifier("phone", ME_PHONE)
    for i in range(n):
        t = start + timedelta(seconds=37 * i)
        incoming = i % 2 == 0
        yield Record(source_id=f"element {i}", kind="sms", category="message", utc=t,
                     raw_time=str(int(t.timestamp() * 1000)), time_zone="UTC", time_basis="epoch milliseconds",
                     direction="incoming" if incoming else "outgoing", sender=ex if incoming else me,
                     peers=(ex,), body=f"synthetic message number {i}: are you free on the {i % 28 + 1}th?",
                     extra=(("read", "1"), ("status", "-1")))


class MemorySource:
    """A few bytes standing in for the export file; the Importer below ignores them."""

    def __init__(self, n: int) -> None:
        self._data = f"synthetic export of {n} messages\n".encode()

    @property
    def display(self) -> str:
        return "synthetic.xml"

    @property
    def name(self) -> str:
        return "synthetic.xml"

    @property
    def size(self) -> int:
        return len(self._data)

    def open(self) -> BinaryIO:
        return io.BytesIO(self._data)

    def head(self, n: int = 8192) -> bytes:
        return self._data[:n]

    def related(self, relpath: str) -> None:
        return None

    def local_path(self) -> None:
        return None


class SyntheticImporter:
    name = "bench_synthetic"

    def __init__(self, n: int) -> None:
        self.n = n

    def sniff(self, source: Any, head: bytes) -> None:
        return None

    def read(self, source: Any, ctx: Any) -> Iterator[Any]:
        return records(self.n)


# ---- phases (each in its own process) ----------------------------------------------------------
def phase_vault(folder: Path, n: int, profile: bool) -> dict[str, Any]:
    from nocontact.case import case_from_json
    from nocontact.importers.base import ImportContext
    from nocontact.samples import DEMO_CASE
    from nocontact.vault.events import save_case
    from nocontact.vault.importing import import_source
    from nocontact.vault.store import Vault

    v, _ = Vault.create(folder / "vault", PASSPHRASE, fast_kdf=True)
    case = case_from_json(json.dumps(DEMO_CASE))
    save_case(v, case)
    ctx = ImportContext(case=case)
    t0 = time.perf_counter()
    if profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        s = prof.runcall(import_source, v, MemorySource(n), SyntheticImporter(n), ctx)  # type: ignore[arg-type]
        seconds = time.perf_counter() - t0
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(25)
        print(out.getvalue(), file=sys.stderr)
    else:
        s = import_source(v, MemorySource(n), SyntheticImporter(n), ctx)  # type: ignore[arg-type]
        seconds = time.perf_counter() - t0
    events = int(v.conn.execute("SELECT count(*) FROM events").fetchone()[0])
    v.close()
    assert s.added == n == events, (s.added, n, events)
    return {"seconds": seconds, "events": events, "rss_mb": _rss_mb()}


def phase_sqlite(folder: Path, n: int) -> dict[str, Any]:
    import hashlib
    import sqlite3

    from nocontact.model import format_utc
    from nocontact.vault.events import channel_for
    from nocontact.vault.schema import _INITIAL

    conn = sqlite3.connect(str(folder / "plain.db"), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    start = _INITIAL.index("CREATE TABLE events")
    end = _INITIAL.index("CREATE TABLE attachments")
    conn.executescript(_INITIAL[start:end])
    cols = ("dedupe_key", "origin", "source_pos", "kind", "category", "channel", "direction", "occurred_at",
            "occurred_us", "raw_time", "time_zone", "time_basis", "sender_kind", "sender", "peers", "is_group",
            "body", "extra", "content_hash", "recorded_at")
    sql = f"INSERT INTO events({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"  # noqa: S608
    now = format_utc(datetime.now(UTC))

    def rows() -> Iterator[tuple[Any, ...]]:
        # Keys and hashes shaped like the vault's (form 2: time stamp, "/", 64-hex), so index
        # inserts land alike.
        for i, r in enumerate(records(n)):
            key = format_utc(r.utc) + "/" + hashlib.sha256(b"%d" % i).hexdigest()
            yield (key + ":0", "import", r.source_id, r.kind, r.category, channel_for(r.kind), r.direction,
                   format_utc(r.utc), int(r.utc.timestamp() * 1_000_000), r.raw_time, r.time_zone, r.time_basis,
                   r.sender.kind if r.sender else None, r.sender.value if r.sender else None,
                   json.dumps([[p.kind, p.value] for p in r.peers]), int(r.is_group), r.body,
                   json.dumps(dict(r.extra)), key, now)

    t0 = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(sql, rows())
    conn.execute("COMMIT")
    seconds = time.perf_counter() - t0
    events = int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
    conn.close()
    return {"seconds": seconds, "events": events, "rss_mb": _rss_mb()}


def phase_verify(folder: Path) -> dict[str, Any]:
    from nocontact.vault.store import Vault
    from nocontact.vault.verify import verify_vault

    t0 = time.perf_counter()
    with Vault.open(folder / "vault", PASSPHRASE) as v:
        t1 = time.perf_counter()
        rep = verify_vault(v)
        seconds = time.perf_counter() - t1
    return {"seconds": seconds, "open_seconds": t1 - t0, "ok": rep.ok, "events": rep.events,
            "problems": rep.problems[:3], "rss_mb": _rss_mb()}


def _child(phase: str, folder: Path, n: int, profile: bool) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--phase", phase, "--folder", str(folder), "--events", str(n)]
    if profile:
        cmd.append("--profile")
    done = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--profile", action="store_true", help="cProfile the vault phase (top 25 to stderr)")
    ap.add_argument("--phase", choices=("vault", "sqlite", "verify"), help=argparse.SUPPRESS)
    ap.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        if args.phase == "vault":
            res = phase_vault(args.folder, args.events, args.profile)
        elif args.phase == "sqlite":
            res = phase_sqlite(args.folder, args.events)
        else:
            res = phase_verify(args.folder)
        print(json.dumps(res))
        return
    n = args.events
    with tempfile.TemporaryDirectory(prefix="nocontact-bench-") as tmp:
        folder = Path(tmp)
        print(f"{n:,} synthetic events")
        plain = _child("sqlite", folder, n, False)
        vault = _child("vault", folder, n, args.profile)
        check = _child("verify", folder, n, False)
    plain_rate = plain["events"] / plain["seconds"]
    vault_rate = vault["events"] / vault["seconds"]
    print(f"  plain sqlite3 executemany : {plain['seconds']:7.2f} s  {plain_rate:10,.0f} events/s  "
          f"peak RSS {plain['rss_mb']:6.1f} MB")
    print(f"  vault import_source       : {vault['seconds']:7.2f} s  {vault_rate:10,.0f} events/s  "
          f"peak RSS {vault['rss_mb']:6.1f} MB")
    print(f"  ratio vault / plain       : {vault_rate / plain_rate:.2f}  (target >= 0.35)")
    print(f"  verify                    : {check['seconds']:7.2f} s  ({check['events']:,} events, "
          f"{'intact' if check['ok'] else 'NOT INTACT: ' + '; '.join(check['problems'])}; open "
          f"{check['open_seconds']:.2f} s)  peak RSS {check['rss_mb']:6.1f} MB")


if __name__ == "__main__":
    main()
