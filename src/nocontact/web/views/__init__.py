"""One module per page; each exports ``ROUTES``."""

from __future__ import annotations

from starlette.routing import BaseRoute

__all__ = ["all_routes"]


def all_routes() -> list[BaseRoute]:
    from nocontact.web.views import (
        boundary,
        documentation,
        forward,
        home,
        legal,
        people,
        selfcare,
        support,
        unlock,
    )

    out: list[BaseRoute] = []
    for mod in (unlock, home, boundary, documentation, people, support, legal, selfcare, forward):
        out.extend(mod.ROUTES)
    return out
