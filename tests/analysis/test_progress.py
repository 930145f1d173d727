"""Moving forward: days since their last attempt and since the person's own last contact."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from nocontact.analysis.progress import days_between, progress
from tests.analysis.rowkit import at, mine, other, row

LA = ZoneInfo("America/Los_Angeles")
BOUNDARY = at("2025-02-04T03:00")


class TestProgress:
    def test_days_since_are_local_calendar_days(self) -> None:
        """An attempt at 21:00 local on 1 March is 1 day ago at 08:00 local on 2 March."""
        assert days_between(at("2025-03-02T05:00"), at("2025-03-02T16:00"), LA) == 1

    def test_days_since_last_attempt_and_own_contact(self) -> None:
        """Their last attempt and the person's own last message are each counted from ``now``."""
        rows = [mine(1, "2025-02-03T20:00"), row(2, "2025-02-10T20:00"), row(3, "2025-02-12T20:00"),
                other(4, "2025-02-20T20:00")]
        p = progress(rows, BOUNDARY, LA, at("2025-02-22T20:00"))
        assert p.last_attempt is not None and p.last_attempt.event_id == 3
        assert p.days_since_last_attempt == 10
        assert p.last_own_contact is not None and p.last_own_contact.event_id == 1
        assert p.days_since_last_own_contact == 19

    def test_events_after_now_are_ignored(self) -> None:
        """Progress "as of" a date does not see events after it."""
        rows = [row(1, "2025-02-10T20:00"), row(2, "2025-03-10T20:00")]
        p = progress(rows, BOUNDARY, LA, at("2025-02-15T20:00"))
        assert p.last_attempt is not None and p.last_attempt.event_id == 1

    def test_weekly_trend_covers_the_last_n_weeks_oldest_first(self) -> None:
        """Three weeks ending with now's week, with zero weeks kept."""
        rows = [row(1, "2025-02-05T20:00"), row(2, "2025-02-06T20:00"), row(3, "2025-02-19T20:00")]
        p = progress(rows, BOUNDARY, LA, at("2025-02-20T20:00"), weeks=3)
        assert [(w.week, w.attempts.count) for w in p.weeks] == [("2025-02-03", 2), ("2025-02-10", 0),
                                                                 ("2025-02-17", 1)]

    def test_nothing_yet_is_none_not_zero(self) -> None:
        """With no attempts, days since is unknown (None), not zero."""
        p = progress([], BOUNDARY, LA, at("2025-02-20T20:00"))
        assert p.days_since_last_attempt is None and p.days_since_last_own_contact is None

    def test_now_must_be_aware(self) -> None:
        """A naive ``now`` is refused: the clock is never guessed."""
        with pytest.raises(ValueError, match="now"):
            progress([], BOUNDARY, LA, at("2025-02-20T20:00").replace(tzinfo=None))
