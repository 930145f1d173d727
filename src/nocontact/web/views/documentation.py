"""Documentation: import exports by upload, log an incident, the timeline, one event at a time.

Uploads are encrypted into the vault as they arrive (``upload.py``) and imported from the stored
blob (``blobsource.py``). Shielded reading is on by default: the timeline shows when, channel,
direction, flags, source and hash, never message text; text shows for one event when asked.
"""

from __future__ import annotations

import json
import os
from bisect import bisect_left
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlcipher3
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from nocontact.analysis import FLAGS
from nocontact.blobsource import Spooler, discard_unreferenced, plan_uploads
from nocontact.importers.base import ImportContext
from nocontact.ingest import Planned, Skipped, context_for_vault, import_planned
from nocontact.summary_rows import export_caps, not_theirs, skipped_rows, summary_rows, unsaved_numbers
from nocontact.support import triage_notes
from nocontact.vault.events import (
    attachments_of,
    current_boundary,
    current_case,
    get_event,
    insert_event,
    manual_row,
)
from nocontact.vault.importing import ImportFailed, ImportSummary, NeedsDateOrder
from nocontact.vault.store import Vault, VaultError
from nocontact.web import figures
from nocontact.web.background import off_the_loop
from nocontact.web.download import blob_download, display_name
from nocontact.web.pages import (
    Refused,
    figures_of,
    redirect,
    render,
    session_of,
    streamed_form,
    vault_of,
    writable_vault,
)

__all__ = ["FLAG_CHOICES", "INCIDENT_CHANNELS", "ROUTES", "timeline_rows"]

INCIDENT_CHANNELS: tuple[tuple[str, str], ...] = (
    ("in_person", "In person (turned up, followed, waited)"), ("call", "Phone call"), ("sms", "Text message"),
    ("email", "Email"), ("social", "Social media"), ("third_party", "Through other people"),
    ("gift", "Gift, letter or parcel"), ("other", "Other"),
)
PAGE = 50
#: The timeline's flag filter: (value, label). Text flags come from ``nocontact.analysis``.
FLAG_CHOICES: tuple[tuple[str, str], ...] = (
    ("after_boundary", "After your boundary"),
    *((f, figures.TEXT_FLAG_WORDS[f].capitalize()) for f in FLAGS),
    ("attachment", "Has an attachment"), ("flagged", "Flagged by a helper"), ("manual", "Logged by you"),
)


async def documentation(request: Request) -> Response:
    v = vault_of(request)
    imports = v.conn.execute("SELECT display, format, imported_at, inserted, already_in_vault FROM imports "
                             "ORDER BY id DESC LIMIT 10").fetchall()
    case = current_case(v)
    return render(request, "documentation.html", imports=imports, channels=INCIDENT_CHANNELS,
                  zone=case.source_timezone or "UTC", results=None, skipped=None, error=None,
                  recorded=request.query_params.get("recorded"), ask_order=None)


async def upload(request: Request) -> Response:
    v = writable_vault(request)
    f = await streamed_form(request, v.blobs.put_stream)
    if not f.files:
        raise Refused("Choose an export file to import.")
    order = f.get("date_order").upper()
    ctx = context_for_vault(v, date_order=order if order in ("DMY", "MDY") else None)
    uploads = [(up.info.name, up.filename, up.info.size) for up in f.files]
    s = session_of(request)

    def report(line: str) -> None:
        s.progress = line

    outcome = await off_the_loop(v, lambda h: _import_uploads(h, uploads, ctx, report), s, "an import")
    if s.vault is not v:  # locked (quick exit, idle) while the import ran: it finished all the same
        return redirect(request, "/unlock")
    results, skipped, error, ask_order = outcome
    imports = v.conn.execute("SELECT display, format, imported_at, inserted, already_in_vault FROM imports "
                             "ORDER BY id DESC LIMIT 10").fetchall()
    return render(request, "documentation.html", status=200 if results or not error else 422, imports=imports,
                  channels=INCIDENT_CHANNELS, zone=current_case(v).source_timezone or "UTC", results=results,
                  result_rows=summary_rows(results), not_theirs=not_theirs(results), caps=export_caps(results),
                  unsaved=unsaved_numbers(results),
                  skipped=skipped,
                  skip_rows=skipped_rows(skipped),
                  error=error, recorded=None,
                  ask_order=ask_order)


