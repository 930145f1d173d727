"""Events in the vault: how a row's content hash is defined, and the append-only operations.

Rows are never updated or deleted. A correction is a ``revisions`` row, a removal a
``retractions`` row, each pointing at the original and each journaled; reading applies them.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nocontact.case import Case, case_from_json, case_to_json
from nocontact.model import Identifier, Record, format_utc
from nocontact.vault.store import Vault, VaultError, utc_now

__all__ = [
    "CONTENT_FIELDS",
    "NATURAL_KEY_SCOPES",
    "RECORD_KEY_SCOPES",
    "REVISABLE",
    "StoredEvent",
    "add_attachment_file",
    "channel_for",
    "content_hash",
    "current_case",
    "dedupe_key",
    "event_content",
    "iter_events",
    "log_incident",
    "make_storable",
    "manual_row",
    "retract",
    "retract_import",
    "revise",
    "save_case",
    "set_boundary",
    "current_boundary",
]

#: The columns of ``events`` that the content hash covers, in the canonical object.
CONTENT_FIELDS: tuple[str, ...] = (
    "origin", "source_sha256", "source_display", "source_pos", "format", "kind", "category", "channel",
    "direction", "occurred_at", "raw_time", "time_zone", "time_basis", "sender_kind", "sender", "peers",
    "is_group", "conversation", "body", "subject", "duration_s", "call_type", "location", "witnesses",
    "police_report", "officer", "impact", "extra",
)

#: What a person may correct with ``nocontact correct``; evidence text from a source is not among them.
REVISABLE: tuple[str, ...] = ("occurred_at", "channel", "body", "location", "witnesses", "police_report",
                              "officer", "impact", "direction")

_CHANNELS = {
    "sms": "sms", "mms": "mms", "call": "call", "imessage": "imessage", "imessage_reaction": "imessage",
    "email": "email", "whatsapp": "whatsapp", "voicemail": "voicemail",
}


def channel_for(kind: str) -> str:
    """The DESIGN.md channel of an importer's kind (``telegram_call`` -> ``telegram``)."""
    if kind in _CHANNELS:
        return _CHANNELS[kind]
    for prefix in ("telegram", "messenger", "instagram", "whatsapp", "google_voice", "imessage"):
        if kind.startswith(prefix):
            return {"google_voice": "sms"}.get(prefix, prefix)
    return "other"


