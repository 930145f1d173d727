"""Matching identifiers to people: one key per person however the number is written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from nocontact.case import Case, Person
from nocontact.identity import ExMatcher, normalise, normalise_phone
from nocontact.model import Identifier, Record


class TestPhones:
    @pytest.mark.parametrize("raw", ["+16285550142", "16285550142", "6285550142", "0016285550142",
                                     "(628) 555\u20110142", "+1 628-555-0142", "628.555.0142", "+1\u00a0628\u00a0555\u00a00142"])
    def test_every_way_of_writing_a_number_meets_at_e164(self, raw: str) -> None:
        """International, national, 00-prefixed and punctuated forms (even a non-breaking hyphen) give one key."""
        assert normalise_phone(raw, "US") == "+16285550142"

    def test_numbers_are_never_matched_on_their_last_digits(self) -> None:
        """A spam number sharing the last seven digits is a different number."""
        assert normalise_phone("+1 800 555 0199") != normalise_phone("+1 415 555 0199")

    def test_short_codes_stay_digits(self) -> None:
        """Five-digit short codes are kept as digits, not turned into nonsense E.164."""
        assert normalise_phone("72166") == "72166"

    def test_the_region_decides_national_numbers(self) -> None:
        """A UK national number is read in the UK when the case says so."""
        assert normalise_phone("07700 900123", "GB") == "+447700900123"


class TestOtherIdentifiers:
    def test_emails_are_lower_cased_and_telegram_ids_prefixed(self) -> None:
        """Emails compare case-insensitively; bare Telegram ids become user<id>; channels stay as written."""
        assert normalise(Identifier("email", " Jordan.Blake@Example.COM ")) == "jordan.blake@example.com"
        assert normalise(Identifier("telegram", "6150199042")) == "user6150199042"
        assert normalise(Identifier("telegram", "channel123")) == "channel123"
        assert normalise(Identifier("handle", "+1 (415) 555-0199")) == "+14155550199"
        assert normalise(Identifier("name", "Zoë Park")) == "Zoë Park"


def _rec(direction: str, sender: Identifier | None, peers: tuple[Identifier, ...] = (), group: bool = False) -> Record:
    return Record(source_id="1", kind="sms", category="message", utc=datetime(2025, 1, 1, tzinfo=UTC), raw_time="0",
                  time_zone="UTC", time_basis="epoch", direction=direction,  # type: ignore[arg-type]
                  sender=sender, peers=peers, is_group=group)


class TestAttribution:
    case = Case(user=Person(name="Sam"), ex=Person(name="Jordan", phones=("+14155550199",),
                                                  emails=("jordan@example.com",)))

    def test_a_message_from_the_ex_is_theirs(self) -> None:
        """Incoming from any of the ex's identifiers is attributed, under the normalised identifier."""
        a = ExMatcher(self.case).attribute(_rec("incoming", Identifier("phone", "(415) 555-0199")))
        assert a.is_ex and a.identifier == "+14155550199"

    def test_my_message_to_the_ex_alone_is_attributed(self) -> None:
        """Outgoing into a one-to-one conversation with the ex counts as contact with the ex."""
        a = ExMatcher(self.case).attribute(_rec("outgoing", None, (Identifier("email", "Jordan@example.com"),)))
        assert a.is_ex and a.identifier == "jordan@example.com"

    def test_sharing_a_group_or_a_cc_is_not_enough(self) -> None:
        """Outgoing to a group that includes the ex, or to several people, is not attributed."""
        m = ExMatcher(self.case)
        ex = Identifier("phone", "+14155550199")
        assert not m.attribute(_rec("outgoing", None, (ex, Identifier("phone", "+14155550111")))).is_ex
        assert not m.attribute(_rec("outgoing", None, (ex,), group=True)).is_ex

    def test_others_and_withheld_numbers_are_nobodys(self) -> None:
        """A friend's message and a withheld call are not attributed."""
        m = ExMatcher(self.case)
        assert not m.attribute(_rec("incoming", Identifier("phone", "+14155550111"))).is_ex
        assert not m.attribute(_rec("incoming", Identifier("withheld", ""))).is_ex

    def test_entries_made_by_the_person_are_the_exs(self) -> None:
        """An incident the person logs about the ex is attributed to the ex."""
        assert ExMatcher(self.case).attribute(_rec("incoming", Identifier("party", "ex"))).is_ex
