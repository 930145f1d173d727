"""Date/time layouts of WhatsApp "Export chat" headers, detected per file.

WhatsApp writes each message header in the phone's locale: day or month first, 2- or 4-digit
years, ``.`` ``/`` ``-`` separators (sometimes followed by a space, as in ``13. 6. 2018``), a
comma or nothing or Finnish ``klo`` between date and time, ``:`` or ``.`` in the time, seconds
or not, 12 h with ``AM``/``a.m.``/``p. m.`` after a space, U+202F or U+00A0, and either the iOS
form ``[date, time] `` or the Android form ``date, time - `` (old Android: ``date time: ``).

Detection reads the whole file (pass 1 of the importer): every line that starts like a header
in *any* layout is reduced to a :class:`Layout` (the shape of the header, not its digits). The
file's layout is the one of its first line when that line is a header (a real export always
starts with one, and text pasted into a message cannot come before it), else the most frequent
one. Lines in another layout are continuation lines (a pasted iOS line inside an Android chat is
text, not a message).

The day/month order of the chosen layout is decided from its date fields: a 4-digit first
field is a year (YMD); a first field above 12 means DMY, a second field above 12 means MDY; when
no field decides, the order in which dates are non-decreasing through the file decides; when
that does not decide either, the person must say (:class:`DateOrderNeeded`), never a guess.

This module is private (no ``IMPORTERS``): :mod:`nocontact.importers.whatsapp` uses it, and the
tests use :func:`parse_lines` to check that parsing loses no line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple, TypeVar

from nocontact.importers.base import GIVEN_BY_THE_PERSON, DateOrderNeeded, SourceError

__all__ = [
    "GENERIC_HEADER",
    "GIVEN_BY_THE_PERSON",
    "Detected",
    "Header",
    "Layout",
    "ParsedMessage",
    "MAX_DATE_CHANGES",
    "Survey",
    "HeaderParser",
    "decide_order",
    "iter_messages",
    "iter_raw",
    "iter_regions",
    "parse_lines",
    "scan",
]

ORDERS = ("DMY", "MDY", "YMD")

#: Any header in any layout, anchored at the start of a line (``re.match``).
GENERIC_HEADER = re.compile(
    r"(?P<pre>\ufeff?[\u200e\u200f]*\[?)"
    r"(?P<f1>\d{1,4})(?P<s1>[./-] ?)(?P<f2>\d{1,2})(?P<s2>[./-] ?)(?P<f3>\d{2,4})(?P<s3>\.?)"
    r"(?P<dt>,? (?:klo |à )?)"
    r"(?P<h>\d{1,2})(?P<ts>[:.])(?P<mi>\d{2})(?:(?P<ss>[:.])(?P<sec>\d{2}))?"
    r"(?P<mer>[ \u202f\u00a0]?[aApP]\.? ?[mM]\.?)?"
    r"(?P<term>\] | [-\u2013] |: )"
)

MAX_DATE_CHANGES = 200_000
_REGEX_CACHE: dict[Layout, re.Pattern[str]] = {}
_SPLIT_CACHE: dict[Layout, re.Pattern[str]] = {}
_DATE_CACHE: dict[Layout, re.Pattern[str]] = {}
_HEADS_CACHE: dict[Layout, re.Pattern[str]] = {}
_CLOCK_CACHE: dict[Layout, re.Pattern[str]] = {}


class Layout(NamedTuple):
    """The shape of a header: what stays the same from one header of a file to the next."""

    bracket: bool
    s1: str
    s2: str
    s3: str
    year_first: bool
    year_digits: int
    dt: str
    ts: str
    ss: str  # "" when the layout has no seconds
    meridian: bool
    term: str

    @property
    def regex(self) -> re.Pattern[str]:
        """A pattern matching exactly this layout's headers at the start of a line.

        Groups: 1 prefix, 2-4 date fields as written, 5 hour, 6 minute, 7 second, 8 meridian,
        9 the terminator (``] ``, `` - ``, ``: ``).
        """
        pat = _REGEX_CACHE.get(self)
        if pat is None:
            pat = _REGEX_CACHE[self] = self._compile()
        return pat

    def _compile(self) -> re.Pattern[str]:
        pre, date, clock, term = self._parts(capture=True)
        return re.compile(pre + date + clock + "(" + term + ")")

    def _parts(self, capture: bool) -> tuple[str, str, str, str]:
        """(prefix, date, rest of the time, terminator) as pattern text; fields captured or not."""
        e = re.escape
        g = "(" if capture else "(?:"
        if self.year_first:
            date = g + r"\d{4})" + e(self.s1) + g + r"\d{1,2})" + e(self.s2) + g + r"\d{1,2})"
        else:
            year = g + (r"\d{4})" if self.year_digits == 4 else r"\d{2})")
            date = g + r"\d{1,2})" + e(self.s1) + g + r"\d{1,2})" + e(self.s2) + year
        pre = r"(\ufeff?[\u200e\u200f]*" + (r"\[)" if self.bracket else ")")
        empty = "()" if capture else ""
        sec = e(self.ss) + g + r"\d{2})" if self.ss else empty
        mer = g + r"[ \u202f\u00a0]?[aApP]\.? ?[mM]\.?)" if self.meridian else empty
        clock = e(self.s3) + e(self.dt) + g + r"\d{1,2})" + e(self.ts) + g + r"\d{2})" + sec + mer
        return pre, date, clock, e(self.term)

    @property
    def splitter(self) -> re.Pattern[str]:
        """``LF (prefix)((date)(rest of the time)) terminator``, for ``re.split`` over text cut
        at line ends.

        The same language as :attr:`regex` after a line feed, with four groups, so a split gives
        ``[text, prefix, time, date, clock, text, ...]`` without a match object per message (and
        the literal LF first lets the engine skip straight to line starts).
        """
        pat = _SPLIT_CACHE.get(self)
        if pat is None:
            pre, date, clock, term = self._parts(capture=False)
            pat = _SPLIT_CACHE[self] = re.compile("\n" + pre + "((" + date + ")(" + clock + "))" + term)
        return pat

    @property
    def heads(self) -> re.Pattern[str]:
        """``LF (prefix)(date) rest-of-time terminator (rest of the line)``, for ``findall``:
        what the layout survey needs of each header line, with no Python work per line."""
        pat = _HEADS_CACHE.get(self)
        if pat is None:
            pre, date, clock, term = self._parts(capture=False)
            pat = _HEADS_CACHE[self] = re.compile("\n" + pre + "(" + date + ")" + clock + term + "([^\n]*)")
        return pat

    @property
    def date(self) -> re.Pattern[str]:
        """The date alone (``fullmatch``); groups: the 3 date fields as written."""
        pat = _DATE_CACHE.get(self)
        if pat is None:
            pat = _DATE_CACHE[self] = re.compile(self._parts(capture=True)[1])
        return pat

    @property
    def clock(self) -> re.Pattern[str]:
        """What follows the date up to the terminator (``fullmatch``); groups: hour, minute,
        second, meridian."""
        pat = _CLOCK_CACHE.get(self)
        if pat is None:
            pat = _CLOCK_CACHE[self] = re.compile(self._parts(capture=True)[2])
        return pat

    def describe(self) -> str:
        kind = "iOS [date, time]" if self.bracket else "Android date, time -"
        return (f"{kind}; year {'first' if self.year_first else 'last'} ({self.year_digits} digits); "
                f"{'12' if self.meridian else '24'}-hour; {'with' if self.ss else 'without'} seconds")


def layout_of(m: re.Match[str]) -> Layout | None:
    """The layout of a generic header match, or None when its parts contradict each other."""
    pre, f1, s1, s2, f3, s3, dt, ts, ss, mer, term = m.group(
        "pre", "f1", "s1", "s2", "f3", "s3", "dt", "ts", "ss", "mer", "term")
    bracket = pre.endswith("[")
    if bracket != (term == "] "):
        return None
    year_first = len(f1) == 4
    if year_first:
        if len(f3) > 2:
            return None
        year_digits = 4
    else:
        if len(f1) > 2 or len(f3) == 3:
            return None
        year_digits = len(f3)
    return Layout(bracket, s1, s2, s3, year_first, year_digits, dt, ts, ss or "", mer is not None, term)


@dataclass
class _Stats:
    count: int = 0
    first_line: int = 0
    dates: list[tuple[int, int, int]] = field(default_factory=list)
    last_date: tuple[str, ...] = ()


@dataclass(frozen=True)
class Detected:
    """The outcome of pass 1: the file's layout, its date order and how that order was decided."""

    layout: Layout
    order: str
    basis: str