def _import_uploads(v: Vault, uploads: list[tuple[str, str, int]], ctx: ImportContext,
                    report: Callable[[str], None] = lambda line: None,
                    ) -> tuple[list[ImportSummary], list[Skipped], str | None, dict[str, str] | None]:
    """Import files uploaded together (on a worker thread, ``off_the_loop``): what was imported,
    what was skipped and why, the error to show, and the readings of a chat whose dates read
    both ways (to ask how the phone writes dates). ``report`` hears how far it has got, in words,
    for the page that waits (``import_progress``)."""
    results: list[ImportSummary] = []
    skipped: list[Skipped] = []
    error: str | None = None
    ask_order: dict[str, str] | None = None
    # Files chosen together are read together: the parts of a split download find each other's photos.
    # A zip inside one is read from an encrypted copy; the uploads and copies not kept as originals
    # (a Takeout zip, say, whose exports are stored one by one) are removed afterwards.
    spool = Spooler(v)
    try:
        for item in plan_uploads(v.blobs, uploads, spool):
            if not isinstance(item, Planned):
                skipped.append(item)
                continue
            name = item.source.display
            report(f"Reading {name}")

            def tick(_done: int, _total: int, records: int, name: str = name) -> None:
                report(f"Reading {name}: {records:,} messages and calls so far")

            try:
                results.append(import_planned(v, item, ctx, progress=tick))
            except NeedsDateOrder as e:
                error = _date_order_question(name, e.readings) or str(e)
                ask_order = dict(e.readings) or {"DMY": "", "MDY": ""}
            except (ImportFailed, VaultError) as e:
                error = str(e)
            except (OSError, sqlcipher3.Error) as e:  # the disk or the vault, not the file
                error = (f"{name}: nocontact could not write it into the vault "
                         f"({getattr(e, 'strerror', None) or e}). Nothing from it was added. If the "
                         "disk is full, free some space and try again.")
    finally:
        spool.discard()
        discard_unreferenced(v, [blob for blob, _name, _size in uploads])
    return results, skipped, error, ask_order


def _date_order_question(filename: str, readings: tuple[tuple[str, str], ...]) -> str | None:
    """The question to put when a chat's dates read both ways, about its first date."""
    if len(readings) != 2:
        return None
    (_, day_first), (_, month_first) = readings
    return (f"{filename}: the dates in this chat can be read two ways, and nothing in the file says which "
            f"your phone uses. The chat starts on {day_first} if your phone writes the day first, or on "
            f"{month_first} if it writes the month first. Choose below how your phone writes dates and import "
            "the file again. Nothing from it was added yet.")


async def incident(request: Request) -> Response:
    v = writable_vault(request)
    f = await streamed_form(request, v.blobs.put_stream)
    what = f.get("what").strip()
    if not what:
        raise Refused("Describe what happened, in your own words.")
    channel = f.get("channel")
    if channel not in dict(INCIDENT_CHANNELS):
        raise Refused("Choose how the contact happened.")
    try:
        zone = ZoneInfo(f.get("zone") or "UTC")
        local = datetime.fromisoformat(f.get("when"))
    except (ZoneInfoNotFoundError, ValueError):
        raise Refused("Give the date and time it happened, and a time zone like Europe/London.") from None
    occurred = local.replace(tzinfo=zone) if local.tzinfo is None else local
    fear = f.get("fear")
    impact = f.get("impact").strip()
    if fear:
        impact = (impact + "\n" if impact else "") + f"Level of fear (1 none - 5 extreme): {fear}"
    row = manual_row(occurred=occurred, raw_time=f.get("when"), time_zone=str(zone), channel=channel,
                      kind="incident", category="incident", body=what, location=f.get("location") or None,
                      witnesses=f.get("witnesses") or None, police_report=f.get("police_report") or None,
                      officer=f.get("officer") or None, impact=impact or None)
    if f.get("badge"):
        row["extra"] = {"badge": f.get("badge")}
    atts = [{"blob": u.info.name, "sha256": u.info.sha256, "size": u.info.size, "name": u.filename,
             "mime": u.mime, "included": True} for u in f.files]
    with v.transaction() as conn:
        eid, h = insert_event(conn, row, dedupe_key="manual:" + os.urandom(16).hex(), import_id=None,
                              attachments=atts)
        assert eid is not None
        v.append_journal("manual_entry", {"event_id": eid, "content_hash": h,
                                          "attachments": [a["sha256"] for a in atts]})
    return redirect(request, f"/documentation/event/{eid}?show=1")  # their own words: shown


def _filters(request: Request) -> dict[str, str]:
    q = request.query_params
    return {k: q.get(k, "") for k in ("channel", "flag", "start", "end", "direction")}


