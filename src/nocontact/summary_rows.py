"""What an import says per file, folded into one line per folder when a download has many files.

A Google Takeout holds one Voice file per call or text thread, thousands of them: a table with
a row each buries the few lines a person needs. Past ``limit`` files, files of one format in
one folder become one row ("Takeout/Voice/Calls/ (1,204 files)") with their figures added up;
``import --json`` still says everything file by file. The files not imported fold the same way,
by reason: a Facebook download's thousands of photos are one line, not thousands.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from nocontact.vault.importing import ImportSummary

__all__ = ["SkipRow", "SummaryRow", "skipped_rows", "summary_rows"]


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


@dataclass
class SkipRow:
    """Files not imported for one reason: one file, or past a limit every file with that reason."""

    reason: str
    files: list[str]

    @property
    def place(self) -> str:
        """The file, or how many files with the first two named ("1,204 files, such as a.jpg, b.jpg")."""
        if len(self.files) == 1:
            return self.files[0]
        named = ", ".join(self.files[:2])
        return f"{len(self.files):,} files, such as {named}"


def skipped_rows(skipped: Iterable[Any], limit: int = 10) -> list[SkipRow]:
    """A row per skipped file (``display`` and ``reason``), or past ``limit`` files a row per
    reason, in first-seen order."""
    items = list(skipped)
    if len(items) <= limit:
        return [SkipRow(k.reason, [k.display]) for k in items]
    rows: dict[str, SkipRow] = {}
    for k in items:
        rows.setdefault(k.reason, SkipRow(k.reason, [])).files.append(k.display)
    return list(rows.values())
