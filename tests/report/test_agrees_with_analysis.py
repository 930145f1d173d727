"""The report's figures are nocontact.analysis's figures over the same events-export rows."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from nocontact.analysis import find_bursts, risk_signals, summarise
from nocontact.eventlog import event_dicts
from nocontact.report.model import build_model, model_from_rows
from nocontact.vault.events import current_boundary, current_case, iter_events
from nocontact.vault.store import Vault
from tests.report.conftest import NOW
from tests.report.rows import BOUNDARY, model_for, row

ZONE = ZoneInfo("America/Los_Angeles")


def _rows(v: Vault) -> list[dict]:  # type: ignore[type-arg]
    b = current_boundary(v)
    return list(event_dicts(iter_events(v), current_case(v), b[0] if b else None))


def _summary(v: Vault):  # type: ignore[no-untyped-def]
    b = current_boundary(v)
    return summarise(_rows(v), b[0] if b else None, ZONE, NOW)


def _figure(m, start: str):  # type: ignore[no-untyped-def]
    return next(f for f in m.figures if f.label.startswith(start))


def test_headline_channels_and_days_are_summarise_counts(fixture_vault: Vault) -> None:
    """Headline ids, per-channel counts and distinct days equal summarise's messages and calls after the boundary."""
    m = build_model(fixture_vault, now=NOW)
    s = _summary(fixture_vault)
    contact = {i for cat in ("message", "call") for i in s.attempts.by_category[cat].event_ids}
    assert set(m.headline.event_ids) == contact and m.headline.value == "168"
    assert {c.channel: c.count for c in m.channels} == {
        ch: len(set(f.event_ids) & contact) for ch, f in s.attempts.by_channel.items() if set(f.event_ids) & contact}
    assert _figure(m, "Distinct days").value == str(s.attempts.distinct_days)
    assert _figure(m, "Days with any act").value == str(s.attempts.distinct_days)


def test_night_and_bursts_are_summarise_figures(fixture_vault: Vault) -> None:
    """Night-time ids and every burst (count and events) are exactly summarise's."""
    m = build_model(fixture_vault, now=NOW)
    s = _summary(fixture_vault)
    assert set(_figure(m, "Night-time").event_ids) == set(s.night.event_ids)
    assert m.bursts_total == len(s.bursts) >= 1
    assert _figure(m, "Bursts").value == str(len(s.bursts))
    assert {b.event_ids for b in m.bursts} == {b.event_ids for b in s.bursts}


def test_risk_signals_listed_are_risk_signals_present(fixture_vault: Vault) -> None:
    """The behaviours table lists exactly the risk signals present, with their events."""
    m = build_model(fixture_vault, now=NOW)
    b = current_boundary(fixture_vault)
    r = risk_signals(_rows(fixture_vault), b[0] if b else None, ZONE)
    assert [(f.label, f.event_ids) for f in m.signals] == [(x.title, x.event_ids) for x in r.present()]
    assert m.signals, "the fixtures hold threats, bursts and night-time contact"


def test_flags_after_the_boundary_are_summarise_flags(fixture_vault: Vault) -> None:
    """Flagged messages after the boundary, and their kinds, are summarise's flag hits."""
    m = build_model(fixture_vault, now=NOW)
    s = _summary(fixture_vault)
    after = {r["event_id"] for r in _rows(fixture_vault) if r["after_boundary"]}
    mine = {f.event_id: set(f.flags) for f in m.flagged if f.event_id in after}
    assert mine == {eid: {h.flag for h in hits} for eid, hits in s.flag_hits.items()}


def test_slim_streaming_model_equals_the_model_from_full_rows(sample_vault: Vault) -> None:
    """build_model (slim rows, second read for printed rows) gives the same report as full rows in memory."""
    slim = build_model(sample_vault, now=NOW, text="full")
    case = current_case(sample_vault)
    b = current_boundary(sample_vault)
    full = model_from_rows(_rows(sample_vault), case=case, zone=ZoneInfo(case.source_timezone or "UTC"),
                           boundary=b[0] if b else None, boundary_event_id=b[1] if b else None,
                           journal=sample_vault.head(), public_key=sample_vault.header.public_key,
                           vault_id=sample_vault.vault_id, text="full", now=NOW)
    assert slim.figures == full.figures and slim.channels == full.channels and slim.bursts == full.bursts
    assert slim.log == full.log and slim.flagged == full.flagged and slim.signals == full.signals
    assert slim.attachments == full.attachments


def test_five_attempts_within_an_hour_are_a_burst_as_find_bursts_says() -> None:
    """Five messages 14 minutes apart (an hour in all) form one burst, as find_bursts' rule has it."""
    rows = [row(i, BOUNDARY + timedelta(days=1, minutes=14 * i)) for i in range(1, 6)]
    m = model_for(rows)
    assert m.bursts_total == len(find_bursts(rows, BOUNDARY)) == 1
    assert m.bursts[0].event_ids == (1, 2, 3, 4, 5)
