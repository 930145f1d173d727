"""What every view needs: the app's settings, rendering with the safety context, forms with CSRF.

Views never build HTML by hand: templates autoescape everything, and no value from a message
is ever marked safe.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from nocontact.vault.blobs import BlobInfo
from nocontact.vault.store import Vault
from nocontact.web.derived import Figures
from nocontact.web.security import NEUTRAL_TITLE, token_matches
from nocontact.web.session import Session, Sessions
from nocontact.web.upload import StreamedForm, read_streamed_form

__all__ = [
    "NAV",
    "AppConfig",
    "CsrfRefused",
    "Refused",
    "figures_of",
    "form",
    "redirect",
    "render",
    "session_of",
    "streamed_form",
    "vault_of",
]

#: The pages in the order the navigation shows them: (path, label).
NAV: tuple[tuple[str, str], ...] = (
    ("/", "Home"), ("/boundary", "Boundary"), ("/documentation", "Documentation"), ("/support", "Support"),
    ("/legal", "Legal"), ("/selfcare", "Self-care"), ("/forward", "Moving forward"),
)


@dataclass
class AppConfig:
    vault_root: Path
    token: str
    sessions: Sessions
    templates: jinja2.Environment
    fast_kdf: bool = False
    today: Callable[[], Any] = field(default=lambda: None)
    #: How long a page waits for figures being computed before it shows the last ones (seconds).
    derived_wait: float = 0.1


class Refused(Exception):
    """A request the app will not carry out; shown with the one error page and this status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class CsrfRefused(Refused):
    def __init__(self) -> None:
        super().__init__("This form is out of date or did not come from this app, so nothing was done. "
                         "Go back, reload the page and try again.", 403)


def config_of(request: Request) -> AppConfig:
    cfg: AppConfig = request.app.state.nc
    return cfg


def session_of(request: Request) -> Session:
    s: Session = request.state.session
    return s


def vault_of(request: Request) -> Vault:
    v = session_of(request).vault
    if v is None:
        raise Refused("The vault is locked. Unlock it to continue.", 401)
    return v


def figures_of(request: Request) -> tuple[Figures | None, bool]:
    """The session's derived figures (``derived.py``) and whether they are current."""
    cfg = config_of(request)
    return session_of(request).derived.get(vault_of(request), cfg.today(), cfg.derived_wait)


def render(request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    cfg = config_of(request)
    s: Session | None = getattr(request.state, "session", None)
    base = {
        "title": NEUTRAL_TITLE,
        "nav": NAV,
        "path": request.url.path,
        "csrf": s.csrf if s else "",
        "unlocked": bool(s and s.unlocked),
        "role": s.role if s else "owner",
        "helper": s.helper if s else None,
        "working": s.working[0] if s and s.working else None,
    }
    base.update(ctx)
    html = cfg.templates.get_template(template).render(**base)
    return HTMLResponse(html, status_code=status)


def redirect(request: Request, url: str) -> Response:
    """A redirect that also works for htmx requests (which follow HX-Redirect, not 303)."""
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def _check_csrf(request: Request, supplied: str | None) -> None:
    s = session_of(request)
    header = request.headers.get("x-csrf-token")
    if not (token_matches(s.csrf, header) or token_matches(s.csrf, supplied)):
        raise CsrfRefused()


async def form(request: Request) -> dict[str, str]:
    """A small urlencoded or multipart form (no files), after the CSRF check."""
    data = await request.form()
    out = {k: v for k, v in data.items() if isinstance(v, str)}
    _check_csrf(request, out.get("csrf"))
    return out


async def streamed_form(request: Request, store: Callable[[BinaryIO], BlobInfo]) -> StreamedForm:
    """A form with files: each file is encrypted into the vault as it arrives, after the CSRF check."""
    def before_file(f: StreamedForm) -> None:
        _check_csrf(request, f.get("csrf") or None)

    f = await read_streamed_form(request, store, before_file)
    _check_csrf(request, f.get("csrf") or None)
    return f


def writable_vault(request: Request) -> Vault:
    """The vault, for a change; refused when the case is archived (read-only) or for a helper."""
    from nocontact.closure import is_archived

    v = vault_of(request)
    if session_of(request).helper is not None:
        raise Refused("A helper account cannot change this. Ask the owner.", 403)
    if is_archived(v):
        raise Refused("This case is archived, so it is read-only. Reopen it under Moving forward to make "
                      "changes.", 409)
    working = session_of(request).working
    if working:  # said at once: waiting for the writer lock would hold every page meanwhile
        raise Refused(f"nocontact is busy with {working[0]} in another tab or window. Nothing was changed: "
                      "try again when it has finished (its page shows when).", 409)
    return v
