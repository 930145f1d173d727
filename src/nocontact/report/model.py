"""The report's content as plain data, built from the vault and nothing else.

Every number here is computed from the events export rows (``eventlog.event_dicts``), so a
reader holding ``events.csv`` from the bundle can reproduce it: each figure carries the event
ids that make it and the rule that selects them. Rendering (HTML, PDF, charts) reads this model
and never goes back to the vault.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from functools import cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

from nocontact import __version__
from nocontact.analysis._rows import is_block
from nocontact.analysis.counts import Figure as AFigure
from nocontact.analysis.flags import FlagHit, flags_for_row
from nocontact.analysis.summary import summarise
from nocontact.case import Case
from nocontact.eventlog import event_dicts
from nocontact.identity import ExMatcher, normalise
from nocontact.legal import Hotline, Jurisdiction, default_for_country, load_jurisdiction
from nocontact.model import format_utc
from nocontact.summary_rows import export_cap
from nocontact.vault.events import StoredEvent, current_boundary, current_case, iter_events
from nocontact.vault.store import Vault

__all__ = [
    "ATTACHMENT_CAP",
    "BURST_CAP",
    "CONTACT_CATEGORIES",
    "EXCERPT_CHARS",
    "EXHIBIT_CAP",
    "FLAG_CAP",
    "LOG_CAP",
    "LOG_HEAD",
    "LOG_TAIL",
    "Burst",
    "ChannelFigure",
    "Exhibit",
    "Figure",
    "FlaggedMessage",
    "LogRow",
    "ReportModel",
    "SlimRow",
    "TextMode",
    "build_model",
    "model_from_rows",
    "visible",
]

TextMode = Literal["excerpt", "full", "none"]

#: Characters of message text shown in "excerpt" mode.
EXCERPT_CHARS = 160
#: Rows of the incident log printed in full. Past this the log is cut, and the report says
#: where the complete log is (events.csv in the evidence bundle): a court reads a summary and a
#: few pages, not thousands; the full data travels beside it, hashed.
LOG_CAP = 400
#: Past ``LOG_CAP``: the first messages and calls after the boundary (how it started) and the most
#: recent ones (that it goes on), besides the boundary, the person's incidents and serious flags.
LOG_HEAD = 150
LOG_TAIL = 150
#: Export files listed as exhibits; past this the files holding most of the ex's events are kept and
#: the rest are counted (each event names its file and the file's SHA-256 in the events export).
EXHIBIT_CAP = 40
#: Attachments listed; those of printed events first. The rest are counted; every one is named
#: with its SHA-256 in the events export and its file is in the evidence bundle.
ATTACHMENT_CAP = 40
#: Flagged messages printed with their words; past this the most serious kinds are kept and the
#: report says how many there are in all (every one is in the events export).
FLAG_CAP = 150
#: Bursts listed in the summary table (the largest ones); the figure above it counts them all.
BURST_CAP = 25
_FLAG_ORDER = ("threat", "self_harm", "surveillance", "workplace", "third_party", "demand_response")
#: What counts as a contact attempt: a message or a call (incidents the person records are
#: counted separately, as their own figure).
CONTACT_CATEGORIES = ("message", "call")
#: Night time, local hours [start, end).
NIGHT_START, NIGHT_END = 22, 6

_CALL_TYPES = {1: "incoming call", 2: "outgoing call", 3: "missed call", 4: "voicemail", 5: "rejected call",
               6: "blocked call", 7: "call answered on another device"}


@dataclass(frozen=True, slots=True)
class Figure:
    """One number in the summary, the events behind it, and how to select them from events.csv."""

    label: str
    value: str
    event_ids: tuple[int, ...]
    rule: str


@dataclass(frozen=True, slots=True)
class ChannelFigure:
    channel: str
    count: int
    first: str
    last: str
    event_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Burst:
    start: str
    end: str
    minutes: int
    count: int
    channels: str
    event_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class LogRow:
    """One line of the incident log, in the columns advocates use (SPARC / NNEDV)."""

    event_id: int
    date: str
    time: str
    channel: str
    identifier: str
    direction: str
    what: str
    location: str
    witnesses: str
    police_report: str
    officer: str
    impact: str
    after_boundary: bool
    is_boundary: bool
    flags: tuple[str, ...]
    source: str
    attachments: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FlaggedMessage:
    event_id: int
    when: str
    channel: str
    flags: tuple[str, ...]
    evidence: tuple[str, ...]
    text: str


@dataclass(frozen=True, slots=True)
class Exhibit:
    """An original file (export or attachment) with what a court needs to identify it."""

    number: str
    name: str
    sha256: str
    size: int
    how: str
    when: str
    events: int
    note: str = ""


@dataclass
class ReportModel:
    person: str
    ex: str
    generated_at: str
    version: str
    zone_name: str
    period_first: str
    period_last: str
    boundary_local: str
    boundary_utc: str
    boundary_event_id: int | None
    journal_seq: int
    journal_head: str
    public_key_fingerprint: str
    vault_id: str
    text_mode: TextMode
    redacted: bool
    headline: Figure
    figures: list[Figure]
    channels: list[ChannelFigure]
    bursts: list[Burst]
    bursts_total: int
    log: list[LogRow]
    log_total: int
    log_capped: bool
    flagged: list[FlaggedMessage]
    flagged_total: int
    flag_counts: list[tuple[str, int]]
    exhibits: list[Exhibit]
    attachments: list[Exhibit]
    jurisdiction: Jurisdiction | None
    hotlines: tuple[Hotline, ...]
    paper: str
    analysis_source: str
    #: (local datetime, channel) of each counted attempt, for the charts.
    attempts_local: list[tuple[datetime, str]] = field(default_factory=list)
    boundary_at_local: datetime | None = None
    incidents: int = 0
    #: Risk signals the analysis finds present (title, count of events, the events), never a score.
    signals: list[Figure] = field(default_factory=list)
    #: Threat, self-harm and surveillance messages past FLAG_CAP: not printed, listed by id.
    flagged_unprinted_serious: tuple[int, ...] = ()
    exhibits_total: int = 0
    exhibits_more_events: int = 0
    exhibits_more_empty: int = 0
    attachments_total: int = 0

    @property
    def log_ids(self) -> frozenset[int]:
        return frozenset(r.event_id for r in self.log)


# ---- small pure helpers --------------------------------------------------------------------------
def _utc(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def _local(s: str, zone: tzinfo) -> datetime:
    return _utc(s).astimezone(zone)


@cache
def _covered() -> frozenset[int]:
    """Code points the report's font (DejaVu Sans, as matplotlib ships it) can draw."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    path = font_manager.findfont("DejaVu Sans", fallback_to_default=True)
    return frozenset(FT2Font(path).get_charmap())