class Survey:
    """Pass 1: feed every line; :meth:`result` names the layout and the date order."""

    def __init__(self) -> None:
        self.stats: dict[Layout, _Stats] = {}
        self.line_no = 0
        self.first_layout: Layout | None = None
        self._shapes: dict[tuple[object, ...], Layout | None] = {}
        self._fast: re.Pattern[str] | None = None
        self._fast_layout: Layout
        self._fast_stats: _Stats

    def feed(self, line: str) -> tuple[Layout, str] | None:
        """Note one line; returns its layout and the text after the header when it is a header.

        Fast path: the first layout seen gets its own compiled pattern, tried first (most lines
        are its headers); any other line goes through the generic pattern, so every layout in
        the file is still counted.
        """
        self.line_no += 1
        fast = self._fast
        if fast is not None:
            fm = fast.match(line)
            if fm is not None:
                fst = self._fast_stats
                fst.count += 1
                fd = fm.group(2, 3, 4)
                if fd != fst.last_date:
                    fst.last_date = fd
                    if len(fst.dates) < MAX_DATE_CHANGES:
                        fst.dates.append((int(fd[0]), int(fd[1]), int(fd[2])))
                return self._fast_layout, line[fm.end():]
        m = GENERIC_HEADER.match(line)
        if m is None:
            return None
        g = m.groups()  # pre f1 s1 f2 s2 f3 s3 dt h ts mi ss sec mer term
        key = (g[0][-1:], g[2], g[4], g[6], len(g[1]), len(g[5]), g[7], g[9], g[11], g[13] is None, g[14])
        if key in self._shapes:
            lay = self._shapes[key]
        else:
            lay = self._shapes[key] = layout_of(m)
        if lay is None:
            return None
        st = self.stats.get(lay)
        if st is None:
            st = self.stats[lay] = _Stats(first_line=self.line_no)
            if self.line_no == 1:
                self.first_layout = lay
            if self._fast is None:
                self._fast, self._fast_layout, self._fast_stats = lay.regex, lay, st
        st.count += 1
        d = (g[1], g[3], g[5])
        if d != st.last_date:
            st.last_date = d
            if len(st.dates) < MAX_DATE_CHANGES:
                st.dates.append((int(d[0]), int(d[1]), int(d[2])))
        return lay, line[m.end():]

    def layout(self) -> Layout | None:
        if not self.stats:
            return None
        if self.first_layout is not None:
            return self.first_layout
        return max(self.stats.items(), key=lambda kv: (kv[1].count, -kv[1].first_line))[0]

    def result(self, date_order: str | None = None) -> Detected | None:
        """The detected layout and order; None when no line is a header.

        Raises :class:`DateOrderNeeded` when the dates fit both day-first and month-first and
        ``date_order`` does not say which.
        """
        lay = self.layout()
        if lay is None:
            return None
        order, basis = decide_order(lay, self.stats[lay].dates, date_order)
        return Detected(lay, order, basis)


