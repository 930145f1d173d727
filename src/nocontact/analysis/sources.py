"""Where the words in the risk and hotline sections come from, as data.

Everything here is taken from /work/shared/SAFETY_FACTS.md ("public facts gathered from stored
copies of public pages"), recorded on ``RECORDED_ON``. ``url`` is given only where that file
gives one; ``verified`` is False where it marks a fact [unverified]. A report prints these next
to the text they support, so a reader can check them rather than trust nocontact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["RECORDED_ON", "SOURCES", "Source"]

#: The date the facts below were recorded from SAFETY_FACTS.md (its own "checked on" date).
RECORDED_ON = "2026-11-24"


@dataclass(frozen=True, slots=True)
class Source:
    """A citation: what it is, where to find it if known, and whether it was checked."""

    key: str
    citation: str
    url: str | None = None
    verified: bool = True
    checked_on: str = RECORDED_ON

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "citation": self.citation, "url": self.url, "verified": self.verified,
                "checked_on": self.checked_on}


_ALL = (
    Source("campbell_da", "Campbell, Danger Assessment (item on stalking)", "https://emerge.ucsd.edu"),
    Source("mcfarlane_1999", "McFarlane et al. 1999: stalking in the 12 months before 76% of femicides"),
    Source("monckton_smith_2017", "Monckton-Smith 2017: stalking behaviours in 94% of 350+ UK homicides; "
           "surveillance in 63%"),
    Source("rosenfeld_2004", "Rosenfeld 2004 meta-analysis: 38.7% of stalkers violent; prior intimate "
           "relationship and threats among correlates"),
    Source("ncvc", "National Center for Victims of Crime (NCVC): danger is higher when the stalker talks about "
           "suicide or murder, or when the victim leaves"),
    Source("us_18_usc_2266", "18 U.S.C. 2266(2): course of conduct, a pattern of 2 or more acts evidencing a "
           "continuity of purpose", "https://www.law.cornell.edu/uscode/text/18/2266", verified=False),
    Source("us_18_usc_2261a", "18 U.S.C. 2261A: stalking, including by electronic communication"),
    Source("uk_pha_1997_s2a", "Protection from Harassment Act 1997 s.2A(3) (England & Wales): examples of "
           "stalking include contacting or attempting to contact by any means, monitoring, watching or spying; "
           "s.7: course of conduct is conduct on at least two occasions"),
    Source("ca_cc_264", "Criminal Code (Canada) s.264: criminal harassment, incl. repeatedly communicating "
           "directly or indirectly, besetting or watching, threatening conduct"),
    Source("au_nsw_cdpva_s13", "Crimes (Domestic and Personal Violence) Act 2007 (NSW) s.13 (s.8: stalking "
           "includes contact by technology)"),
    Source("safelives_dash", "SafeLives Dash and S-DASH risk checklists (for professionals; copyrighted: "
           "ask an advocate to complete them with you)"),
    Source("sparc_log", "SPARC Stalking Incident and Behavior Log", "https://stalkingawareness.org/documentation-log/",
           verified=False),
    Source("suzy_lamplugh", "Suzy Lamplugh Trust: record contemporaneously and note the emotional effect on you"),
)

SOURCES: dict[str, Source] = {s.key: s for s in _ALL}
