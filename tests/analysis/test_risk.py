"""Risk signals are education with sources, never a score; hotlines are data with sources."""

from __future__ import annotations

import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from nocontact.analysis.hotlines import HOTLINES, hotlines_for
from nocontact.analysis.risk import SIGNALS, risk_signals
from nocontact.analysis.sources import SOURCES
from tests.analysis.rowkit import at, call, mine, row

LA = ZoneInfo("America/Los_Angeles")
BOUNDARY = at("2025-02-04T03:00")
SAFETY_FACTS = Path(__file__).resolve().parents[3] / "shared" / "SAFETY_FACTS.md"


def by_key(rows: list[dict[str, object]]) -> dict[str, tuple[bool, tuple[int, ...]]]:
    return {s.key: (s.present, s.event_ids) for s in risk_signals(rows, BOUNDARY, LA).signals}


class TestSignals:
    def test_a_threat_is_a_signal_with_its_event_and_sources(self) -> None:
        """A threatening message shows the threats signal, its event id, why it matters and sources."""
        rs = risk_signals([row(1, "2025-02-05T20:00", body="You'll regret this.")], BOUNDARY, LA)
        [threats] = [s for s in rs.signals if s.key == "threats"]
        assert threats.present and threats.event_ids == (1,)
        assert threats.why and threats.sources
        assert rs.show_hotlines

    def test_quiet_evidence_shows_no_signal_and_no_hotline_prompt(self) -> None:
        """Two polite daytime messages show no signal."""
        rows = [row(1, "2025-02-05T20:00", body="Can we talk?"), row(2, "2025-02-06T20:00", body="Ok.")]
        sig = by_key(rows)
        assert not any(present for present, _ in sig.values())
        assert not risk_signals(rows, BOUNDARY, LA).show_hotlines

    def test_each_kind_of_signal_is_found(self) -> None:
        """Self-harm, surveillance, third parties, night, bursts and a new number after a block each show."""
        rows = [row(1, "2025-02-05T20:00", body="I'll kill myself"),
                row(2, "2025-02-05T21:00", body="I saw you at the gym"),
                row(3, "2025-02-05T22:00", body="I told your sister"),
                row(4, "2025-02-06T07:00", body="hey"),  # 23:00 in Los Angeles
                call(5, "2025-02-07T20:00", call_type=6),
                *[call(10 + i, f"2025-02-08T20:{i:02d}", identifier="+15550142") for i in range(5)]]
        sig = by_key(rows)
        assert sig["self_harm"] == (True, (1,))
        assert sig["surveillance"] == (True, (2,))
        assert sig["third_parties"] == (True, (3,))
        assert 4 in sig["night_time"][1]
        assert sig["bursts"] == (True, (10, 11, 12, 13, 14))
        assert sig["new_routes_after_block"] == (True, (10,))

    def test_the_persons_own_messages_raise_no_signal(self) -> None:
        """What the person wrote is not evidence against the ex."""
        assert not by_key([mine(1, "2025-02-05T20:00", body="If you keep going I'll go to the police")])[
            "threats"][0]

    def test_there_is_no_score_or_level_anywhere(self) -> None:
        """The JSON has no score, level, rating or 'high risk' label, and says it is not an assessment."""
        rs = risk_signals([row(1, "2025-02-05T20:00", body="You'll regret this.")], BOUNDARY, LA)
        text = json.dumps(rs.as_json()).lower()
        assert not re.search(r'"(score|level|rating|risk_level)"', text)
        assert "high risk" not in text
        assert "not an assessment" in rs.disclaimer

    def test_every_signal_cites_known_sources(self) -> None:
        """Every signal's sources exist in the sources table."""
        assert all(k in SOURCES for info in SIGNALS.values() for k in info.sources)


@pytest.mark.skipif(not SAFETY_FACTS.is_file(), reason="SAFETY_FACTS.md is only on developer machines")
class TestAgainstSafetyFacts:
    def test_every_verified_hotline_number_appears_in_safety_facts(self) -> None:
        """Numbers marked verified are exactly as SAFETY_FACTS.md writes them."""
        facts = SAFETY_FACTS.read_text("utf-8")
        for h in HOTLINES:
            if h.verified:
                assert h.contact in facts, h

    def test_every_source_url_appears_in_safety_facts(self) -> None:
        """A source URL is only given where SAFETY_FACTS.md gives it."""
        facts = SAFETY_FACTS.read_text("utf-8")
        for s in SOURCES.values():
            if s.url:
                assert s.url.removeprefix("https://").removeprefix("www.") in facts, s


class TestHotlines:
    @pytest.mark.parametrize("country", ["US", "GB", "CA", "AU"])
    def test_each_country_has_an_emergency_number_and_a_helpline(self, country: str) -> None:
        """US, GB, CA and AU each list an emergency number and at least one other line."""
        lines = hotlines_for(country)
        assert any(h.emergency for h in lines) and any(not h.emergency for h in lines)
        assert all(h.source and h.checked_on for h in lines)

    def test_uk_is_read_as_gb_and_unknown_countries_are_empty(self) -> None:
        """'uk' finds the British lines; a country with no facts gets none rather than a guess."""
        assert hotlines_for("uk") == hotlines_for("GB")
        assert hotlines_for("DE") == []