def _descents(dates: list[tuple[int, int, int]], order: str) -> int | None:
    """How often the date goes backwards when read in ``order``; None when a date is impossible."""
    prev: tuple[int, int, int] | None = None
    n = 0
    for a, b, c in dates:
        y, mo, d = (c, b, a) if order == "DMY" else (c, a, b)
        if not (1 <= mo <= 12 and 1 <= d <= 31):
            return None
        cur = (y, mo, d)
        if prev is not None and cur < prev:
            n += 1
        prev = cur
    return n


def decide_order(lay: Layout, dates: list[tuple[int, int, int]], date_order: str | None) -> tuple[str, str]:
    """(order, basis) for a layout's dates, as the module docstring explains."""
    if date_order is not None and date_order not in ORDERS:
        raise SourceError(f"date order {date_order!r} is not one of DMY, MDY, YMD")
    if lay.year_first:
        return "YMD", "year written first"
    max1 = max((d[0] for d in dates), default=0)
    max2 = max((d[1] for d in dates), default=0)
    if max1 > 12 and max2 > 12:
        raise SourceError("The dates in this chat export do not fit one day/month order "
                          f"(first field up to {max1}, second up to {max2}); the file may be damaged.")
    if max1 > 12:
        return "DMY", f"a first date field above 12 ({max1}) means day first"
    if max2 > 12:
        return "MDY", f"a second date field above 12 ({max2}) means month first"
    dmy, mdy = _descents(dates, "DMY"), _descents(dates, "MDY")
    if dmy == 0 and mdy:
        return "DMY", "dates only run forward when read day first"
    if mdy == 0 and dmy:
        return "MDY", "dates only run forward when read month first"
    if date_order in ("DMY", "MDY"):
        return date_order, GIVEN_BY_THE_PERSON
    readings = _readings(dates[0]) if dates else ()
    first = f" The chat's first date is {readings[0][1]} read day first, or {readings[1][1]} read month first." \
        if readings else ""
    raise DateOrderNeeded(
        "Every date in this chat export could be read day-first or month-first (no day is above 12 "
        f"and the dates run forward either way).{first} Tell nocontact which order your phone uses "
        "(31/12 is day first, DMY; 12/31 is month first, MDY) and import it again.",
        ("DMY", "MDY"),
        readings,
    )


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def _readings(fields: tuple[int, int, int]) -> tuple[tuple[str, str], ...]:
    """The first date written out both ways, e.g. (("DMY", "3 April 2025"), ("MDY", "4 March 2025"))."""
    a, b, year = fields
    if year < 100:
        year += 2000
    if not (1 <= a <= 12 and 1 <= b <= 12):
        return ()
    return (("DMY", f"{a} {_MONTHS[b - 1]} {year}"), ("MDY", f"{b} {_MONTHS[a - 1]} {year}"))


