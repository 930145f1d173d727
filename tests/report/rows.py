"""Synthetic events-export rows for report tests that need no vault (hostile text, edge cases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from nocontact.case import Case, Person
from nocontact.eventlog import EXPORT_FIELDS
from nocontact.model import format_utc
from nocontact.report.model import ReportModel, model_from_rows

BOUNDARY = datetime(2026, 3, 3, 2, 15, tzinfo=UTC)
CASE = Case(user=Person(name="Robin Hale"), ex=Person(name="Casey Drummond"), source_timezone="America/Chicago")
HEAD = (7, "ab" * 32)


def row(event_id: int, at: datetime, body: str | None = "hello", **kw: Any) -> dict[str, Any]:
    r: dict[str, Any] = dict.fromkeys(EXPORT_FIELDS)
    r.update(event_id=event_id, source="sms.xml", source_id=str(event_id), utc=format_utc(at), kind="sms",
             category="message", channel="sms", direction="incoming", party="Casey Drummond",
             identifier="+13125550187", after_boundary=at > BOUNDARY, body=body, raw_time="x",
             time_zone="UTC", time_basis="test", attachments=[], source_sha256="cd" * 32,
             content_hash="ef" * 32, origin="import", revised=False, retracted=False)
    r.update(kw)
    return r


def rows_with_bodies(bodies: list[str]) -> list[dict[str, Any]]:
    start = BOUNDARY + timedelta(hours=1)
    return [row(i + 1, start + timedelta(hours=3 * i), b) for i, b in enumerate(bodies)]


def model_for(rows: list[dict[str, Any]], **kw: Any) -> ReportModel:
    kw.setdefault("sources", [{"sha256": "cd" * 32, "size": 10, "display": "sms.xml",
                               "format": "sms_backup_restore_sms", "imported_at": "2026-04-01T00:00:00.000Z"}])
    return model_from_rows(rows, case=CASE, zone=ZoneInfo("America/Chicago"), boundary=BOUNDARY,
                           boundary_event_id=None, journal=HEAD, public_key=b"k" * 32, vault_id="00" * 16, **kw)