_SHOW_AS_CODE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """A display copy in which a character the font cannot draw (an emoji, say) is written as its
    code point, ``[U+1F9D7]``, instead of an empty box, so the reader knows a character is there.
    Control characters and bidi overrides, which could reorder what a reader sees, are shown the
    same way."""
    cov = _covered()

    def keep(ch: str) -> bool:
        o = ord(ch)
        return ch in "\n\t\r" or ((o in cov or 0xFE00 <= o <= 0xFE0F or o == 0x200D)
                                    and not _SHOW_AS_CODE.match(ch))

    if all(keep(ch) for ch in text):
        return text
    return "".join(ch if keep(ch) else f"[U+{ord(ch):04X}]" for ch in text)


def _stamp(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S ") + (dt.tzname() or "")


def is_attempt(row: Mapping[str, Any]) -> bool:
    """A message or call from the ex to the person after the boundary: the number a court asks for."""
    return bool(row["party"] and row["after_boundary"] and row["direction"] == "incoming"
                and row["category"] in CONTACT_CATEGORIES)


def _is_incident(row: Mapping[str, Any]) -> bool:
    return bool(row["origin"] == "manual" and row["category"] == "incident")


def _in_log(row: Mapping[str, Any]) -> bool:
    return bool(row["party"]) and row["category"] in (*CONTACT_CATEGORIES, "incident")


# ---- the rows the report keeps in memory ---------------------------------------------------------
#: Fields of an export row the analysis and the report's counting read. Everything else (the
#: person's incident fields, raw times, hashes) is read again only for the rows the report prints.
_SLIM_KEYS = ("event_id", "utc", "category", "channel", "direction", "party", "identifier", "call_type",
              "after_boundary", "origin", "retracted", "source_sha256", "subject", "body", "attachments")
_INTERNED = ("category", "channel", "direction", "party", "identifier", "origin", "source_sha256")


class SlimRow(Mapping[str, Any]):
    """A read-only export row holding only ``_SLIM_KEYS``, in slots, so 200,000 rows stay small.

    The text (subject, body) is kept only when it matters to a figure: when the export row
    raised a flag (the same rules ``summarise`` applies, so its figures are unchanged) or when the
    row is a chat notice (a block notice is found by its words).
    """

    __slots__ = _SLIM_KEYS

    def __init__(self, row: Mapping[str, Any]) -> None:
        for k in _SLIM_KEYS:
            v = row.get(k)
            if k in _INTERNED and isinstance(v, str):
                v = sys.intern(v)
            setattr(self, k, v)
        if not (row.get("flags") or row.get("category") == "system"):
            self.subject = self.body = None
        if not row.get("attachments"):
            self.attachments = ()

    def __getitem__(self, key: str) -> Any:
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    def __iter__(self) -> Iterator[str]:
        return iter(_SLIM_KEYS)

    def __len__(self) -> int:
        return len(_SLIM_KEYS)


def kept_for_report(row: Mapping[str, Any]) -> bool:
    """Whether the report reads this row at all: the ex's events, the person's own entries, block notices."""
    return bool(row.get("party")) or row.get("origin") == "manual" or is_block(row)

# ---- third-party shielding -------------------------------------------------------------------------
_PHONE = re.compile(r"(?<![\w+])\+?\d[\d ().-]{5,}\d(?!\w)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


class Shield:
    """Hides third parties' names, numbers and addresses in a display copy of a text.

    Third parties are everyone the vault has seen who is neither the person nor the ex
    (senders and peers of stored events, group members), plus any phone number or e-mail
    address in a text that is not the person's or the ex's.
    """

    def __init__(self, case: Case, names: Iterable[str], keep: Iterable[str], region: str) -> None:
        self.keep = {k.lower() for k in keep}
        self.region = region
        own = {n.lower() for n in (*case.user.display_names(), *case.ex.display_names())}
        own_tokens = {t for n in own for t in n.split()}
        words: set[str] = set()
        for n in names:
            n = n.strip()
            if not n or n.lower() in own or "@" in n or n.lower() in self.keep:
                continue
            if _PHONE.fullmatch(n):
                continue
            words.add(n)
            for tok in n.split():
                if len(tok) >= 3 and tok.lower() not in own_tokens:
                    words.add(tok)
        alts = sorted(words, key=len, reverse=True)
        self._names = re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in alts) + r")(?!\w)", re.I) \
            if alts else None

    def _phone(self, m: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", m.group(0))
        if len(digits) < 7:
            return m.group(0)
        try:
            key = normalise(_ident("phone", m.group(0)), self.region).lower()
        except Exception:  # noqa: BLE001 - an unparsable number is still hidden
            key = ""
        return m.group(0) if key in self.keep else "[number withheld]"

    def _email(self, m: re.Match[str]) -> str:
        return m.group(0) if m.group(0).lower() in self.keep else "[address withheld]"

    def text(self, s: str) -> str:
        s = _EMAIL.sub(self._email, s)
        s = _PHONE.sub(self._phone, s)
        if self._names is not None:
            s = self._names.sub("[name withheld]", s)
        return s


def _ident(kind: str, value: str) -> Any:
    from nocontact.model import Identifier

    return Identifier(kind, value)  # type: ignore[arg-type]


def _third_party_names(events: Iterable[StoredEvent], matcher: ExMatcher) -> set[str]:
    names: set[str] = set()
    for ev in events:
        idents = [i for i in (ev.sender_identifier(), *ev.peer_identifiers()) if i is not None]
        for i in idents:
            if i.kind in ("party", "withheld"):
                continue
            k = matcher.key(i)
            if k and (k in matcher.keys or k in matcher.user_keys):
                continue
            names.add(i.value)
    return names


def _witness_names(rows: Iterable[Mapping[str, Any]]) -> set[str]:
    """Capitalised words in the person's 'witnesses' entries: names the case otherwise does not know."""
    out: set[str] = set()
    for r in rows:
        for w in re.findall(r"[^\W\d_][\w'-]{2,}", r["witnesses"] or ""):
            if w[0].isupper():
                out.add(w)
    return out


# ---- building ------------------------------------------------------------------------------------
def _text_for(row: Mapping[str, Any], mode: TextMode, shield: Shield | None) -> str:
    parts: list[str] = []
    if row["category"] == "call":
        label = _CALL_TYPES.get(row["call_type"]) if row["channel"] == "call" else None
        label = label or f"{row['channel']} call"
        dur = row["duration_s"]
        parts.append(label[0].upper() + label[1:] + (f", {dur} s" if dur else ""))
    body = row["body"] or ""
    subject = row["subject"] or ""
    text = (f"Subject: {subject}\n" if subject else "") + body
    if text.strip():
        if shield is not None:
            text = shield.text(text)
        if mode == "none":
            parts.append(f"[text withheld: {len(text)} characters]")
        elif mode == "excerpt" and len(text) > EXCERPT_CHARS:
            parts.append(text[:EXCERPT_CHARS].rstrip() + " …")
        else:
            parts.append(text)
    if row["attachments"]:
        parts.append("Attached: " + ", ".join(a["name"] for a in row["attachments"]))
    return visible("\n".join(parts))


def _zoneinfo(zone: tzinfo) -> ZoneInfo:
    """The analysis package takes a ZoneInfo; UTC given as ``datetime.UTC`` is the same clock."""
    if isinstance(zone, ZoneInfo):
        return zone
    return ZoneInfo(str(getattr(zone, "key", None) or zone.tzname(None) or "UTC"))


#: Fetches the complete export rows of the given event ids (the rows the report prints).
FullRows = Callable[[set[int]], dict[int, Mapping[str, Any]]]


def _severity(flags: Sequence[str]) -> int:
    return min((_FLAG_ORDER.index(n) if n in _FLAG_ORDER else len(_FLAG_ORDER)) for n in flags)


def _pick_flagged(hits: Mapping[int, Sequence[FlagHit]], cap: int) -> list[int]:
    """The flagged messages printed: all up to ``cap``; past it the most serious kinds first, then time."""
    if len(hits) <= cap:
        return list(hits)
    order = sorted(hits, key=lambda eid: (_severity([h.flag for h in hits[eid]]), eid))
    keep = set(order[:cap])
    return [eid for eid in hits if eid in keep]


def _pick_log(rows: Sequence[Mapping[str, Any]], cap: int, boundary_event_id: int | None) -> list[int]:
    """The event ids the printed log shows: every entry up to ``cap``; past it the boundary message,
    every incident the person recorded, and the first ``LOG_HEAD`` and the most recent ``LOG_TAIL``
    messages and calls after the boundary: how it started and that it goes on. Flagged messages
    are printed in section 3 whether or not they are here; the complete log travels as events.csv."""
    if len(rows) <= cap:
        return [int(r["event_id"]) for r in rows]
    after = [int(r["event_id"]) for r in rows if r["after_boundary"] and not _is_incident(r)]
    chosen = set(after[:LOG_HEAD]) | set(after[-LOG_TAIL:] if LOG_TAIL else ())
    chosen |= {int(r["event_id"]) for r in rows if _is_incident(r)}
    if boundary_event_id is not None:
        chosen.add(boundary_event_id)
    return [int(r["event_id"]) for r in rows if int(r["event_id"]) in chosen]


def _pick_largest(items: Sequence[Any], cap: int, size: Callable[[Any], int]) -> list[Any]:
    """The ``cap`` largest of ``items`` by ``size`` (earliest first on ties), in their original order."""
    if len(items) <= cap:
        return list(items)
    keep = set(sorted(range(len(items)), key=lambda i: (-size(items[i]), i))[:cap])
    return [x for i, x in enumerate(items) if i in keep]


def model_from_rows(rows: Sequence[Mapping[str, Any]], *, case: Case, zone: tzinfo, boundary: datetime | None,
                    boundary_event_id: int | None, journal: tuple[int, str], public_key: bytes, vault_id: str,
                    sources: Sequence[dict[str, Any]] = (), shield: Shield | None = None,
                    text: TextMode = "excerpt", jurisdiction: str | None = None,
                    now: datetime | None = None, log_cap: int = LOG_CAP,
                    full_rows: FullRows | None = None) -> ReportModel:
    """The report model from events export rows (time-ordered) and the vault's source list.

    Every figure comes from ``nocontact.analysis.summarise`` over ``rows`` (so the report, the
    web app and the CLI agree); the report only chooses which of them to print and how.
    ``rows`` may be slim (``SlimRow``); ``full_rows`` then fetches the complete rows of the
    events the report prints. Without it, ``rows`` are taken to be complete.
    """
    if text not in ("excerpt", "full", "none"):
        raise ValueError("text must be 'excerpt', 'full' or 'none'")
    now = now or datetime.now(UTC)
    zi = _zoneinfo(zone)
    summary = summarise(rows, boundary, zi, now)
    by_id = {int(r["event_id"]): r for r in rows if r["party"] or r["origin"] == "manual"}
    att = summary.attempts
    contact_set = {i for cat in CONTACT_CATEGORIES for i in att.by_category.get(cat, AFigure()).event_ids}
    ids = tuple(i for i in att.total.event_ids if i in contact_set)
    incident_ids = tuple(att.by_category.get("incident", AFigure()).event_ids)
    ex_name = case.ex.name or "the ex"
    days = [d for d, f in att.by_day.items() if any(i in contact_set for i in f.event_ids)]
    night = tuple(i for i in summary.night.event_ids if i in contact_set)
    bursts_all = summary.bursts

    def stamp(r: Mapping[str, Any]) -> str:
        return _stamp(_local(r["utc"], zone))

    def stamp_id(eid: int) -> str:
        return stamp(by_id[eid])

    night_from, night_to = summary.night_hours
    headline = Figure(f"Messages and calls from {ex_name} after the boundary", str(len(ids)), ids,
                      "party set, after_boundary = true, direction = incoming, category = message or call")
    figures = [
        headline,
        Figure("Distinct days with contact after the boundary", str(len(days)), ids,
               "the local dates of the events above"),
        Figure("First contact after the boundary", stamp_id(ids[0]) if ids else "none",
               ids[:1], "the earliest of the events above"),
        Figure("Most recent contact", stamp_id(ids[-1]) if ids else "none",
               ids[-1:], "the latest of the events above"),
        Figure(f"Night-time contact ({night_from} to {night_to} local)", str(len(night)), night,
               f"the events above whose local time is from {night_from} to before {night_to}"),
        Figure(f"Bursts ({bursts_all[0].min_count if bursts_all else 5} or more attempts within "
               f"{int(bursts_all[0].window_minutes) if bursts_all else 60} minutes, on one channel from one "
               "number or account)", str(len(bursts_all)),
               tuple(i for b in bursts_all for i in b.event_ids),
               "attempts after the boundary (messages, calls, recorded incidents) grouped by channel and "
               "identifier; a run starts wherever 5 fall within 60 minutes, and overlapping runs join"),
        Figure("Incidents recorded by the person after the boundary", str(len(incident_ids)), incident_ids,
               "origin = manual, category = incident, after_boundary = true"),
        Figure("Days with any act after the boundary (contact or recorded incident)", str(att.distinct_days),
               (), "local dates of the two sets above; two or more acts form a course of conduct in many laws"),
    ]
    channels = []
    for ch, fig in att.by_channel.items():
        cids = tuple(i for i in fig.event_ids if i in contact_set)
        if cids:
            channels.append(ChannelFigure(ch, len(cids), stamp_id(cids[0]), stamp_id(cids[-1]), cids))
    channels.sort(key=lambda c: (-c.count, c.channel))
    bursts = []
    for b in sorted(sorted(bursts_all, key=lambda b: -b.count)[:BURST_CAP], key=lambda b: b.first_utc):
        t0, t1 = _local(b.first_utc, zone), _local(b.last_utc, zone)
        chs = Counter(str(by_id[i]["channel"]) for i in b.event_ids)
        bursts.append(Burst(_stamp(t0), _stamp(t1), int((t1 - t0).total_seconds() // 60), b.count,
                            ", ".join(f"{c} {n}" for c, n in chs.most_common()), b.event_ids))
    signals = [Figure(s.title, str(len(s.event_ids)), s.event_ids, f"nocontact.analysis risk signal '{s.key}'")
               for s in summary.risk.present()]

    # Flagged words: after the boundary exactly summarise's hits; before it, the same rules.
    # (The hits of summarise are shared, not copied: there may be tens of thousands.)
    hits: dict[int, Sequence[FlagHit]] = {}
    for r in rows:
        if not (r["party"] and r["direction"] == "incoming"
                and r["category"] in (*CONTACT_CATEGORIES, "incident")):
            continue
        eid = int(r["event_id"])
        found = summary.flag_hits.get(eid) if eid in summary.flag_hits else (
            None if r["after_boundary"] else tuple(flags_for_row(r)))
        if found:
            hits[eid] = found
    flag_counts = Counter(n for found in hits.values() for n in dict.fromkeys(h.flag for h in found))
    printed_flags = _pick_flagged(hits, FLAG_CAP)
    printed_set = set(printed_flags)
    unprinted_serious = sorted(eid for eid, found in hits.items()
                               if eid not in printed_set and _severity([h.flag for h in found]) < 3)

    log_rows_all = [r for r in rows if _in_log(r)]
    log_ids = _pick_log(log_rows_all, log_cap, boundary_event_id)
    wanted = set(log_ids) | set(printed_flags)
    full: dict[int, Mapping[str, Any]] = (full_rows(wanted) if full_rows is not None
                                         else {int(r["event_id"]): r for r in rows if int(r["event_id"]) in wanted})

    flagged: list[FlaggedMessage] = []
    for eid in printed_flags:
        r = full[eid]
        names = tuple(dict.fromkeys(h.flag for h in hits[eid]))
        evidence = tuple(visible(shield.text(h.text) if shield else h.text) for h in hits[eid])
        flagged.append(FlaggedMessage(eid, stamp(r), r["channel"], names, evidence,
                                      _text_for(r, "full" if text == "excerpt" else text, shield)))

    log = []
    for eid in log_ids:
        r = full[eid]
        loc = _local(r["utc"], zone)
        ident = r["identifier"] or ("recorded by the person" if r["origin"] == "manual" else "")
        witnesses = r["witnesses"] or ""
        if shield is not None and witnesses:
            witnesses = "[withheld]"
        log.append(LogRow(
            event_id=eid, date=loc.strftime("%Y-%m-%d"),
            time=loc.strftime("%H:%M:%S ") + (loc.tzname() or ""), channel=r["channel"], identifier=visible(ident),
            direction=r["direction"], what=_text_for(r, text, shield),
            location=visible(shield.text(r["location"]) if shield and r["location"] else r["location"] or ""),
            witnesses=visible(witnesses), police_report=visible(r["police_report"] or ""),
            officer=visible(r["officer"] or ""),
            impact=visible(shield.text(r["impact"]) if shield and r["impact"] else r["impact"] or ""),
            after_boundary=bool(r["after_boundary"]),
            is_boundary=boundary_event_id is not None and eid == boundary_event_id,
            flags=tuple(dict.fromkeys(h.flag for h in hits.get(eid, ()))),
            source=visible(f"{r['source']} #{r['source_id']}") if r["source"] else "the person's own entry",
            attachments=tuple(visible(a["name"]) for a in r["attachments"]),
        ))

    ex_per_source = Counter(r["source_sha256"] for r in rows if r["party"] and r["source_sha256"])
    exhibits_all = []
    for n, s in enumerate(sources, 1):
        name = s["display"]
        note = ""
        if shield is not None:
            if ex_per_source.get(s["sha256"], 0) == 0:
                name, note = "[file name withheld]", f"holds no contact from {ex_name}"
            else:
                name = shield.text(name)
        how = f"{s['format'] or 'unknown'} export, read by nocontact's {s['format']} importer"
        if s.get("records_read") is not None:
            how += (f"; {s['records_read']} records read, {s['skipped_unrelated']} about other people "
                    f"not kept; imported {s['imports']} time(s)") + _cap_note(s)
        if s.get("direction_basis"):
            how += ("; the export does not say which messages are the person's, and nocontact recorded how it "
                    f"told them: \u201c{s['direction_basis']}\u201d")
        exhibits_all.append(Exhibit(f"E{n}", visible(name), s["sha256"], int(s["size"]), how,
                                    str(s["imported_at"])[:19].replace("T", " "),
                                    ex_per_source.get(s["sha256"], 0), note))
    exhibits = _pick_largest(exhibits_all, EXHIBIT_CAP, lambda e: int(e.events))
    shown_numbers = {e.number for e in exhibits}
    left = [e for e in exhibits_all if e.number not in shown_numbers]

    atts_all: list[tuple[int, dict[str, Any]]] = []
    seen: set[str] = set()
    for r in rows:
        if not (r["party"] or r["origin"] == "manual"):
            continue
        for a in r["attachments"]:
            if not a["sha256"] or a["sha256"] in seen:
                continue
            seen.add(a["sha256"])
            atts_all.append((int(r["event_id"]), a))
    printed_ids = set(log_ids) | set(printed_flags)
    pick = [k for k, (eid, _) in enumerate(atts_all) if eid in printed_ids][:ATTACHMENT_CAP]
    if len(pick) < ATTACHMENT_CAP:
        have = set(pick)
        pick += [k for k in range(len(atts_all)) if k not in have][:ATTACHMENT_CAP - len(pick)]
    atts: list[Exhibit] = []
    for k in sorted(pick):
        eid, a = atts_all[k]
        nm = shield.text(a["name"]) if shield else a["name"]
        atts.append(Exhibit(f"A{k + 1}", visible(nm), a["sha256"], int(a["size"] or 0),
                            (a["mime"] or "file") + (" attached to event " + str(eid)), str(by_id[eid]["utc"]), 1))

    jur = load_jurisdiction(jurisdiction) if jurisdiction else None
    country = jur.country if jur else (case.region or _country_for_zone(zone))
    hot_j = jur or default_for_country(country)
    hotlines = hot_j.hotlines if hot_j else ()
    paper = jur.paper if jur else ("letter" if country in ("US", "CA") else "a4")
    first_ex = next((r for r in rows if r["party"]), None)
    last_ex = next((r for r in reversed(rows) if r["party"]), None)
    return ReportModel(
        person=case.user.name or "the person", ex=ex_name, generated_at=_stamp(now.astimezone(zone)),
        version=__version__, zone_name=str(getattr(zone, "key", zone)),
        period_first=stamp(first_ex) if first_ex else "none", period_last=stamp(last_ex) if last_ex else "none",
        boundary_local=_stamp(boundary.astimezone(zone)) if boundary else "not set",
        boundary_utc=format_utc(boundary) if boundary else "not set", boundary_event_id=boundary_event_id,
        journal_seq=journal[0], journal_head=journal[1],
        public_key_fingerprint=hashlib.sha256(public_key).hexdigest(), vault_id=vault_id,
        text_mode=text, redacted=shield is not None, headline=headline, figures=figures, channels=channels,
        bursts=bursts, log=log, log_total=len(log_rows_all), log_capped=len(log_rows_all) > len(log),
        flagged=flagged, flagged_total=len(hits), bursts_total=len(bursts_all),
        flag_counts=sorted(flag_counts.items(), key=lambda kv: (-kv[1], kv[0])), exhibits=exhibits,
        attachments=atts, jurisdiction=jur, hotlines=hotlines, paper=paper,
        analysis_source="nocontact.analysis (summarise: counts, bursts, night-time, flags, risk signals)",
        attempts_local=[(_local(by_id[i]["utc"], zone), str(by_id[i]["channel"])) for i in ids],
        boundary_at_local=boundary.astimezone(zone) if boundary else None,
        incidents=sum(1 for r in rows if _is_incident(r)),
        signals=signals,
        flagged_unprinted_serious=tuple(unprinted_serious),
        exhibits_total=len(exhibits_all), exhibits_more_events=sum(e.events for e in left),
        exhibits_more_empty=sum(1 for e in left if not e.events),
        attachments_total=len(atts_all),
    )


def _country_for_zone(zone: tzinfo) -> str:
    key = str(getattr(zone, "key", ""))
    if key.startswith(("Europe/London", "Europe/Belfast")):
        return "GB"
    if key.startswith("Australia/"):
        return "AU"
    if key in ("America/Toronto", "America/Vancouver", "America/Edmonton", "America/Winnipeg", "America/Halifax",
               "America/St_Johns", "America/Regina") or key.startswith("Canada/"):
        return "CA"
    if key.startswith(("America/", "US/", "Pacific/Honolulu")):
        return "US"
    return ""


def _sources(vault: Vault) -> list[dict[str, Any]]:
    q = ("SELECT s.sha256, s.size, s.display, coalesce(s.format, ''), s.first_imported_at, "
         "(SELECT count(*) FROM imports i WHERE i.source_id = s.id), "
         "(SELECT i.records_read FROM imports i WHERE i.source_id = s.id ORDER BY i.id LIMIT 1), "
         "(SELECT i.skipped_unrelated FROM imports i WHERE i.source_id = s.id ORDER BY i.id LIMIT 1), "
         "(SELECT i.summary FROM imports i WHERE i.source_id = s.id ORDER BY i.id LIMIT 1) "
         "FROM sources s ORDER BY s.id")
    return [{"sha256": r[0], "size": r[1], "display": r[2], "format": r[3], "imported_at": r[4],
             "imports": r[5], "records_read": r[6], "skipped_unrelated": r[7],
             "system_lines": _system_lines(r[8])}
            for r in vault.conn.execute(q)]


def _system_lines(summary: str | None) -> int:
    try:
        value = json.loads(summary or "{}").get("system_lines", 0)
    except (ValueError, AttributeError):
        return 0
    return value if isinstance(value, int) else 0


def _cap_note(s: dict[str, Any]) -> str:
    """What the report says of a WhatsApp chat about as long as WhatsApp's export limit."""
    if s.get("records_read") is None:
        return ""
    entries = int(s["records_read"]) + int(s["system_lines"])
    cap = export_cap(s["format"], entries)
    if cap is None:
        return ""
    return (f"; it holds {entries:,} messages, about the most WhatsApp puts in one export ({cap:,}), "
            "and WhatsApp keeps the newest: messages from before its first one may exist that it does "
            "not hold")


def build_model(vault: Vault, *, redact_third_parties: bool = False, text: TextMode = "excerpt",
                jurisdiction: str | None = None, now: datetime | None = None,
                log_cap: int = LOG_CAP) -> ReportModel:
    """Read the vault and build the report model (the case zone is the report's clock).

    The events are read twice, streaming: once into slim rows for the figures, once more for the
    complete rows of the few hundred events the report prints. Memory then follows the number of
    the ex's events in a small constant per event, not the size of every export row.
    """
    case = current_case(vault)
    b = current_boundary(vault)
    boundary, boundary_event = (b[0], b[1]) if b else (None, None)
    zone: tzinfo = ZoneInfo(case.source_timezone) if case.source_timezone else ZoneInfo("UTC")
    matcher = ExMatcher(case) if redact_third_parties else None
    names: set[str] = set()

    #: source SHA-256 -> how an export that does not say which messages are the person's was read
    direction_basis: dict[str, str] = {}

    def watched(events: Iterable[StoredEvent]) -> Iterator[StoredEvent]:
        for ev in events:
            if matcher is not None:
                names.update(_third_party_names((ev,), matcher))
            sha = ev.row.get("source_sha256")
            if sha and sha not in direction_basis and '"direction_basis"' in str(ev.row.get("extra") or ""):
                basis = json.loads(ev.row["extra"]).get("direction_basis")
                if isinstance(basis, str):
                    direction_basis[sha] = basis
            yield ev

    rows: list[Mapping[str, Any]] = []
    for r in event_dicts(watched(iter_events(vault)), case, boundary):
        if matcher is not None:
            names.update(_witness_names((r,)))
        if kept_for_report(r):
            rows.append(SlimRow(r))
    shield = None
    if matcher is not None:
        shield = Shield(case, names, {*matcher.keys, *matcher.user_keys}, matcher.region)

    def full_rows(ids: set[int]) -> dict[int, Mapping[str, Any]]:
        events = (ev for ev in iter_events(vault) if ev.id in ids)
        return {int(r["event_id"]): r for r in event_dicts(events, case, boundary)}

    sources = _sources(vault)
    for src in sources:
        src["direction_basis"] = direction_basis.get(src["sha256"], "")
    return model_from_rows(rows, case=case, zone=zone, boundary=boundary, boundary_event_id=boundary_event,
                           journal=vault.head(), public_key=vault.header.public_key, vault_id=vault.vault_id,
                           sources=sources, shield=shield, text=text, jurisdiction=jurisdiction, now=now,
                           log_cap=log_cap, full_rows=full_rows)


def data_uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")
