"""Helplines to show wherever danger is flagged, per country, as data with sources.

Only what /work/shared/SAFETY_FACTS.md states is listed (US, GB, CA, AU). It has nothing for
Germany or Ireland, so none are listed rather than numbers from memory. Emergency numbers the
facts do not state (911 in the US, 000 in Australia) are included because leaving them out is
the larger harm, marked ``verified=False`` so a maintainer checks them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nocontact.analysis.sources import RECORDED_ON

__all__ = ["HOTLINES", "Hotline", "hotlines_for"]


@dataclass(frozen=True, slots=True)
class Hotline:
    """One way to reach help: who, how (a number, TTY or text), when, and the source."""

    country: str
    name: str
    contact: str
    how: str = "phone"
    hours: str | None = None
    note: str | None = None
    emergency: bool = False
    source: str = "SAFETY_FACTS.md"
    verified: bool = True
    checked_on: str = RECORDED_ON

    def as_json(self) -> dict[str, Any]:
        return {"country": self.country, "name": self.name, "contact": self.contact, "how": self.how,
                "hours": self.hours, "note": self.note, "emergency": self.emergency, "source": self.source,
                "verified": self.verified, "checked_on": self.checked_on}


_UNLISTED = "not in SAFETY_FACTS.md; the widely published emergency number, to be checked"

HOTLINES: tuple[Hotline, ...] = (
    Hotline("US", "Emergency", "911", emergency=True, source=_UNLISTED, verified=False),
    Hotline("US", "National Domestic Violence Hotline", "1-800-799-7233", note="1-800-799-SAFE"),
    Hotline("US", "National Domestic Violence Hotline (TTY)", "1-800-787-3224", how="tty"),
    Hotline("US", "National Domestic Violence Hotline (text)", "88788", how="text", note="text START"),
    Hotline("GB", "Emergency", "999", emergency=True,
            note="silent call from a mobile: dial 999, then press 55 when connected"),
    Hotline("GB", "National Domestic Abuse Helpline (Refuge)", "0808 2000 247", hours="24/7"),
    Hotline("GB", "National Stalking Helpline", "0808 802 0300"),
    Hotline("CA", "Emergency", "911", emergency=True,
            note="Canada has no single national domestic violence line"),
    Hotline("CA", "988 Suicide Crisis Helpline", "988"),
    Hotline("AU", "Emergency", "000", emergency=True, source=_UNLISTED, verified=False),
    Hotline("AU", "1800RESPECT", "1800 737 732"),
)


def hotlines_for(country: str) -> list[Hotline]:
    """Helplines for an ISO country code (``UK`` is read as ``GB``); empty when none are known."""
    code = country.strip().upper()
    code = "GB" if code == "UK" else code
    return [h for h in HOTLINES if h.country == code]
