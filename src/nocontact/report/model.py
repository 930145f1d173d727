"""The report's content as plain data, built from the vault and nothing else.

Every number here is computed from the events export rows (``eventlog.event_dicts``), so a
reader holding ``events.csv`` from the bundle can reproduce it: each figure carries the event
ids that make it and the rule that selects them. Rendering (HTML, PDF, charts) reads this model
and never goes back to the vault.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

from nocontact import __version__
from nocontact.case import Case
from nocontact.eventlog import event_dicts
from nocontact.identity import ExMatcher, normalise
from nocontact.legal import Hotline, Jurisdiction, default_for_country, load_jurisdiction
from nocontact.model import format_utc
from nocontact.vault.events import StoredEvent, current_boundary, current_case, iter_events
from nocontact.vault.store import Vault

__all__ = [
    "CONTACT_CATEGORIES",
    "EXCERPT_CHARS",
    "FLAG_CAP",
    "BURST_CAP",
    "LOG_CAP",
    "Burst",
    "ChannelFigure",
    "Exhibit",
    "Figure",
    "FlaggedMessage",
    "LogRow",
    "ReportModel",
    "TextMode",
    "build_model",
    "model_from_rows",
    "visible",
]

TextMode = Literal["excerpt", "full", "none"]

#: Characters of message text shown in "excerpt" mode.
EXCERPT_CHARS = 160
#: Rows of the incident log printed in the report. Past this the log is cut, and the report says
#: where the complete log is (events.csv in the evidence bundle): a court reads a summary and a
#: few pages, not thousands; the full data travels beside it, hashed.
LOG_CAP = 400
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


def is_attempt(row: dict[str, Any]) -> bool:
    """A message or call from the ex to the person after the boundary: the number a court asks for."""
    return bool(row["party"] and row["after_boundary"] and row["direction"] == "incoming"
                and row["category"] in CONTACT_CATEGORIES)


def _is_incident(row: dict[str, Any]) -> bool:
    return bool(row["origin"] == "manual" and row["category"] == "incident")


def _in_log(row: dict[str, Any]) -> bool:
    return bool(row["party"]) and row["category"] in (*CONTACT_CATEGORIES, "incident")


# ---- interim analysis: replaced by nocontact.analysis functions when they are present -------------
_FLAG_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("threat", re.compile(r"\b(you'?ll regret|regret this|i'?ll (hurt|kill|make you pay|ruin)|"
                          r"you'?ll be sorry|watch your back|kill you|hurt you)\b", re.I)),
    ("self_harm", re.compile(r"\b(kill myself|end it all|hurt myself|no reason to live|"
                             r"(don'?t|do not) want to (live|be here)|end my life)\b", re.I)),
    ("surveillance", re.compile(r"\b(i saw you|saw you at|i know where you|i watched you|"
                                r"i was outside|i'?m outside|waiting outside|followed you)\b", re.I)),
    ("workplace", re.compile(r"\b(your (work|office|job|boss|manager|colleagues?|coworkers?)|"
                             r"at work|reception)\b", re.I)),
    ("demand_response", re.compile(r"\b(answer (me|your phone|the phone)|call me( back)?|reply|"
                                   r"respond|pick up|text me back)\b", re.I)),
    ("third_party", re.compile(r"\b(your (mom|mum|dad|mother|father|sister|brother|friends?|family)|"
                               r"told (your|alex|everyone)|i'?ll tell)\b", re.I)),
)


def _interim_flags_for_text(text: str) -> list[tuple[str, str]]:
    """(flag, matched words) for one message; stands in for analysis.flags_for_text."""
    out: list[tuple[str, str]] = []
    for name, rx in _FLAG_RULES:
        m = rx.search(text)
        if m:
            out.append((name, m.group(0)))
    return out


def _interim_bursts(attempts: Sequence[dict[str, Any]], *, gap: timedelta = timedelta(minutes=15),
                    minimum: int = 5) -> list[list[dict[str, Any]]]:
    """Runs of at least ``minimum`` attempts, each within ``gap`` of the one before."""
    runs: list[list[dict[str, Any]]] = []
    cur: list[dict[str, Any]] = []
    for r in attempts:
        if cur and _utc(r["utc"]) - _utc(cur[-1]["utc"]) > gap:
            if len(cur) >= minimum:
                runs.append(cur)
            cur = []
        cur.append(r)
    if len(cur) >= minimum:
        runs.append(cur)
    return runs


def _flags(row: dict[str, Any]) -> tuple[list[tuple[str, str]], bool]:
    """(flag, the words that raised it) for one row, and whether nocontact.analysis decided.

    The analysis package's rules are the authority; the interim rules above stand in only
    where it is not installed.
    """
    try:
        fn = importlib.import_module("nocontact.analysis.flags").flags_for_row
    except (ImportError, AttributeError):
        text = (row["subject"] or "") + "\n" + (row["body"] or "")
        return _interim_flags_for_text(text), False
    return [(str(h.flag), str(h.text)) for h in fn(row)], True


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


def _witness_names(rows: Iterable[dict[str, Any]]) -> set[str]:
    """Capitalised words in the person's 'witnesses' entries: names the case otherwise does not know."""
    out: set[str] = set()
    for r in rows:
        for w in re.findall(r"[^\W\d_][\w'-]{2,}", r["witnesses"] or ""):
            if w[0].isupper():
                out.add(w)
    return out