def content_hash(content: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of an event's content (docs/vault-format.md, "Event content")."""
    # Event content holds only text, integers, booleans, nulls, lists and objects (built below),
    # so the float check of ``canonical_json`` is skipped on this hot path.
    return hashlib.sha256(_dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                          .encode("utf-8", "surrogatepass")).hexdigest()


_dumps = json.dumps


def event_content(row: dict[str, Any]) -> dict[str, Any]:
    """The canonical content object of an event row (peers and extra decoded from JSON text)."""
    out = {k: row.get(k) for k in CONTENT_FIELDS}
    peers, extra = out["peers"], out["extra"]
    out["peers"] = json.loads(peers) if isinstance(peers, str) else (peers or [])
    out["extra"] = json.loads(extra) if isinstance(extra, str) else (extra or {})
    out["is_group"] = bool(out["is_group"])
    return out


def record_row(rec: Record, *, fmt: str, source_sha256: str, source_display: str,
               utc_text: str | None = None) -> dict[str, Any]:
    """A Record as the columns of ``events`` (without ids and hashes)."""
    sender = rec.sender
    return {
        "origin": "import",
        "source_sha256": source_sha256,
        "source_display": source_display,
        "source_pos": rec.source_id,
        "format": fmt,
        "kind": rec.kind,
        "category": rec.category,
        "channel": channel_for(rec.kind),
        "direction": rec.direction,
        "occurred_at": utc_text or format_utc(rec.utc),
        "occurred_us": _micros(rec.utc),
        "raw_time": rec.raw_time,
        "time_zone": rec.time_zone,
        "time_basis": rec.time_basis,
        "sender_kind": sender.kind if sender else None,
        "sender": sender.value if sender else None,
        "peers": [[p.kind, p.value] for p in rec.peers],
        "is_group": rec.is_group,
        "conversation": rec.conversation,
        "body": rec.body,
        "subject": rec.subject,
        "duration_s": rec.duration_s,
        "call_type": rec.call_type,
        "location": None,
        "witnesses": None,
        "police_report": None,
        "officer": None,
        "impact": None,
        "extra": dict(rec.extra),
    }


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(dt: datetime) -> int:
    """Exact integer microseconds since 1970 (no float rounding)."""
    d = dt - _EPOCH
    return (d.days * 86_400 + d.seconds) * 1_000_000 + d.microseconds


_INSERT_COLS = ("id", "dedupe_key", "import_id", *CONTENT_FIELDS, "occurred_us", "content_hash", "recorded_at")
INSERT_SQL = (f"INSERT INTO events({', '.join(_INSERT_COLS)}) "  # noqa: S608 - fixed column names
              f"VALUES ({', '.join('?' for _ in _INSERT_COLS)})")
ATTACH_SQL = "INSERT INTO attachments(event_id, blob, sha256, size, name, mime, included) VALUES (?, ?, ?, ?, ?, ?, ?)"


_INT64 = range(-(2**63), 2**63)


def _storable_text(v: str) -> str | None:
    """``v`` if SQLite can store it as UTF-8, else a copy with each lone surrogate as U+FFFD."""
    try:
        v.encode("utf-8")
        return None
    except UnicodeEncodeError:
        return v.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def make_storable(row: dict[str, Any]) -> list[str]:
    """Fix, in place, values no database could hold; return the names of the fields changed."""
    fixed: list[str] = []
    for k, v in row.items():
        if type(v) is str:
            new = _storable_text(v)
            if new is not None:
                row[k] = new
                fixed.append(k)
        elif type(v) is int and v not in _INT64:
            row[k] = None
            fixed.append(k)
        elif k == "peers" and v:
            peers = [[_storable_text(a) or a, _storable_text(b) or b] for a, b in v]
            if peers != v:
                row[k] = peers
                fixed.append(k)
        elif k == "extra" and v:
            extra = {(_storable_text(a) or a): (_storable_text(b) or b) if isinstance(b, str) else b
                     for a, b in v.items()}
            if extra != v:
                row[k] = extra
                fixed.append(k)
    return fixed


_PEERS = CONTENT_FIELDS.index("peers")
_EXTRA = CONTENT_FIELDS.index("extra")
_GROUP = CONTENT_FIELDS.index("is_group")


_enc = json.encoder.encode_basestring  # the C encoder's own string escaping (ensure_ascii=False)


def _json_text(value: Any) -> str:
    """JSON text of peers/extra as stored in their columns (``json.dumps(v, ensure_ascii=False,
    sort_keys=True)``); the usual shapes are written directly, which is several times faster."""
    if not value:
        return "[]" if isinstance(value, list) else "{}"
    try:
        if type(value) is list:
            return "[" + ", ".join("[" + _enc(k) + ", " + _enc(v) + "]" for k, v in value) + "]"
        if type(value) is dict:
            return "{" + ", ".join(_enc(k) + ": " + _enc(value[k]) for k in sorted(value)) + "}"
    except (TypeError, ValueError):
        pass  # a value that is not a pair of texts: the general encoder below
    return _dumps(value, ensure_ascii=False, sort_keys=True)


@dataclass(slots=True)
class Prepared:
    """An event ready to insert: its content, hash and dedupe key, computed once."""

    dedupe_key: str
    #: The canonical content object; None when ``prepare_record`` wrote its JSON directly.
    content: dict[str, Any] | None
    occurred_us: int
    content_hash: str
    attachments: list[dict[str, Any]]
    #: The ``CONTENT_FIELDS`` column values as stored, when ``prepare_record`` computed them already.
    values: list[Any] | None = None


def prepare(row: dict[str, Any], *, dedupe_key: str, attachments: list[dict[str, Any]]) -> Prepared:
    content = event_content(row)
    content["attachments"] = hashable_attachments(attachments)
    return Prepared(dedupe_key, content, row["occurred_us"], content_hash(content), attachments)


_sha256 = hashlib.sha256
#: The stdlib's own C encoder, built once with the canonical settings (compact separators, text
#: as written, keys sorted): ``json.dumps`` builds a new one on every call.
_canonical_encoder: Any = (json.encoder.c_make_encoder(  # type: ignore[attr-defined]
    None, None, _enc, None, ":", ",", True, False, True) if json.encoder.c_make_encoder else None)  # type: ignore[attr-defined]


def _canonical_text(value: Any) -> str:
    """``json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``."""
    if _canonical_encoder is None:
        return _dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "".join(_canonical_encoder(value, 0))


def _null_or_text(v: Any) -> str:
    return "null" if v is None else _enc(v)


def _null_or_int(v: Any) -> str:
    if v is None:
        return "null"
    if type(v) is not int or v not in _INT64:
        raise TypeError  # a bool, a subclass or a number beyond 64 bits: the general path decides
    return int.__repr__(v)


#: What ``prepare_record`` writes for a record's extra fields and peers, by their values: a chat's
#: records mostly share both, and writing them was a fifth of preparing a record.
_FRAGMENTS: dict[tuple[Any, Any], tuple[str, str, str, str]] = {}


def _fragments(extra_items: Any, peer_ids: Any) -> tuple[str, str, str, str]:
    """(extra and peers inside the canonical JSON, extra and peers as stored in their columns).

    Raises TypeError for values that are not text (the general path decides); only text-only
    values are kept, so no value can stand for another that compares equal (``1`` and ``True``).
    """
    extra = dict(extra_items)
    if len(extra) > 1:
        extra = dict(sorted(extra.items()))
    peers = [[p.kind, p.value] for p in peer_ids]
    out = (",".join([_enc(k) + ":" + _enc(v) for k, v in extra.items()]),
           ",".join(["[" + _enc(k) + "," + _enc(v) + "]" for k, v in peers]),
           _json_text(extra), _json_text(peers))
    if len(_FRAGMENTS) >= 1024:
        _FRAGMENTS.clear()
    _FRAGMENTS[(extra_items, peer_ids)] = out
    return out


def prepare_record(rec: Record, *, fmt: str, source_sha256: str, source_display: str, utc_text: str,
                   dedupe_key: str, attachments: list[dict[str, Any]]) -> tuple[Prepared, list[str]]:
    """``prepare(record_row(...))`` with ``make_storable`` applied, in one pass (the import hot path).

    Returns the prepared event and the fields ``make_storable`` had to change. The canonical JSON
    is written out directly, key by key in sorted order, and its UTF-8 encoding doubles as the
    storability check: a record that fails it (a lone surrogate), or that carries a value of an
    unexpected type or a number beyond 64 bits, takes the general path. ``tests/vault/
    test_events.py`` holds both paths to the same hashes and rows.
    """
    sender = rec.sender
    occurred_us = _micros(rec.utc)
    if occurred_us in _INT64:
        try:
            key = (rec.extra, rec.peers)
            fragments = _FRAGMENTS.get(key)
            if fragments is None:
                fragments = _fragments(*key)
            extra_text, peers_text, extra_json, peers_json = fragments
            sender_kind, sender_value = (sender.kind, sender.value) if sender else (None, None)
            kind, body, subject = rec.kind, rec.body, rec.subject
            channel = channel_for(kind)
            is_group = bool(rec.is_group)
            text = "".join((
                '{"attachments":',
                _canonical_text(hashable_attachments(attachments)) if attachments else "[]",
                ',"body":', _null_or_text(body),
                ',"call_type":', _null_or_int(rec.call_type),
                ',"category":', _enc(rec.category),
                ',"channel":', _enc(channel),
                ',"conversation":', _null_or_text(rec.conversation),
                ',"direction":', _enc(rec.direction),
                ',"duration_s":', _null_or_int(rec.duration_s),
                ',"extra":{', extra_text,
                '},"format":', _enc(fmt),
                ',"impact":null,"is_group":', "true" if is_group else "false",
                ',"kind":', _enc(kind),
                ',"location":null,"occurred_at":', _enc(utc_text),
                ',"officer":null,"origin":"import","peers":[',
                peers_text,
                '],"police_report":null,"raw_time":', _enc(rec.raw_time),
                ',"sender":', _null_or_text(sender_value),
                ',"sender_kind":', _null_or_text(sender_kind),
                ',"source_display":', _enc(source_display),
                ',"source_pos":', _enc(rec.source_id),
                ',"source_sha256":', _enc(source_sha256),
                ',"subject":', _null_or_text(subject),
                ',"time_basis":', _enc(rec.time_basis),
                ',"time_zone":', _enc(rec.time_zone),
                ',"witnesses":null}',
            ))
            data = text.encode("utf-8")
        except (TypeError, UnicodeEncodeError):
            pass  # an unusual record: the general path below stores and hashes it
        else:
            stored = ["import", source_sha256, source_display, rec.source_id, fmt, kind, rec.category, channel,
                      rec.direction, utc_text, rec.raw_time, rec.time_zone, rec.time_basis, sender_kind,
                      sender_value, peers_json, int(is_group), rec.conversation, body, subject,
                      rec.duration_s, rec.call_type, None, None, None, None, None, extra_json]
            return Prepared(dedupe_key, None, occurred_us, _sha256(data).hexdigest(), attachments, stored), []
    row = record_row(rec, fmt=fmt, source_sha256=source_sha256, source_display=source_display, utc_text=utc_text)
    fixed = make_storable(row)
    return prepare(row, dedupe_key=dedupe_key, attachments=attachments), fixed


#: Formats whose natural ids share one space: the same e-mail saved from Gmail (mbox) and as an
#: .eml file is one event. Form 2 digests a natural id under its scope, not the importer's name
#: (form 1 used the name, so there the two copies were two events).
NATURAL_KEY_SCOPES = {"gmail_takeout_mbox": "email", "eml": "email"}

#: Formats whose records share one space in form 3: the two WhatsApp importers read the same chat
#: text (a zip's ``_chat.txt``, or the bare file), so the chat imported both ways is one set of
#: events (form 2 digested each under its importer's name, and stored it twice).
RECORD_KEY_SCOPES = {"whatsapp_android_txt": "whatsapp", "whatsapp_ios_zip": "whatsapp"}


def dedupe_key(digest: bytes, ordinal: int, *, utc_text: str | None, form: int) -> str:
    """An imported record's dedupe key (docs/vault-format.md, "Dedupe key").

    ``utc_text`` is None for a record keyed by a natural id (a Message-ID), whose key must not
    depend on its time. Form 2 puts the time first, so an export's keys come in order.
    """
    if form >= 2 and utc_text is not None:
        return f"{utc_text}/{digest.hex()}:{ordinal}"
    return f"{digest.hex()}:{ordinal}"


def next_event_id(conn: Any) -> int:
    return int(conn.execute("SELECT coalesce(max(id), 0) + 1 FROM events").fetchone()[0])


def insert_prepared(conn: Any, items: list[Prepared], *, first_id: int, import_id: int | None,
                    recorded_at: str) -> None:
    """Insert events with ids first_id, first_id+1, ... in one executemany (the hot path of imports)."""
    rows = []
    atts = []
    for n, p in enumerate(items):
        eid = first_id + n
        if p.values is None:
            c = p.content
            assert c is not None
            values = [c[k] for k in CONTENT_FIELDS]
            values[_PEERS] = _json_text(c["peers"])
            values[_EXTRA] = _json_text(c["extra"])
            values[_GROUP] = int(c["is_group"])
            rows.append((eid, p.dedupe_key, import_id, *values, p.occurred_us, p.content_hash, recorded_at))
        else:
            rows.append((eid, p.dedupe_key, import_id, *p.values, p.occurred_us, p.content_hash, recorded_at))
        for a in p.attachments:
            atts.append((eid, a.get("blob"), a["sha256"], a["size"], a["name"], a["mime"], int(a["included"])))
    conn.executemany(INSERT_SQL, rows)
    if atts:
        conn.executemany(ATTACH_SQL, atts)


def insert_event(conn: Any, row: dict[str, Any], *, dedupe_key: str, import_id: int | None,
                 attachments: list[dict[str, Any]]) -> tuple[int | None, str]:
    """Insert one event unless its dedupe key is present; returns (row id or None, content hash)."""
    p = prepare(row, dedupe_key=dedupe_key, attachments=attachments)
    if conn.execute("SELECT 1 FROM events WHERE dedupe_key = ?", (dedupe_key,)).fetchone():
        return None, p.content_hash
    eid = next_event_id(conn)
    insert_prepared(conn, [p], first_id=eid, import_id=import_id, recorded_at=utc_now())
    return eid, p.content_hash


def attachments_of(conn: Any, event_id: int) -> list[dict[str, Any]]:
    """The attachment list as the content hash covers it (blob names excluded: they are keyed)."""
    rows = conn.execute("SELECT sha256, size, name, mime, included, blob FROM attachments WHERE event_id = ? "
                        "ORDER BY id", (event_id,)).fetchall()
    return [{"sha256": r[0], "size": r[1], "name": r[2], "mime": r[3], "included": bool(r[4]), "blob": r[5]}
            for r in rows]


def hashable_attachments(atts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: a[k] for k in ("sha256", "size", "name", "mime", "included")} for a in atts]


