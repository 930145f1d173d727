"""Flag rules as data: every rule proves itself with examples, hits show their words, rules extend."""

from __future__ import annotations

from pathlib import Path

import pytest

from nocontact.analysis.flags import (
    FLAGS,
    RULES_DIR_ENV,
    RuleError,
    builtin_rules,
    default_rules,
    flag_names,
    flags_for_row,
    flags_for_text,
    load_rules,
    parse_rules,
    row_flag_names,
)
from tests.analysis.rowkit import row

BUILTIN = builtin_rules()


@pytest.mark.parametrize("rule", BUILTIN.rules, ids=lambda r: r.name)
def test_every_builtin_rule_matches_its_examples_and_not_its_counter_examples(rule) -> None:  # type: ignore[no-untyped-def]
    """Each shipped rule matches every example it lists and none of its counter-examples."""
    assert rule.examples, "a rule without examples proves nothing"
    assert rule.example_failures() == []


@pytest.mark.parametrize("flag", FLAGS)
@pytest.mark.parametrize("language", ["en", "de"])
def test_every_flag_has_rules_in_english_and_german(flag: str, language: str) -> None:
    """Each flag can be raised by English and by German text."""
    assert any(r.flag == flag and r.language == language for r in BUILTIN.rules)


# Hand-written sentences, not taken from any rule's examples: what an advocate would flag, and
# ordinary messages that must stay quiet.
POSITIVE = [
    ("You will regret leaving me.", {"threat"}),
    ("if you don't call me back by tonight I'll show up at your mum's", {"threat"}),
    ("I'm going to make your life hell", {"threat"}),
    ("Tonight I will just end it. Goodbye.", {"self_harm"}),
    ("I'll kill myself if you go", {"self_harm"}),
    ("I know where you live now.", {"surveillance"}),
    ("I saw you at the station with your new guy", {"surveillance"}),
    ("I'm parked outside", {"surveillance"}),
    ("I told your boss about you", {"workplace"}),
    ("I'll come to your office and explain everything to your manager", {"workplace"}),
    ("Answer my calls!", {"demand_response"}),
    ("Why won't you answer me", {"demand_response"}),
    ("I told your mom what you did", {"third_party"}),
    ("Das wirst du bereuen, glaub mir.", {"threat"}),
    ("Ich weiß, wo du wohnst.", {"surveillance"}),
    ("Ich habe dich gestern mit ihm gesehen", {"surveillance"}),
    ("Weiß deine Chefin eigentlich, wie du bist?", {"workplace"}),
    ("Antworte mir endlich!", {"demand_response"}),
    ("Ich hab mit deiner Schwester gesprochen.", {"third_party"}),
    ("Ich will nicht mehr leben.", {"self_harm"}),
]
NEGATIVE = [
    "See you at 7",
    "Can you pick up milk on the way home?",
    "I'm sorry about everything",
    "Happy birthday! Hope work is going well",
    "Call me when you land",
    "Who are you with?",
    "Three years and you end it with a text?",
    "Thanks for the soup recipe, tell your mum hi",
    "Wir sehen uns morgen um acht",
    "Kannst du mir sagen, wann der Zug fährt?",
    "Tut mir leid, ich komme später",
    "Ich mache Schluss, es tut mir leid",
    "Dinner Sunday at 6! Dad is making paella",
]


@pytest.mark.parametrize(("text", "flags"), POSITIVE)
def test_hand_written_positives_raise_their_flag(text: str, flags: set[str]) -> None:
    """Messages an advocate would flag raise at least the expected flag."""
    assert flags <= set(flag_names(text))


@pytest.mark.parametrize("text", NEGATIVE)
def test_ordinary_messages_raise_nothing(text: str) -> None:
    """Everyday messages (English and German) raise no flag."""
    assert flags_for_text(text) == []


