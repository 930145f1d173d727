"""Country data for the Legal and Self-care pages (hotlines, order names, law notes), with sources."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["COUNTRIES", "country_data", "default_country"]

_DATA = Path(__file__).parent / "data" / "resources.toml"


@cache
def _all() -> dict[str, Any]:
    data: dict[str, Any] = tomllib.loads(_DATA.read_text("utf-8"))["country"]
    return data


COUNTRIES: tuple[str, ...] = ("US", "GB", "AU", "CA")


def country_data(code: str) -> dict[str, Any]:
    return dict(_all().get(code) or _all()["US"])


def default_country(region: str | None, asked: str | None) -> str:
    for c in (asked, region):
        if c and c.upper() in COUNTRIES:
            return c.upper()
    return "US"
