"""The boundary-message checker and templates, as specifications."""

from __future__ import annotations

import pytest

from nocontact.boundary import check_message, load_rules, load_templates, render_template
from nocontact.boundary.checker import rules_from_toml


@pytest.mark.parametrize("t", load_templates(), ids=lambda t: t.channel)
def test_every_template_passes_the_checker(t) -> None:  # type: ignore[no-untyped-def]
    """The templates themselves follow the advice they come with."""
    text = render_template(t, ex_name="Casey", my_name="Robin", date="2026-03-02")
    assert check_message(text) == []
    assert "{" not in text


@pytest.mark.parametrize("text,rule", [
    ("I'm so sorry to do this.", "apology"),
    ("I need space because of work.", "justification"),
    ("Please don't contact me for now.", "ambiguity"),
    ("Do you understand?", "question"),
    ("You pathetic loser.", "insult"),
    ("Stop, or else.", "threat"),
    ("We could meet for coffee to talk it through.", "meeting"),
    ("I think it is best to stop.", "softener"),
])
def test_each_weakness_is_named(text: str, rule: str) -> None:
    """Each kind of weakness is found, with the words that triggered it."""
    found = [f for f in check_message(text) if f.rule_id == rule]
    assert found and found[0].matched.strip() and text[found[0].start:found[0].end] == found[0].matched


def test_every_rule_has_advice_and_softeners_are_only_suggestions() -> None:
    """Advice explains what to change; only softeners are 'consider'."""
    rules = load_rules()
    assert {r.id for r in rules} >= {"apology", "justification", "ambiguity", "question", "insult", "threat", "meeting"}
    for r in rules:
        assert len(r.advice) > 40
        assert r.severity == ("consider" if r.id == "softener" else "change")


def test_findings_come_in_text_order() -> None:
    """Reading the findings top to bottom follows the message."""
    fs = check_message("Maybe later? Sorry.")
    assert [f.start for f in fs] == sorted(f.start for f in fs)


def test_rules_are_data() -> None:
    """A rule file written by an advocate is read the same way as the packaged one."""
    rules = rules_from_toml('[[rule]]\nid = "x"\ntitle = "X"\npatterns = ["\\\\bzebra\\\\b"]\nadvice = "No zebras."\n')
    assert [f.rule_id for f in check_message("A Zebra.", rules)] == ["x"]