# ---- reading -------------------------------------------------------------------------------
@dataclass
class StoredEvent:
    """An event as read back, with its latest revision applied and its retraction noted."""

    id: int
    row: dict[str, Any]
    attachments: list[dict[str, Any]] = field(default_factory=list)
    revised: bool = False
    retracted: bool = False
    retraction_reason: str | None = None

    def __getitem__(self, key: str) -> Any:
        return self.row[key]

    @property
    def utc(self) -> datetime:
        return datetime.fromisoformat(str(self.row["occurred_at"]).replace("Z", "+00:00"))

    def sender_identifier(self) -> Identifier | None:
        if self.row["sender_kind"] is None:
            return None
        return Identifier(self.row["sender_kind"], self.row["sender"])

    def peer_identifiers(self) -> tuple[Identifier, ...]:
        return tuple(Identifier(k, v) for k, v in json.loads(self.row["peers"]))

    def as_record(self) -> Record:
        """A Record view, so attribution uses one matcher for imported and stored events."""
        return Record(source_id=str(self.row["source_pos"] or self.id), kind=self.row["kind"],
                      category=self.row["category"], utc=self.utc, raw_time=self.row["raw_time"],
                      time_zone=self.row["time_zone"], time_basis=self.row["time_basis"],
                      direction=self.row["direction"], sender=self.sender_identifier(),
                      peers=self.peer_identifiers(), is_group=bool(self.row["is_group"]),
                      body=self.row["body"])


