"""The HTML report: escaped text, links that resolve, a page that loads nothing."""

from __future__ import annotations

import re
from html import unescape

from nocontact.report.charts import render_charts
from nocontact.report.html import CSP, render_html
from tests.report.rows import model_for, rows_with_bodies


def _html(bodies: list[str]) -> str:
    m = model_for(rows_with_bodies(bodies), text="full")
    return render_html(m, render_charts(m))


def test_markup_in_a_message_is_shown_as_text() -> None:
    """A message holding a script tag appears escaped, and the page holds no script element."""
    html = _html(["<script>alert(1)</script><b>bold</b>"])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<script" not in html.lower()
    assert "<b>bold" not in html


def test_every_summary_link_points_at_a_log_row() -> None:
    """Each #eN link in the summary has a row with id eN in the incident log."""
    html = _html(["one", "two", "three"])
    targets = set(re.findall(r'href="#(e\d+)"', html))
    anchors = set(re.findall(r'id="(e\d+)"', html))
    assert targets and targets <= anchors


def test_the_page_tells_a_browser_to_load_nothing() -> None:
    """The HTML carries a Content-Security-Policy allowing only inline styles and data: images."""
    html = unescape(_html(["x"]))
    assert f'content="{CSP}"' in html
    assert "default-src 'none'" in CSP


def test_only_data_uris_are_referenced() -> None:
    """Every src and href in the document is a data: URI or an in-page anchor."""
    html = _html(["<img src=http://example.com/x.png>", "file:///etc/passwd"])
    for ref in re.findall(r'(?:src|href)="([^"]*)"', html):
        assert ref.startswith(("data:", "#")), ref
