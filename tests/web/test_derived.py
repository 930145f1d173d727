"""Home, Moving forward and the text-flag filters show what ``nocontact.analysis`` finds in the export."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from starlette.testclient import TestClient

from nocontact.analysis import FLAGS, count_attempts, progress
from nocontact.eventlog import event_dicts
from nocontact.ingest import Planned, context_for_vault, import_planned, plan_sources
from nocontact.vault.events import (
    current_boundary,
    current_case,
    iter_events,
    log_incident,
    retract,
    revise,
    save_case,
    set_boundary,
)
from nocontact.vault.importing import ImportFailed
from nocontact.vault.store import Vault
from nocontact.web import create_app
from nocontact.web import derived as derived_mod
from nocontact.web.derived import DerivedCache
from tests.support import case_from_expected, load_expected
from tests.web.conftest import BASE, PASSPHRASE, TOKEN, Web, csrf_of

TODAY = date(2026, 4, 21)


@pytest.fixture(scope="module")
def fixtures_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every shared fixture imported with the case and boundary of expected.json (as the conformance tests)."""
    from tests.support import FIXTURES, fixtures_present

    if not fixtures_present():
        pytest.skip(f"shared fixtures not present at {FIXTURES}")
    expected = load_expected()
    root = tmp_path_factory.mktemp("webfx") / "vault"
    v, _ = Vault.create(root, PASSPHRASE, fast_kdf=True)
    with v:
        save_case(v, case_from_expected(expected))
        ctx = context_for_vault(v)
        for item in plan_sources([FIXTURES]):
            if isinstance(item, Planned):
                with contextlib.suppress(ImportFailed):  # the web figures are compared on this same vault
                    import_planned(v, item, ctx)
        b = expected["boundary"]
        ev = next(e for e in iter_events(v) if e["source_display"] == b["file"] and e["source_pos"] == b["id"])
        set_boundary(v, ev.utc, event_id=ev.id)
    return root


@pytest.fixture
def fx_client(fixtures_vault: Path) -> Any:
    app = create_app(fixtures_vault, token=TOKEN, fast_kdf=True, derived_wait=60, today=lambda: TODAY)
    with TestClient(app, base_url=BASE, follow_redirects=True) as c:
        r = c.get(f"/unlock?token={TOKEN}")
        c.post("/unlock", data={"csrf": csrf_of(r.text), "passphrase": PASSPHRASE})
        yield c


def _export(root: Path) -> tuple[list[dict[str, Any]], datetime | None, ZoneInfo]:
    with Vault.open(root, PASSPHRASE) as v:
        case = current_case(v)
        b = current_boundary(v)
        boundary = b[0] if b else None
        rows = list(event_dicts(iter_events(v), case, boundary))
        return rows, boundary, ZoneInfo(case.source_timezone or "UTC")


def test_home_counters_are_the_analysis_figures_of_the_export(fixtures_vault: Path, fx_client: Any) -> None:
    """Days since, attempts and attempts after the boundary equal progress() and count_attempts() on the export."""
    rows, boundary, zone = _export(fixtures_vault)
    p = progress(rows, boundary, zone, datetime.combine(TODAY, time(23, 59, 59), zone), weeks=12)
    every, after = count_attempts(rows, None, zone), count_attempts(rows, boundary, zone)
    text = fx_client.get("/").text
    nums = re.findall(r'<span class="num">([^<]+)</span>', text)
    assert nums == [str(p.days_since_last_attempt), str(p.days_since_last_own_contact)]
    assert (f"{every.total.count} contact attempts from them are recorded, {after.total.count} of them after "
            "your boundary message") in text
    assert after.total.count > 0 and every.total.count > after.total.count


def _timeline_ids(client: Any, query: str) -> set[int]:
    ids: set[int] = set()
    url: str | None = f"/documentation/timeline?{query}"
    while url:
        text = client.get(url).text
        body = text.split("<tbody>")[1] if "<tbody>" in text else ""
        ids |= {int(x) for x in re.findall(r'href="/documentation/event/(\d+)"', body)}
        m = re.search(r'<a href="(/documentation/timeline\?[^"]*before=[^"]+)">Older entries', text)
        url = m.group(1).replace("&amp;", "&") if m else None
    return ids


@pytest.mark.parametrize("flag", FLAGS)
def test_each_text_flag_filter_lists_exactly_the_events_the_export_flags(
        fixtures_vault: Path, fx_client: Any, flag: str) -> None:
    """The timeline's filter for a flag lists the events whose export row carries that flag, no more."""
    rows, _, _ = _export(fixtures_vault)
    want = {int(r["event_id"]) for r in rows if flag in r["flags"]}
    assert _timeline_ids(fx_client, f"flag={flag}") == want


