"""Benchmark: WhatsApp Android export import speed and memory against a bare regex scan and whatstk.

Generates (with ``nocontact.samples.whatsapp`` at a scale giving ``--messages`` messages, into a
temporary folder) ``WhatsApp Chat with Casey Drummond.txt``: an Android US-English export with
U+202F before AM/PM, about 10% multi-line messages and some ``…``. Then, each measurement in its
own subprocess (so peak RSS is that run's alone):

  (a) baseline: a bare compiled-regex header match on every line (text mode, LF lines);
  (b) ``importer.read()``: our two-pass parser, timed alone, then a second untimed pass checking
      every body, author and line number against the generator's own entries;
  (c) the vault, when ``nocontact.vault.importing.import_source`` exists: a full import into a
      fresh temporary vault (fast KDF) with the demo case;
  (d) whatstk (``pip install whatstk`` into the venv; skipped with a note when absent):
      ``WhatsAppChat.from_source(filepath=..., max_size=None)`` on the same file;
  (e) two reference inserts that bound what an import can reach: our parse followed by a plain
      ``sqlite3`` insert of time, author and text (the issue's reference, "about 0.19" of the
      scan), and the vault's own event rows, prepared untimed, inserted into a fresh encrypted
      vault with only the inserts timed (the floor of the vault format itself);
  (f) the hashes alone: for records already parsed (untimed), only the four SHA-256 the vault
      format requires of every imported event (its content hash, its dedupe digest, its Merkle
      leaf and its share of the Merkle nodes), computed the cheapest way we know in CPython (one
      text template per sender, filled in by ``%``), and checked untimed against the vault's own
      functions for every record. No import that keeps per-event hashes can beat this figure:
      it leaves out reading, parsing, storing and encrypting altogether;
  (g) one encrypted row a message: time, author and text (parsed untimed) inserted into a fresh
      SQLCipher database keyed like the vault's, no index, no hash, one transaction. The vault
      encrypts its whole database and everything reads events as rows, so no import that stores
      a message as a row can beat this figure, whatever its hashes;
  (h) the least vault-shaped import: (g) and one SHA-256 a message, after reading the file at
      once and splitting it on the header pattern with no date read and no check, all timed
      together. Every design that keeps a row and a hash per message does at least this.

Prints messages/s for each (wall clock, and CPU time of the child, which a shared machine's load
disturbs less; the load average is printed too), the vault import as a multiple of whatstk
(target >= 5x) and as a ratio to the bare scan (target >= 0.15), the same for the parser alone,
peak RSS (target < 150 MB), and whether every body is exact and every multi-line message kept its
newlines. Figures only: nothing is asserted.

    python bench/import_whatsapp.py                 # 1,000,000 messages
    python bench/import_whatsapp.py --messages 100000
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path
from typing import Any

from _common import peak_rss_mb

SEED = 7


_rss_mb = peak_rss_mb


def _ctx() -> Any:
    from nocontact.case import case_from_json
    from nocontact.importers.base import ImportContext
    from nocontact.samples import DEMO_CASE

    case = case_from_json(json.dumps(DEMO_CASE))
    return ImportContext(case=case, source_timezone=case.zone())


def child_scan(path: Path) -> dict[str, Any]:
    import re

    header = re.compile(r"\d{1,2}/\d{1,2}/\d{2}, \d{1,2}:\d{2}[\u202f ][AP]M - ")
    t0, c0 = time.perf_counter(), time.process_time()
    n = 0
    with open(path, encoding="utf-8", newline="\n") as f:
        for line in f:
            if header.match(line):
                n += 1
    return {"messages": n, "seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0,
            "rss_mb": _rss_mb()}


def child_read(path: Path, scale: int) -> dict[str, Any]:
    from nocontact.importers.whatsapp import WhatsAppTxtImporter
    from nocontact.model import Record
    from nocontact.samples.whatsapp import android_entries
    from nocontact.sources import FileSource

    ctx = _ctx()
    src = FileSource(path, path.parent, path.name)
    imp = WhatsAppTxtImporter()
    t0, c0 = time.perf_counter(), time.process_time()
    n = 0
    for _ in imp.read(src, ctx):
        n += 1
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    # untimed check: every record against the generator's own entries, in file order
    mismatches = multiline = multiline_kept = messages = 0
    line_no = 1
    entries = android_entries(scale, SEED)
    for item in imp.read(src, ctx):
        entry = next(entries)
        if not isinstance(item, Record):
            mismatches += 1
            continue
        _when, author, text = entry
        if item.category == "message":
            messages += 1
        ok = item.body == text and item.source_id == str(line_no) and (
            (author is None and item.category == "system")
            or (item.sender is not None and item.sender.value == author))
        if "\n" in text:
            multiline += 1
            multiline_kept += item.body == text
        mismatches += not ok
        line_no += text.count("\n") + 1
    leftover = sum(1 for _ in entries)
    return {"messages": n, "seconds": seconds, "cpu": cpu, "rss_mb": _rss_mb(), "checked": messages,
            "mismatches": mismatches + leftover, "multiline": multiline, "multiline_kept": multiline_kept}


def child_vault(path: Path) -> dict[str, Any]:
    try:
        from nocontact.vault.importing import import_source
        from nocontact.vault.store import Vault
    except ImportError as e:
        return {"skipped": f"nocontact.vault has no import function yet ({e})"}
    from nocontact.importers.whatsapp import WhatsAppTxtImporter
    from nocontact.sources import FileSource

    with tempfile.TemporaryDirectory(prefix="nocontact-bench-vault-") as tmp:
        vault, _recovery = Vault.create(Path(tmp) / "vault", "bench passphrase", fast_kdf=True)
        try:
            t0, c0 = time.perf_counter(), time.process_time()
            summary = import_source(vault, FileSource(path, path.parent, path.name), WhatsAppTxtImporter(), _ctx())
            seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        finally:
            vault.close()
    return {"messages": summary.records_read, "added": summary.added, "seconds": seconds, "cpu": cpu,
            "rss_mb": _rss_mb()}


def child_plain_sqlite(path: Path) -> dict[str, Any]:
    """The issue's reference: our parse, then a plain (unencrypted) ``sqlite3`` insert of each
    message's time, author and text into a fresh file; no hashes, no journal, no dedupe."""
    import sqlite3

    from nocontact.importers.whatsapp import WhatsAppTxtImporter
    from nocontact.model import Record
    from nocontact.sources import FileSource

    ctx = _ctx()
    with tempfile.TemporaryDirectory(prefix="nocontact-bench-plain-") as tmp:
        conn = sqlite3.connect(str(Path(tmp) / "plain.db"), isolation_level=None)
        conn.execute("CREATE TABLE m(id INTEGER PRIMARY KEY, utc TEXT, author TEXT, body TEXT)")
        t0, c0 = time.perf_counter(), time.process_time()
        conn.execute("BEGIN")
        batch: list[tuple[str, str | None, str | None]] = []
        n = 0
        for item in WhatsAppTxtImporter().read(FileSource(path, path.parent, path.name), ctx):
            if isinstance(item, Record):
                batch.append((item.utc.isoformat(), item.sender.value if item.sender else None, item.body))
                n += 1
                if len(batch) >= 2000:
                    conn.executemany("INSERT INTO m(utc, author, body) VALUES (?, ?, ?)", batch)
                    batch.clear()
        conn.executemany("INSERT INTO m(utc, author, body) VALUES (?, ?, ?)", batch)
        conn.execute("COMMIT")
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        conn.close()
    return {"messages": n, "seconds": seconds, "cpu": cpu, "rss_mb": _rss_mb()}


