"""Building the app: routes from ``views/``, the guard in front of them, one error page.

The guard runs for every request: loopback Host only; the start token (once, then a session
cookie that is HttpOnly and SameSite=Strict); the same-origin check on writes; the idle lock;
locked vault -> unlock page; helper accounts kept to their pages; and the safety headers
(strict CSP, no-store) on every response, errors included.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from pathlib import Path

import anyio
import jinja2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from nocontact.vault.store import VaultBusy
from nocontact.web.pages import AppConfig, CsrfRefused, Refused, render
from nocontact.web.security import SECURITY_HEADERS, host_allowed, new_token, origin_allowed, token_matches
from nocontact.web.session import Sessions
from nocontact.web.views import all_routes

__all__ = ["COOKIE", "create_app"]

COOKIE = "nc_session"
_HERE = Path(__file__).parent
_PUBLIC = ("/static/", "/neutral")
_OPEN_WHEN_LOCKED = ("/unlock", "/lock")
_HELPER_PATHS = ("/helper", "/unlock", "/lock")
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _templates() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(_HERE / "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env


class _Guard(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await self._route(request, call_next)
        for k, v in SECURITY_HEADERS.items():
            response.headers[k] = v
        return response

    async def _route(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        cfg: AppConfig = request.app.state.nc
        host = request.headers.get("host", "")
        path = request.url.path
        if not host_allowed(host):
            return Response("This app answers only on this computer (127.0.0.1).", status_code=421,
                            media_type="text/plain")
        if path.startswith(_PUBLIC):
            return await call_next(request)
        s = cfg.sessions.get(request.cookies.get(COOKIE))
        token = request.query_params.get("token")
        if s is None:
            if token_matches(cfg.token, token):
                s = cfg.sessions.new()
                resp = RedirectResponse("/unlock", status_code=303)
                resp.set_cookie(COOKIE, s.id, httponly=True, samesite="strict", path="/")
                return resp
            if request.method == "POST" and path == "/lock":
                return RedirectResponse("/neutral", status_code=303)
            return render(request, "error.html", status=403, heading="This page needs its start link",
                          message="Open the link that nocontact printed when it started (it ends with a "
                                  "long token). Closing the terminal window stops the app.")
        request.state.session = s
        if request.method in _UNSAFE and not origin_allowed(request.headers, host):
            raise_csrf = CsrfRefused()
            return render(request, "csrf_error.html", status=403, message=str(raise_csrf))
        if token is not None:
            return RedirectResponse(path, status_code=303)
        with s.lock:
            cfg.sessions.touch(s)
        if not s.unlocked and not path.startswith(_OPEN_WHEN_LOCKED):
            if request.headers.get("hx-request"):
                return Response(status_code=204, headers={"HX-Redirect": "/unlock"})
            return RedirectResponse("/unlock", status_code=303)
        if s.helper is not None and not path.startswith(_HELPER_PATHS):
            if path == "/":
                return RedirectResponse("/helper", status_code=303)
            return render(request, "error.html", status=403, heading="Not open to helpers",
                          message="A helper account can see and label incoming contact on the Helper page "
                                  "only. The owner can do everything else.")
        return await call_next(request)


async def _busy(request: Request, exc: Exception) -> Response:
    """Another nocontact (an import from the command line) held the vault longer than a write waits."""
    return render(request, "error.html", status=503, heading="The vault is busy", message=str(exc))


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    if isinstance(exc, CsrfRefused):
        return render(request, "csrf_error.html", status=exc.status, message=str(exc))
    return render(request, "error.html", status=exc.status, heading="That did not work", message=str(exc))


async def _not_found(request: Request, exc: Exception) -> Response:
    return render(request, "error.html", status=404, heading="Nothing here",
                  message="There is no page at this address.")


def create_app(vault_root: Path, *, token: str | None = None, idle_seconds: float = 15 * 60,
               clock: Callable[[], float] = time.monotonic, fast_kdf: bool = False,
               today: Callable[[], date] | None = None, sweep_every: float = 30.0,
               derived_wait: float = 0.1) -> Starlette:
    """The app for one vault. ``token`` is made fresh when not given; tests pass ``clock``/``today``.

    ``derived_wait``: how long a page waits for figures being computed (``derived.py``) before
    it shows the previous ones, marked as updating.
    """
    sessions = Sessions(idle_seconds, clock)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with anyio.create_task_group() as tg:
            async def sweeper() -> None:
                while True:
                    await anyio.sleep(sweep_every)
                    sessions.sweep()

            tg.start_soon(sweeper)
            try:
                yield
            finally:
                tg.cancel_scope.cancel()
                sessions.close_all()

    app = Starlette(
        routes=[*all_routes(), Mount("/static", StaticFiles(directory=_HERE / "static"), name="static")],
        middleware=[Middleware(_Guard)],
        exception_handlers={Refused: _refused, VaultBusy: _busy, 404: _not_found},
        lifespan=lifespan,
    )
    app.state.nc = AppConfig(vault_root=vault_root, token=token or new_token(), sessions=sessions,
                             templates=_templates(), fast_kdf=fast_kdf,
                             today=today or (lambda: datetime.now(UTC).date()), derived_wait=derived_wait)
    return app