class Header(NamedTuple):
    """One parsed header line."""

    naive: datetime
    raw_time: str
    seconds: bool
    end: int  # index in the line where the text after the header starts


#: A parsed header: (year, month, day, hour, minute, second, has seconds, raw time text,
#: index where the text after the header starts).
Fields = tuple[int, int, int, int, int, int, bool, str, int]

#: A header's time alone: (year, month, day, hour, minute, second, has seconds).
Stamp = tuple[int, int, int, int, int, int, bool]

T = TypeVar("T")

#: Entries a per-text cache holds before it starts again (bounds memory on hostile files).
_CACHE_MAX = 100_000


class HeaderParser:
    """Reads headers of one layout in one date order, caching each distinct date and clock text."""

    def __init__(self, lay: Layout, order: str) -> None:
        self.match = lay.regex.match
        self.date_match = lay.date.fullmatch
        self.clock_match = lay.clock.fullmatch
        self.order = order
        self.days: dict[str, tuple[int, int, int] | None] = {}
        self.clocks: dict[str, tuple[int, int, int, bool] | None] = {}

    def day(self, text: str) -> tuple[int, int, int] | None:
        """(year, month, day) of a header's date text, or None when there is no such day."""
        m = self.date_match(text)
        if m is None:
            return None
        a, b, c = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if self.order == "DMY":
            d, mo, y = a, b, c
        elif self.order == "MDY":
            mo, d, y = a, b, c
        else:
            y, mo, d = a, b, c
        if y < 100:
            y += 2000
        try:
            datetime(y, mo, d)
        except ValueError:
            return None
        return y, mo, d

    def time(self, text: str) -> tuple[int, int, int, bool] | None:
        """(hour 0-23, minute, second, whether written with seconds) of what follows the date,
        or None when it is no time of day (hour 25, 13 PM, minute 61 ...)."""
        m = self.clock_match(text)
        if m is None:
            return None
        hs, mis, secs, mer = m.groups()
        h, mi = int(hs), int(mis)
        s = int(secs) if secs else 0
        if mer:
            if not 1 <= h <= 12:
                return None
            h = h % 12 + (12 if mer.lstrip(" \u202f\u00a0")[0] in "pP" else 0)
        elif h > 23:
            return None
        if mi > 59 or s > 59:
            return None
        return h, mi, s, bool(secs)

    def stamp(self, date: str, clock: str) -> Stamp | None:
        """The time a header's date and clock texts stand for, or None when it is no real time
        (13th month, hour 25 ...): such a line is not a header and continues a message."""
        days, clocks = self.days, self.clocks
        if date in days:
            ymd = days[date]
        else:
            if len(days) >= _CACHE_MAX:
                days.clear()
            ymd = days[date] = self.day(date)
        if clock in clocks:
            hms = clocks[clock]
        else:
            if len(clocks) >= _CACHE_MAX:
                clocks.clear()
            hms = clocks[clock] = self.time(clock)
        if ymd is None or hms is None:
            return None
        return ymd[0], ymd[1], ymd[2], hms[0], hms[1], hms[2], hms[3]

    def parse(self, line: str) -> Fields | None:
        """The header at the start of ``line``, or None (the line continues a message)."""
        m = self.match(line)
        if m is None:
            return None
        raw = line[m.end(1):m.start(9)]
        date = line[m.end(1):m.end(4)]
        st = self.stamp(date, raw[len(date):])
        return None if st is None else (*st, raw, m.end())


