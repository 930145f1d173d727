"""Risk signals as education, never a verdict.

Research and practice name behaviours linked to higher risk in stalking after a breakup
(SAFETY_FACTS.md, "Signals linked to higher risk"). This module says which of them appear in the
person's evidence, shows the events that show each, explains why it matters with sources, and
stops there: no score, no "high risk" label, no prediction. Professional checklists (SafeLives
Dash, S-DASH, Danger Assessment) are copyrighted and must be completed with an advocate; the
result tells the person that, and whether to show helplines.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from nocontact.analysis._rows import Row, is_after, is_attempt, is_block, require_aware
from nocontact.analysis.flags import RuleSet, flags_for_row
from nocontact.analysis.patterns import (
    DEFAULT_NIGHT,
    escalation,
    find_bursts,
    night_contacts,
    switches_after_block,
)
from nocontact.analysis.sources import SOURCES, Source

__all__ = ["DISCLAIMER", "SIGNALS", "RiskSignals", "Signal", "SignalInfo", "risk_signals"]

DISCLAIMER = (
    "This is information to help you and the people supporting you, not an assessment of your risk and "
    "not legal advice. Only you know your situation: if you feel in danger, trust that feeling. An advocate "
    "can go through a professional risk checklist with you (SafeLives Dash, S-DASH, Danger Assessment)."
)


@dataclass(frozen=True, slots=True)
class SignalInfo:
    """The fixed text of one signal: its title, why it matters, and the sources for that."""

    key: str
    title: str
    why: str
    sources: tuple[str, ...]
    shows_hotlines: bool


SIGNALS: dict[str, SignalInfo] = {s.key: s for s in (
    SignalInfo("threats", "Threats",
               "Threats, especially to kill, to harm children, or of suicide, are among the behaviours research "
               "links to serious harm; threats are a correlate of stalking violence.",
               ("campbell_da", "rosenfeld_2004", "ncvc"), True),
    SignalInfo("self_harm", "Self-harm or suicide talk used as pressure",
               "When the person contacting you talks about suicide or murder, danger is higher. It is not your "
               "responsibility to keep them safe by answering: if you fear for them, an emergency number can "
               "help them without you breaking contact.",
               ("ncvc", "campbell_da"), True),
    SignalInfo("surveillance", "Watching, following, turning up",
               "Surveillance (knowing where you are, following, tracking) and turning up near you were present "
               "in most stalking-related homicides studied; stalking often comes before serious harm.",
               ("monckton_smith_2017", "mcfarlane_1999", "campbell_da"), True),
    SignalInfo("third_parties", "Enlisting other people",
               "Contact through friends, family or colleagues is still contact, and enlisting third parties is "
               "one of the behaviours listed as linked to higher risk.",
               ("uk_pha_1997_s2a", "ca_cc_264"), False),
    SignalInfo("escalation", "Rising frequency or severity",
               "Contact that becomes more frequent, or moves from pleading to watching or threats, is a change "
               "an advocate will want to know about.",
               ("campbell_da", "monckton_smith_2017"), True),
    SignalInfo("bursts", "Many attempts in a short time",
               "Bursts of calls or messages show persistence; each attempt is an act, and two or more acts can "
               "form a course of conduct.",
               ("us_18_usc_2266", "uk_pha_1997_s2a"), False),
    SignalInfo("night_time", "Contact at night",
               "Contact at night takes away rest and safety at home. The sources here do not single out night-time "
               "contact as a risk factor; it matters as part of the pattern and for its effect on you, which is "
               "worth writing down.",
               ("suzy_lamplugh", "uk_pha_1997_s2a"), False),
    SignalInfo("new_routes_after_block", "New numbers or accounts after a block",
               "Contacting or trying to contact you by any means is an example of stalking in law; using a new "
               "number or app after being blocked shows the contact is unwanted and deliberate.",
               ("uk_pha_1997_s2a", "us_18_usc_2261a", "ca_cc_264", "au_nsw_cdpva_s13"), False),
)}


@dataclass(frozen=True, slots=True)
class Signal:
    """One signal: present or not, the events that show it, and why it matters (with sources)."""

    key: str
    title: str
    present: bool
    event_ids: tuple[int, ...]
    why: str
    sources: tuple[Source, ...]

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "present": self.present, "event_ids": list(self.event_ids),
                "why": self.why, "sources": [s.as_json() for s in self.sources]}


@dataclass(frozen=True, slots=True)
class RiskSignals:
    """Which signals appear. Deliberately has no score and no overall level."""

    signals: tuple[Signal, ...]
    show_hotlines: bool
    disclaimer: str = DISCLAIMER

    def present(self) -> list[Signal]:
        return [s for s in self.signals if s.present]

    def as_json(self) -> dict[str, Any]:
        return {"signals": [s.as_json() for s in self.signals], "show_hotlines": self.show_hotlines,
                "disclaimer": self.disclaimer, "advocate_tools": SOURCES["safelives_dash"].as_json()}


_FLAG_SIGNAL = {"threat": "threats", "self_harm": "self_harm", "surveillance": "surveillance",
                "third_party": "third_parties"}


def risk_signals(rows: Iterable[Row], boundary: datetime | None, tz: ZoneInfo, *, rules: RuleSet | None = None,
                 night: tuple[time, time] = DEFAULT_NIGHT, burst_window: timedelta = timedelta(minutes=60),
                 burst_min_count: int = 5,
                 known_flags: Mapping[int, Collection[str]] | None = None) -> RiskSignals:
    """The signals in the ex's attempts after ``boundary`` (all attempts when it is None).

    ``known_flags`` (event id -> flags) skips scanning text already scanned by the caller.
    """
    require_aware("boundary", boundary)
    kept = [r for r in rows if is_attempt(r) or is_block(r)]  # one pass; the whole history for routes
    attempts = [r for r in kept if is_attempt(r) and is_after(r, boundary)]
    ids: dict[str, list[int]] = {k: [] for k in SIGNALS}
    if known_flags is None:
        known_flags = {int(r["event_id"]): {h.flag for h in flags_for_row(r, rules)} for r in attempts}
    for r in attempts:
        for flag in sorted(known_flags.get(int(r["event_id"]), ())):
            if flag in _FLAG_SIGNAL:
                ids[_FLAG_SIGNAL[flag]].append(int(r["event_id"]))
    esc = escalation(attempts, boundary, tz, rules, known_flags=known_flags)
    esc_ids = [m.event_id for _f, m in esc.severity_steps]
    if esc.frequency_rose and esc.busiest_week is not None:
        esc_ids += next(w.attempts.event_ids for w in esc.weeks if w.week == esc.busiest_week)
    ids["escalation"] = sorted(set(esc_ids))
    ids["bursts"] = sorted({i for b in find_bursts(attempts, boundary, window=burst_window,
                                                   min_count=burst_min_count) for i in b.event_ids})
    ids["night_time"] = night_contacts(attempts, boundary, tz, night=night).event_ids
    after = {int(r["event_id"]) for r in attempts}
    ids["new_routes_after_block"] = [s.first.event_id for s in switches_after_block(kept)
                                     if s.first.event_id in after]
    signals = tuple(Signal(info.key, info.title, bool(ids[info.key]), tuple(ids[info.key]), info.why,
                           tuple(SOURCES[k] for k in info.sources)) for info in SIGNALS.values())
    return RiskSignals(signals, any(s.present and SIGNALS[s.key].shows_hotlines for s in signals))

