"""Flags over the shared fixtures, scored per flag against expected.json's threat_ids and flag_ids.

Scored messages: every message of the ex (both directions) and every third-party message that
relays or reports the ex (expected.json ``third_party_ids``; those carry no expected flags, so a
flag on one counts as a false one). The table is printed, shown in the terminal summary and
written to artifacts/flags-precision.txt.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from nocontact.analysis.flags import FLAGS, builtin_rules, flags_for_row
from tests.analysis.flag_table import TABLES
from tests.support import REPO


def _expected_flags(file_want: dict[str, Any], source_id: str) -> set[str]:
    got = {f for f, ids in file_want["flag_ids"].items() if source_id in ids}
    return got | ({"threat"} if source_id in file_want["threat_ids"] else set())


def _score(data: dict[str, Any]) -> tuple[dict[str, Counter[str]], list[str]]:
    rules = builtin_rules()
    files = data["expected"]["files"]
    score: dict[str, Counter[str]] = {f: Counter() for f in FLAGS}
    notes: list[str] = []
    for r in data["rows"]:
        if r["category"] != "message":
            continue
        want_file = files[r["source"]]
        relays = r["source_id"] in want_file["third_party_ids"]
        if r["party"] is None and not relays:
            continue
        want = _expected_flags(want_file, r["source_id"])
        hits = flags_for_row(r, rules)
        got = {h.flag for h in hits}
        who = "ex" if r["party"] else "relay"
        for f in FLAGS:
            if f in got and f in want:
                score[f]["tp"] += 1
            elif f in got:
                score[f]["fp"] += 1
                words = "; ".join(f"{h.rule}: {h.text!r}" for h in hits if h.flag == f)
                notes.append(f"false {f:15} {who:5} {r['source']} #{r['source_id']} ({words})")
            elif f in want:
                score[f]["fn"] += 1
                notes.append(f"missed {f:14} {who:5} {r['source']} #{r['source_id']}")
    return score, notes


def _ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def _table(score: dict[str, Counter[str]], notes: list[str]) -> str:
    lines = [f"{'flag':16} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>10} {'recall':>7}"]
    for f in FLAGS:
        s = score[f]
        lines.append(f"{f:16} {s['tp']:4} {s['fp']:4} {s['fn']:4} {_ratio(s['tp'], s['tp'] + s['fp']):10.3f} "
                     f"{_ratio(s['tp'], s['tp'] + s['fn']):7.3f}")
    tp = sum(s["tp"] for s in score.values())
    fp = sum(s["fp"] for s in score.values())
    fn = sum(s["fn"] for s in score.values())
    lines.append(f"{'all':16} {tp:4} {fp:4} {fn:4} {_ratio(tp, tp + fp):10.3f} {_ratio(tp, tp + fn):7.3f}")
    return "\n".join(lines + notes)


def test_flags_find_every_threat_and_most_of_each_flag(fixture_rows: dict[str, Any]) -> None:
    """Recall is 1.0 for threats and at least 0.8 for every other flag; precision over all flags is at least 0.8."""
    score, notes = _score(fixture_rows)
    table = _table(score, notes)
    print("\n" + table)
    TABLES.append(table)
    out = REPO / "artifacts" / "flags-precision.txt"
    out.parent.mkdir(exist_ok=True)
    out.write_text(table + "\n", "utf-8")
    threat = score["threat"]
    assert threat["fn"] == 0 and threat["tp"] > 0, table
    for f in FLAGS:
        s = score[f]
        assert _ratio(s["tp"], s["tp"] + s["fn"]) >= 0.8, table
    tp = sum(s["tp"] for s in score.values())
    fp = sum(s["fp"] for s in score.values())
    assert _ratio(tp, tp + fp) >= 0.8, table


def test_no_rule_names_a_fixture_place_or_employer() -> None:
    """Rules are general: none mentions the fixtures' café, employer or people."""
    text = "\n".join(p.read_text("utf-8").lower()
                     for p in (Path(__file__).resolve().parents[2] / "src/nocontact/analysis/rules").glob("*.toml"))
    for specific in ("blue bottle", "harbor", "finch", "priya", "alex", "zoë", "valencia", "dolores"):
        assert specific not in text, specific