def parse_header(line: str, lay: Layout, order: str) -> Header | None:
    """The header at the start of ``line`` in the file's own layout, or None (continuation)."""
    f = HeaderParser(lay, order).parse(line)
    return None if f is None else Header(datetime(*f[:6]), f[7], f[6], f[8])


def iter_regions(chunks: Iterable[str]) -> Iterator[str]:
    """Text cut at line ends, for :func:`scan`: each region is ``LF`` + whole lines, the LF being
    the one that ends the line before it (an LF is added before the first line).

    The LF that ends a region's last line starts the next region; an LF that ends the file
    starts no region. A line longer than a chunk is gathered in a list and joined once (never
    re-concatenated per chunk, which would be quadratic on a hostile file).
    """
    carry = "\n"
    held: list[str] = []
    for chunk in chunks:
        cut = chunk.rfind("\n")
        if cut < 0:
            held.append(chunk)
            continue
        if held:
            yield carry + "".join(held) + chunk[:cut]
            held = []
        else:
            yield carry + chunk[:cut]
        carry = chunk[cut:]
    tail = carry + "".join(held) if held else carry
    if tail != "\n":
        yield tail


def scan(regions: Iterable[str], lay: Layout, stamp: Callable[[str, str], T | None],
         cache_size: int = 4096) -> Iterator[tuple[int, str, str, str, T | None]]:
    """Messages of text in one layout, from :func:`iter_regions`.

    Each region is split at every LF followed by a header of ``lay`` (one C call, no Python
    work per line); ``stamp`` turns a header's date text and the rest of its time text into
    whatever the caller needs, or None when it is no real time, and then that "header" is text of the message
    before it, exactly as a line-by-line reader would take it. Stamps are cached by their text
    (messages of one minute share it). Line numbers come from counting LFs in each piece.

    Yields per message: (line number of its first line, the header's prefix (BOM, U+200E/U+200F
    marks, ``[``), the header's date-and-time text, everything after the header up to the LF
    that ends the message's last line, the stamp); lines before the first header come out
    first with prefix and time "" and stamp None.
    """
    split = lay.splitter.split
    term = lay.term
    cache: dict[str, T | None] = {}
    get = cache.get
    missing = object()
    line = 0
    # the message being gathered: (line, prefix, time, text, stamp); ``more`` holds text that
    # continues it (a piece boundary, a line that only looks like a header), joined once
    held: tuple[int, str, str, str, T | None] | None = None
    more: list[str] = []
    first = True
    for region in regions:
        parts = split(region)
        head = parts[0]
        line += head.count("\n")
        if first:
            first = False
            if head:  # lines before the first header (minus the LF added before line 1)
                held = (1, "", "", head[1:], None)
        elif head:
            more.append(head)
        it = iter(parts)
        next(it)
        for pre, raw, date, clock, text in zip(it, it, it, it, it, strict=True):
            line += 1
            got = get(raw, missing)
            if got is missing:
                if len(cache) >= cache_size:
                    cache.clear()
                got = cache[raw] = stamp(date, clock)
            if got is None:  # looks like a header but is no real time: a continuation line
                if held is None:
                    held = (line, "", "", pre + raw + term + text, None)
                else:
                    more.append("\n" + pre + raw + term + text)
            else:
                if held is not None:
                    if more:
                        held = (held[0], held[1], held[2], held[3] + "".join(more), held[4])
                        more = []
                    yield held
                held = (line, pre, raw, text, got)  # type: ignore[assignment]
            line += text.count("\n")
    if held is not None:
        if more:
            held = (held[0], held[1], held[2], held[3] + "".join(more), held[4])
        yield held


