"""Bursts, night-time contact, new routes after a block, identities and escalation."""

from __future__ import annotations

from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest

from nocontact.analysis.flags import parse_rules
from nocontact.analysis.patterns import (
    escalation,
    find_bursts,
    first_seen_identities,
    hour_by_weekday,
    is_night,
    night_contacts,
    switches_after_block,
)
from tests.analysis.rowkit import at, call, mine, other, row

LA = ZoneInfo("America/Los_Angeles")
BOUNDARY = at("2025-02-04T03:00")


def calls_every(minutes: int, n: int, start: str, first_id: int = 1, **kw: object) -> list[dict[str, object]]:
    t0 = at(start)
    return [call(first_id + i, (t0 + timedelta(minutes=minutes * i)).strftime("%Y-%m-%dT%H:%M"), **kw)  # type: ignore[arg-type]
            for i in range(n)]


class TestBursts:
    def test_five_calls_in_an_hour_are_a_burst(self) -> None:
        """Five calls ten minutes apart fall within one 60-minute window: one burst of five."""
        bursts = find_bursts(calls_every(10, 5, "2025-02-05T10:00"), BOUNDARY)
        assert [b.event_ids for b in bursts] == [(1, 2, 3, 4, 5)]
        assert bursts[0].channel == "call" and bursts[0].identifier == "+15550100"

    def test_four_calls_are_not_a_burst_by_default(self) -> None:
        """Below the threshold there is no burst."""
        assert find_bursts(calls_every(10, 4, "2025-02-05T10:00"), BOUNDARY) == []

    def test_threshold_and_window_are_parameters(self) -> None:
        """Three calls within 30 minutes make a burst when the threshold is 3 and the window 30 minutes."""
        rows = calls_every(14, 3, "2025-02-05T10:00")
        assert find_bursts(rows, BOUNDARY, window=timedelta(minutes=30), min_count=3)[0].count == 3
        assert find_bursts(rows, BOUNDARY, window=timedelta(minutes=20), min_count=3) == []

    def test_overlapping_windows_merge_into_one_burst(self) -> None:
        """Twelve calls ten minutes apart (110 minutes) are one burst, not two."""
        bursts = find_bursts(calls_every(10, 12, "2025-02-05T10:00"), BOUNDARY)
        assert len(bursts) == 1 and bursts[0].count == 12 and bursts[0].span_minutes == 110

    def test_separate_clusters_are_separate_bursts(self) -> None:
        """Two clusters a day apart are two bursts."""
        rows = calls_every(5, 5, "2025-02-05T10:00") + calls_every(5, 5, "2025-02-06T10:00", first_id=10)
        assert [b.count for b in find_bursts(rows, BOUNDARY)] == [5, 5]

    def test_channels_are_apart_unless_grouped_by_party(self) -> None:
        """Three calls and three texts are no burst per channel, but one burst for the person."""
        rows = calls_every(5, 3, "2025-02-05T10:00") + [row(20 + i, f"2025-02-05T10:{2 + 5 * i:02d}")
                                                          for i in range(3)]
        assert find_bursts(rows, BOUNDARY) == []
        assert find_bursts(rows, BOUNDARY, group_by="party")[0].count == 6

    def test_attempts_before_the_boundary_are_not_in_bursts(self) -> None:
        """Only contact after the boundary is counted."""
        assert find_bursts(calls_every(5, 5, "2025-02-03T10:00"), BOUNDARY) == []

    def test_a_threshold_below_two_is_refused(self) -> None:
        """A burst of one is meaningless."""
        with pytest.raises(ValueError):
            find_bursts([], BOUNDARY, min_count=1)


class TestNight:
    def test_night_wraps_midnight(self) -> None:
        """22:00-06:00 includes 23:30 and 05:59, not 06:00 or 21:59."""
        assert is_night(time(23, 30)) and is_night(time(5, 59))
        assert not is_night(time(6, 0)) and not is_night(time(21, 59))

    def test_night_is_local_time(self) -> None:
        """07:00 UTC is 23:00 in Los Angeles (night); 20:00 UTC is noon (day)."""
        rows = [row(1, "2025-02-05T07:00"), row(2, "2025-02-05T20:00")]
        assert night_contacts(rows, BOUNDARY, LA).event_ids == [1]

    def test_night_hours_are_configurable(self) -> None:
        """With night set to 00:00-05:00, 23:00 local is no longer night."""
        rows = [row(1, "2025-02-05T07:00"), row(2, "2025-02-05T10:00")]
        assert night_contacts(rows, BOUNDARY, LA, night=(time(0), time(5))).event_ids == [2]

    def test_hour_by_weekday_cells(self) -> None:
        """Attempts are placed in local weekday-hour cells."""
        cells = hour_by_weekday([row(1, "2025-02-05T07:00")], BOUNDARY, LA)
        assert {k: v.event_ids for k, v in cells.items()} == {"Tue 23": [1]}


