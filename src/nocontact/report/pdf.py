"""HTML to PDF with WeasyPrint, fetching nothing.

The fetcher serves exactly the data: URIs the report embedded itself (the charts) and refuses
every other address (http, https, file, ftp and any other data: URI), so a message that smuggles
``<img src=http://...>`` or ``@import`` into the page, were it ever unescaped, still reaches
nothing. ``base_url`` is unset, so relative addresses resolve to nothing as well.
"""

from __future__ import annotations

import base64
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

__all__ = ["FetchRefused", "RefusingFetcher", "RenderedPdf", "render_pdf"]


class FetchRefused(ValueError):
    """Raised for any address the report did not embed itself."""


def _decode_data_uri(url: str) -> tuple[str, bytes]:
    head, _, payload = url.partition(",")
    meta = head[len("data:"):]
    parts = meta.split(";")
    mime = parts[0] or "text/plain"
    if "base64" in parts[1:]:
        return mime, base64.b64decode(payload)
    return mime, urllib.parse.unquote_to_bytes(payload)


class RefusingFetcher(URLFetcher):  # type: ignore[misc]
    """Serves only the listed data: URIs; records what it served and what it refused."""

    def __init__(self, allowed: Iterable[str]) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False, fail_on_errors=False)
        self.allowed = frozenset(u for u in allowed if u.startswith("data:"))
        self.served: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url not in self.allowed:
            self.refused.append(url)
            raise FetchRefused(f"a nocontact report loads nothing from outside itself: {url[:60]!r}")
        mime, data = _decode_data_uri(url)
        self.served.append(url)
        return URLFetcherResponse(url, data, {"Content-Type": mime})


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int
    fetcher: RefusingFetcher


def render_pdf(html: str, allowed: Iterable[str], *, fetcher: RefusingFetcher | None = None) -> RenderedPdf:
    """Lay out ``html`` and write the PDF; ``allowed`` are the data: URIs the report embedded."""
    fetcher = fetcher or RefusingFetcher(allowed)
    doc = HTML(string=html, base_url=None, url_fetcher=fetcher).render()
    data = doc.write_pdf()
    return RenderedPdf(bytes(data), len(doc.pages), fetcher)
