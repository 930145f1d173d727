"""Jurisdiction notes: what a protective order is called, the law on repeated contact, hotlines.

Kept as data (one JSON file per jurisdiction under ``legal/data``), each fact with the address
of its source and the date it was checked, so a reader can follow it and see how old it is.
Facts not confirmed from an opened copy of the source carry ``verified: false`` and a note;
the report prints that note. Nothing here is legal advice, and the report says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["Fact", "Hotline", "Jurisdiction", "UnknownJurisdiction", "available", "default_for_country",
           "load_jurisdiction"]

_SCHEMA = "nocontact-jurisdiction/1"


class UnknownJurisdiction(ValueError):
    """A jurisdiction code nocontact has no notes for; the message lists the ones it has."""


@dataclass(frozen=True, slots=True)
class Fact:
    """One statement with its source address and when it was checked."""

    text: str
    source: str
    checked_on: str
    verified: bool
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Hotline:
    """A place to get support (never presented as a verdict about danger)."""

    name: str
    contact: str
    source: str
    checked_on: str
    verified: bool
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    code: str
    name: str
    country: str
    paper: str
    order_names: tuple[Fact, ...]
    facts: tuple[Fact, ...]
    hotlines: tuple[Hotline, ...]
    checked_on_meaning: str

    @property
    def checked_on(self) -> str:
        """The most recent check date over everything this jurisdiction says."""
        dates = [f.checked_on for f in (*self.order_names, *self.facts)] + [h.checked_on for h in self.hotlines]
        return max(dates) if dates else ""


def _fact(d: dict[str, Any]) -> Fact:
    return Fact(text=str(d["text"]), source=str(d["source"]), checked_on=str(d["checked_on"]),
                verified=bool(d["verified"]), note=d.get("note"))


def _hotline(d: dict[str, Any]) -> Hotline:
    return Hotline(name=str(d["name"]), contact=str(d["contact"]), source=str(d["source"]),
                   checked_on=str(d["checked_on"]), verified=bool(d["verified"]), note=d.get("note"))


@cache
def _raw() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    folder = resources.files(__package__).joinpath("data")
    for entry in folder.iterdir():
        if not entry.name.endswith(".json"):
            continue
        data = json.loads(entry.read_text("utf-8"))
        if data.get("schema") != _SCHEMA:
            raise ValueError(f"{entry.name}: not a {_SCHEMA} file")
        out[str(data["code"])] = data
    return out


def available() -> list[tuple[str, str]]:
    """(code, name) of every jurisdiction with notes, sorted by code."""
    return sorted((code, str(d["name"])) for code, d in _raw().items())


def _resolve(code: str) -> str:
    want = code.strip().lower()
    raw = _raw()
    if want in raw:
        return want
    for c, d in raw.items():
        if want in (a.lower() for a in d.get("aliases", [])):
            return c
    names = ", ".join(f"{c} ({n})" for c, n in available())
    raise UnknownJurisdiction(f"no jurisdiction notes for {code!r}; nocontact has: {names}")


@cache
def load_jurisdiction(code: str) -> Jurisdiction:
    """The notes for ``code`` (or an alias such as 'england' or 'texas'); a state adds to its country's."""
    key = _resolve(code)
    d = _raw()[key]
    parent = load_jurisdiction(str(d["inherits"])) if d.get("inherits") else None
    orders = tuple(_fact(x) for x in d.get("order_names", []))
    facts = tuple(_fact(x) for x in d.get("facts", []))
    hotlines = tuple(_hotline(x) for x in d.get("hotlines", []))
    if parent is not None:
        orders = orders + parent.order_names
        facts = facts + parent.facts
        hotlines = hotlines + parent.hotlines
    return Jurisdiction(code=key, name=str(d["name"]), country=str(d["country"]), paper=str(d["paper"]),
                        order_names=orders, facts=facts, hotlines=hotlines,
                        checked_on_meaning=str(d.get("checked_on_meaning", "")))


def default_for_country(country: str | None) -> Jurisdiction | None:
    """The country-level notes for a two-letter country code, when nocontact has them."""
    table = {"US": "us", "GB": "gb-eaw", "CA": "ca", "AU": "au-nsw"}
    code = table.get((country or "").upper())
    return load_jurisdiction(code) if code else None
