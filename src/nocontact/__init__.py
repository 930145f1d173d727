"""nocontact: document contact from an ex-partner as evidence that holds up.

The package is a core (vault, importers, analysis) with thin faces over it (``cli``). See
README.md for the person's path and docs/ for the formats other programs rely on.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
