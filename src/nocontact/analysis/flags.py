"""Flags on message text: named, tested patterns kept as data, each hit showing its words.

Why rules and not a model: an advocate, a lawyer or a court must be able to see *why* a message
was flagged ("the words 'I saw you at' matched the rule saw_you"), and a person helping a victim
must be able to add a phrase in their own language without touching code. So the rules live in
TOML files (``rules/flags_*.toml``), one rule = name, flag, language, regex, examples that must
match and counter-examples that must not; loading a file checks every example, so a broken rule
is refused with its name instead of silently flagging nothing.

Matching is case-insensitive unless a rule says ``case_sensitive = true``, and the loader wraps
every pattern in word-boundary guards (no match may start or end inside a word). Typographic
apostrophes are read as ``'`` so "I’m outside" matches like "I'm outside"; spans still point
into the original text. A flag is a prompt to look, never a finding: every hit names its rule.

Extra rules: put ``*.toml`` files in a folder and pass it as ``extra_dirs`` to ``load_rules``,
or set ``NOCONTACT_RULES_DIR`` (``os.pathsep``-separated folders) for ``default_rules()``.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = [
    "FLAGS",
    "RULES_DIR_ENV",
    "FlagHit",
    "Rule",
    "RuleError",
    "RuleSet",
    "builtin_rules",
    "default_rules",
    "flag_names",
    "flags_for_row",
    "flags_for_text",
    "load_rules",
    "parse_rules",
    "row_flag_names",
]

#: The flags a rule may raise. Adding one is a code change on purpose: reports explain each.
FLAGS: tuple[str, ...] = ("threat", "self_harm", "surveillance", "workplace", "demand_response", "third_party")

#: Folders with extra rule files, separated by ``os.pathsep``; read by ``default_rules()``.
RULES_DIR_ENV = "NOCONTACT_RULES_DIR"

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\uff07": "'", "\u00b4": "'"})
_RULE_KEYS = {"name", "flag", "language", "pattern", "why", "examples", "counter_examples", "case_sensitive"}


class RuleError(ValueError):
    """A rules file that cannot be used; the message names the file and the rule."""


@dataclass(frozen=True, slots=True)
class FlagHit:
    """One rule matching in one text: the flag, the rule that raised it and the exact words.

    ``start``/``end`` index the text that was scanned (``field`` says which: ``text`` for
    ``flags_for_text``, ``subject`` or ``body`` for ``flags_for_row``).
    """

    flag: str
    rule: str
    start: int
    end: int
    text: str
    language: str = ""
    field: str = "text"

    def as_json(self) -> dict[str, Any]:
        return {"flag": self.flag, "rule": self.rule, "start": self.start, "end": self.end,
                "text": self.text, "language": self.language, "field": self.field}


@dataclass(frozen=True, slots=True)
class Rule:
    """A named pattern for one flag, with the examples that prove what it does and does not match."""

    name: str
    flag: str
    language: str
    pattern: str
    why: str = ""
    examples: tuple[str, ...] = ()
    counter_examples: tuple[str, ...] = ()
    case_sensitive: bool = False
    origin: str = ""
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        flags = re.MULTILINE | (0 if self.case_sensitive else re.IGNORECASE)
        try:
            compiled = re.compile(r"(?<!\w)(?:" + self.pattern + r")(?!\w)", flags)
        except re.error as e:
            raise RuleError(f"{self.origin or 'rules'}: rule {self.name!r}: the pattern is not a valid "
                            f"regular expression ({e})") from None
        object.__setattr__(self, "regex", compiled)

    def hits(self, text: str, *, field: str = "text") -> list[FlagHit]:
        """Every non-overlapping match in ``text`` (already apostrophe-normalised)."""
        return [FlagHit(self.flag, self.name, m.start(), m.end(), m.group(0), self.language, field)
                for m in self.regex.finditer(text) if m.end() > m.start()]

    def example_failures(self) -> list[str]:
        """Examples that do not match and counter-examples that do, each as a sentence."""
        out = [f"rule {self.name!r} does not match its example {ex!r}"
               for ex in self.examples if not self.regex.search(ex.translate(_APOSTROPHES))]
        out += [f"rule {self.name!r} matches its counter-example {ex!r}"
                for ex in self.counter_examples if self.regex.search(ex.translate(_APOSTROPHES))]
        return out


@dataclass(frozen=True, slots=True)
class RuleSet:
    """An ordered set of rules with unique names."""

    rules: tuple[Rule, ...]
    _any: re.Pattern[str] | None = field(init=False, repr=False, compare=False, default=None)
    _case_sensitive: tuple[Rule, ...] = field(init=False, repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        seen: dict[str, str] = {}
        for r in self.rules:
            if r.name in seen:
                raise RuleError(f"rule {r.name!r} is defined twice ({seen[r.name]} and {r.origin}); "
                                f"rename one of them")
            seen[r.name] = r.origin
        # One combined pattern of the case-insensitive rules: most messages raise nothing, and one
        # search in C says so far faster than a Python loop over every rule.
        ci = [r.pattern for r in self.rules if not r.case_sensitive]
        if ci:
            combined = r"(?<!\w)(?:" + "|".join(f"(?:{p})" for p in ci) + r")(?!\w)"
            object.__setattr__(self, "_any", re.compile(combined, re.MULTILINE | re.IGNORECASE))
        object.__setattr__(self, "_case_sensitive", tuple(r for r in self.rules if r.case_sensitive))

    def may_match(self, text: str) -> bool:
        """False only when no rule can match ``text`` (a fast pre-check; the rules decide)."""
        if self._any is None or self._any.search(text):
            return True
        return any(r.regex.search(text) for r in self._case_sensitive)

    def __len__(self) -> int:
        return len(self.rules)

    def __iter__(self) -> Any:
        return iter(self.rules)

    def merged(self, other: RuleSet) -> RuleSet:
        return RuleSet(self.rules + other.rules)

    def example_failures(self) -> list[str]:
        return [f"{r.origin}: {msg}" for r in self.rules for msg in r.example_failures()]


def parse_rules(data: Mapping[str, Any], origin: str = "rules", *, check_examples: bool = True) -> RuleSet:
    """Rules from one parsed TOML document (``language`` at the top, ``[[rules]]`` tables)."""
    default_lang = str(data.get("language", ""))
    items = data.get("rules", [])
    if not isinstance(items, list):
        raise RuleError(f"{origin}: 'rules' must be a list of tables ([[rules]])")
    rules = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise RuleError(f"{origin}: rule number {i + 1} is not a table")
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise RuleError(f"{origin}: rule number {i + 1} has no name")
        unknown = set(item) - _RULE_KEYS
        if unknown:
            raise RuleError(f"{origin}: rule {name!r} has unknown keys: {', '.join(sorted(unknown))}")
        flag = item.get("flag")
        if flag not in FLAGS:
            raise RuleError(f"{origin}: rule {name!r} raises {flag!r}, which is not one of {', '.join(FLAGS)}")
        pattern = item.get("pattern")
        if not isinstance(pattern, str) or not pattern.strip():
            raise RuleError(f"{origin}: rule {name!r} has no pattern")
        examples = tuple(item.get("examples", ()))
        if not examples:
            raise RuleError(f"{origin}: rule {name!r} has no examples; every rule needs at least one")
        rules.append(Rule(name=name, flag=str(flag), language=str(item.get("language", default_lang)),
                          pattern=pattern.strip(), why=str(item.get("why", "")), examples=examples,
                          counter_examples=tuple(item.get("counter_examples", ())),
                          case_sensitive=bool(item.get("case_sensitive", False)), origin=origin))
    rs = RuleSet(tuple(rules))
    if check_examples:
        failures = rs.example_failures()
        if failures:
            raise RuleError("; ".join(failures))
    return rs


def _load_file(path: Path, *, check_examples: bool) -> RuleSet:
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise RuleError(f"{path}: not valid TOML ({e})") from None
    return parse_rules(data, str(path), check_examples=check_examples)


def builtin_rules() -> RuleSet:
    """The rules shipped with nocontact (English, German and language-neutral)."""
    return _builtin()


@lru_cache(maxsize=1)
def _builtin() -> RuleSet:
    rules: tuple[Rule, ...] = ()
    folder = resources.files("nocontact.analysis").joinpath("rules")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text("utf-8"))
            rules += parse_rules(data, f"nocontact/analysis/rules/{entry.name}").rules
    return RuleSet(rules)


def load_rules(extra: Iterable[Path] = (), *, include_builtin: bool = True,
               check_examples: bool = True) -> RuleSet:
    """The built-in rules plus every ``*.toml`` in the given files or folders, in name order."""
    rs = builtin_rules() if include_builtin else RuleSet(())
    for p in extra:
        files = sorted(p.glob("*.toml")) if p.is_dir() else [p]
        if p.is_dir() and not files:
            raise RuleError(f"{p}: no *.toml rule files in this folder")
        for f in files:
            rs = rs.merged(_load_file(f, check_examples=check_examples))
    return rs


def default_rules() -> RuleSet:
    """Built-in rules plus those in ``NOCONTACT_RULES_DIR`` (read once per distinct value)."""
    return _with_env(os.environ.get(RULES_DIR_ENV, ""))


@lru_cache(maxsize=8)
def _with_env(value: str) -> RuleSet:
    dirs = [Path(p) for p in value.split(os.pathsep) if p.strip()]
    return load_rules(dirs)


def flags_for_text(text: str | None, rules: RuleSet | None = None, *, field: str = "text") -> list[FlagHit]:
    """Every rule hit in ``text``, ordered by position then flag; empty for no text."""
    if not text:
        return []
    rs = rules if rules is not None else default_rules()
    scan = text.translate(_APOSTROPHES)
    if not rs.may_match(scan):
        return []
    hits = [h for r in rs.rules for h in r.hits(scan, field=field)]
    if scan is not text:
        hits = [FlagHit(h.flag, h.rule, h.start, h.end, text[h.start:h.end], h.language, h.field)
                for h in hits]
    hits.sort(key=lambda h: (h.start, h.end, h.flag, h.rule))
    return hits


def flag_names(text: str | None, rules: RuleSet | None = None) -> list[str]:
    """The distinct flags raised by ``text``, sorted (what the events export shows per row)."""
    return sorted({h.flag for h in flags_for_text(text, rules)})


def flags_for_row(row: Mapping[str, Any], rules: RuleSet | None = None) -> list[FlagHit]:
    """Hits in an events-export row's subject and body (an email's subject can carry the words)."""
    rs = rules if rules is not None else default_rules()
    return (flags_for_text(row.get("subject"), rs, field="subject")
            + flags_for_text(row.get("body"), rs, field="body"))


def row_flag_names(row: Mapping[str, Any], rules: RuleSet | None = None) -> list[str]:
    """The distinct flags of one events-export row (subject and body), sorted."""
    return sorted({h.flag for h in flags_for_row(row, rules)})
