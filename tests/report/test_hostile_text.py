"""Hostile message text: it renders as text, changes nothing else, and makes the PDF engine fetch nothing.

The corpus mixes the payloads the issue names (HTML, CSS, JavaScript, file:// and http URLs,
<img>, <link>, @import, a huge unbroken line) with a naughty-strings set written for this test.
"""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from nocontact.report.charts import render_charts
from nocontact.report.html import render_html
from nocontact.report.model import visible
from nocontact.report.pdf import RefusingFetcher, render_pdf
from tests.report.rows import model_for, rows_with_bodies

PAYLOADS = [
    "<script>alert('x')</script>",
    "<img src=http://127.0.0.1:9/track.png>",
    '<img src="file:///etc/passwd">',
    '<link rel="stylesheet" href="http://127.0.0.1:9/evil.css">',
    "<style>@import url(http://127.0.0.1:9/a.css); body{display:none}</style>",
    "@import url('file:///etc/shadow');",
    "</td></tr></table><h1>Forged heading</h1>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "file:///home/robin/.ssh/id_ed25519",
    "<svg onload=alert(1)><image href=\"http://127.0.0.1:9/x.svg\"/></svg>",
    "<object data=http://127.0.0.1:9/x></object>",
    "{{ 7*7 }} {% raw %} ${7*7} #{7*7}",
    "<!-- comment --> ]]> <![CDATA[ x ]]>",
    "background: url(http://127.0.0.1:9/bg.png)",
]

#: Naughty strings, public-list style, written for this project.
NAUGHTY = [
    "undefined", "null", "NaN", "-1e308", "0x41414141", "' OR '1'='1", "\"; DROP TABLE events; --",
    "=HYPERLINK(\"http://127.0.0.1:9\")", "+1+1", "@SUM(1)", "\\u0000 \\x00", "%s%s%n", "../../../../etc/passwd",
    "Robin &amp; Casey &lt;3", "&#60;script&#62;", "Zoë Núñez Ωμέγα Юлия", "مرحبا بك", "שלום עליכם",
    "I ❤ you", "Ⓒ™®", "٠١٢٣", "ゼロ one", "\u202eevil\u202c reversed", "line1\r\nline2\rline3",
    "tab\there", "   leading and trailing   ", "a" * 40 + " " + "b" * 40,
]

HUGE = "A" * 20000


def _pdf(bodies: list[str]) -> tuple[bytes, int, RefusingFetcher, str]:
    m = model_for(rows_with_bodies(bodies), text="full")
    charts = render_charts(m)
    html = render_html(m, charts)
    out = render_pdf(html, charts.values())
    return out.data, out.pages, out.fetcher, html


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


@pytest.fixture(scope="module")
def hostile() -> tuple[bytes, int, RefusingFetcher, str]:
    return _pdf(PAYLOADS + NAUGHTY)


def test_no_payload_makes_the_engine_fetch_anything(hostile: tuple[bytes, int, RefusingFetcher, str]) -> None:
    """The fetcher is asked for nothing but the report's own chart data: URIs."""
    _, _, fetcher, _ = hostile
    assert fetcher.refused == []
    assert all(u.startswith("data:image/svg+xml") for u in fetcher.served)


@pytest.mark.parametrize("payload", PAYLOADS + NAUGHTY)
def test_each_payload_appears_literally_in_the_pdf_text(hostile: tuple[bytes, int, RefusingFetcher, str],
                                                       payload: str) -> None:
    """The PDF's text holds the payload as written (whitespace aside; undrawable characters as code points)."""
    data, _, _, _ = hostile
    text = _squash("".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages))
    want = _squash(visible(payload))
    assert want in text


def test_payloads_change_nothing_else(hostile: tuple[bytes, int, RefusingFetcher, str]) -> None:
    """The document keeps its sections, gains no element from the payloads, and the page count stays sane."""
    _, pages, _, html = hostile
    assert 5 <= pages <= 40
    for tag in ("<script", "<iframe", "<object", "<link", "<svg", "<h1>Forged"):
        assert tag not in html.lower() or tag == "<svg" and "<svg onload" not in html
    assert html.count("<section") == 8
    plain = _pdf(["plain text"])[1]
    assert pages - plain < 10


def test_a_huge_unbroken_line_wraps_inside_the_page() -> None:
    """A 20,000-character line without spaces is printed whole, wrapped, without a fetch or runaway pages."""
    data, pages, fetcher, _ = _pdf([HUGE])
    assert fetcher.refused == []
    assert pages < 40
    text = _squash("".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages))
    assert HUGE in text


def test_the_fetcher_refuses_what_raw_html_asks_for() -> None:
    """Given HTML that really references http, file and foreign data: URIs, every one is refused."""
    html = ('<html><head><link rel=stylesheet href="http://127.0.0.1:9/a.css">'
            '<style>@import url("file:///etc/passwd");</style></head><body>'
            '<img src="http://127.0.0.1:9/x.png"><img src="data:image/png;base64,AAAA">x</body></html>')
    out = render_pdf(html, [])
    assert len(out.fetcher.refused) == 4 and out.fetcher.served == []
    text = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(out.data)).pages)
    assert "root:" not in text