def _us(d: str, end: bool = False) -> int | None:
    try:
        day = date.fromisoformat(d)
    except ValueError:
        return None
    t = datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1_000_000
    return int(t) + (86_400_000_000 if end else 0)


def timeline_rows(conn: Any, flt: dict[str, str], boundary_us: int | None, before: tuple[int, int] | None,
                  limit: int = PAGE, flag_ids: tuple[int, ...] | None = None,
                  flag_times: tuple[int, ...] | None = None) -> list[dict[str, Any]]:
    """One page of events, newest first, filtered; flags are computed for the page only.

    A text flag (``threat`` and the other ``nocontact.analysis`` flags) filters by ``flag_ids``,
    the events the session's flag index (``derived.py``) found; scanning message text in SQL
    would read every message on every page. Given their times too (``flag_times``, in the
    timeline's order), only the flagged ids just older than the page's start are handed to SQL,
    a few hundred at a time, instead of every flagged id on every page.
    """
    if flt.get("flag") in FLAGS and flag_ids and flag_times is not None and len(flag_times) == len(flag_ids):
        return _flagged_page(conn, flt, boundary_us, before, limit, flag_ids, flag_times)
    where = ["e.id NOT IN (SELECT event_id FROM retractions)"]
    args: list[Any] = []
    if flt.get("channel"):
        where.append("e.channel = ?")
        args.append(flt["channel"])
    if flt.get("direction"):
        where.append("e.direction = ?")
        args.append(flt["direction"])
    s, e = _us(flt.get("start", "")), _us(flt.get("end", ""), end=True)
    if s is not None:
        where.append("e.occurred_us >= ?")
        args.append(s)
    if e is not None:
        where.append("e.occurred_us < ?")
        args.append(e)
    flag = flt.get("flag")
    if flag == "after_boundary" and boundary_us is not None:
        where.append(f"e.occurred_us > ? AND e.direction IN {figures.sql_in(figures.CONTACT_DIRECTIONS)}")
        args.append(boundary_us)
    elif flag in FLAGS:
        where.append("e.id IN (SELECT value FROM json_each(?))")
        args.append(json.dumps(list(flag_ids or ())))
    elif flag == "attachment":
        where.append("EXISTS (SELECT 1 FROM attachments a WHERE a.event_id = e.id)")
    elif flag == "flagged":
        where.append("EXISTS (SELECT 1 FROM triage t WHERE t.event_id = e.id AND t.flagged = 1)")
    elif flag == "manual":
        where.append("e.origin = 'manual'")
    if before is not None:
        where.append("(e.occurred_us < ? OR (e.occurred_us = ? AND e.id < ?))")
        args.extend([before[0], before[0], before[1]])
    sql = ("SELECT e.id, e.occurred_at, e.occurred_us, e.channel, e.direction, e.kind, e.category, e.origin, "  # noqa: S608
           "e.source_display, e.source_pos, e.content_hash, e.subject, e.body, "
           "(SELECT count(*) FROM attachments a WHERE a.event_id = e.id) AS n_attachments FROM events e WHERE "
           + " AND ".join(where) + " ORDER BY e.occurred_us DESC, e.id DESC LIMIT ?")
    cur = conn.execute(sql, (*args, limit))
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    _apply_revisions(conn, rows)
    return rows


def _flagged_page(conn: Any, flt: dict[str, str], boundary_us: int | None, before: tuple[int, int] | None,
                  limit: int, ids: tuple[int, ...], times: tuple[int, ...]) -> list[dict[str, Any]]:
    """``timeline_rows`` for a text flag: walks the flagged ids back from the page's start in
    windows, each queried with the other filters, until the page is full."""
    end = len(ids) if before is None else bisect_left(range(len(ids)), before, key=lambda i: (times[i], ids[i]))
    rows: list[dict[str, Any]] = []
    window = max(4 * limit, 200)
    while end > 0 and len(rows) < limit:
        start = max(0, end - window)
        rows += timeline_rows(conn, flt, boundary_us, before, limit - len(rows), flag_ids=ids[start:end])
        end = start
        window *= 2  # the other filters rule out many: look further back, faster
    return rows


