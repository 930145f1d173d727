"""Check a draft no-contact message against advocates' advice; each finding says what to change.

A finding never blocks sending: the person decides. The advice and its sources live with the
rules in ``rules.toml``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["Finding", "Rule", "check_message", "load_rules"]


@dataclass(frozen=True)
class Rule:
    """One kind of weakness a boundary message can have, with the advice that goes with it."""

    id: str
    title: str
    advice: str
    patterns: tuple[re.Pattern[str], ...]
    severity: str = "change"


@dataclass(frozen=True)
class Finding:
    """Where a rule matched: the exact words, their position, and what to do instead."""

    rule_id: str
    title: str
    advice: str
    severity: str
    matched: str
    start: int
    end: int


@cache
def load_rules() -> tuple[Rule, ...]:
    """The packaged rules, compiled once."""
    text = resources.files("nocontact.boundary").joinpath("rules.toml").read_text("utf-8")
    return rules_from_toml(text)


def rules_from_toml(text: str) -> tuple[Rule, ...]:
    data = tomllib.loads(text)
    out: list[Rule] = []
    for r in data.get("rule", []):
        pats = tuple(re.compile(p, re.IGNORECASE) for p in r["patterns"])
        out.append(Rule(id=str(r["id"]), title=str(r["title"]), advice=str(r["advice"]), patterns=pats,
                        severity=str(r.get("severity", "change"))))
    return tuple(out)


def check_message(text: str, rules: tuple[Rule, ...] | None = None) -> list[Finding]:
    """Every place the draft goes against the advice, in text order; at most one finding per span."""
    findings: list[Finding] = []
    taken: set[tuple[str, int]] = set()
    for rule in rules if rules is not None else load_rules():
        for pat in rule.patterns:
            for m in pat.finditer(text):
                key = (rule.id, m.start())
                if key in taken or not m.group(0).strip():
                    continue
                taken.add(key)
                findings.append(Finding(rule.id, rule.title, rule.advice, rule.severity, m.group(0),
                                        m.start(), m.end()))
    findings.sort(key=lambda f: (f.start, f.rule_id))
    return findings
