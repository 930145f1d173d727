"""What an import says per file, folded into one line per folder when a download has many files.

A Google Takeout holds one Voice file per call or text thread, thousands of them: a table with
a row each buries the few lines a person needs. Past ``limit`` files, files of one format in
one folder become one row ("Takeout/Voice/Calls/ (1,204 files)") with their figures added up;
``import --json`` still says everything file by file. The files not imported fold the same way,
by reason: a Facebook download's thousands of photos are one line, not thousands.

When nothing in what was imported was from or to them, the people it was from are named
(``not_theirs``): the commonest reason is that the ex appears under a name or number the case
does not hold yet ("Don't answer", a second number), and then all of their messages were left out
as other people's. Naming who was there turns a silent zero into one step to take.

Numbers the phone has no name for that wrote or called, and are not theirs, are named too
(``unsaved_numbers``), with the names whose Messenger or Instagram messages came as message
requests: an ex blocked on one number or account often comes back on another, and those
messages were otherwise left out with everyone else's.

A WhatsApp export that holds about as many messages as WhatsApp puts in one (10,000 with media,
40,000 without) has probably lost the chat's oldest messages, and nothing in the file says so
(``export_caps``): the person is told, and what to do.
"""

from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from nocontact.vault.importing import ImportSummary

__all__ = ["CapNote", "NotTheirs", "Person", "SkipRow", "SummaryRow", "Unsaved", "export_cap", "export_caps",
           "not_theirs",
           "skipped_rows", "summary_rows", "unsaved_numbers"]


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
    reason, in first-seen order, except that the reasons that say nothing to do (a photo kept
    with its message, a file of no known kind) come last: a download in HTML, with its advice,
    must not sit under a thousand photos."""
    from nocontact.importers import NOT_READABLE
    from nocontact.ingest import MEDIA_REASON

    items = list(skipped)
    if len(items) <= limit:
        rows = [SkipRow(k.reason, [k.display]) for k in items]
    else:
        folded: dict[str, SkipRow] = {}
        for k in items:
            folded.setdefault(k.reason, SkipRow(k.reason, [])).files.append(k.display)
        rows = list(folded.values())
    return sorted(rows, key=lambda r: r.reason in (MEDIA_REASON, NOT_READABLE))


#: Formats that hold one conversation the person chose to export: when nothing in one is theirs,
#: it is said even if other files of the same import were theirs.
ONE_CHOSEN_CHAT = frozenset({"whatsapp_android_txt", "whatsapp_ios_zip"})

#: The case field each kind of identity is added to (the app's Who is who form values).
_CASE_FIELD = {"name": "names", "phone": "phones", "email": "emails", "telegram": "telegram",
               "handle": "imessage_handles"}

#: How ``nocontact party add`` takes each kind of identity.
_OPTION = {"name": "--name", "phone": "--phone", "email": "--email", "telegram": "--telegram-id",
           "handle": "--imessage-handle"}
_KIND = {"name": "name", "phone": "number", "email": "address", "telegram": "Telegram id", "handle": "iMessage"}


@dataclass(frozen=True)
class Person:
    """Someone records not theirs were from or to, as the export wrote them."""

    kind: str
    value: str
    records: int
    #: the name the export shows beside an id (Telegram's ``from``), or ""
    shown_as: str = ""

    @property
    def what(self) -> str:
        """The kind in words (name, number, address, Telegram id, iMessage), and the name shown beside it."""
        kind = _KIND.get(self.kind, self.kind)
        return f"{kind}, shown as {self.shown_as}" if self.shown_as else kind

    @property
    def case_field(self) -> str:
        """Where in the case this identity goes (a Who is who form value)."""
        return _CASE_FIELD.get(self.kind, "names")

    @property
    def command(self) -> str:
        """The command that adds this identity to the ex, safe to paste into a shell."""
        return f"nocontact party add {_OPTION.get(self.kind, '--name')} {shlex.quote(self.value)}"


@dataclass(frozen=True)
class NotTheirs:
    """Records in which nothing was theirs, and who they were from or to, most records first.

    ``source`` is the one file (a chat), or None for everything the import read.
    """

    source: str | None
    records: int
    people: list[Person]
    more: int


def _people(counter: Counter[tuple[str, str, str]], top: int) -> tuple[list[Person], int]:
    """The people most records were from or to; one id shown under several names counts once."""
    merged: Counter[tuple[str, str]] = Counter()
    shown: dict[tuple[str, str], str] = {}
    for (kind, value, name), n in counter.items():
        merged[kind, value] += n
        if name and not shown.get((kind, value)):
            shown[kind, value] = name
    ranked = sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))
    return ([Person(k, v, n, shown.get((k, v), "")) for (k, v), n in ranked[:top]],
            max(0, len(ranked) - top))


def not_theirs(summaries: Iterable[ImportSummary], top: int = 5) -> list[NotTheirs]:
    """What to say when records were read but none was from or to them.

    Everything imported together, when none of it was theirs; else each chat the person chose
    (a WhatsApp export) of which nothing was theirs. Files with no records say nothing.
    """
    items = [s for s in summaries if s.records_read]
    if not items:
        return []
    if not any(s.attributed for s in items):
        every: Counter[tuple[str, str, str]] = Counter()
        for s in items:
            every.update(s.not_theirs)
        people, more = _people(every, top)
        records = sum(s.records_read for s in items)
        return [NotTheirs(items[0].source if len(items) == 1 else None, records, people, more)] if people else []
    out = []
    for s in items:
        if s.format in ONE_CHOSEN_CHAT and not s.attributed and s.not_theirs:
            people, more = _people(s.not_theirs, top)
            out.append(NotTheirs(s.source, s.records_read, people, more))
    return out


#: WhatsApp's limits on one chat export (its help pages: the newest 10,000 messages when media is
#: included, 40,000 without), and how near a count must be to one to say so. The limits are
#: approximate, and an export that happens to be near one without being cut costs a sentence.
WHATSAPP_CAPS = (10_000, 40_000)
CAP_MARGIN = 0.02


@dataclass(frozen=True)
class CapNote:
    """A chat export holding about as many messages as WhatsApp's limit: its oldest may be missing."""

    source: str
    entries: int
    cap: int

    @property
    def advice(self) -> str:
        if self.cap == WHATSAPP_CAPS[0]:
            return ("Export the chat again choosing Without media (up to about 40,000 messages) and import "
                    "that too: nothing is added twice, and photos already imported stay.")
        return ("WhatsApp cannot export more than this from one chat: for what came before, keep an earlier "
                "export, screenshots or the phone itself.")