def _apply_revisions(conn: Any, rows: list[dict[str, Any]]) -> None:
    """Corrected text replaces the original on the page (flags follow the correction)."""
    ids = [r["id"] for r in rows]
    if not ids:
        return
    by: dict[int, dict[str, Any]] = {}
    for eid, fields in conn.execute("SELECT event_id, fields FROM revisions WHERE event_id IN "
                                    "(SELECT value FROM json_each(?)) ORDER BY id", (json.dumps(ids),)):
        by.setdefault(int(eid), {}).update(json.loads(fields))
    for r in rows:
        for k in ("subject", "body"):
            if k in by.get(r["id"], {}):
                r[k] = by[r["id"]][k]


async def timeline(request: Request) -> Response:
    v = vault_of(request)
    flt = _filters(request)
    b = current_boundary(v)
    b_us = int(b[0].timestamp() * 1_000_000) if b else None
    before = None
    if request.query_params.get("before"):
        try:
            a, c = request.query_params["before"].split(":")
            before = (int(a), int(c))
        except ValueError:
            raise Refused("That page link is damaged; start from the first page.") from None
    fig, current = None, True
    flag_ids: tuple[int, ...] | None = None
    flag_times: tuple[int, ...] | None = None
    if flt["flag"] in FLAGS:
        fig, current = figures_of(request)
        flag_ids = fig.flag_ids.get(flt["flag"], ()) if fig else None
        flag_times = fig.flag_times.get(flt["flag"], ()) if fig else None
    rows = [] if flt["flag"] in FLAGS and fig is None else timeline_rows(v.conn, flt, b_us, before,
                                                                         flag_ids=flag_ids, flag_times=flag_times)
    flagged = {t.event_id for t in triage_notes(v, limit=500) if t.flagged}
    for r in rows:
        r["flags"] = figures.flags_for(r, b[0] if b else None, flagged)
        r.pop("body")
        r.pop("subject")
    channels = [r[0] for r in v.conn.execute("SELECT DISTINCT channel FROM events ORDER BY 1")]
    nxt = f"{rows[-1]['occurred_us']}:{rows[-1]['id']}" if len(rows) == PAGE else None
    return render(request, "timeline.html", rows=rows, flt=flt, channels=channels, next_before=nxt,
                  query={k: v for k, v in flt.items() if v}, flag_choices=FLAG_CHOICES,
                  indexing=flt["flag"] in FLAGS and (fig is None or not current), fig=fig, current=current)


async def event(request: Request) -> Response:
    v = vault_of(request)
    s = session_of(request)
    eid = int(request.path_params["event_id"])
    try:
        ev = get_event(v, eid)
    except VaultError:
        raise Refused(f"There is no event {eid}.", 404) from None
    show = request.query_params.get("show") == "1"
    if s.helper is not None and not s.helper.can_read_text:
        show = False
    b = current_boundary(v)
    flagged = {t.event_id for t in triage_notes(v, eid)}
    row = dict(ev.row)
    row["n_attachments"] = len(ev.attachments)
    flags = figures.flags_for(row, b[0] if b else None, flagged)
    extra = json.loads(row["extra"]) if isinstance(row["extra"], str) else row["extra"]
    attachments = [(i, display_name(a.get("name"), i)) for i, a in enumerate(ev.attachments)]
    return render(request, "event.html", ev=ev, row=row, show=show, flags=flags, notes=triage_notes(v, eid),
                  extra=extra, attachments=attachments)


async def attachment(request: Request) -> Response:
    """One attachment's bytes, decrypted as they are sent; never shown inline (see ``download.py``)."""
    v = vault_of(request)
    eid = int(request.path_params["event_id"])
    index = int(request.path_params["index"])
    atts = attachments_of(v.conn, eid)
    if not 0 <= index < len(atts):
        raise Refused("There is no such attachment.", 404)
    a = atts[index]
    if not a.get("blob"):
        raise Refused("This attachment was not included in the export, so the vault does not hold it.", 404)
    return blob_download(v, str(a["blob"]), display_name(a.get("name"), index))


async def import_progress(request: Request) -> Response:
    """How far this session's import has got, for its page to show while it waits (app.js)."""
    s = session_of(request)
    return JSONResponse({"working": bool(s.working), "progress": s.progress})


ROUTES = [
    Route("/documentation", documentation, methods=["GET"]),
    Route("/documentation/import", upload, methods=["POST"]),
    Route("/documentation/import/progress", import_progress, methods=["GET"]),
    Route("/documentation/incident", incident, methods=["POST"]),
    Route("/documentation/timeline", timeline, methods=["GET"]),
    Route("/documentation/event/{event_id:int}", event, methods=["GET"]),
    Route("/documentation/event/{event_id:int}/attachment/{index:int}", attachment, methods=["GET"]),
]
