"""Support: the support circle, sharing an encrypted file with one of them, and helper accounts.

Also the helper's own page (``/helper``): incoming contact with labels, notes and flags. A
helper can never delete or change evidence; whether they see message text is the owner's choice.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from nocontact.eventlog import event_dicts, write_csv
from nocontact.sharefile import ShareError, encrypt_share
from nocontact.support import (
    ROLES,
    TRIAGE_LABELS,
    add_helper,
    add_supporter,
    add_triage,
    helpers,
    remove_supporter,
    revoke_helper,
    supporters,
    triage_notes,
)
from nocontact.vault.events import current_boundary, current_case, iter_events
from nocontact.vault.store import Vault, VaultError
from nocontact.web import figures
from nocontact.web.download import bytes_download
from nocontact.web.pages import (
    Refused,
    config_of,
    form,
    redirect,
    render,
    session_of,
    vault_of,
    writable_vault,
)
from nocontact.web.views.documentation import timeline_rows

__all__ = ["ROUTES", "share_payload"]

SHARE_WHAT = (("report", "The report (PDF)"), ("events", "The list of their contacts (CSV)"),
              ("bundle", "The evidence bundle (zip: originals, events, journal, report, checker)"))


def share_payload(vault: Vault, what: str) -> tuple[str, bytes]:
    """The file to share, built in memory: never written to disk unencrypted."""
    if what == "bundle":
        from nocontact.web.bundling import bundle_bytes
        from nocontact.web.views.legal import bundle_name

        name = bundle_name()
        return name, bundle_bytes(vault, name)
    if what == "report":
        from nocontact.report import report_pdf_bytes

        data, _ = report_pdf_bytes(vault)
        return "nocontact-report.pdf", data
    b = current_boundary(vault)
    buf = io.StringIO()
    write_csv(event_dicts(iter_events(vault), current_case(vault), b[0] if b else None, ex_only=True), buf)
    return "nocontact-events.csv", buf.getvalue().encode("utf-8")


def _page(request: Request, status: int = 200, error: str | None = None, done: str | None = None) -> Response:
    v = vault_of(request)
    return render(request, "support.html", status=status, people=supporters(v), roles=ROLES,
                  helpers=helpers(v), share_what=SHARE_WHAT, error=error, done=done)


async def support_page(request: Request) -> Response:
    done = {"added": "Added to your support circle.", "helper": "The helper account is ready. Tell them their "
            "passphrase by phone or in person.", "revoked": "That helper can no longer open the vault.",
            "removed": "Removed from your support circle."}.get(request.query_params.get("done", ""))
    return _page(request, done=done)


async def add_person(request: Request) -> Response:
    f = await form(request)
    v = writable_vault(request)
    try:
        add_supporter(v, f.get("name", ""), f.get("role", ""), f.get("reach", ""), f.get("note", ""))
    except VaultError as e:
        return _page(request, status=400, error=str(e))
    return redirect(request, "/support?done=added")


async def remove_person(request: Request) -> Response:
    await form(request)
    v = writable_vault(request)
    try:
        remove_supporter(v, int(request.path_params["person_id"]))
    except VaultError as e:
        raise Refused(str(e), 404) from None
    return redirect(request, "/support?done=removed")


async def share(request: Request) -> Response:
    f = await form(request)
    v = vault_of(request)
    if session_of(request).helper is not None:
        raise Refused("A helper account cannot share files.", 403)
    what = f.get("what", "events")
    if what not in dict(SHARE_WHAT):
        raise Refused("Choose what to share.")
    if f.get("passphrase", "") != f.get("passphrase2", ""):
        return _page(request, status=400, error="The two passphrases are not the same.")
    name, data = share_payload(v, what)
    try:
        sealed = encrypt_share(data, name, f.get("passphrase", ""), fast_kdf=config_of(request).fast_kdf)
    except ShareError as e:
        return _page(request, status=400, error=str(e))
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    return bytes_download(sealed, f"shared-{stamp}.ncshare")


async def new_helper(request: Request) -> Response:
    f = await form(request)
    v = writable_vault(request)
    if f.get("passphrase", "") != f.get("passphrase2", ""):
        return _page(request, status=400, error="The two passphrases are not the same.")
    if not f.get("understood"):
        return _page(request, status=400, error="Tick the box to confirm you have read what a helper can see.")
    try:
        add_helper(v, f.get("name", "").strip() or "helper", f.get("passphrase", ""),
                   can_read_text=bool(f.get("can_read_text")), fast_kdf=config_of(request).fast_kdf)
    except VaultError as e:
        return _page(request, status=400, error=str(e))
    return redirect(request, "/support?done=helper")


async def revoke(request: Request) -> Response:
    await form(request)
    v = writable_vault(request)
    revoke_helper(v, str(request.path_params["helper_id"]))
    return redirect(request, "/support?done=revoked")


# ---- the helper's page ---------------------------------------------------------------------
async def helper_page(request: Request) -> Response:
    v = vault_of(request)
    s = session_of(request)
    b = current_boundary(v)
    b_us = int(b[0].timestamp() * 1_000_000) if b else None
    rows = [r for r in timeline_rows(v.conn, {}, b_us, None, limit=100)
            if r["direction"] in figures.CONTACT_DIRECTIONS][:30]
    notes: dict[int, list[object]] = {}
    for t in triage_notes(v, limit=500):
        notes.setdefault(t.event_id, []).append(t)
    can_read = s.helper is None or s.helper.can_read_text
    for r in rows:
        r["flags"] = figures.flags_for(r, b[0] if b else None, set())
        if not can_read:
            r["body"] = None
    return render(request, "helper.html", rows=rows, labels=TRIAGE_LABELS, notes=notes, can_read=can_read)


async def triage(request: Request) -> Response:
    f = await form(request)
    v = vault_of(request)
    s = session_of(request)
    try:
        add_triage(v, int(f.get("event_id", "0") or 0), label=f.get("label", ""), note=f.get("note", ""),
                   flagged=bool(f.get("flagged")), by_role=s.role,
                   by_name=s.helper.name if s.helper else "owner")
    except (VaultError, ValueError) as e:
        raise Refused(str(e)) from None
    return redirect(request, "/helper?done=1")


ROUTES = [
    Route("/support", support_page, methods=["GET"]),
    Route("/support/people", add_person, methods=["POST"]),
    Route("/support/people/{person_id:int}/remove", remove_person, methods=["POST"]),
    Route("/support/share", share, methods=["POST"]),
    Route("/support/helpers", new_helper, methods=["POST"]),
    Route("/support/helpers/{helper_id}/revoke", revoke, methods=["POST"]),
    Route("/helper", helper_page, methods=["GET"]),
    Route("/helper/triage", triage, methods=["POST"]),
]
