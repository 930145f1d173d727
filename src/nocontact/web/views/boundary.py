"""Boundary: templates by channel, the checker with advice, and recording "I sent it".

"I sent it" stores the exact text as an outgoing manual event (kind ``boundary_message``,
category ``boundary``, the channel chosen, peers ``party:ex``) journaled as a ``manual_entry``,
then marks the boundary at that time pointing at that event (``set_boundary``).
"""

from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from nocontact.boundary import check_message, load_templates, render_template
from nocontact.vault.events import current_boundary, current_case, insert_event, manual_row, set_boundary
from nocontact.vault.store import Vault
from nocontact.web.pages import Refused, config_of, form, redirect, render, vault_of, writable_vault

__all__ = ["CHANNELS", "ROUTES", "record_boundary_sent"]

CHANNELS: tuple[tuple[str, str], ...] = (
    ("sms", "Text message"), ("whatsapp", "WhatsApp"), ("imessage", "iMessage"), ("telegram", "Telegram"),
    ("email", "Email"), ("messenger", "Messenger"), ("instagram", "Instagram"), ("letter", "Letter"),
    ("in_person", "In person, with a witness"), ("third_party", "Through a lawyer or advocate"),
    ("other", "Other"),
)


def record_boundary_sent(vault: Vault, *, occurred: datetime, raw_time: str, time_zone: str, channel: str,
                         text: str) -> int:
    """Store the message as sent and mark the boundary at its time; returns the event id."""
    row = manual_row(occurred=occurred, raw_time=raw_time, time_zone=time_zone, channel=channel,
                      kind="boundary_message", category="boundary", body=text, direction="outgoing")
    row["sender_kind"] = None
    row["sender"] = None
    row["peers"] = [["party", "ex"]]
    with vault.transaction() as conn:
        eid, h = insert_event(conn, row, dedupe_key="manual:" + os.urandom(16).hex(), import_id=None,
                              attachments=[])
        assert eid is not None
        vault.append_journal("manual_entry", {"event_id": eid, "content_hash": h, "attachments": []})
        set_boundary(vault, occurred, event_id=eid, note=f"no-contact message sent by {channel}")
    return eid


def _page(request: Request, *, text: str, channel: str, status: int = 200, error: str | None = None) -> Response:
    v = vault_of(request)
    case = current_case(v)
    today = config_of(request).today().isoformat()
    templates = [(t, render_template(t, ex_name=case.ex.name, my_name=case.user.name, date=today))
                 for t in load_templates()]
    b = current_boundary(v)
    return render(request, "boundary.html", status=status, templates=templates, text=text, channel=channel,
                  findings=check_message(text) if text else None, checked=bool(text), channels=CHANNELS,
                  boundary=b, error=error, zone=case.source_timezone or "UTC")


async def boundary_page(request: Request) -> Response:
    chosen = request.query_params.get("template", "")
    text = ""
    if chosen:
        case = current_case(vault_of(request))
        for t in load_templates():
            if t.channel == chosen:
                text = render_template(t, ex_name=case.ex.name, my_name=case.user.name,
                                       date=config_of(request).today().isoformat())
    return _page(request, text=text, channel=chosen or "sms")


async def check(request: Request) -> Response:
    f = await form(request)
    text = f.get("text", "")
    if request.headers.get("hx-request"):
        return render(request, "_findings.html", findings=check_message(text), checked=True, text=text)
    return _page(request, text=text, channel=f.get("channel", "sms"))


async def sent(request: Request) -> Response:
    f = await form(request)
    v = writable_vault(request)
    text = f.get("text", "").strip()
    channel = f.get("channel", "")
    if not text:
        return _page(request, text="", channel=channel, status=400,
                     error="Paste the exact text you sent, so the record shows what they were told.")
    if channel not in dict(CHANNELS):
        raise Refused("Choose how you sent it.")
    try:
        zone = ZoneInfo(f.get("zone") or "UTC")
        local = datetime.fromisoformat(f.get("when", ""))
    except (ZoneInfoNotFoundError, ValueError):
        return _page(request, text=text, channel=channel, status=400,
                     error="Give the date and time you sent it, and a time zone like Europe/London.")
    occurred = local.replace(tzinfo=zone) if local.tzinfo is None else local
    record_boundary_sent(v, occurred=occurred, raw_time=f.get("when", ""), time_zone=str(zone), channel=channel,
                         text=text)
    return redirect(request, "/boundary?recorded=1")


ROUTES = [
    Route("/boundary", boundary_page, methods=["GET"]),
    Route("/boundary/check", check, methods=["POST"]),
    Route("/boundary/sent", sent, methods=["POST"]),
]
