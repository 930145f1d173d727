"""A text-flag filter pages through the flagged ids in windows and must give exactly the pages SQL gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from nocontact.vault.store import Vault
from nocontact.web.views.documentation import timeline_rows
from tests.vault.helpers import import_paths, samples, with_case


def _pages(conn: object, flt: dict[str, str], ids: tuple[int, ...], times: tuple[int, ...] | None,
           limit: int) -> list[list[int]]:
    pages: list[list[int]] = []
    before = None
    while True:
        rows = timeline_rows(conn, flt, None, before, limit, flag_ids=ids, flag_times=times)
        pages.append([r["id"] for r in rows])
        if len(rows) < limit:
            return pages
        before = (rows[-1]["occurred_us"], rows[-1]["id"])


@pytest.mark.parametrize("every", [1, 3, 17])
@pytest.mark.parametrize("flt", [{"flag": "threat"}, {"flag": "threat", "direction": "incoming"},
                                 {"flag": "threat", "channel": "whatsapp", "start": "2025-01-01"}])
def test_windowed_flag_pages_equal_the_pages_of_one_query(new_vault: Vault, tmp_path: Path, every: int,
                                                          flt: dict[str, str]) -> None:
    """Whatever share of events is flagged and whatever other filter applies, page by page the same ids."""
    with_case(new_vault)
    import_paths(new_vault, *samples(tmp_path / "s").values(), keep_unrelated=True)
    conn = new_vault.conn
    ordered = conn.execute("SELECT occurred_us, id FROM events ORDER BY occurred_us, id").fetchall()
    assert len(ordered) > 300
    chosen = ordered[::every]
    ids = tuple(int(i) for _, i in chosen)
    times = tuple(int(t) for t, _ in chosen)
    windowed = _pages(conn, flt, ids, times, limit=7)
    one_query = _pages(conn, flt, ids, None, limit=7)
    assert windowed == one_query
    assert sum(len(p) for p in windowed) > 0