class TestRoutesAndIdentities:
    def test_a_new_number_after_a_blocked_call_is_a_switch(self) -> None:
        """After a blocked call, a first call from a new number is reported with the block before it."""
        rows = [row(1, "2025-02-05T10:00"), call(2, "2025-02-06T10:00", call_type=6),
                call(3, "2025-02-06T12:00", identifier="+15550142"),
                row(4, "2025-02-06T13:00", identifier="+15550142")]
        sw = switches_after_block(rows)
        assert [(s.channel, s.identifier, s.first.event_id, s.after_block.event_id, s.new_identifier)
                for s in sw] == [("call", "+15550142", 3, 2, True), ("sms", "+15550142", 4, 2, False)]

    def test_a_block_notice_in_a_chat_counts_as_a_block(self) -> None:
        """WhatsApp's "You blocked this contact" notice marks a block even though it has no sender."""
        rows = [row(1, "2025-02-05T10:00", channel="whatsapp", identifier="Casey"),
                row(2, "2025-02-05T11:00", category="system", party=None, channel="whatsapp",
                    body="You blocked this contact. Tap to unblock."),
                row(3, "2025-02-05T12:00", channel="email", identifier="casey@example.com")]
        assert [s.first.event_id for s in switches_after_block(rows)] == [3]

    def test_routes_seen_before_the_block_are_not_switches(self) -> None:
        """An identifier the ex already used before the block is not new."""
        rows = [row(1, "2025-02-05T10:00"), call(2, "2025-02-06T10:00", call_type=6),
                row(3, "2025-02-07T10:00")]
        assert switches_after_block(rows) == []

    def test_first_seen_per_identifier(self) -> None:
        """Each identifier's first and last appearance, channels and whether it first appeared after the boundary."""
        rows = [row(1, "2025-01-05T10:00"), call(2, "2025-02-06T10:00", identifier="+15550142"),
                row(3, "2025-02-07T10:00"), other(4, "2025-02-08T10:00")]
        seen = first_seen_identities(rows, BOUNDARY)
        assert [(s.identifier, s.first.event_id, s.last.event_id, s.first_after_boundary) for s in seen] == [
            ("+15550100", 1, 3, False), ("+15550142", 2, 2, True)]


RULES = parse_rules({"language": "en", "rules": [
    {"name": "t", "flag": "threat", "pattern": "you'll regret", "examples": ["you'll regret it"]},
    {"name": "s", "flag": "surveillance", "pattern": "saw you", "examples": ["I saw you"]}]})


class TestEscalation:
    def test_weekly_series_includes_empty_weeks(self) -> None:
        """Weeks without attempts appear with zero, so a chart shows the gap."""
        rows = [row(1, "2025-02-05T20:00"), row(2, "2025-02-19T20:00")]
        esc = escalation(rows, BOUNDARY, LA, RULES)
        assert [(w.week, w.attempts.count) for w in esc.weeks] == [("2025-02-03", 1), ("2025-02-10", 0),
                                                                   ("2025-02-17", 1)]

    def test_severe_flags_appearing_later_are_steps(self) -> None:
        """Surveillance in week two and a threat in week three are severity steps, in order."""
        rows = [row(1, "2025-02-05T20:00", body="please talk"), row(2, "2025-02-12T20:00", body="I saw you"),
                row(3, "2025-02-19T20:00", body="You'll regret it")]
        esc = escalation(rows, BOUNDARY, LA, RULES)
        assert [(f, m.event_id) for f, m in esc.severity_steps] == [("surveillance", 2), ("threat", 3)]
        assert esc.weeks[2].flagged["threat"].event_ids == [3]

    def test_frequency_rise_is_against_the_first_week(self) -> None:
        """More attempts in a later week than in the first is a rise; fewer is not."""
        rising = [row(1, "2025-02-05T20:00"), row(2, "2025-02-12T20:00"), row(3, "2025-02-12T21:00")]
        falling = [row(1, "2025-02-05T20:00"), row(2, "2025-02-05T21:00"), row(3, "2025-02-12T20:00")]
        assert escalation(rising, BOUNDARY, LA, RULES).frequency_rose
        assert not escalation(falling, BOUNDARY, LA, RULES).frequency_rose

    def test_no_attempts_no_weeks(self) -> None:
        """With nothing after the boundary there is nothing to describe."""
        esc = escalation([mine(1, "2025-02-05T20:00")], BOUNDARY, LA, RULES)
        assert esc.weeks == [] and not esc.frequency_rose
