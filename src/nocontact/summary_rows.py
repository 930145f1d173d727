"""What an import says per file, folded into one line per folder when a download has many files.

A Google Takeout holds one Voice file per call or text thread, thousands of them: a table with
a row each buries the few lines a person needs. Past ``limit`` files, files of one format in
one folder become one row ("Takeout/Voice/Calls/ (1,204 files)") with their figures added up;
``import --json`` still says everything file by file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from nocontact.vault.importing import ImportSummary

__all__ = ["SummaryRow", "summary_rows"]


@dataclass
class SummaryRow:
    """One line of an import's table: a file, or the files of one format in one folder."""

    source: str
    format: str
    files: int = 0
    records_read: int = 0
    attributed: int = 0
    added: int = 0
    already_in_vault: int = 0
    skipped_unrelated: int = 0
    problems: int = 0

    def add(self, s: ImportSummary) -> None:
        self.files += 1
        self.records_read += s.records_read
        self.attributed += s.attributed
        self.added += s.added
        self.already_in_vault += s.already_in_vault
        self.skipped_unrelated += s.skipped_unrelated
        self.problems += len(s.problems)


def _folder(source: str) -> str:
    cut = source.rfind("/")
    return source[:cut + 1] if cut >= 0 else ""


def summary_rows(summaries: Iterable[ImportSummary], limit: int = 25) -> list[SummaryRow]:
    """A row per file, or past ``limit`` files a row per (folder, format), in first-seen order."""
    items = list(summaries)
    rows: dict[tuple[str, str], SummaryRow] = {}
    for s in items:
        folder = _folder(s.source) if len(items) > limit else None
        key = (s.source if folder is None else folder, s.format)
        row = rows.get(key)
        if row is None:
            row = rows[key] = SummaryRow(s.source, s.format)
        row.add(s)
    for (place, _fmt), row in rows.items():
        if row.files > 1:
            row.source = f"{place or './'} ({row.files:,} files)"
    return list(rows.values())