class TestHits:
    def test_a_hit_shows_the_words_that_raised_it(self) -> None:
        """The hit names flag and rule and carries the exact matched words and their span."""
        text = "Fine. You'll regret this, Sam."
        [hit] = flags_for_text(text)
        assert (hit.flag, hit.rule, hit.text) == ("threat", "you_will_regret", "You'll regret")
        assert text[hit.start:hit.end] == hit.text

    def test_typographic_apostrophes_match_and_spans_keep_the_original(self) -> None:
        """"You’ll regret" (U+2019) matches like "You'll regret" and shows the original characters."""
        [hit] = flags_for_text("You\u2019ll regret this")
        assert hit.text == "You\u2019ll regret"

    def test_no_text_no_hits(self) -> None:
        """None and the empty string raise nothing."""
        assert flags_for_text(None) == [] and flags_for_text("") == [] and flag_names(None) == []

    def test_flag_names_are_sorted_and_unique(self) -> None:
        """Two demand rules and a threat give each flag name once, sorted."""
        assert flag_names("ANSWER ME. YOU'LL REGRET THIS") == ["demand_response", "threat"]

    def test_rows_are_scanned_in_subject_and_body(self) -> None:
        """An email's subject can raise a flag; the hit says which field it came from."""
        r = row(1, "2025-02-05T10:00", subject="I know where you live", body="see below")
        assert [(h.flag, h.field) for h in flags_for_row(r)] == [("surveillance", "subject")]
        assert row_flag_names(r) == ["surveillance"]

    def test_words_inside_other_words_do_not_match(self) -> None:
        """The loader's word boundaries keep "kill" from matching inside "skills"."""
        rs = parse_rules({"rules": [{"name": "k", "flag": "threat", "pattern": "kill", "examples": ["kill"],
                                     "counter_examples": ["skills", "killer"]}]})
        assert flags_for_text("my skills", rs) == []


def _write(folder: Path, body: str, name: str = "extra.toml") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(body, "utf-8")
    return folder


EXTRA = '''
language = "fr"
[[rules]]
name = "fr_tu_vas_regretter"
flag = "threat"
pattern = 'tu\\s+vas\\s+le\\s+regretter'
examples = ["Tu vas le regretter."]
counter_examples = ["Je regrette"]
'''


class TestExtending:
    def test_a_rules_folder_adds_rules_without_code(self, tmp_path: Path) -> None:
        """A French rule in an extra folder flags French text, with the built-in rules kept."""
        rs = load_rules([_write(tmp_path / "rules", EXTRA)])
        assert flag_names("Tu vas le regretter.", rs) == ["threat"]
        assert len(rs) == len(BUILTIN) + 1

    def test_the_environment_variable_names_extra_folders(self, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
        """NOCONTACT_RULES_DIR adds its rules to the default set."""
        monkeypatch.setenv(RULES_DIR_ENV, str(_write(tmp_path / "rules", EXTRA)))
        assert any(h.rule == "fr_tu_vas_regretter" for h in flags_for_text("tu vas le regretter"))
        monkeypatch.delenv(RULES_DIR_ENV)
        assert default_rules() is builtin_rules() or len(default_rules()) == len(BUILTIN)

    @pytest.mark.parametrize(("body", "words"), [
        (EXTRA.replace('"threat"', '"rude"'), "not one of"),
        (EXTRA.replace('["Tu vas le regretter."]', '["Tu vas partir"]'), "does not match its example"),
        (EXTRA.replace('["Je regrette"]', '["tu vas le regretter"]'), "matches its counter-example"),
        (EXTRA.replace("'tu\\s+vas", "'(tu\\s+vas"), "not a valid regular expression"),
        (EXTRA.replace('examples = ["Tu vas le regretter."]\n', ""), "has no examples"),
        (EXTRA.replace('name = "fr_tu_vas_regretter"', 'name = "you_will_regret"'), "defined twice"),
        ("[[rules]\n", "not valid TOML"),
    ])
    def test_a_broken_rule_is_refused_with_its_name(self, tmp_path: Path, body: str, words: str) -> None:
        """A rule with an unknown flag, failing examples, a bad pattern, no examples or a taken name is refused."""
        with pytest.raises(RuleError, match=words):
            load_rules([_write(tmp_path / "rules", body)])
