"""Jurisdiction notes: every fact carries a source address and a checked-on date."""

from __future__ import annotations

import re

import pytest

from nocontact.legal import UnknownJurisdiction, available, default_for_country, load_jurisdiction

CODES = [c for c, _ in available()]


def test_the_promised_jurisdictions_are_there() -> None:
    """US federal, California, New York, Texas, England and Wales, Canada, NSW and Victoria have notes."""
    assert set(CODES) >= {"us", "us-ca", "us-ny", "us-tx", "gb-eaw", "ca", "au-nsw", "au-vic"}


@pytest.mark.parametrize("code", CODES)
def test_every_fact_has_a_source_and_a_date(code: str) -> None:
    """Each order name, fact and hotline names an https source and an ISO checked-on date."""
    j = load_jurisdiction(code)
    assert j.order_names, "says what a protective order is called"
    for item in (*j.order_names, *j.facts, *j.hotlines):
        assert item.source.startswith("https://"), item
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", item.checked_on), item
        if not item.verified:
            assert item.note, "an unverified fact says why"
    assert j.paper in ("a4", "letter")


def test_aliases_and_states_inherit_federal_notes() -> None:
    """'texas' finds us-tx, which also carries the federal course-of-conduct fact and US hotline."""
    tx = load_jurisdiction("Texas")
    assert tx.code == "us-tx"
    assert any("2266" in f.text for f in tx.facts)
    assert any("1-800-799-7233" in h.contact for h in tx.hotlines)
    assert load_jurisdiction("england").code == "gb-eaw"


def test_england_names_the_non_molestation_order_and_uk_helplines() -> None:
    """England and Wales: non-molestation order (FLA 1996 s.42) and 0808 2000 247."""
    j = load_jurisdiction("gb-eaw")
    assert any("Non-molestation order" in f.text for f in j.order_names)
    assert any("0808 2000 247" in h.contact for h in j.hotlines)


def test_an_unknown_code_lists_what_exists() -> None:
    """Asking for a jurisdiction without notes fails with the list of those that have them."""
    with pytest.raises(UnknownJurisdiction, match="gb-eaw"):
        load_jurisdiction("atlantis")


def test_country_defaults_for_hotlines() -> None:
    """A two-letter country finds country-level notes; an unknown one finds none."""
    assert default_for_country("GB") is not None and default_for_country("gb").code == "gb-eaw"  # type: ignore[union-attr]
    assert default_for_country("ZZ") is None
