"""Self-care: check-ins (mood, sleep, feeling safe, a note), a chart over time, a self-care log,
and hotlines for the person's country."""

from __future__ import annotations

from datetime import date, timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from nocontact.selfcare import add_selfcare, checkins, record_checkin, selfcare_log
from nocontact.vault.events import current_case
from nocontact.vault.store import VaultBusy, VaultError
from nocontact.web.charts import line_chart
from nocontact.web.pages import Refused, config_of, form, redirect, render, vault_of, writable_vault
from nocontact.web.resources import default_country

__all__ = ["ROUTES"]

SCALES = (("mood", "Mood"), ("sleep", "Sleep"), ("safe", "How safe you feel"))


async def selfcare_page(request: Request) -> Response:
    v = vault_of(request)
    today: date = config_of(request).today()
    items = checkins(v, since=today - timedelta(days=90))
    chart = line_chart([c.day.strftime("%d %b") for c in items],
                       {"Mood": [c.mood for c in items], "Sleep": [c.sleep for c in items],
                        "Feeling safe": [c.safe for c in items]})
    from nocontact.web.resources import country_data

    code = default_country(current_case(v).region, request.query_params.get("country"))
    return render(request, "selfcare.html", chart=chart, items=list(reversed(items))[:10], log=selfcare_log(v),
                  scales=SCALES, today=today.isoformat(), country=country_data(code),
                  done=request.query_params.get("done"))


async def checkin(request: Request) -> Response:
    f = await form(request)
    v = writable_vault(request)
    try:
        record_checkin(v, date.fromisoformat(f.get("day") or config_of(request).today().isoformat()),
                       mood=int(f.get("mood", "0") or 0), sleep=int(f.get("sleep", "0") or 0),
                       safe=int(f.get("safe", "0") or 0), note=f.get("note", ""))
    except VaultBusy:
        raise
    except (VaultError, ValueError):
        raise Refused("Choose a number from 1 to 5 for each question.") from None
    return redirect(request, "/selfcare?done=checkin")


async def log(request: Request) -> Response:
    f = await form(request)
    v = writable_vault(request)
    try:
        add_selfcare(v, date.fromisoformat(f.get("day") or config_of(request).today().isoformat()),
                     f.get("activity", ""), f.get("note", ""))
    except VaultBusy:
        raise
    except (VaultError, ValueError) as e:
        raise Refused(str(e)) from None
    return redirect(request, "/selfcare?done=log")


ROUTES = [
    Route("/selfcare", selfcare_page, methods=["GET"]),
    Route("/selfcare/checkin", checkin, methods=["POST"]),
    Route("/selfcare/log", log, methods=["POST"]),
]
