"""Moving forward: progress over time, archive the case (read-only), secure destroy.

The monthly chart counts attempts as ``nocontact.analysis`` does, from the session's figures
(``derived.py``): computed once per change in the background, not on every visit.

Each of the last two needs a typed confirmation; destroy also needs the passphrase again.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from nocontact.closure import archive_case, destroy_vault, is_archived, reopen_case
from nocontact.selfcare import checkins
from nocontact.vault.store import Vault, VaultError
from nocontact.web.charts import bar_chart
from nocontact.web.pages import (
    Refused,
    config_of,
    figures_of,
    form,
    redirect,
    render,
    session_of,
    vault_of,
    writable_vault,
)

__all__ = ["ROUTES"]


async def forward_page(request: Request, status: int = 200, error: str | None = None) -> Response:
    v = vault_of(request)
    fig, current = figures_of(request)
    months = fig.months()[-24:] if fig else []
    chart = bar_chart(months, what="contacts from them", label_every=max(1, len(months) // 8)) if fig else None
    cs = checkins(v)
    by_month: dict[str, list[int]] = {}
    for c in cs:
        by_month.setdefault(c.day.strftime("%Y-%m"), []).append(c.safe)
    safety = [(m, round(sum(x) / len(x), 1)) for m, x in sorted(by_month.items())][-12:]
    return render(request, "forward.html", status=status, chart=chart, safety=safety, archived=is_archived(v),
                  error=error, fig=fig, current=current)


async def archive(request: Request) -> Response:
    f = await form(request)
    v = writable_vault(request)
    if f.get("confirm", "").strip().upper() != "ARCHIVE":
        return await forward_page(request, 400, "Type ARCHIVE in the box to confirm.")
    archive_case(v, f.get("note", ""))
    return redirect(request, "/forward")


async def reopen(request: Request) -> Response:
    await form(request)
    v = vault_of(request)
    if session_of(request).helper is not None:
        raise Refused("A helper account cannot change this.", 403)
    reopen_case(v)
    return redirect(request, "/forward")


async def destroy(request: Request) -> Response:
    f = await form(request)
    s = session_of(request)
    vault_of(request)
    if s.helper is not None:
        raise Refused("A helper account cannot change this.", 403)
    if f.get("confirm", "").strip().upper() != "DESTROY":
        return await forward_page(request, 400, "Type DESTROY in the box to confirm.")
    root = config_of(request).vault_root
    try:
        Vault.open(root, f.get("passphrase", "")).close()
    except VaultError:
        return await forward_page(request, 400, "That passphrase is not the vault's. Nothing was destroyed.")
    s.close_vault()
    destroy_vault(root)
    return redirect(request, "/neutral")


ROUTES = [
    Route("/forward", forward_page, methods=["GET"]),
    Route("/forward/archive", archive, methods=["POST"]),
    Route("/forward/reopen", reopen, methods=["POST"]),
    Route("/forward/destroy", destroy, methods=["POST"]),
]
