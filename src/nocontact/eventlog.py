"""The events export (``nocontact events --format jsonl|csv``): a stable interface.

One event per line with the fields documented in docs/events-export.md. Attribution and
"after the boundary" are derived here from the current case and boundary, never stored.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, TextIO

from nocontact.analysis.flags import RuleSet, default_rules, row_flag_names
from nocontact.case import Case
from nocontact.identity import ExMatcher
from nocontact.textsafety import csv_cell
from nocontact.vault.events import StoredEvent

__all__ = ["EXPORT_FIELDS", "event_dicts", "write_csv", "write_jsonl"]

#: Column order of the CSV and key set of each JSON line. Append only; never rename.
EXPORT_FIELDS: tuple[str, ...] = (
    "event_id", "source", "source_id", "utc", "kind", "category", "channel", "direction", "party",
    "identifier", "after_boundary", "call_type", "duration_s", "subject", "body", "raw_time", "time_zone",
    "time_basis", "location", "witnesses", "police_report", "officer", "impact", "attachments",
    "source_sha256", "content_hash", "origin", "revised", "retracted", "flags",
)


def event_dicts(events: Iterable[StoredEvent], case: Case, boundary: datetime | None, *,
                ex_only: bool = False, rules: RuleSet | None = None) -> Iterator[dict[str, Any]]:
    """One export row per event; ``flags`` lists the text flags (``nocontact.analysis.flags``) it raises."""
    matcher = ExMatcher(case)
    rules = rules or default_rules()
    for ev in events:
        r = ev.row
        a = matcher.attribute_parts(r["direction"], bool(r["is_group"]), ev.sender_identifier(),
                                    ev.peer_identifiers)
        if ex_only and not a.is_ex:
            continue
        row = {
            "event_id": ev.id,
            "source": r["source_display"],
            "source_id": r["source_pos"],
            "utc": r["occurred_at"],
            "kind": r["kind"],
            "category": r["category"],
            "channel": r["channel"],
            "direction": r["direction"],
            "party": (case.ex.name or "ex") if a.is_ex else None,
            "identifier": a.identifier if a.is_ex and not str(a.identifier).startswith("party:") else None,
            "after_boundary": bool(boundary is not None and ev.utc > boundary),
            "call_type": r["call_type"],
            "duration_s": r["duration_s"],
            "subject": r["subject"],
            "body": r["body"],
            "raw_time": r["raw_time"],
            "time_zone": r["time_zone"],
            "time_basis": r["time_basis"],
            "location": r["location"],
            "witnesses": r["witnesses"],
            "police_report": r["police_report"],
            "officer": r["officer"],
            "impact": r["impact"],
            "attachments": [{k: att[k] for k in ("name", "mime", "sha256", "size", "included")}
                            for att in ev.attachments],
            "source_sha256": r["source_sha256"],
            "content_hash": r["content_hash"],
            "origin": r["origin"],
            "revised": ev.revised,
            "retracted": ev.retracted,
        }
        row["flags"] = row_flag_names(row, rules)
        yield row


def write_jsonl(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    n = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        n += 1
    return n


def write_csv(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(EXPORT_FIELDS)
    n = 0
    for row in rows:
        cells = []
        for f in EXPORT_FIELDS:
            v = row[f]
            if f == "attachments":
                v = "; ".join(f"{a['name']} sha256:{a['sha256']}" for a in v) if v else ""
            elif f == "flags":
                v = "; ".join(v)
            cells.append(csv_cell(v))
        w.writerow(cells)
        n += 1
    return n


def to_csv_string(rows: Iterable[dict[str, Any]]) -> str:
    buf = io.StringIO()
    write_csv(rows, buf)
    return buf.getvalue()
