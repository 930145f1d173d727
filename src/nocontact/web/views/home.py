"""Home: two counters, the trend of the last weeks, and what needs attention, in a calm tone.

The counters and the chart come from ``nocontact.analysis`` (via ``derived.py``): the same
definitions of "attempt" and "your own contact" as the report, so the two never disagree.
"""

from __future__ import annotations

from datetime import date, timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from nocontact.closure import is_archived
from nocontact.selfcare import checkins
from nocontact.support import triage_notes
from nocontact.vault.events import current_case
from nocontact.web.charts import bar_chart
from nocontact.web.derived import Figures
from nocontact.web.pages import config_of, figures_of, render, vault_of

__all__ = ["ROUTES"]


def _attention(request: Request, today: date, fig: Figures | None) -> list[tuple[str, str, str]]:
    """(what, why it matters, where to go) — only things the person can do something about."""
    v = vault_of(request)
    out: list[tuple[str, str, str]] = []
    case = current_case(v)
    if not case.ex.phones and not case.ex.emails and not case.ex.display_names():
        out.append(("Say who they are", "Without their numbers or names, imports cannot tell their messages "
                    "from everyone else's.", "/documentation/people"))
    if not case.source_timezone:
        out.append(("Say which time zone your phone uses", "WhatsApp and some other exports write times "
                    "without a zone: nocontact reads them in yours, and says so in the report.",
                    "/documentation/people"))
    if v.conn.execute("SELECT 1 FROM imports LIMIT 1").fetchone() is None:
        out.append(("Import your messages", "The exports from your phone and apps are the evidence. The "
                    "Documentation page has the steps for each app.", "/documentation#howto-exports"))
    if v.conn.execute("SELECT 1 FROM boundaries LIMIT 1").fetchone() is None:
        out.append(("Record your boundary message", "Once you have asked for no contact, every contact after "
                    "it counts. Record when and how you sent it.", "/boundary"))
    flagged = [t for t in triage_notes(v, limit=20) if t.flagged]
    if flagged:
        out.append((f"{len(flagged)} item(s) flagged by a helper", "Someone you trust marked these for you. "
                    "Read them when you feel ready.", "/documentation/timeline?flag=flagged"))
    recent = checkins(v, since=today - timedelta(days=7))
    if not recent:
        out.append(("A short check-in", "How you are doing matters too. It takes a minute.", "/selfcare"))
    days = fig.progress.days_since_last_attempt if fig else None
    if days is not None and days <= 2:
        out.append(("They made contact recently", "If you feel unsafe, talk to someone on your support page. "
                    "In danger, call your emergency number.", "/support"))
    return out


async def home(request: Request) -> Response:
    v = vault_of(request)
    today = config_of(request).today()
    fig, current = figures_of(request)
    chart = bar_chart([(w.strftime("%d %b"), n) for w, n in fig.weeks(today, 12)], what="contacts from them",
                      label_every=2) if fig else None
    return render(request, "home.html", fig=fig, current=current, chart=chart,
                  days_them=fig.progress.days_since_last_attempt if fig else None,
                  days_me=fig.progress.days_since_last_own_contact if fig else None,
                  attention=_attention(request, today, fig), archived=is_archived(v))


ROUTES = [Route("/", home, methods=["GET"])]
