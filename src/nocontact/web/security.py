"""The app's safety rules as small functions: start token, CSRF checks, headers, allowed hosts.

CSRF is refused twice over: a write must come from this origin (``Origin`` and
``Sec-Fetch-Site`` when the browser sends them) and carry the session's own token.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping

__all__ = [
    "CSP",
    "NEUTRAL_TITLE",
    "SECURITY_HEADERS",
    "host_allowed",
    "new_token",
    "origin_allowed",
    "token_matches",
]

#: The tab title of every page: says nothing about what the app is for.
NEUTRAL_TITLE = "Notes"

# Referrer-Policy is same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null"
# on form posts, which the same-origin check must refuse. Nothing is sent to other sites.

#: No inline script or style, nothing from other origins, no framing, forms post only here.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-store, max-age=0",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}

_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})


def new_token() -> str:
    """A fresh random token (256 bits), different on every start."""
    return secrets.token_urlsafe(32)


def token_matches(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def host_allowed(host_header: str | None) -> bool:
    """Only loopback names: a page on another site cannot reach the app by DNS rebinding."""
    if not host_header:
        return False
    host = host_header.rsplit(":", 1)[0] if not host_header.endswith("]") else host_header
    return host.lower() in _LOCAL_HOSTS


def origin_allowed(headers: Mapping[str, str], host_header: str) -> bool:
    """A write is from this app's own pages: same-origin by Sec-Fetch-Site and Origin when present."""
    site = headers.get("sec-fetch-site")
    if site is not None and site != "same-origin":
        return False
    origin = headers.get("origin")
    if origin is None:
        return True
    return origin == f"http://{host_header}"
