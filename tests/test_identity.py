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


# -- what cannot be seen never tells two people apart ------------------------------------------

def test_a_number_wrapped_in_direction_marks_is_the_same_number() -> None:
    """WhatsApp wraps a number in U+202A ... U+202C where text runs right to left; copies keep them."""
    from nocontact.identity import normalise_phone

    assert normalise_phone("\u202a+1 (628) 555\u20110142\u202c") == "+16285550142"
    assert normalise_phone("\u200e+1 628 555 0142\ufeff") == "+16285550142"


def test_a_name_is_compared_without_invisible_marks_decomposed_accents_or_odd_spaces() -> None:
    from nocontact.identity import name_key

    assert name_key("\u202aJos\u00e9 N\u00fa\u00f1ez\u202c") == name_key("Jose\u0301 Nu\u0301n\u0303ez") == "José Núñez"
    assert name_key("Casey\u00a0 Drummond\u200e") == "Casey Drummond"
    assert name_key("Casey Drummond") != name_key("casey drummond")  # case is what exports show
    assert name_key("👩\u200d❤\ufe0f\u200d👨 Sam") == "👩\u200d❤\u200d👨 Sam"  # the joiner builds the emoji


def test_a_whatsapp_author_with_marks_is_the_ex_and_the_persons_own_name_is_theirs(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """An unsaved number wrapped in marks is a phone, matched to the ex's; a name with a mark is the user's."""
    from zoneinfo import ZoneInfo

    from nocontact.case import Case, Person
    from nocontact.identity import ExMatcher
    from nocontact.importers.base import ImportContext
    from nocontact.importers.whatsapp import WhatsAppTxtImporter
    from nocontact.model import Record
    from nocontact.sources import FileSource

    chat = ("3/14/25, 9:15 PM - \u202a+1 (628) 555\u20110142\u202c: it's me\n"
            "3/14/25, 9:16 PM - Sam Rivera\u200e: stop\n")
    path = tmp_path / "WhatsApp Chat with +1 628 555 0142.txt"
    path.write_text(chat, encoding="utf-8")
    case = Case(user=Person(name="Sam Rivera"), ex=Person(name="Jordan Blake", phones=("+1 628 555 0142",)))
    ctx = ImportContext(case=case, source_timezone=ZoneInfo("America/Los_Angeles"))
    recs = [r for r in WhatsAppTxtImporter().read(FileSource(path, tmp_path, path.name), ctx) if isinstance(r, Record)]
    assert [(r.sender.kind if r.sender else None, r.direction) for r in recs] == [("phone", "incoming"),
                                                                                 ("name", "outgoing")]
    matcher = ExMatcher(case)
    assert [matcher.attribute(r).is_ex for r in recs] == [True, True]
