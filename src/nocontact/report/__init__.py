"""The court-ready report (issue 6): the vault's evidence as a calm, checkable PDF or HTML file.

``build_report`` reads the vault once into a ``ReportModel`` (model.py), draws the charts
(charts.py), renders HTML (html.py) and, for PDF, lays it out with a fetcher that loads nothing
(pdf.py). The file is written to a temporary name and renamed when complete.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from nocontact.report.charts import render_charts
from nocontact.report.html import render_html
from nocontact.report.model import ReportModel, TextMode, build_model
from nocontact.report.pdf import render_pdf
from nocontact.vault.store import Vault

__all__ = ["ReportInfo", "build_report", "report_pdf_bytes"]

Format = Literal["pdf", "html"]


@dataclass(frozen=True)
class ReportInfo:
    """What was written: the file, its page count (None for HTML) and its SHA-256."""

    path: Path
    pages: int | None
    sha256: str
    log_rows: int
    log_total: int


def _render(model: ReportModel, fmt: Format) -> tuple[bytes, int | None]:
    charts = render_charts(model)
    html = render_html(model, charts)
    if fmt == "html":
        return html.encode("utf-8"), None
    if fmt != "pdf":
        raise ValueError("fmt must be 'pdf' or 'html'")
    pdf = render_pdf(html, charts.values())
    return pdf.data, pdf.pages


def report_pdf_bytes(vault: Vault, *, redact_third_parties: bool = False, text: TextMode = "excerpt",
                     jurisdiction: str | None = None, now: datetime | None = None) -> tuple[bytes, int]:
    """The PDF report in memory (for the evidence bundle) and its page count."""
    model = build_model(vault, redact_third_parties=redact_third_parties, text=text, jurisdiction=jurisdiction,
                        now=now)
    data, pages = _render(model, "pdf")
    return data, int(pages or 0)


def build_report(vault: Vault, out: Path, *, fmt: Format = "pdf", redact_third_parties: bool = False,
                 text: TextMode = "excerpt", jurisdiction: str | None = None,
                 now: datetime | None = None) -> ReportInfo:
    """Write the report to ``out`` (PDF or HTML) and say what was written."""
    model = build_model(vault, redact_third_parties=redact_third_parties, text=text, jurisdiction=jurisdiction,
                        now=now)
    data, pages = _render(model, fmt)
    tmp = out.with_name(out.name + ".partial")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, out)
    return ReportInfo(out, pages, hashlib.sha256(data).hexdigest(), len(model.log), model.log_total)
