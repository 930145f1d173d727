"""Caps that keep the report readable at any size: what is printed, and that the rest is counted and placed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from nocontact.report.charts import render_charts
from nocontact.report.html import render_html
from nocontact.report.model import ATTACHMENT_CAP, EXHIBIT_CAP, FLAG_CAP, LOG_CAP
from tests.report.rows import BOUNDARY, model_for, row


def _sources(n: int) -> list[dict[str, Any]]:
    return [{"sha256": f"{k:064x}", "size": 10, "display": f"sms-{k}.xml", "format": "sms_backup_restore_sms",
             "imported_at": "2026-04-01T00:00:00.000Z"} for k in range(n)]


def _html(m: Any) -> str:
    return " ".join(render_html(m, render_charts(m)).split())


def test_exhibits_keep_the_files_with_most_events_and_count_the_rest() -> None:
    """Past EXHIBIT_CAP files the largest are listed in exhibit order, and the rest are counted with their events."""
    n_files = EXHIBIT_CAP + 20
    rows = []
    for k in range(n_files):  # file k holds k + 1 events of the ex
        for _j in range(k + 1):
            eid = len(rows) + 1
            rows.append(row(eid, BOUNDARY + timedelta(minutes=eid), source_sha256=f"{k:064x}"))
    m = model_for(rows, sources=_sources(n_files + 5))
    assert m.exhibits_total == n_files + 5 and len(m.exhibits) == EXHIBIT_CAP
    assert [e.number for e in m.exhibits] == [f"E{k + 1}" for k in range(20 + 5 - 5, n_files)]
    assert m.exhibits_more_events == sum(range(1, 21)) and m.exhibits_more_empty == 5
    html = _html(m)
    assert f"{EXHIBIT_CAP} of {n_files + 5} files are listed" in html
    assert "nocontact events --format csv" in html


def test_attachments_of_printed_events_come_first_and_the_rest_are_counted() -> None:
    """Past ATTACHMENT_CAP the attachments of printed log rows are listed and the total is stated."""
    n = 2 * LOG_CAP
    rows = [row(i, BOUNDARY + timedelta(minutes=10 * i),
                attachments=[{"name": f"IMG_{i}.jpg", "mime": "image/jpeg", "sha256": f"{i:064x}", "size": 5,
                              "included": True}]) for i in range(1, n + 1)]
    m = model_for(rows)
    assert m.attachments_total == n and len(m.attachments) == ATTACHMENT_CAP
    assert all(int(a.how.rsplit(" ", 1)[1]) in m.log_ids for a in m.attachments)
    assert f"{ATTACHMENT_CAP} of {n} attachments are listed" in _html(m)


def test_threats_past_the_flag_cap_are_never_silently_dropped() -> None:
    """With more threats than FLAG_CAP, the unprinted ones are listed by event id and the page says so."""
    rows = [row(i, BOUNDARY + timedelta(minutes=30 * i), "You'll regret this.") for i in range(1, FLAG_CAP + 11)]
    m = model_for(rows)
    assert len(m.flagged) == FLAG_CAP and m.flagged_total == FLAG_CAP + 10
    printed = {f.event_id for f in m.flagged}
    assert set(m.flagged_unprinted_serious) == set(range(1, FLAG_CAP + 11)) - printed
    assert "10 more message(s) flagged as threat, self-harm or surveillance are not printed here" in _html(m)


def test_a_small_case_prints_everything_and_mentions_no_cap() -> None:
    """Under every cap, all entries, files and attachments are printed and no 'of N' notice appears."""
    rows = [row(i, BOUNDARY + timedelta(hours=i)) for i in range(1, 6)]
    m = model_for(rows, sources=_sources(1))
    assert not m.log_capped and len(m.log) == 5 and len(m.exhibits) == 1
    html = _html(m)
    assert "files are listed" not in html and "attachments are listed" not in html


def test_the_cumulative_chart_stays_small_however_many_attempts() -> None:
    """With 12,000 attempts the cumulative chart draws a bounded path, not one step per attempt."""
    from nocontact.report.charts import _MAX_STEPS

    small = model_for([row(i, BOUNDARY + timedelta(minutes=7 * i)) for i in range(1, _MAX_STEPS + 1)])
    big = model_for([row(i, BOUNDARY + timedelta(minutes=7 * i)) for i in range(1, 6 * _MAX_STEPS + 1)])
    size_small = len(render_charts(small)["cumulative"])
    size_big = len(render_charts(big)["cumulative"])
    assert size_big < 2 * size_small