def test_the_monthly_chart_counts_attempts_as_the_analysis_does(fixtures_vault: Path, fx_client: Any) -> None:
    """Moving forward's months add up to count_attempts()'s total over the whole export."""
    rows, _, zone = _export(fixtures_vault)
    every = count_attempts(rows, None, zone)
    text = fx_client.get("/forward").text
    assert "Counting" not in text and "Updating" not in text
    table = text[text.index('id="months-title"'):]
    counts = [int(n) for n in re.findall(r"<tr><td>[^<]+</td><td>(\d+)</td></tr>", table)]
    assert counts and sum(counts) == every.total.count


def test_figures_follow_new_events_corrections_and_retractions_one_event_at_a_time(
        unlocked: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new event or a correction is derived alone (not the whole vault); a retraction leaves the counts."""
    seen: list[int] = []
    real = derived_mod.event_dicts

    def counting(events, *a, **k):  # type: ignore[no-untyped-def]
        events = list(events)
        seen.append(len(events))
        return real(events, *a, **k)

    monkeypatch.setattr(derived_mod, "event_dicts", counting)
    cache = DerivedCache()
    with unlocked.vault() as v:
        first, current = cache.get(v, TODAY, wait_s=60)
        assert first is not None and current and seen[-1] == first.events
        eid = log_incident(v, occurred=datetime(2026, 4, 20, 9, tzinfo=UTC), raw_time="2026-04-20 09:00",
                           time_zone="UTC", channel="in_person", what="He said: I'll kill you")
        fig, current = cache.get(v, TODAY, wait_s=60)
        assert fig is not None and current and seen[-1] == 1
        assert eid in fig.flag_ids["threat"] and fig.attempts_total == first.attempts_total + 1
        other = log_incident(v, occurred=datetime(2026, 4, 19, 9, tzinfo=UTC), raw_time="2026-04-19 09:00",
                             time_zone="UTC", channel="in_person", what="He waited by the car")
        fig, _ = cache.get(v, TODAY, wait_s=60)
        assert fig is not None and other not in fig.flag_ids.get("surveillance", ())
        revise(v, other, {"body": "He said: I know where you live"}, "the words were left out")
        fig, _ = cache.get(v, TODAY, wait_s=60)
        assert fig is not None and seen[-1] == 1 and other in fig.flag_ids["surveillance"]
        retract(v, eid, "entered twice")
        fig, _ = cache.get(v, TODAY, wait_s=60)
        assert fig is not None and eid not in fig.flag_ids["threat"]
        assert fig.attempts_total == first.attempts_total + 1


def test_the_figures_are_forgotten_when_the_vault_locks(unlocked: Web) -> None:
    """Locking clears the session's derived figures, so nothing derived outlives the key."""
    unlocked.client.get("/")
    sessions = unlocked.client.app.state.nc.sessions  # type: ignore[attr-defined]
    (s,) = sessions._by_id.values()
    assert s.derived._figures is not None
    unlocked.post("/lock")
    assert s.derived._figures is None and s.derived._state.rows == {}


def test_pages_say_they_are_still_counting_until_the_figures_are_ready(
        unlocked: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the figures not ready, Home and a flag filter say so and refresh, instead of waiting."""
    sessions = unlocked.client.app.state.nc.sessions  # type: ignore[attr-defined]
    (s,) = sessions._by_id.values()
    s.derived.clear()
    monkeypatch.setattr(DerivedCache, "_start", lambda self, vault, key: setattr(self, "_running", key))
    unlocked.client.app.state.nc.derived_wait = 0.0  # type: ignore[attr-defined]
    home = unlocked.client.get("/").text
    assert "Counting the entries in your vault" in home and 'data-reload-after="3"' in home
    tl = unlocked.client.get("/documentation/timeline?flag=threat").text
    assert "Counting the entries" in tl and "<tbody>" not in tl
    assert "Counting" not in unlocked.client.get("/documentation/timeline").text


def test_an_attempt_whose_time_a_correction_moves_past_the_boundary_counts_after_it(unlocked: Web) -> None:
    """The count after the boundary reads only the rows from the boundary on, by their first stored
    time; a correction that moves one across it must still be counted, as the analysis counts it."""
    cache = DerivedCache()
    with unlocked.vault() as v:
        set_boundary(v, datetime(2026, 3, 3, 2, 15, tzinfo=UTC))
        eid = log_incident(v, occurred=datetime(2026, 1, 5, 9, tzinfo=UTC), raw_time="2026-01-05 09:00",
                           time_zone="UTC", channel="in_person", what="He waited by the car")
        before, _ = cache.get(v, TODAY, wait_s=60)
        revise(v, eid, {"occurred_at": "2026-04-05T09:00:00.000Z"}, "the month was wrong")
        fig, current = cache.get(v, TODAY, wait_s=60)
        case, b = current_case(v), current_boundary(v)
        assert b is not None
        rows = list(event_dicts(iter_events(v), case, b[0]))
        want = count_attempts(rows, b[0], ZoneInfo(case.source_timezone or "UTC")).total.count
    assert before is not None and fig is not None and current
    assert fig.attempts_after_boundary == want == before.attempts_after_boundary + 1
