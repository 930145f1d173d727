"""The case file: forgiving to write, exact when stored."""

from __future__ import annotations

import json

import pytest

from nocontact.case import CaseError, case_from_json, case_to_json


class TestCaseFile:
    def test_the_fixture_shape_loads(self) -> None:
        """The user/ex/source_timezone shape of expected.json is a valid case file."""
        c = case_from_json(json.dumps({
            "user": {"name": "Sam", "phone": "+14155550100", "telegram_from_id": "user5170100087",
                     "whatsapp_name": "Sam Rivera"},
            "ex": {"name": "Jordan", "identifiers": {"phones": ["+14155550199"], "telegram": [
                {"username": "@jb", "from_id": "user61", "display_name": "Jordan B"}]}},
            "source_timezone": "America/Los_Angeles"}))
        assert c.user.phones == ("+14155550100",) and c.user.telegram_ids == ("user5170100087",)
        assert c.ex.telegram_ids == ("user61",) and c.ex.telegram_usernames == ("@jb",)
        assert "Jordan B" in c.ex.display_names()

    def test_it_round_trips(self) -> None:
        """What is stored reads back to the same case."""
        c = case_from_json(json.dumps({"ex": {"name": "X", "phones": ["1"]}, "source_timezone": "Europe/London"}))
        assert case_from_json(case_to_json(c)) == c

    @pytest.mark.parametrize(("text", "message"), [
        ("not json", "not valid JSON"),
        ("[]", "expected a JSON object"),
        ('{"user": {}}', "has no 'ex' block"),
        ('{"ex": {"phones": 5}}', "ex.phones: expected a text or a list of texts"),
        ('{"ex": {}, "source_timezone": "Nowhere/City"}', "unknown time zone 'Nowhere/City'"),
        ('{"ex": {}, "region": "USA"}', "two-letter country code"),
    ])
    def test_mistakes_are_named(self, text: str, message: str) -> None:
        """Each mistake in a hand-written case file is named with its key."""
        with pytest.raises(CaseError, match=message):
            case_from_json(text)
