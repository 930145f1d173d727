"""Home: two counters, the trend of the last weeks, and what needs attention, in a calm tone."""

from __future__ import annotations

from datetime import date, timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from nocontact.closure import is_archived
from nocontact.selfcare import checkins
from nocontact.support import triage_notes
from nocontact.vault.events import current_boundary, current_case
from nocontact.web import figures
from nocontact.web.charts import bar_chart
from nocontact.web.pages import config_of, render, vault_of

__all__ = ["ROUTES"]


def _attention(request: Request, today: date, c: figures.Counters) -> list[tuple[str, str, str]]:
    """(what, why it matters, where to go) — only things the person can do something about."""
    v = vault_of(request)
    out: list[tuple[str, str, str]] = []
    case = current_case(v)
    if not case.ex.phones and not case.ex.emails and not case.ex.display_names():
        out.append(("Say who they are", "Without their numbers or names, imports cannot tell their messages "
                    "from everyone else's. Use 'nocontact case load' or 'nocontact party add'.", "/documentation"))
    if c.boundary is None:
        out.append(("Record your boundary message", "Once you have asked for no contact, every contact after "
                    "it counts. Record when and how you sent it.", "/boundary"))
    flagged = [t for t in triage_notes(v, limit=20) if t.flagged]
    if flagged:
        out.append((f"{len(flagged)} item(s) flagged by a helper", "Someone you trust marked these for you. "
                    "Read them when you feel ready.", "/documentation/timeline?flag=flagged"))
    recent = checkins(v, since=today - timedelta(days=7))
    if not recent:
        out.append(("A short check-in", "How you are doing matters too. It takes a minute.", "/selfcare"))
    if c.last_from_them and (today - c.last_from_them.date()).days <= 2:
        out.append(("They made contact recently", "If you feel unsafe, talk to someone on your support page. "
                    "In danger, call your emergency number.", "/support"))
    return out


async def home(request: Request) -> Response:
    v = vault_of(request)
    today = config_of(request).today()
    b = current_boundary(v)
    c = figures.counters(v.conn, b[0] if b else None)
    weeks = figures.weekly_counts(v.conn, today, 12)
    chart = bar_chart([(w.strftime("%d %b"), n) for w, n in weeks], what="contacts from them",
                      label_every=2)
    return render(request, "home.html", c=c, days_them=c.days_since_them(today), days_me=c.days_since_me(today),
                  chart=chart, attention=_attention(request, today, c), archived=is_archived(v))


ROUTES = [Route("/", home, methods=["GET"])]