# ---- building ------------------------------------------------------------------------------------
def _text_for(row: dict[str, Any], mode: TextMode, shield: Shield | None) -> str:
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


def _ids_rule(ids: Sequence[int]) -> tuple[int, ...]:
    return tuple(ids)


def model_from_rows(rows: Sequence[dict[str, Any]], *, case: Case, zone: tzinfo, boundary: datetime | None,
                    boundary_event_id: int | None, journal: tuple[int, str], public_key: bytes, vault_id: str,
                    sources: Sequence[dict[str, Any]] = (), shield: Shield | None = None,
                    text: TextMode = "excerpt", jurisdiction: str | None = None,
                    now: datetime | None = None, log_cap: int = LOG_CAP) -> ReportModel:
    """The report model from events export rows (time-ordered) and the vault's source list."""
    if text not in ("excerpt", "full", "none"):
        raise ValueError("text must be 'excerpt', 'full' or 'none'")
    now = now or datetime.now(UTC)
    attempts = [r for r in rows if is_attempt(r)]
    incidents = [r for r in rows if _is_incident(r)]
    ids = tuple(int(r["event_id"]) for r in attempts)
    ex_name = case.ex.name or "the ex"
    days = sorted({_local(r["utc"], zone).date() for r in attempts})
    acts_days = sorted({_local(r["utc"], zone).date() for r in (*attempts,
                        *(i for i in incidents if i["after_boundary"]))})
    night = [r for r in attempts if (h := _local(r["utc"], zone).hour) >= NIGHT_START or h < NIGHT_END]
    runs = _interim_bursts(attempts)
    per_channel: dict[str, list[dict[str, Any]]] = {}
    for r in attempts:
        per_channel.setdefault(r["channel"], []).append(r)

    def stamp(r: dict[str, Any]) -> str:
        return _stamp(_local(r["utc"], zone))

    headline = Figure(f"Messages and calls from {ex_name} after the boundary", str(len(attempts)), ids,
                      "party set, after_boundary = true, direction = incoming, category = message or call")
    figures = [
        headline,
        Figure("Distinct days with contact after the boundary", str(len(days)), ids,
               "the local dates of the events above"),
        Figure("First contact after the boundary", stamp(attempts[0]) if attempts else "none",
               ids[:1], "the earliest of the events above"),
        Figure("Most recent contact", stamp(attempts[-1]) if attempts else "none",
               ids[-1:], "the latest of the events above"),
        Figure(f"Night-time contact ({NIGHT_START:02d}:00 to {NIGHT_END:02d}:00 local)", str(len(night)),
               tuple(int(r["event_id"]) for r in night), "the events above whose local hour is 22 to 5"),
        Figure("Bursts (5 or more within 15 minutes of each other)", str(len(runs)),
               tuple(int(r["event_id"]) for run in runs for r in run), "runs of the events above"),
        Figure("Incidents recorded by the person after the boundary",
               str(sum(1 for i in incidents if i["after_boundary"])),
               tuple(int(i["event_id"]) for i in incidents if i["after_boundary"]),
               "origin = manual, category = incident, after_boundary = true"),
        Figure("Days with any act after the boundary (contact or recorded incident)", str(len(acts_days)),
               (), "local dates of the two sets above; two or more acts form a course of conduct in many laws"),
    ]
    channels = [ChannelFigure(ch, len(rs), stamp(rs[0]), stamp(rs[-1]), tuple(int(r["event_id"]) for r in rs))
                for ch, rs in sorted(per_channel.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    bursts = []
    shown_runs = sorted(sorted(runs, key=lambda run: -len(run))[:BURST_CAP], key=lambda run: run[0]["utc"])
    for run in shown_runs:
        a, b = _local(run[0]["utc"], zone), _local(run[-1]["utc"], zone)
        chs = Counter(r["channel"] for r in run)
        bursts.append(Burst(_stamp(a), _stamp(b), int((b - a).total_seconds() // 60), len(run),
                            ", ".join(f"{c} {n}" for c, n in chs.most_common()),
                            tuple(int(r["event_id"]) for r in run)))

    flagged: list[FlaggedMessage] = []
    flag_by_id: dict[int, tuple[str, ...]] = {}
    used_analysis = False
    for r in rows:
        if not (r["party"] and r["direction"] == "incoming" and r["category"] in (*CONTACT_CATEGORIES, "incident")):
            continue
        if not ((r["subject"] or "").strip() or (r["body"] or "").strip()):
            continue
        found, by_analysis = _flags(r)
        used_analysis = used_analysis or by_analysis
        if not found:
            continue
        names = tuple(dict.fromkeys(n for n, _ in found))
        flag_by_id[int(r["event_id"])] = names
        evidence = tuple(visible(shield.text(e) if shield else e) for _, e in found)
        flagged.append(FlaggedMessage(int(r["event_id"]), stamp(r), r["channel"], names, evidence,
                                      _text_for(r, "full" if text == "excerpt" else text, shield)))

    flag_counts = Counter(n for f in flagged for n in f.flags)
    flagged_total = len(flagged)
    if len(flagged) > FLAG_CAP:
        def severity(f: FlaggedMessage) -> int:
            return min((_FLAG_ORDER.index(n) if n in _FLAG_ORDER else len(_FLAG_ORDER)) for n in f.flags)
        keep = sorted(flagged, key=lambda f: (severity(f), f.event_id))[:FLAG_CAP]
        ids_kept = {f.event_id for f in keep}
        flagged = [f for f in flagged if f.event_id in ids_kept]

    log_rows_all = [r for r in rows if _in_log(r)]
    chosen = _cap_log(log_rows_all, log_cap, boundary_event_id)
    log = []
    for r in chosen:
        loc = _local(r["utc"], zone)
        ident = r["identifier"] or ("recorded by the person" if r["origin"] == "manual" else "")
        witnesses = r["witnesses"] or ""
        if shield is not None and witnesses:
            witnesses = "[withheld]"
        log.append(LogRow(
            event_id=int(r["event_id"]), date=loc.strftime("%Y-%m-%d"),
            time=loc.strftime("%H:%M:%S ") + (loc.tzname() or ""), channel=r["channel"], identifier=visible(ident),
            direction=r["direction"], what=_text_for(r, text, shield),
            location=visible(shield.text(r["location"]) if shield and r["location"] else r["location"] or ""),
            witnesses=visible(witnesses), police_report=visible(r["police_report"] or ""),
            officer=visible(r["officer"] or ""),
            impact=visible(shield.text(r["impact"]) if shield and r["impact"] else r["impact"] or ""),
            after_boundary=bool(r["after_boundary"]),
            is_boundary=boundary_event_id is not None and int(r["event_id"]) == boundary_event_id,
            flags=flag_by_id.get(int(r["event_id"]), ()),
            source=visible(f"{r['source']} #{r['source_id']}") if r["source"] else "the person's own entry",
            attachments=tuple(visible(a["name"]) for a in r["attachments"]),
        ))

    ex_per_source = Counter(r["source_sha256"] for r in rows if r["party"] and r["source_sha256"])
    exhibits = []
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
                    f"not kept; imported {s['imports']} time(s)")
        exhibits.append(Exhibit(f"E{n}", visible(name), s["sha256"], int(s["size"]), how,
                                str(s["imported_at"])[:19].replace("T", " "), ex_per_source.get(s["sha256"], 0), note))
    atts: list[Exhibit] = []
    seen: set[str] = set()
    for r in rows:
        if not (r["party"] or r["origin"] == "manual"):
            continue
        for a in r["attachments"]:
            if not a["sha256"] or a["sha256"] in seen:
                continue
            seen.add(a["sha256"])
            nm = shield.text(a["name"]) if shield else a["name"]
            atts.append(Exhibit(f"A{len(atts) + 1}", visible(nm), a["sha256"], int(a["size"] or 0),
                                (a["mime"] or "file") + (" attached to event " + str(r["event_id"])),
                                r["utc"], 1))

    jur = load_jurisdiction(jurisdiction) if jurisdiction else None
    country = jur.country if jur else (case.region or _country_for_zone(zone))
    hot_j = jur or default_for_country(country)
    hotlines = hot_j.hotlines if hot_j else ()
    paper = jur.paper if jur else ("letter" if country in ("US", "CA") else "a4")
    ex_rows = [r for r in rows if r["party"]]
    return ReportModel(
        person=case.user.name or "the person", ex=ex_name, generated_at=_stamp(now.astimezone(zone)),
        version=__version__, zone_name=str(getattr(zone, "key", zone)),
        period_first=stamp(ex_rows[0]) if ex_rows else "none", period_last=stamp(ex_rows[-1]) if ex_rows else "none",
        boundary_local=_stamp(boundary.astimezone(zone)) if boundary else "not set",
        boundary_utc=format_utc(boundary) if boundary else "not set", boundary_event_id=boundary_event_id,
        journal_seq=journal[0], journal_head=journal[1],
        public_key_fingerprint=hashlib.sha256(public_key).hexdigest(), vault_id=vault_id,
        text_mode=text, redacted=shield is not None, headline=headline, figures=figures, channels=channels,
        bursts=bursts, log=log, log_total=len(log_rows_all), log_capped=len(log_rows_all) > len(log),
        flagged=flagged, flagged_total=flagged_total, bursts_total=len(runs),
        flag_counts=sorted(flag_counts.items(), key=lambda kv: (-kv[1], kv[0])), exhibits=exhibits, attachments=atts, jurisdiction=jur, hotlines=hotlines, paper=paper,
        analysis_source=("nocontact.report, with flags from the nocontact.analysis rules" if used_analysis
                         else "nocontact.report (its interim flag rules)"),
        attempts_local=[(_local(r["utc"], zone), r["channel"]) for r in attempts],
        boundary_at_local=boundary.astimezone(zone) if boundary else None,
        incidents=len(incidents),
    )


def _cap_log(rows: list[dict[str, Any]], cap: int, boundary_event_id: int | None) -> list[dict[str, Any]]:
    """The rows the printed log shows: all of them up to ``cap``; past it, the boundary message,
    every incident the person recorded, and the first ``cap`` messages and calls after the boundary
    (the complete log travels as events.csv in the bundle)."""
    if len(rows) <= cap:
        return rows
    out: list[dict[str, Any]] = []
    taken = 0
    for r in rows:
        must = _is_incident(r) or (boundary_event_id is not None and int(r["event_id"]) == boundary_event_id)
        if must:
            out.append(r)
        elif r["after_boundary"] and taken < cap:
            out.append(r)
            taken += 1
    return out


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
         "(SELECT i.skipped_unrelated FROM imports i WHERE i.source_id = s.id ORDER BY i.id LIMIT 1) "
         "FROM sources s ORDER BY s.id")
    return [{"sha256": r[0], "size": r[1], "display": r[2], "format": r[3], "imported_at": r[4],
             "imports": r[5], "records_read": r[6], "skipped_unrelated": r[7]}
            for r in vault.conn.execute(q)]


def build_model(vault: Vault, *, redact_third_parties: bool = False, text: TextMode = "excerpt",
                jurisdiction: str | None = None, now: datetime | None = None,
                log_cap: int = LOG_CAP) -> ReportModel:
    """Read the vault once and build the report model (the case zone is the report's clock)."""
    case = current_case(vault)
    b = current_boundary(vault)
    boundary, boundary_event = (b[0], b[1]) if b else (None, None)
    zone: tzinfo = ZoneInfo(case.source_timezone) if case.source_timezone else UTC
    events = list(iter_events(vault))
    rows = list(event_dicts(events, case, boundary))
    shield = None
    if redact_third_parties:
        matcher = ExMatcher(case)
        keep = {*matcher.keys, *matcher.user_keys}
        names = _third_party_names(events, matcher) | _witness_names(rows)
        shield = Shield(case, names, keep, matcher.region)
    return model_from_rows(rows, case=case, zone=zone, boundary=boundary, boundary_event_id=boundary_event,
                           journal=vault.head(), public_key=vault.header.public_key, vault_id=vault.vault_id,
                           sources=_sources(vault), shield=shield, text=text, jurisdiction=jurisdiction, now=now,
                           log_cap=log_cap)


def data_uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")
