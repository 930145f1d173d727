"""One fuzz target per importer: bytes in, every item read, nothing but the allowed outcomes out.

A target writes the bytes to a file with the name a real export would have (so content sniffing,
title parsing and the Instagram/Messenger path rule see what they see in life), asks the importer
to ``sniff`` it, then consumes ``read`` to the end and puts every record through the same steps
the vault writer takes (UTC text, content digest, event row). The outcomes an importer may have
are: records, problems, ``SourceError`` (``DateOrderNeeded`` is one) and ``ArchiveError``.
Anything else escaping is a crash: in the vault it would be an error the person cannot read.

The ``zip_archive`` target is the path a whole download takes (``plan_sources``): a zip whose
members are checked for traversal, links and bombs, then each member read by its importer.

This module has no atheris dependency, so ``tests/fuzz`` run every target over its seeds inside
``make test``; ``fuzz/run.py`` adds atheris's coverage guidance on top.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from nocontact.case import Case, case_from_json
from nocontact.importers import by_name
from nocontact.importers.base import ImportContext, SourceError
from nocontact.ingest import Planned, plan_sources
from nocontact.model import Problem, Record, format_utc
from nocontact.samples import DEMO_CASE
from nocontact.sources import ArchiveError, FileSource, Source
from nocontact.vault.events import insert_prepared, make_storable, prepare, record_row
from nocontact.vault.schema import apply_migrations

__all__ = ["ALLOWED_ERRORS", "CONTEXT", "TARGETS", "Outcome", "Target", "run_target", "seeds_dir"]

#: The only exceptions an importer may raise: a source refused as a whole, said plainly.
ALLOWED_ERRORS: tuple[type[BaseException], ...] = (SourceError, ArchiveError)

FUZZ_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Target:
    """A fuzz target: which importer reads the bytes, and where the bytes pretend to live."""

    name: str
    importer: str | None
    relpath: str


#: Names are the importers' own names, so a crash report says which importer it is.
TARGETS: dict[str, Target] = {t.name: t for t in (
    Target("eml", "eml", "Saved emails/Robin - from Casey.eml"),
    Target("facebook_messenger_json", "facebook_messenger_json",
           "facebook-robinhale/messages/inbox/casey_101/message_1.json"),
    Target("instagram_json", "instagram_json",
           "instagram-robinhale/your_instagram_activity/messages/inbox/casey_178/message_1.json"),
    Target("google_voice_html", "google_voice_html",
           "Takeout/Voice/Calls/Casey Drummond - Text - 2026-02-28T04_05_10Z.html"),
    Target("imessage_chat_db", "imessage_chat_db", "Library/Messages/chat.db"),
    Target("gmail_takeout_mbox", "gmail_takeout_mbox", "Takeout/Mail/All mail Including Spam and Trash.mbox"),
    Target("sms_backup_restore_sms", "sms_backup_restore_sms", "sms-20260421093015.xml"),
    Target("sms_backup_restore_calls", "sms_backup_restore_calls", "calls-20260421093015.xml"),
    Target("telegram_desktop_json", "telegram_desktop_json", "DataExport_2026-04-02/result.json"),
    Target("whatsapp_android_txt", "whatsapp_android_txt", "WhatsApp Chat with Casey Drummond.txt"),
    Target("whatsapp_ios_zip", "whatsapp_ios_zip", "WhatsApp Chat - Casey Drummond.zip"),
    Target("zip_archive", None, "takeout-2026.zip"),
)}


@dataclass
class Outcome:
    """What one input did: how many records and problems came out, or which refusal ended it."""

    records: int = 0
    problems: int = 0
    refused: str | None = None


def seeds_dir(target: str) -> Path:
    return FUZZ_DIR / "seeds" / target


def _case() -> Case:
    return case_from_json(json.dumps(DEMO_CASE))


_CASE = _case()
CONTEXT = ImportContext(case=_CASE, source_timezone=ZoneInfo(_CASE.source_timezone or "America/Chicago"))


class _Workspace:
    """One private folder per process; each input overwrites the previous one's file."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="nocontact-fuzz-"))

    def place(self, relpath: str, data: bytes) -> FileSource:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        for sidecar in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            sidecar.unlink(missing_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        return FileSource(path, self.root, relpath)


_WORKSPACE: _Workspace | None = None


def _workspace() -> _Workspace:
    global _WORKSPACE
    if _WORKSPACE is None:
        _WORKSPACE = _Workspace()
    return _WORKSPACE


class _Events:
    """An in-memory database with the vault's schema, so every record is really inserted.

    SQLite refuses what Python accepts (integers beyond 64 bits, lone surrogates in text); those
    refusals are crashes of the vault writer and must show up here. Each input is rolled back.
    """

    def __init__(self) -> None:
        self.conn = sqlite3.connect(":memory:")
        apply_migrations(self.conn, "2026-01-01T00:00:00.000Z")
        self.n = 0

    def insert(self, row: dict[str, object]) -> None:
        self.n += 1
        make_storable(row)  # as the vault writer does: unstorable values become a counted problem
        p = prepare(row, dedupe_key=f"fuzz:{self.n}", attachments=[])
        insert_prepared(self.conn, [p], first_id=self.n, import_id=None, recorded_at="2026-01-01T00:00:00.000Z")

    def reset(self) -> None:
        self.conn.rollback()


_EVENTS: _Events | None = None


def _events() -> _Events:
    global _EVENTS
    if _EVENTS is None:
        _EVENTS = _Events()
    return _EVENTS


def check_record(rec: Record, fmt: str, source: Source) -> None:
    """The steps the vault writer takes on every record; any exception here is a crash."""
    if not isinstance(rec.utc, datetime) or rec.utc.utcoffset() is None:
        raise AssertionError(f"record {rec.source_id!r} has a naive or missing time: {rec.utc!r}")
    utc_text = format_utc(rec.utc.astimezone(UTC))
    rec.content_digest(fmt, utc_text)
    row = record_row(rec, fmt=fmt, source_sha256="0" * 64, source_display=source.display, utc_text=utc_text)
    _events().insert(row)
    for text in (rec.body, rec.subject, rec.raw_time, rec.source_id):
        if text is not None and not isinstance(text, str):
            raise AssertionError(f"record {rec.source_id!r} carries a non-text field: {text!r}")


def check_problem(p: Problem) -> None:
    if not isinstance(p.message, str) or not p.message.strip():
        raise AssertionError(f"a problem without a sentence: {p!r}")


def _consume(importer_name: str, source: Source, out: Outcome) -> None:
    imp = by_name(importer_name)
    imp.sniff(source, source.head())
    for item in imp.read(source, CONTEXT):
        if isinstance(item, Record):
            check_record(item, imp.name, source)
            out.records += 1
        elif isinstance(item, Problem):
            check_problem(item)
            out.problems += 1
        else:
            raise AssertionError(f"{imp.name} yielded {type(item).__name__}, not a Record or Problem")


def run_target(name: str, data: bytes) -> Outcome:
    """Run one input through target ``name``. Allowed refusals are returned; anything else raises."""
    target = TARGETS[name]
    source = _workspace().place(target.relpath, data)
    out = Outcome()
    _events().reset()
    try:
        if target.importer is not None:
            _consume(target.importer, source, out)
        else:
            _plan_and_read(source, out)
    except ALLOWED_ERRORS as e:
        if not str(e).strip():
            raise AssertionError(f"{type(e).__name__} without a sentence") from e
        out.refused = f"{type(e).__name__}: {e}"
    finally:
        _events().reset()
    return out


def _plan_and_read(source: FileSource, out: Outcome) -> None:
    """The whole-download path: list the archive, then read every member it would import."""
    for item in plan_sources([source.path]):
        if isinstance(item, Planned):
            try:
                _consume(item.importer.name, item.source, out)
            except ALLOWED_ERRORS as e:
                out.refused = f"{type(e).__name__}: {e}"


def all_seeds(name: str) -> list[Path]:
    folder = seeds_dir(name)
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


#: A callable libFuzzer can drive: one per target, made on demand.
def entry_point(name: str) -> Callable[[bytes], None]:
    def one_input(data: bytes) -> None:
        run_target(name, data)

    one_input.__name__ = f"fuzz_{name}"
    return one_input