def iter_raw(lines: Iterable[str], lay: Layout, order: str) -> Iterator[tuple[int, list[str], Fields | None]]:
    """Group lines into messages: (first line number, raw lines, header fields or None).

    A header in the file's layout starts a message; anything else continues the current one
    (lines before the first header come out together with ``None``). Raw lines have the LF
    removed and everything else, CR included, kept. A line may end with its LF but hold no
    other. This runs the importer's own :func:`scan`, so a property over lines checks it.
    """
    stripped = [ln[:-1] if ln[-1:] == "\n" else ln for ln in lines]
    if not stripped:
        return
    parser = HeaderParser(lay, order)
    term_len = len(lay.term)
    for n, pre, raw, text, st in scan(["\n" + "\n".join(stripped)], lay, parser.stamp):
        if st is None:
            yield n, text.split("\n"), None
            continue
        head = pre + raw + lay.term
        raw_lines = (head + text).split("\n")
        yield n, raw_lines, (*st, raw, len(pre) + len(raw) + term_len)


@dataclass
class ParsedMessage:
    """A header line with its continuation lines, or (``header`` None) lines before any header.

    ``raw_lines`` are the file's lines exactly (split on LF, the LF removed, a CR kept).
    """

    line_no: int
    raw_lines: list[str]
    header: Header | None


def iter_messages(lines: Iterable[str], lay: Layout, order: str) -> Iterator[ParsedMessage]:
    """:func:`iter_raw` with the header as a :class:`Header` (naive local time)."""
    for n, raw, f in iter_raw(lines, lay, order):
        yield ParsedMessage(n, raw, None if f is None else Header(datetime(*f[:6]), f[7], f[6], f[8]))


def parse_lines(lines: list[str], date_order: str | None = None) -> tuple[Detected | None, list[ParsedMessage]]:
    """Both passes over lines held in memory (for tests and small inputs)."""
    survey = Survey()
    for line in lines:
        survey.feed(line)
    det = survey.result(date_order)
    if det is None:
        return None, ([ParsedMessage(1, list(lines), None)] if lines else [])
    return det, list(iter_messages(lines, det.layout, det.order))