def child_vault_rows(path: Path) -> dict[str, Any]:
    """The storage floor of the vault format: the vault's own event rows (prepared untimed, batch by
    batch) inserted into a fresh encrypted vault, timing only the inserts and the commit."""
    from nocontact.importers.whatsapp import WhatsAppTxtImporter
    from nocontact.model import Record, format_utc
    from nocontact.sources import FileSource
    from nocontact.vault.events import dedupe_key, insert_prepared, prepare_record
    from nocontact.vault.store import Vault

    ctx = _ctx()
    with tempfile.TemporaryDirectory(prefix="nocontact-bench-floor-") as tmp:
        vault, _recovery = Vault.create(Path(tmp) / "vault", "bench passphrase", fast_kdf=True)
        timed = cpu = 0.0
        n = 0
        try:
            conn = vault.conn
            conn.execute("BEGIN IMMEDIATE")
            batch = []
            records = (r for r in WhatsAppTxtImporter().read(FileSource(path, path.parent, path.name), ctx)
                       if isinstance(r, Record))
            for rec in records:
                utc = format_utc(rec.utc)
                key = dedupe_key(rec.content_digest("whatsapp_txt", utc), n, utc_text=utc, form=vault.dedupe_form)
                batch.append(prepare_record(rec, fmt="whatsapp_txt", source_sha256="0" * 64, source_display=path.name,
                                            utc_text=utc, dedupe_key=key, attachments=[])[0])
                n += 1
                if len(batch) >= 2000:
                    vault.size_cache_for(n)
                    t0, c0 = time.perf_counter(), time.process_time()
                    insert_prepared(conn, batch, first_id=n - len(batch) + 1, import_id=None, recorded_at="bench")
                    timed, cpu = timed + time.perf_counter() - t0, cpu + time.process_time() - c0
                    batch = []
            t0, c0 = time.perf_counter(), time.process_time()
            insert_prepared(conn, batch, first_id=n - len(batch) + 1, import_id=None, recorded_at="bench")
            conn.execute("COMMIT")
            timed, cpu = timed + time.perf_counter() - t0, cpu + time.process_time() - c0
        finally:
            vault.close()
    return {"messages": n, "seconds": timed, "cpu": cpu, "rss_mb": _rss_mb()}