def iter_events(vault: Vault, *, include_retracted: bool = False) -> Iterator[StoredEvent]:
    conn = vault.conn
    revisions: dict[int, dict[str, Any]] = {}
    for event_id, fields in conn.execute("SELECT event_id, fields FROM revisions ORDER BY id"):
        revisions.setdefault(event_id, {}).update(json.loads(fields))
    retracted = dict(conn.execute("SELECT event_id, reason FROM retractions").fetchall())
    att: dict[int, list[dict[str, Any]]] = {}
    for r in conn.execute("SELECT event_id, sha256, size, name, mime, included, blob FROM attachments ORDER BY id"):
        att.setdefault(r[0], []).append({"sha256": r[1], "size": r[2], "name": r[3], "mime": r[4],
                                         "included": bool(r[5]), "blob": r[6]})
    cur = conn.execute("SELECT * FROM events ORDER BY occurred_us, id")
    cols = [d[0] for d in cur.description]
    for values in cur:
        row = dict(zip(cols, values, strict=True))
        eid = int(row["id"])
        if eid in retracted and not include_retracted:
            continue
        yield _stored(row, att.get(eid, []), eid in retracted, retracted.get(eid), revisions.get(eid))


def _stored(row: dict[str, Any], atts: list[dict[str, Any]], retracted: bool, reason: str | None,
            revised: dict[str, Any] | None) -> StoredEvent:
    ev = StoredEvent(int(row["id"]), row, atts, retracted=retracted, retraction_reason=reason)
    if revised is not None:
        ev.row = {**row, **revised}
        ev.revised = True
    return ev


