"""The PDF report built from real vaults: its numbers, its pages, and nothing fetched.

Turns the first pages into PNGs under artifacts/report/ (pdftoppm, Debian's poppler-utils) so a
person can look at them; without pdftoppm that step is skipped with a printed note.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from nocontact.report import build_report, report_pdf_bytes
from nocontact.report.charts import render_charts
from nocontact.report.html import render_html
from nocontact.report.model import build_model
from nocontact.report.pdf import render_pdf
from nocontact.vault.store import Vault
from tests.report.conftest import ARTIFACTS, NOW


def pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)


def squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def snapshot(pdf: Path, name: str, pages: int = 6) -> None:
    if shutil.which("pdftoppm") is None:
        print(f"note: pdftoppm not found (Debian package poppler-utils); no PNGs of {name} written")
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", str(pages), str(pdf),
                    str(ARTIFACTS / name)], check=True)


@pytest.fixture(scope="module")
def fixture_pdf(fixture_vault: Vault, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object, str]:
    out = tmp_path_factory.mktemp("pdf") / "report.pdf"
    info = build_report(fixture_vault, out, jurisdiction="us-ca", now=NOW)
    snapshot(out, "fixtures")
    return out, info, pdf_text(out.read_bytes())


def test_the_pdf_states_the_fixture_numbers(fixture_pdf: tuple[Path, object, str]) -> None:
    """The PDF text holds the 168 headline and its label, and the model's per-channel counts."""
    _, info, text = fixture_pdf
    assert "168" in text
    assert "Messages and calls from Jordan Blake after the boundary" in re.sub(r"\s+", " ", text)
    assert re.search(r"call\s+61\b", text)


def test_the_pdf_has_sane_pages_and_a_matching_hash(fixture_pdf: tuple[Path, object, str]) -> None:
    """Page count is between 5 and 80 and ReportInfo's SHA-256 is the file's."""
    out, info, _ = fixture_pdf
    assert 5 <= info.pages <= 80  # type: ignore[attr-defined]
    assert info.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()  # type: ignore[attr-defined]
    assert len(PdfReader(out).pages) == info.pages  # type: ignore[attr-defined]


def test_every_page_footer_names_the_journal_head(fixture_vault: Vault, fixture_pdf: tuple[Path, object, str]) -> None:
    """Each page carries the vault's journal head and 'Page N of M'."""
    out, info, _ = fixture_pdf
    seq, head = fixture_vault.head()
    for n, page in enumerate(PdfReader(out).pages, 1):
        t = page.extract_text() or ""
        assert head in squash(t), n
        assert f"Page {n} of {info.pages}" in t  # type: ignore[attr-defined]


def test_the_pdf_says_it_is_not_legal_advice_and_cites_sources(fixture_pdf: tuple[Path, object, str]) -> None:
    """The disclaimer, the chosen jurisdiction's order name and a checked-on date are in the PDF."""
    _, _, text = fixture_pdf
    flat = re.sub(r"\s+", " ", text)
    assert "not legal advice" in flat
    assert "Domestic Violence Restraining Order" in flat
    assert "checked on 2026-11-24" in flat
    assert "1-800-799-7233" in flat


def test_rendering_fetches_nothing_but_its_own_charts(fixture_vault: Vault) -> None:
    """The fetcher serves exactly the three chart data: URIs and is never asked for anything else."""
    m = build_model(fixture_vault, now=NOW)
    charts = render_charts(m)
    pdf = render_pdf(render_html(m, charts), charts.values())
    assert pdf.fetcher.refused == []
    assert set(pdf.fetcher.served) <= set(charts.values()) and pdf.fetcher.served


def test_sample_vault_report_in_pdf_and_html(sample_vault: Vault, tmp_path: Path) -> None:
    """The package's own samples make a shielded PDF and an HTML report; the PDF hides the witness."""
    info = build_report(sample_vault, tmp_path / "r.pdf", redact_third_parties=True, jurisdiction="us", now=NOW)
    text = pdf_text((tmp_path / "r.pdf").read_bytes())
    assert "CPD-2026-0314-77" in squash(text)
    assert "Dana" not in text, re.findall(r".{80}Dana.{40}", text, re.S)
    snapshot(tmp_path / "r.pdf", "samples", pages=3)
    h = build_report(sample_vault, tmp_path / "r.html", fmt="html", now=NOW)
    assert h.pages is None and (tmp_path / "r.html").read_text("utf-8").startswith("<!doctype html>")
    assert info.pages and info.pages > 3
    data, pages = report_pdf_bytes(sample_vault, now=NOW)
    assert data.startswith(b"%PDF") and pages > 3
