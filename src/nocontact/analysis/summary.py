"""The figures a court asks for, in one JSON-serialisable bundle with the event ids behind each.

``summarise`` reads the events-export rows once, keeps only the ex's events and block notices,
scans each attempt's text for flags once, and hands the same rows to the counting and pattern
functions. Every count in ``as_json()`` comes with the ids of the events it counts, so a report
can footnote each number and a reader can find the events in the export.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from nocontact.analysis._rows import Row, is_after, is_attempt, is_block, require_aware
from nocontact.analysis.counts import AttemptCounts, Figure, count_attempts, own_contacts, reactions
from nocontact.analysis.flags import FLAGS, FlagHit, RuleSet, default_rules, flags_for_row
from nocontact.analysis.patterns import (
    DEFAULT_NIGHT,
    Burst,
    Escalation,
    IdentitySeen,
    RouteSwitch,
    escalation,
    find_bursts,
    first_seen_identities,
    night_contacts,
    switches_after_block,
)
from nocontact.analysis.progress import Progress, progress
from nocontact.analysis.risk import RiskSignals, risk_signals

__all__ = ["SUMMARY_VERSION", "Summary", "summarise"]

#: Bumped when a key of ``Summary.as_json()`` changes meaning; keys are only ever added.
SUMMARY_VERSION = 1


@dataclass(frozen=True, slots=True)
class Summary:
    """Everything counted after the boundary, as of ``now``, in the case's zone."""

    boundary: str | None
    time_zone: str
    now: str
    attempts: AttemptCounts
    own_contacts: Figure
    reactions: Figure
    bursts: tuple[Burst, ...]
    night: Figure
    night_hours: tuple[str, str]
    flagged: dict[str, Figure]
    flag_hits: dict[int, tuple[FlagHit, ...]]
    route_switches: tuple[RouteSwitch, ...]
    identities: tuple[IdentitySeen, ...]
    escalation: Escalation
    risk: RiskSignals
    progress: Progress

    def as_json(self) -> dict[str, Any]:
        return {
            "version": SUMMARY_VERSION,
            "boundary": self.boundary,
            "time_zone": self.time_zone,
            "now": self.now,
            "attempts_after_boundary": self.attempts.as_json(),
            "days_since_last_attempt": self.progress.days_since_last_attempt,
            "own_contacts_after_boundary": self.own_contacts.as_json(),
            "reactions_after_boundary": self.reactions.as_json(),
            "bursts": [b.as_json() for b in self.bursts],
            "night": {**self.night.as_json(), "from": self.night_hours[0], "to": self.night_hours[1]},
            "flagged": {k: self.flagged[k].as_json() for k in FLAGS},
            "flag_hits": {str(k): [h.as_json() for h in v] for k, v in sorted(self.flag_hits.items())},
            "route_switches_after_block": [s.as_json() for s in self.route_switches],
            "identities": [i.as_json() for i in self.identities],
            "escalation": self.escalation.as_json(),
            "risk": self.risk.as_json(),
            "progress": self.progress.as_json(),
        }


def summarise(rows: Iterable[Row], boundary: datetime | None, tz: ZoneInfo, now: datetime, *,
              rules: RuleSet | None = None, night: tuple[time, time] = DEFAULT_NIGHT,
              burst_window: timedelta = timedelta(minutes=60), burst_min_count: int = 5,
              progress_weeks: int = 8) -> Summary:
    """All the figures for a report over the events-export ``rows`` (consumed once)."""
    require_aware("boundary", boundary)
    require_aware("now", now)
    rs = rules if rules is not None else default_rules()
    kept = [r for r in rows if r.get("party") is not None or is_block(r)]
    hits: dict[int, tuple[FlagHit, ...]] = {}
    flagged: dict[str, Figure] = {f: Figure() for f in FLAGS}
    for r in kept:
        if is_attempt(r) and is_after(r, boundary):
            found = tuple(flags_for_row(r, rs))
            if found:
                eid = int(r["event_id"])
                hits[eid] = found
                for f in sorted({h.flag for h in found}):
                    flagged[f].add(eid)
    after = {int(r["event_id"]) for r in kept if is_attempt(r) and is_after(r, boundary)}
    known = {eid: {h.flag for h in found} for eid, found in hits.items()}  # each text is scanned once
    return Summary(
        boundary=boundary.isoformat() if boundary else None,
        time_zone=tz.key,
        now=now.isoformat(),
        attempts=count_attempts(kept, boundary, tz),
        own_contacts=own_contacts(kept, boundary),
        reactions=reactions(kept, boundary),
        bursts=tuple(find_bursts(kept, boundary, window=burst_window, min_count=burst_min_count)),
        night=night_contacts(kept, boundary, tz, night=night),
        night_hours=(night[0].strftime("%H:%M"), night[1].strftime("%H:%M")),
        flagged=flagged,
        flag_hits=hits,
        route_switches=tuple(s for s in switches_after_block(kept) if s.first.event_id in after),
        identities=tuple(first_seen_identities(kept, boundary)),
        escalation=escalation(kept, boundary, tz, rs, known_flags=known),
        risk=risk_signals(kept, boundary, tz, rules=rs, night=night, burst_window=burst_window,
                          burst_min_count=burst_min_count, known_flags=known),
        progress=progress(kept, boundary, tz, now, weeks=progress_weeks),
    )