def get_event(vault: Vault, event_id: int) -> StoredEvent:
    """One event as ``iter_events`` gives it, read by its id (not by reading every event)."""
    conn = vault.conn
    cur = conn.execute("SELECT * FROM events WHERE id = ?", (event_id,))
    values = cur.fetchone()
    if values is None:
        raise VaultError(f"there is no event {event_id} in this vault ('nocontact events' lists them)")
    row = dict(zip([d[0] for d in cur.description], values, strict=True))
    revised: dict[str, Any] | None = None
    for (fields,) in conn.execute("SELECT fields FROM revisions WHERE event_id = ? ORDER BY id", (event_id,)):
        revised = {**(revised or {}), **json.loads(fields)}
    retraction = conn.execute("SELECT reason FROM retractions WHERE event_id = ? ORDER BY id DESC LIMIT 1",
                              (event_id,)).fetchone()
    return _stored(row, attachments_of(conn, event_id), retraction is not None,
                   retraction[0] if retraction else None, revised)


# ---- the person's own entries -------------------------------------------------------------
def manual_row(*, occurred: datetime, raw_time: str, time_zone: str, channel: str, kind: str,
                category: str, body: str, direction: str = "incoming", **sibl: str | None) -> dict[str, Any]:
    return {
        "origin": "manual", "source_sha256": None, "source_display": None, "source_pos": None,
        "format": None, "kind": kind, "category": category, "channel": channel, "direction": direction,
        "occurred_at": format_utc(occurred), "occurred_us": int(occurred.timestamp() * 1_000_000),
        "raw_time": raw_time, "time_zone": time_zone, "time_basis": "entered by the person",
        "sender_kind": "party", "sender": "ex", "peers": [], "is_group": False, "conversation": None,
        "body": body, "subject": None, "duration_s": None, "call_type": None,
        "location": sibl.get("location"), "witnesses": sibl.get("witnesses"),
        "police_report": sibl.get("police_report"), "officer": sibl.get("officer"),
        "impact": sibl.get("impact"), "extra": {},
    }


