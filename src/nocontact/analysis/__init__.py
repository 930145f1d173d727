"""Analysis: pure functions over the rows of the events export (``nocontact.eventlog.event_dicts``).

Every function takes those rows plus what it needs explicitly (the boundary, the case's time zone,
``now``), never reads the clock or global settings, and returns figures with the event ids behind
them, so each number in a report can be traced back to exported events.
"""

from __future__ import annotations

from nocontact.analysis.counts import AttemptCounts, Figure, Moment, count_attempts, own_contacts, reactions
from nocontact.analysis.flags import (
    FLAGS,
    FlagHit,
    Rule,
    RuleError,
    RuleSet,
    builtin_rules,
    default_rules,
    flag_names,
    flags_for_row,
    flags_for_text,
    load_rules,
    row_flag_names,
)
from nocontact.analysis.hotlines import HOTLINES, Hotline, hotlines_for
from nocontact.analysis.patterns import (
    Burst,
    Escalation,
    IdentitySeen,
    RouteSwitch,
    escalation,
    find_bursts,
    first_seen_identities,
    hour_by_weekday,
    night_contacts,
    switches_after_block,
)
from nocontact.analysis.progress import Progress, progress
from nocontact.analysis.risk import DISCLAIMER, RiskSignals, Signal, risk_signals
from nocontact.analysis.sources import SOURCES, Source
from nocontact.analysis.summary import Summary, summarise

__all__ = [
    "DISCLAIMER",
    "FLAGS",
    "HOTLINES",
    "SOURCES",
    "AttemptCounts",
    "Burst",
    "Escalation",
    "Figure",
    "FlagHit",
    "Hotline",
    "IdentitySeen",
    "Moment",
    "Progress",
    "RiskSignals",
    "RouteSwitch",
    "Rule",
    "RuleError",
    "RuleSet",
    "Signal",
    "Source",
    "Summary",
    "builtin_rules",
    "count_attempts",
    "default_rules",
    "escalation",
    "find_bursts",
    "first_seen_identities",
    "flag_names",
    "flags_for_row",
    "flags_for_text",
    "hotlines_for",
    "hour_by_weekday",
    "load_rules",
    "night_contacts",
    "own_contacts",
    "progress",
    "reactions",
    "risk_signals",
    "row_flag_names",
    "summarise",
    "switches_after_block",
]
