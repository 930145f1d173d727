"""The report as one self-contained HTML document (Jinja2, autoescape on).

The ex's words only ever reach the page as Jinja variables, so they are escaped: a message
holding markup shows as that markup's text. The only strings marked safe are the project's own
stylesheet and the page rules built here from validated values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from importlib import resources

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from nocontact.legal import available
from nocontact.report.charts import Charts
from nocontact.report.model import EXCERPT_CHARS, LOG_HEAD, LOG_TAIL, ReportModel

__all__ = ["id_ranges", "page_css", "render_html"]

#: The HTML also tells a browser to load nothing from anywhere (the charts are data: URIs).
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

_PAPER = {"a4": "A4", "letter": "letter"}


def id_ranges(ids: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted event ids folded into (first, last) runs of consecutive ids."""
    out: list[tuple[int, int]] = []
    for i in sorted(set(ids)):
        if out and i == out[-1][1] + 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out


def page_css(model: ReportModel) -> Markup:
    """Paper size and the footer naming the journal head, from values checked to be plain."""
    if not re.fullmatch(r"[0-9a-f]{64}", model.journal_head):
        raise ValueError("the journal head is not a SHA-256 hex digest")
    if not re.fullmatch(r"[0-9A-Za-z.+-]{1,40}", model.version):
        raise ValueError("unexpected version string")
    size = _PAPER.get(model.paper, "A4")
    footer = f"nocontact {model.version} · journal head {int(model.journal_seq)} · {model.journal_head}"
    return Markup(  # noqa: S704 - built only from the validated values above
        f"@page {{ size: {size}; @bottom-left {{ content: \"{footer}\"; font: 6.5pt 'DejaVu Sans Mono', monospace;"
        f" color: #777; }} }}\n@page landscape-log {{ size: {size} landscape; }}\n")


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("nocontact.report", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["id_ranges"] = id_ranges
    return env


def _css() -> Markup:
    text = resources.files("nocontact.report").joinpath("templates", "report.css").read_text("utf-8")
    return Markup(text)  # noqa: S704 - the project's own stylesheet, never user text


def render_html(model: ReportModel, charts: Charts) -> str:
    """The whole report as a string of HTML."""
    tpl = _environment().get_template("report.html")
    return tpl.render(m=model, charts=charts, css=_css(), page_css=page_css(model), csp=CSP,
                      log_ids=model.log_ids, excerpt_chars=EXCERPT_CHARS, log_head=LOG_HEAD, log_tail=LOG_TAIL, jurisdictions=available())