def log_incident(vault: Vault, *, occurred: datetime, raw_time: str, time_zone: str, channel: str,
                 what: str, location: str | None = None, witnesses: str | None = None,
                 police_report: str | None = None, officer: str | None = None,
                 impact: str | None = None, attach: list[Path] | None = None) -> int:
    """Record an incident in the person's own words (SIBL fields), with files if given."""
    row = manual_row(occurred=occurred, raw_time=raw_time, time_zone=time_zone, channel=channel,
                      kind="incident", category="incident", body=what, location=location,
                      witnesses=witnesses, police_report=police_report, officer=officer, impact=impact)
    with vault.locked(), vault.transaction() as conn:
        atts = [_store_file(vault, p) for p in (attach or [])]
        eid, h = insert_event(conn, row, dedupe_key="manual:" + os.urandom(16).hex(), import_id=None,
                              attachments=atts)
        assert eid is not None
        vault.append_journal("manual_entry", {"event_id": eid, "content_hash": h,
                                              "attachments": [a["sha256"] for a in atts]})
    return eid


def _store_file(vault: Vault, path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise VaultError(f"{path}: no such file")
    with open(path, "rb") as f:
        info = vault.blobs.put_stream(f)
    import mimetypes

    mime, _ = mimetypes.guess_type(path.name)
    return {"blob": info.name, "sha256": info.sha256, "size": info.size, "name": path.name, "mime": mime,
            "included": True}


def add_attachment_file(vault: Vault, path: Path, *, note: str = "", event_id: int | None = None) -> int:
    """Store a screenshot, photo or PDF byte-for-byte as evidence (its own event)."""
    now = datetime.now(UTC)
    row = manual_row(occurred=now, raw_time=format_utc(now), time_zone="UTC", channel="other",
                      kind="attachment", category="attachment", body=note)
    row["sender_kind"] = None
    row["sender"] = None
    if event_id is not None:
        row["extra"] = {"attached_to_event": str(event_id)}
    with vault.locked(), vault.transaction() as conn:
        att = _store_file(vault, path)
        eid, h = insert_event(conn, row, dedupe_key="manual:" + os.urandom(16).hex(), import_id=None,
                              attachments=[att])
        assert eid is not None
        vault.append_journal("attachment", {"event_id": eid, "content_hash": h, "sha256": att["sha256"],
                                            "size": att["size"]})
    return eid


def revise(vault: Vault, event_id: int, fields: dict[str, str], reason: str) -> int:
    """Append a correction; the original row stays exactly as it was."""
    bad = [k for k in fields if k not in REVISABLE]
    if bad:
        raise VaultError(f"cannot correct {', '.join(bad)}; correctable: {', '.join(REVISABLE)}")
    if not fields:
        raise VaultError("nothing to correct: give at least one field")
    get_event(vault, event_id)
    with vault.transaction() as conn:
        cur = conn.execute("INSERT INTO revisions(event_id, fields, reason, recorded_at, journal_seq) "
                           "VALUES (?, ?, ?, ?, 0)",
                           (event_id, json.dumps(fields, ensure_ascii=False, sort_keys=True), reason, utc_now()))
        rid = int(cur.lastrowid)
        seq, _ = vault.append_journal("revision", {"revision_id": rid, "event_id": event_id, "fields": fields,
                                                    "reason": reason})
        conn.execute("UPDATE revisions SET journal_seq = ? WHERE id = ?", (seq, rid))
    return rid


def retract(vault: Vault, event_id: int, reason: str) -> int:
    """Append a retraction: the event stops counting, but stays in the vault and the journal."""
    if not reason.strip():
        raise VaultError("say why the event is retracted (--why)")
    ev = get_event(vault, event_id)
    if ev.retracted:
        raise VaultError(f"event {event_id} is already retracted")
    with vault.transaction() as conn:
        return _append_retraction(vault, conn, event_id, reason, utc_now())


def _append_retraction(vault: Vault, conn: Any, event_id: int, reason: str, now: str) -> int:
    """One retraction row and its journal entry, inside the caller's transaction; returns its id."""
    cur = conn.execute("INSERT INTO retractions(event_id, reason, recorded_at, journal_seq) VALUES (?, ?, ?, 0)",
                       (event_id, reason, now))
    rid = int(cur.lastrowid)
    seq, _ = vault.append_journal("retraction", {"retraction_id": rid, "event_id": event_id, "reason": reason})
    conn.execute("UPDATE retractions SET journal_seq = ? WHERE id = ?", (seq, rid))
    return rid


def retract_import(vault: Vault, import_id: int, reason: str) -> int:
    """Retract every event one import added that still counts, in one transaction (one
    ``retraction`` entry each, as ``retract`` writes). The way to undo an import read wrongly, for
    example in the wrong time zone, before importing the same file again correctly. Returns how
    many events were retracted."""
    if not reason.strip():
        raise VaultError("say why the events are retracted (--why)")
    conn = vault.conn
    if conn.execute("SELECT 1 FROM imports WHERE id = ?", (import_id,)).fetchone() is None:
        raise VaultError(f"there is no import {import_id} in this vault")
    ids = [int(r[0]) for r in conn.execute(
        "SELECT id FROM events WHERE import_id = ? AND id NOT IN (SELECT event_id FROM retractions) ORDER BY id",
        (import_id,))]
    with vault.transaction() as conn:
        now = utc_now()
        for event_id in ids:
            _append_retraction(vault, conn, event_id, reason, now)
    return len(ids)


# ---- case and boundary ---------------------------------------------------------------------
def save_case(vault: Vault, case: Case) -> None:
    text = case_to_json(case)
    with vault.transaction() as conn:
        cur = conn.execute("INSERT INTO case_versions(case_json, recorded_at, journal_seq) VALUES (?, ?, 0)",
                           (text, utc_now()))
        seq, _ = vault.append_journal("case", {"case_sha256": hashlib.sha256(text.encode()).hexdigest()})
        conn.execute("UPDATE case_versions SET journal_seq = ? WHERE id = ?", (seq, cur.lastrowid))


def current_case(vault: Vault) -> Case:
    row = vault.conn.execute("SELECT case_json FROM case_versions ORDER BY id DESC LIMIT 1").fetchone()
    return case_from_json(row[0]) if row else Case()


def set_boundary(vault: Vault, occurred: datetime, *, event_id: int | None = None, note: str = "") -> None:
    with vault.transaction() as conn:
        cur = conn.execute("INSERT INTO boundaries(occurred_at, event_id, note, recorded_at, journal_seq) "
                           "VALUES (?, ?, ?, ?, 0)", (format_utc(occurred), event_id, note, utc_now()))
        seq, _ = vault.append_journal("boundary", {"occurred_at": format_utc(occurred), "event_id": event_id})
        conn.execute("UPDATE boundaries SET journal_seq = ? WHERE id = ?", (seq, cur.lastrowid))


def current_boundary(vault: Vault) -> tuple[datetime, int | None] | None:
    row = vault.conn.execute("SELECT occurred_at, event_id FROM boundaries ORDER BY id DESC LIMIT 1").fetchone()
    if not row:
        return None
    return datetime.fromisoformat(row[0].replace("Z", "+00:00")), row[1]
