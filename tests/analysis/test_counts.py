"""Counting attempts after the boundary, the person's own contacts and reactions."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pytest

from nocontact.analysis.counts import count_attempts, own_contacts, reactions
from tests.analysis.rowkit import at, call, mine, other, row

LA = ZoneInfo("America/Los_Angeles")
BOUNDARY = at("2025-02-04T03:00")


class TestWhatCountsAsAnAttempt:
    def test_incoming_messages_and_every_call_type_from_the_ex_count(self) -> None:
        """Messages and calls of every type (missed, rejected, blocked) from the ex are attempts."""
        rows = [row(1, "2025-02-05T10:00"), call(2, "2025-02-05T11:00", call_type=5),
                call(3, "2025-02-05T12:00", call_type=6), call(4, "2025-02-05T13:00", call_type=1)]
        c = count_attempts(rows, BOUNDARY, LA)
        assert c.total.event_ids == [1, 2, 3, 4]
        assert {k: v.count for k, v in c.calls_by_type.items()} == {"1": 1, "5": 1, "6": 1}

    def test_an_incident_the_person_logged_counts_with_no_identifier(self) -> None:
        """An incident (turning up) is an attempt even though it has no number or address."""
        rows = [row(7, "2025-02-06T01:00", category="incident", channel="in_person", identifier=None,
                    direction="incoming")]
        c = count_attempts(rows, BOUNDARY, LA)
        assert c.total.event_ids == [7]
        assert list(c.by_identifier) == ["(logged by you)"]

    def test_others_own_outgoing_reactions_system_and_retracted_do_not_count(self) -> None:
        """Only the ex's incoming contact counts: not other people, the person's own, tapbacks or retractions."""
        rows = [other(1, "2025-02-05T10:00"), mine(2, "2025-02-05T10:01"),
                row(3, "2025-02-05T10:02", category="reaction"),
                row(4, "2025-02-05T10:03", category="system", party=None, body="You blocked this contact."),
                row(5, "2025-02-05T10:04", retracted=True)]
        assert count_attempts(rows, BOUNDARY, LA).total.count == 0

    def test_the_boundary_instant_itself_is_not_after(self) -> None:
        """After the boundary means strictly later: an attempt at the same instant is before it."""
        rows = [row(1, "2025-02-04T03:00"), row(2, "2025-02-04T03:00:01")]
        assert count_attempts(rows, BOUNDARY, LA).total.event_ids == [2]

    def test_no_boundary_counts_everything(self) -> None:
        """Without a boundary every attempt counts (the report says no boundary was set)."""
        rows = [row(1, "2024-01-01T00:00"), row(2, "2025-03-01T00:00")]
        assert count_attempts(rows, None, LA).total.count == 2

    def test_a_naive_boundary_is_refused(self) -> None:
        """A boundary without a zone is ambiguous, so it is refused rather than guessed."""
        with pytest.raises(ValueError, match="timezone-aware"):
            count_attempts([], BOUNDARY.replace(tzinfo=None), LA)


class TestBreakdowns:
    def test_days_are_local_calendar_days(self) -> None:
        """03:30 UTC on 6 Feb is the evening of 5 Feb in Los Angeles, so two attempts make one day."""
        rows = [row(1, "2025-02-05T20:00"), row(2, "2025-02-06T03:30"), row(3, "2025-02-06T20:00")]
        c = count_attempts(rows, BOUNDARY, LA)
        assert {k: v.event_ids for k, v in c.by_day.items()} == {"2025-02-05": [1, 2], "2025-02-06": [3]}
        assert c.distinct_days == 2
        assert c.two_or_more_acts

    def test_weeks_are_labelled_by_their_monday(self) -> None:
        """Sunday 9 Feb and Monday 10 Feb fall in different weeks, labelled 3 Feb and 10 Feb."""
        rows = [row(1, "2025-02-09T20:00"), row(2, "2025-02-10T20:00")]
        c = count_attempts(rows, BOUNDARY, LA)
        assert {k: v.event_ids for k, v in c.by_week.items()} == {"2025-02-03": [1], "2025-02-10": [2]}

    def test_channels_and_identifiers_with_ids(self) -> None:
        """Each channel and identifier lists the events it counts."""
        rows = [row(1, "2025-02-05T10:00"), call(2, "2025-02-05T11:00", identifier="+15550199"),
                row(3, "2025-02-05T12:00", channel="email", identifier="ex@example.com")]
        c = count_attempts(rows, BOUNDARY, LA)
        assert {k: v.event_ids for k, v in c.by_channel.items()} == {"sms": [1], "call": [2], "email": [3]}
        assert c.by_identifier["+15550199"].event_ids == [2]

    def test_first_and_last_follow_time_not_input_order(self) -> None:
        """First and last attempt are by time even when rows arrive out of order."""
        rows = [row(2, "2025-02-07T10:00"), row(1, "2025-02-05T10:00"), row(3, "2025-02-06T10:00")]
        c = count_attempts(rows, BOUNDARY, LA)
        assert c.first is not None and c.first.event_id == 1
        assert c.last is not None and c.last.event_id == 2

    def test_one_act_is_not_two(self) -> None:
        """A single attempt does not reach the two-acts threshold of a course of conduct."""
        c = count_attempts([row(1, "2025-02-05T10:00")], BOUNDARY, LA)
        assert not c.two_or_more_acts

    def test_as_json_is_serialisable_and_traces_ids(self) -> None:
        """The JSON form round-trips through json and every count equals its id list's length."""
        c = count_attempts([row(1, "2025-02-05T10:00"), row(2, "2025-02-06T10:00")], BOUNDARY, LA)
        j = json.loads(json.dumps(c.as_json()))
        assert j["total"] == {"count": 2, "event_ids": [1, 2]}
        assert all(v["count"] == len(v["event_ids"]) for v in j["by_day"].values())


class TestOwnContactsAndReactions:
    def test_the_persons_own_contacts_after_the_boundary_are_shown(self) -> None:
        """The person's replies after the boundary are counted too, honestly, but not before it."""
        rows = [mine(1, "2025-02-01T10:00"), mine(2, "2025-02-05T10:00"), row(3, "2025-02-05T11:00")]
        assert own_contacts(rows, BOUNDARY).event_ids == [2]

    def test_reactions_are_counted_apart(self) -> None:
        """A tapback from the ex after the boundary is contact, listed apart from attempts."""
        rows = [row(1, "2025-02-05T10:00", category="reaction"), row(2, "2025-02-05T11:00")]
        assert reactions(rows, BOUNDARY).event_ids == [1]
