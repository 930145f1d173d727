"""Legal: the report and the evidence bundle, jurisdiction notes with sources, order names.

Nothing here is legal advice, and the page says so first.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from nocontact.bundle.build import BundleOptions
from nocontact.eventlog import event_dicts, write_csv
from nocontact.vault.events import current_boundary, current_case, iter_events
from nocontact.vault.store import Vault
from nocontact.web.background import off_the_loop
from nocontact.web.bundling import bundle_bytes
from nocontact.web.download import bytes_download
from nocontact.web.pages import Refused, form, redirect, render, session_of, vault_of
from nocontact.web.resources import COUNTRIES, country_data, default_country

__all__ = ["ROUTES", "bundle_name"]


async def legal_page(request: Request) -> Response:
    v = vault_of(request)
    code = default_country(current_case(v).region, request.query_params.get("country"))
    return render(request, "legal.html", code=code, data=country_data(code),
                  countries=[(c, country_data(c)["name"]) for c in COUNTRIES])


async def report(request: Request) -> Response:
    await form(request)
    from nocontact.report import report_pdf_bytes

    v = vault_of(request)
    data, _ = await off_the_loop(v, report_pdf_bytes)  # seconds to a minute: the app keeps answering
    if session_of(request).vault is not v:  # locked meanwhile (quick exit): the report is not shown
        return redirect(request, "/unlock")
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="report.pdf"'})


def _events_csv_text(v: Vault) -> str:
    b = current_boundary(v)
    buf = io.StringIO()
    write_csv(event_dicts(iter_events(v), current_case(v), b[0] if b else None, ex_only=True), buf)
    return buf.getvalue()


async def events_csv(request: Request) -> Response:
    await form(request)
    v = vault_of(request)
    text = await off_the_loop(v, _events_csv_text)
    if session_of(request).vault is not v:  # locked meanwhile (quick exit): the list is not sent
        return redirect(request, "/unlock")
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="events.csv"'})


def bundle_name() -> str:
    return f"nocontact-bundle-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}.zip"


async def bundle(request: Request) -> Response:
    """The evidence bundle, built in memory (``bundling.py``) and sent as a file to save."""
    f = await form(request)
    v = vault_of(request)
    if session_of(request).helper is not None:
        raise Refused("A helper account cannot make an evidence bundle.", 403)
    name = bundle_name()
    opts = BundleOptions(include_report=f.get("include_report", "") == "1")
    data = await off_the_loop(v, lambda h: bundle_bytes(h, name, opts))
    if session_of(request).vault is not v:  # locked meanwhile (quick exit): the bundle is not sent
        return redirect(request, "/unlock")
    return bytes_download(data, name)


ROUTES = [
    Route("/legal", legal_page, methods=["GET"]),
    Route("/legal/report", report, methods=["POST"]),
    Route("/legal/events.csv", events_csv, methods=["POST"]),
    Route("/legal/bundle", bundle, methods=["POST"]),
]
