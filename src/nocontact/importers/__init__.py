"""The importer registry: every module in this package that defines ``IMPORTERS`` takes part.

Formats are recognised by content. When two importers claim one source with equal confidence
the registry refuses to choose and names both (as beangulp's ``identify`` does).
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from nocontact.importers.base import Importer, Match
from nocontact.sources import Source

__all__ = ["NOT_READABLE", "AmbiguousFormat", "UnknownFormat", "all_importers", "by_name", "identify"]


#: Why a file is not read when nothing more is known of it.
NOT_READABLE = "not an export nocontact can read"


class UnknownFormat(Exception):
    """No importer recognises the source."""


class AmbiguousFormat(Exception):
    """Two importers claim the source equally; the person must say which."""


@cache
def all_importers() -> tuple[Importer, ...]:
    found: list[Importer] = []
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if mod.name.startswith("_") or mod.name in ("base",):
            continue
        module = importlib.import_module(f"{__name__}.{mod.name}")
        found.extend(getattr(module, "IMPORTERS", ()))
    names = [i.name for i in found]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise RuntimeError(f"importer names must be unique: {sorted(dupes)}")
    return tuple(found)


def by_name(name: str) -> Importer:
    for imp in all_importers():
        if imp.name == name:
            return imp
    raise UnknownFormat(f"no importer is called {name!r}")


def identify(source: Source, head: bytes | None = None) -> tuple[Importer, Match]:
    """The one importer for ``source``; raises ``UnknownFormat`` or ``AmbiguousFormat``."""
    if head is None:
        head = source.head()
    claims: list[tuple[Importer, Match]] = []
    for imp in all_importers():
        try:
            m = imp.sniff(source, head)
        except Exception:  # noqa: BLE001 - a damaged file must not stop the whole folder; it is not this format
            m = None
        if m is not None:
            claims.append((imp, m))
    if not claims:
        if not head:
            raise UnknownFormat(f"{source.display}: the file is empty (0 bytes)")
        raise UnknownFormat(f"{source.display}: {NOT_READABLE}")
    claims.sort(key=lambda c: -c[1].confidence)
    if len(claims) > 1 and claims[0][1].confidence == claims[1][1].confidence:
        names = ", ".join(c[0].name for c in claims if c[1].confidence == claims[0][1].confidence)
        raise AmbiguousFormat(f"{source.display}: more than one format fits ({names}); use --format")
    return claims[0]