def export_cap(fmt: str, entries: int) -> int | None:
    """WhatsApp's export limit that a chat of ``entries`` lines (messages and notices) is about, or None."""
    if fmt not in ONE_CHOSEN_CHAT:
        return None
    return next((cap for cap in WHATSAPP_CAPS if abs(entries - cap) <= cap * CAP_MARGIN), None)


def export_caps(summaries: Iterable[ImportSummary]) -> list[CapNote]:
    """The WhatsApp chats read whose size is about one of WhatsApp's export limits."""
    out = []
    for s in summaries:
        entries = s.records_read + s.system_lines
        cap = export_cap(s.format, entries)
        if cap is not None:
            out.append(CapNote(s.source, entries, cap))
    return out


#: How many records an unsaved number needs before it is named: one or two are mostly wrong numbers
#: and marketing.
UNSAVED_LEAST = 3


@dataclass(frozen=True)
class Unsaved:
    """Numbers not saved on the phone that wrote or called, and names whose messages came as
    message requests, most records first."""

    people: list[Person]
    more: int


def unsaved_numbers(summaries: Iterable[ImportSummary], least: int = UNSAVED_LEAST, top: int = 5) -> Unsaved | None:
    """The unsaved numbers with at least ``least`` records across everything imported together.

    One number written two ways ("+17735550164", "(773) 555-0164") counts once, under the first way.
    Nothing is said when nothing imported was theirs: ``not_theirs`` names everyone then.
    """
    items = [s for s in summaries if s.records_read]
    if not any(s.attributed for s in items):
        return None
    counts: Counter[tuple[str, str]] = Counter()
    written: dict[tuple[str, str], str] = {}
    for s in items:
        for number, n in s.unsaved_numbers.items():
            key = ("phone", "".join(c for c in number if c.isdigit())[-10:])
            counts[key] += n
            written.setdefault(key, number)
        for name, n in s.message_requests.items():
            key = ("name", name)
            counts[key] += n
            written.setdefault(key, name)
    ranked = sorted(((n, key[0], written[key]) for key, n in counts.items() if n >= least),
                    key=lambda t: (-t[0], t[2]))
    if not ranked:
        return None
    return Unsaved([Person(kind, value, n) for n, kind, value in ranked[:top]], max(0, len(ranked) - top))
