"""The small protocol every importer follows, and the context it is given.

An importer is a module in this package that defines ``IMPORTERS``: a tuple of objects with a
stable ``name``, a cheap ``sniff`` judged on content, and ``read``, which streams typed
``Record``s and ``Problem``s. Importers never print, never log message text and never stop for
one bad row; the vault writer decides what a problem means.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from nocontact.case import Case
from nocontact.model import Problem, Record
from nocontact.sources import Source

__all__ = [
    "GIVEN_BY_THE_PERSON",
    "DateOrderNeeded",
    "ImportContext",
    "Importer",
    "Match",
    "SourceError",
    "is_empty",
]


@dataclass(frozen=True, slots=True)
class Match:
    """An importer's claim on a source. ``confidence`` 0..100 breaks ties between claimants."""

    importer: str
    confidence: int = 50
    reason: str = ""


@dataclass(frozen=True)
class ImportContext:
    """What an importer may know beyond the file: who the user is and how to read naive times.

    ``source_timezone`` is used only for formats that store naive local wall-clock times; the
    running machine's zone is never used. ``date_order`` ("DMY", "MDY", "YMD") answers an
    ambiguous WhatsApp layout when the person has told us.
    """

    case: Case = field(default_factory=Case)
    source_timezone: ZoneInfo | None = None
    timezone_basis: str = "case source_timezone"
    region: str = "US"
    date_order: str | None = None


#: The ``date_order_basis`` (in an event's extra) of a chat whose day/month order the person gave.
GIVEN_BY_THE_PERSON = "date order given by the person"


class SourceError(Exception):
    """A source that cannot be read at all: wrong kind, truncated, hostile. The message is for people."""

    def __init__(self, message: str, position: str = "") -> None:
        super().__init__(message)
        self.position = position


class DateOrderNeeded(SourceError):
    """The file's dates fit both day-first and month-first: the person must say which.

    ``readings`` pairs each order with what the file's first date means in it, written out
    ("3 April 2025"), so the question can be asked about a date the person can recognise.
    """

    def __init__(self, message: str, candidates: tuple[str, ...],
                 readings: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.candidates = candidates
        self.readings = readings


@runtime_checkable
class Importer(Protocol):
    """One export format.

    ``name`` is stable (it is stored in the vault and printed in summaries). ``sniff`` receives
    the source and its first bytes and must be cheap; it returns ``None`` when the source is not
    this format. ``read`` yields records and problems in source order; it raises
    ``SourceError`` only when the source as a whole is unreadable.
    """

    name: str

    def sniff(self, source: Source, head: bytes) -> Match | None: ...

    def read(self, source: Source, ctx: ImportContext) -> Iterator[Record | Problem]: ...


def is_empty(source: Source) -> bool:
    """Whether the source holds no bytes at all, read from a stream of its own.

    A zip member's stream cannot seek, so an importer never reads a byte to check and then seeks
    back: it asks here, then opens the source afresh.
    """
    with source.open() as f:
        return not f.read(1)
