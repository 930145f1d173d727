"""Where the flags conformance test leaves its table for the terminal summary (see conftest)."""

from __future__ import annotations

TABLES: list[str] = []