def _encrypted_table(folder: str, columns: str) -> Any:
    """A fresh SQLCipher database keyed as the vault keys its own (a raw random key, WAL), with one
    table ``m(id INTEGER PRIMARY KEY, <columns>)``."""
    import sqlcipher3

    conn = sqlcipher3.connect(str(Path(folder) / "m.db"), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{os.urandom(32).hex()}'\"")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"CREATE TABLE m(id INTEGER PRIMARY KEY, {columns})")
    return conn


def _insert_all(conn: Any, sql: str, rows: list[tuple[Any, ...]]) -> None:
    conn.execute("BEGIN")
    conn.executemany(sql, rows)
    conn.execute("COMMIT")


def child_min_row(path: Path) -> dict[str, Any]:
    """(g): one encrypted row per message and nothing else: time, author and text, parsed untimed,
    inserted into a fresh SQLCipher database keyed as the vault keys its own (WAL, no index, no
    hash, one transaction, one ``executemany``). The vault encrypts its whole database, and every
    report, page and export reads events as rows; this is what storing a message as a row costs
    before any of the vault's own work."""
    from nocontact.importers.whatsapp import WhatsAppTxtImporter
    from nocontact.model import Record
    from nocontact.sources import FileSource

    rows = [(r.utc.isoformat(), r.sender.value if r.sender else None, r.body)
            for r in WhatsAppTxtImporter().read(FileSource(path, path.parent, path.name), _ctx())
            if isinstance(r, Record)]
    with tempfile.TemporaryDirectory(prefix="nocontact-bench-minrow-") as tmp:
        conn = _encrypted_table(tmp, "utc TEXT, author TEXT, body TEXT")
        t0, c0 = time.perf_counter(), time.process_time()
        _insert_all(conn, "INSERT INTO m(utc, author, body) VALUES (?, ?, ?)", rows)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        conn.close()
    return {"messages": len(rows), "seconds": seconds, "cpu": cpu, "rss_mb": _rss_mb()}


def child_least(path: Path) -> dict[str, Any]:
    """(h): the least any import into an encrypted vault with per-message hashes does, timed whole:
    read the file at once, split it on the header pattern (this file's layout given, no dates
    read, no check of any kind), one SHA-256 per message over its time, author and text, and one
    row per message (those three and the hash as hex, the faster of hex and bytes here) inserted
    into a fresh SQLCipher database in one transaction. Not an importer: it would take a pasted
    header for a message, keeps the whole file in memory and stores naive times; it is the floor
    under every design that keeps a row and a hash per message, whatever the vault format."""
    import hashlib
    import re

    header = re.compile(r"^(\d{1,2}/\d{1,2}/\d{2}, \d{1,2}:\d{2}[\u202f ][AP]M) - ([^:\n]+): ", re.M)
    sha = hashlib.sha256
    with tempfile.TemporaryDirectory(prefix="nocontact-bench-least-") as tmp:
        conn = _encrypted_table(tmp, "utc TEXT, author TEXT, body TEXT, hash TEXT")
        t0, c0 = time.perf_counter(), time.process_time()
        with open(path, encoding="utf-8", newline="\n") as f:
            parts = header.split(f.read())
        fields = iter(parts[1:])
        rows = [(t, a, b, sha(f"{t}\x00{a}\x00{b}".encode()).hexdigest())
                for t, a, b in zip(fields, fields, fields, strict=True)]
        _insert_all(conn, "INSERT INTO m(utc, author, body, hash) VALUES (?, ?, ?, ?)", rows)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        conn.close()
    return {"messages": len(rows), "seconds": seconds, "cpu": cpu, "rss_mb": _rss_mb()}


def _templates(rec: Any, fmt: str, source_sha256: str, display: str) -> tuple[str, str]:
    """The canonical content text and the dedupe digest text of records shaped like ``rec``, with
    ``%s`` where body, time stamp, raw time and position go (each already JSON-encoded)."""
    from nocontact.model import _compact
    from nocontact.vault.events import _canonical_text, event_content, record_row

    marks = {"body": "\x00B", "occurred_at": "\x00U", "raw_time": "\x00R", "source_pos": "\x00P"}
    row = record_row(rec, fmt=fmt, source_sha256=source_sha256, source_display=display)
    row.update(marks)
    content = event_content(row)
    content["attachments"] = []
    text = _canonical_text(content).replace("%", "%%")
    for mark in marks.values():
        text = text.replace(json.dumps(mark), "%s")
    peers = sorted(f"{p.kind}:{p.value}" for p in rec.peers)
    sender = f"{rec.sender.kind}:{rec.sender.value}" if rec.sender else ""
    digest = _compact([fmt, rec.kind, marks["occurred_at"], rec.direction, sender, peers, marks["body"],
                       rec.subject, rec.duration_s, rec.call_type]).replace("%", "%%")
    for mark in (marks["occurred_at"], marks["body"]):
        digest = digest.replace(json.dumps(mark), "%s")
    return text, digest


def child_hashes(path: Path) -> dict[str, Any]:
    """(f): the per-event hashes alone, over records parsed untimed in batches of 10,000.

    Each batch is first laid out untimed as columns (template, body, time stamp, raw time,
    position), so that the timed part is only what hashing requires and runs as list
    comprehensions over those columns: escaping the texts, filling the templates, UTF-8,
    SHA-256 of the content and of the dedupe digest text, the ordinal and the key, and the Merkle
    leaf and nodes. This is the most favourable form for the figure: per record, with the
    ``Record`` objects of the real pipeline, the same work takes about twice as long.
    """
    import hashlib

    from nocontact.importers.whatsapp import WhatsAppTxtImporter
    from nocontact.model import Record, format_utc
    from nocontact.sources import FileSource
    from nocontact.vault.events import prepare_record

    fmt, source_sha256, display = "whatsapp_android_txt", "0" * 64, path.name
    enc = json.encoder.encode_basestring  # type: ignore[attr-defined]
    sha = hashlib.sha256
    shapes: dict[Any, tuple[str, str]] = {}
    stack: list[tuple[int, bytes]] = []
    timed = cpu = 0.0
    n = mismatches = 0
    records = (r for r in WhatsAppTxtImporter().read(FileSource(path, path.parent, path.name), _ctx())
               if isinstance(r, Record))
    while batch := list(islice(records, 10_000)):
        # untimed: the batch as columns
        tpls = []
        for rec in batch:
            # A shape is named by the values themselves: a record's own extra tuple (a media line's,
            # a repeated autumn hour's) is freed with its batch, and a later tuple can reuse its id.
            shape = (rec.sender, rec.peers, rec.extra, rec.category, rec.direction, rec.call_type)
            tpl = shapes.get(shape)
            if tpl is None:
                tpl = shapes[shape] = _templates(rec, fmt, source_sha256, display)
            tpls.append(tpl)
        bodies = [rec.body or "" for rec in batch]
        stamps = [format_utc(rec.utc) for rec in batch]
        raws = [rec.raw_time for rec in batch]
        positions = [rec.source_id for rec in batch]
        t0, c0 = time.perf_counter(), time.process_time()
        body_js = list(map(enc, bodies))
        stamp_js = list(map(enc, stamps))
        contents = [sha((t[0] % (b, u, enc(r), enc(p))).encode()).digest()
                    for t, b, u, r, p in zip(tpls, body_js, stamp_js, raws, positions, strict=True)]
        digests = [sha((t[1] % (u, b)).encode()).digest() for t, u, b in zip(tpls, stamp_js, body_js, strict=True)]
        ordinals: dict[tuple[str, bytes], int] = {}
        keys = []
        for u, d in zip(stamps, digests, strict=True):
            o = ordinals[u, d] = ordinals.get((u, d), -1) + 1
            keys.append(f"{u}/{d.hex()}:{o}")
        for leaf in [sha(b"\x00" + c).digest() for c in contents]:
            node, height = leaf, 0
            while stack and stack[-1][0] == height:
                node, height = sha(b"\x01" + stack.pop()[1] + node).digest(), height + 1
            stack.append((height, node))
        timed, cpu = timed + time.perf_counter() - t0, cpu + time.process_time() - c0
        for rec, stamp, content, digest in zip(batch, stamps, contents, digests, strict=True):  # untimed
            real = prepare_record(rec, fmt=fmt, source_sha256=source_sha256, source_display=display, utc_text=stamp,
                                  dedupe_key="", attachments=[])[0]
            mismatches += real.content_hash != content.hex() or rec.content_digest(fmt, stamp) != digest
        n += len(batch)
    return {"messages": n, "seconds": timed, "cpu": cpu, "rss_mb": _rss_mb(), "mismatches": mismatches}


def child_whatstk(path: Path, scale: int) -> dict[str, Any]:
    try:
        from whatstk import WhatsAppChat  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return {"skipped": "whatstk is not installed (.venv/bin/pip install whatstk)"}
    from nocontact.samples.whatsapp import android_entries

    t0, c0 = time.perf_counter(), time.process_time()
    how = "auto header"
    try:
        chat = WhatsAppChat.from_source(filepath=str(path), max_size=None)
    except Exception:  # noqa: BLE001 (a peer's failure is a figure, not a crash)
        how = "hformat given"
        chat = WhatsAppChat.from_source(filepath=str(path), auto_header=False, max_size=None,
                                        hformat="%m/%d/%y, %I:%M\u202f%P - %name:")
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    df = chat.df
    bodies = list(df["message"])
    expected = [text for _w, author, text in android_entries(scale, SEED) if author is not None]
    exact = sum(1 for a, b in zip(bodies, expected, strict=False) if a == b)
    multi = [(a, b) for a, b in zip(bodies, expected, strict=False) if "\n" in b]
    return {"messages": len(df), "seconds": seconds, "cpu": cpu, "rss_mb": _rss_mb(), "how": how,
            "bodies_exact": exact, "expected": len(expected),
            "multiline_kept": sum(1 for a, b in multi if a == b), "multiline": len(multi)}


def _run(mode: str, path: Path, scale: int) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(path), str(scale)],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return {"skipped": f"{mode} failed: {out.stderr.strip().splitlines()[-1:] or out.returncode}"}
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--no-vault", action="store_true", help="skip the full vault import")
    ap.add_argument("--no-whatstk", action="store_true", help="skip whatstk")
    ap.add_argument("--no-floors", action="store_true",
                    help="skip the reference figures (plain sqlite3, the vault's rows alone, the hashes alone, one "
                         "encrypted row a message, the least vault-shaped import)")
    ap.add_argument("--child", nargs=3, metavar=("MODE", "PATH", "SCALE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        mode, p, scale = args.child
        path, n = Path(p), int(scale)
        children: dict[str, Any] = {
            "scan": child_scan, "vault": child_vault, "plain": child_plain_sqlite, "floor": child_vault_rows,
            "hashes": child_hashes, "minrow": child_min_row, "least": child_least,
            "read": lambda q: child_read(q, n), "whatstk": lambda q: child_whatstk(q, n),
        }
        print(json.dumps(children[mode](path)))
        return

    from nocontact.samples.whatsapp import PER_SCALE_ANDROID, write_sample

    scale = max(1, math.ceil(args.messages / PER_SCALE_ANDROID))
    with tempfile.TemporaryDirectory(prefix="nocontact-bench-whatsapp-") as tmp:
        t0 = time.perf_counter()
        path = write_sample(Path(tmp), scale=scale, seed=SEED)[0]
        gen = time.perf_counter() - t0
        size = path.stat().st_size
        print(f"file: {path.name}, {size / 1e6:.1f} MB, scale {scale}, generated in {gen:.1f} s")
        load = os.getloadavg()
        scan = _run("scan", path, scale)
        ours = _run("read", path, scale)
        vault = {"skipped": "--no-vault"} if args.no_vault else _run("vault", path, scale)
        peer = {"skipped": "--no-whatstk"} if args.no_whatstk else _run("whatstk", path, scale)
        plain = {"skipped": "--no-floors"} if args.no_floors else _run("plain", path, scale)
        floor = {"skipped": "--no-floors"} if args.no_floors or args.no_vault else _run("floor", path, scale)
        hashes = {"skipped": "--no-floors"} if args.no_floors else _run("hashes", path, scale)
        minrow = {"skipped": "--no-floors"} if args.no_floors else _run("minrow", path, scale)
        least = {"skipped": "--no-floors"} if args.no_floors else _run("least", path, scale)

    def rate(r: dict[str, Any], key: str = "seconds") -> float:
        return float(r["messages"]) / float(r[key]) if r.get(key) else 0.0

    def line(label: str, r: dict[str, Any]) -> None:
        if "skipped" in r:
            print(f"{label:<28} skipped: {r['skipped']}")
        else:
            print(f"{label:<28} {r['messages']:>10,} msgs  {r['seconds']:8.2f} s  {rate(r):>12,.0f} msgs/s"
                  f"  (CPU {r['cpu']:7.2f} s {rate(r, 'cpu'):>12,.0f} msgs/s)  peak RSS {r['rss_mb']:6.1f} MB")

    def ratio(a: dict[str, Any], b: dict[str, Any]) -> str:
        return f"{rate(a) / rate(b):.3f} wall, {rate(a, 'cpu') / rate(b, 'cpu'):.3f} CPU"

    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; after: "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()) + f"; {os.cpu_count()} CPUs")
    line("bare regex line scan", scan)
    line("nocontact importer.read()", ours)
    line("nocontact vault import", vault)
    line("whatstk", peer)
    line("parse + plain sqlite3 insert", plain)
    line("vault rows, inserts alone", floor)
    line("per-event hashes alone", hashes)
    line("one encrypted row a message", minrow)
    line("least vault-shaped import", least)
    if "skipped" not in vault:
        print(f"vault import / bare scan: {ratio(vault, scan)} (target >= 0.15)")
        if "skipped" not in peer:
            print(f"vault import / whatstk: {ratio(vault, peer)} (target >= 5x)")
        print(f"vault import peak RSS: {vault['rss_mb']:.1f} MB (target < 150 MB)")
    if "skipped" not in plain:
        print(f"parse + plain sqlite3 insert / bare scan: {ratio(plain, scan)} (the issue's reference: about 0.19)")
    if "skipped" not in floor:
        print(f"vault rows, inserts alone / bare scan: {ratio(floor, scan)}: no import into this vault format "
              "can be faster than this")
    if "skipped" not in hashes:
        print(f"per-event hashes alone / bare scan: {ratio(hashes, scan)}; {hashes['mismatches']} of "
              f"{hashes['messages']:,} differ from the vault's own: no import that hashes each event as the vault "
              "format requires can be faster than this")
        if "skipped" not in peer:
            print(f"per-event hashes alone / whatstk: {ratio(hashes, peer)}")
    if "skipped" not in minrow:
        print(f"one encrypted row a message (3 columns, nothing else) / bare scan: {ratio(minrow, scan)}: no "
              "import that stores each message as a row of an encrypted database can be faster than this")
        if "skipped" not in peer:
            print(f"one encrypted row a message / whatstk: {ratio(minrow, peer)}")
    if "skipped" not in least:
        print(f"least vault-shaped import (split, one hash, one encrypted row a message) / bare scan: "
              f"{ratio(least, scan)}: the floor under any import that keeps a row and a hash per message")
        if "skipped" not in peer:
            print(f"least vault-shaped import / whatstk: {ratio(least, peer)}")
    if "skipped" not in ours:
        print(f"parser alone / bare scan: {ratio(ours, scan)}")
        print(f"parser peak RSS: {ours['rss_mb']:.1f} MB (target < 150 MB)")
        print(f"bodies checked against the generator: {ours['checked']:,} messages, "
              f"{ours['mismatches']} mismatches; multi-line kept {ours['multiline_kept']:,}/{ours['multiline']:,}")
    if "skipped" not in peer and "skipped" not in ours:
        print(f"parser alone / whatstk: {ratio(ours, peer)}; whatstk read via {peer['how']}, "
              f"bodies exact {peer['bodies_exact']:,}/{peer['expected']:,}, "
              f"multi-line kept {peer['multiline_kept']:,}/{peer['multiline']:,}")
    if "skipped" not in vault and "skipped" not in ours:
        print(f"vault import / parse alone: {ratio(vault, ours)}; parsing is "
              f"{ours['seconds'] / vault['seconds']:.0%} of the import's wall time "
              f"({ours['cpu'] / vault['cpu']:.0%} of its CPU time), the vault writer the rest")


if __name__ == "__main__":
    main()
