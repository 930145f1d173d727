"""The report model: its numbers equal the fixtures' ground truth and trace back to event ids."""

from __future__ import annotations

from collections import Counter

from nocontact.eventlog import event_dicts
from nocontact.report.html import id_ranges
from nocontact.report.model import LOG_CAP, build_model, is_attempt, visible
from nocontact.vault.events import current_boundary, current_case, iter_events
from nocontact.vault.store import Vault
from tests.report.conftest import NOW
from tests.report.rows import BOUNDARY, model_for, row, rows_with_bodies
from tests.support import load_expected


def _rows(v: Vault) -> list[dict]:  # type: ignore[type-arg]
    b = current_boundary(v)
    return list(event_dicts(iter_events(v), current_case(v), b[0] if b else None))


def test_headline_equals_the_fixtures_ground_truth(fixture_vault: Vault) -> None:
    """168 incoming messages and calls from the ex after the boundary, over all fixture files."""
    m = build_model(fixture_vault, now=NOW)
    want = load_expected()["totals"]["ex_incoming_after_boundary_sum_over_files"]
    assert m.headline.value == str(want) == "168"
    assert len(m.headline.event_ids) == want


def test_headline_ids_are_exactly_the_export_rows_the_rule_selects(fixture_vault: Vault) -> None:
    """The event ids behind the headline are the events.csv rows its printed rule selects."""
    m = build_model(fixture_vault, now=NOW)
    rows = _rows(fixture_vault)
    assert set(m.headline.event_ids) == {r["event_id"] for r in rows if is_attempt(r)}


def test_channels_add_up_to_the_headline(fixture_vault: Vault) -> None:
    """Per-channel counts sum to the headline and match the channels of the selected rows."""
    m = build_model(fixture_vault, now=NOW)
    assert sum(c.count for c in m.channels) == 168
    rows = [r for r in _rows(fixture_vault) if is_attempt(r)]
    assert {c.channel: c.count for c in m.channels} == dict(Counter(r["channel"] for r in rows))


def test_the_night_burst_of_calls_is_found(fixture_vault: Vault) -> None:
    """The fixtures' 25 calls in under an hour on 21 February show as one burst holding all of them."""
    m = build_model(fixture_vault, now=NOW)
    expected = load_expected()["files"]["calls-20250322101530.xml"]["bursts"]
    burst_ids = {str(i) for b in expected for i in (b["ids"] if isinstance(b, dict) else b)}
    pos = {e.id: e["source_pos"] for e in iter_events(fixture_vault)
           if e["source_display"] == "calls-20250322101530.xml"}
    assert any(burst_ids <= {pos.get(i) for i in b.event_ids} for b in m.bursts)


def test_every_fixture_threat_is_flagged_with_its_words(fixture_vault: Vault) -> None:
    """Each record the fixtures mark as an explicit threat is in the flagged list under 'threat'."""
    m = build_model(fixture_vault, now=NOW)
    expected = load_expected()
    ids = {(e["source_display"], e["source_pos"]): e.id for e in iter_events(fixture_vault)}
    flagged = {f.event_id: f for f in m.flagged}
    threats = [(rel, t) for rel, f in expected["files"].items() for t in f["threat_ids"]]
    assert len(threats) == expected["totals"]["threats_total"]
    for key in threats:
        f = flagged[ids[key]]
        assert "threat" in f.flags and all(f.evidence)


def test_exhibits_list_every_original_with_its_hash(fixture_vault: Vault) -> None:
    """Every fixture file imported is an exhibit with its SHA-256, size and format."""
    m = build_model(fixture_vault, now=NOW)
    want = load_expected()["files"]
    by_name = {e.name: e for e in m.exhibits}
    for rel, f in want.items():
        assert by_name[visible(rel)].how.startswith(f["format"]), rel
        assert len(by_name[visible(rel)].sha256) == 64


def test_the_boundary_row_is_marked_in_the_log(fixture_vault: Vault) -> None:
    """The incident log marks the boundary message itself and nothing else as the boundary."""
    m = build_model(fixture_vault, now=NOW)
    assert [r.event_id for r in m.log if r.is_boundary] == [m.boundary_event_id]


def test_sample_incident_is_counted_and_logged(sample_vault: Vault) -> None:
    """The person's own in-person incident is logged with its SIBL fields and counted apart."""
    m = build_model(sample_vault, now=NOW, jurisdiction="us")
    row = next(r for r in m.log if r.channel == "in_person")
    assert row.police_report == "CPD-2026-0314-77" and "Dana" in row.witnesses
    fig = next(f for f in m.figures if f.label.startswith("Incidents recorded"))
    assert fig.value == "1"


def test_redaction_hides_witnesses_and_other_peoples_numbers(sample_vault: Vault) -> None:
    """With redact_third_parties, witness names and non-party numbers are withheld; the ex stays named."""
    m = build_model(sample_vault, now=NOW, redact_third_parties=True, text="full")
    row = next(r for r in m.log if r.channel == "in_person")
    assert "Dana" not in row.witnesses and "312 555 0111" not in row.witnesses
    everything = " ".join(r.what + r.witnesses + r.location for r in m.log)
    assert "Casey" in everything
    assert m.redacted


def test_text_none_withholds_every_body(sample_vault: Vault) -> None:
    """text='none' shows no message text in the log, only how long it was."""
    full = build_model(sample_vault, now=NOW, text="full")
    none = build_model(sample_vault, now=NOW, text="none")
    bodies = [r.what for r in full.log if r.channel == "sms" and r.what]
    assert bodies
    for r in none.log:
        if r.channel == "sms":
            assert "[text withheld" in r.what


def test_excerpt_cuts_long_text_at_160_characters() -> None:
    """A long message shows its first 160 characters and an ellipsis in excerpt mode."""
    m = model_for(rows_with_bodies(["x" * 500]))
    assert m.log[0].what == "x" * 160 + " …"


def test_redaction_withholds_third_party_numbers_in_text() -> None:
    """A phone number and e-mail address of someone else are hidden inside a message body."""
    from nocontact.report.model import Shield
    from tests.report.rows import CASE

    shield = Shield(CASE, ["Alex Chen"], keep={"+13125550187"}, region="US")
    got = shield.text("Ask Alex Chen (alex@example.com, 415-555-0123) or call me on +1 312 555 0187")
    assert "Alex" not in got and "alex@" not in got and "415-555-0123" not in got
    assert "+1 312 555 0187" in got


def test_the_log_is_capped_to_the_first_and_most_recent_and_says_so() -> None:
    """Past LOG_CAP rows the log keeps the first LOG_HEAD and last LOG_TAIL contacts and every incident, and says how many there are."""
    from datetime import timedelta

    from nocontact.report.model import LOG_HEAD, LOG_TAIL

    rows = [row(i, BOUNDARY + timedelta(minutes=30 * i)) for i in range(1, LOG_CAP + 51)]
    rows.insert(200, row(LOG_CAP + 51, BOUNDARY + timedelta(minutes=30 * 200 + 1), origin="manual",
                         category="incident", channel="in_person", police_report="P-1"))
    m = model_for(rows)
    assert m.log_total == LOG_CAP + 51 and m.log_capped
    assert len(m.log) == LOG_HEAD + LOG_TAIL + 1
    ids = [r.event_id for r in m.log]
    assert ids[:LOG_HEAD] == list(range(1, LOG_HEAD + 1))
    assert ids[-LOG_TAIL:] == list(range(LOG_CAP + 51 - LOG_TAIL, LOG_CAP + 51))
    assert any(r.police_report == "P-1" for r in m.log), "the person's own incident is always printed"
    assert m.headline.value == str(LOG_CAP + 50)


def test_a_threat_in_the_middle_of_a_long_log_is_still_printed_in_section_3() -> None:
    """A threat between the first and the most recent contacts, cut from the log, is printed in section 3."""
    from datetime import timedelta

    rows = [row(i, BOUNDARY + timedelta(minutes=30 * i)) for i in range(1, 2 * LOG_CAP)]
    rows[LOG_CAP - 1]["body"] = "You'll regret this."
    m = model_for(rows)
    assert m.log_capped and LOG_CAP not in m.log_ids
    assert [f.event_id for f in m.flagged] == [LOG_CAP] and m.flagged[0].flags == ("threat",)
    assert m.flagged[0].text == "You'll regret this."


def test_id_ranges_fold_consecutive_ids() -> None:
    """Event ids print as ranges: 1-3, 7, 9-10."""
    assert id_ranges([3, 1, 2, 7, 9, 10]) == [(1, 3), (7, 7), (9, 10)]


def test_flagged_messages_are_capped_most_serious_first() -> None:
    """Past FLAG_CAP flagged messages, threats are kept before demands, and the total is still told."""
    from datetime import timedelta

    from nocontact.report.model import FLAG_CAP

    rows = [row(i, BOUNDARY + timedelta(minutes=30 * i), "Answer me") for i in range(1, FLAG_CAP + 21)]
    rows.append(row(FLAG_CAP + 21, BOUNDARY + timedelta(days=300), "You'll regret this."))
    m = model_for(rows)
    assert m.flagged_total == FLAG_CAP + 21 and len(m.flagged) == FLAG_CAP
    assert any("threat" in f.flags for f in m.flagged)


def test_headline_agrees_with_the_analysis_package(fixture_vault: Vault) -> None:
    """The report's headline ids are analysis.count_attempts' messages and calls (incidents are a separate figure)."""
    from zoneinfo import ZoneInfo

    from nocontact.analysis import counts  # a missing module fails here, never skips
    m = build_model(fixture_vault, now=NOW)
    b = current_boundary(fixture_vault)
    c = counts.count_attempts(_rows(fixture_vault), b[0] if b else None, ZoneInfo("America/Los_Angeles"))
    theirs = {i for cat in ("message", "call") for i in c.by_category.get(cat, counts.Figure()).event_ids}
    assert set(m.headline.event_ids) == theirs
    assert int(m.figures[1].value) == c.distinct_days


def test_bursts_table_is_capped_to_the_largest() -> None:
    """With more bursts than BURST_CAP the table keeps the largest, and the total is still counted."""
    from datetime import timedelta

    from nocontact.report.model import BURST_CAP

    rows = []
    n = 0
    for day in range(BURST_CAP + 10):
        for k in range(5 + (day == 3) * 20):
            n += 1
            rows.append(row(n, BOUNDARY + timedelta(days=day + 1, minutes=k)))
    m = model_for(rows)
    assert m.bursts_total == BURST_CAP + 10 and len(m.bursts) == BURST_CAP
    assert max(b.count for b in m.bursts) == 25


def test_a_whatsapp_chat_at_whatsapps_limit_says_in_its_exhibit_that_older_messages_may_exist(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A court reading the exhibits learns the chat may start later than the conversation did."""
    from tests.test_cli import long_chat
    from tests.vault.helpers import import_paths, with_case

    long, short = tmp_path / "long" / "WhatsApp Chat with Casey Drummond.txt", tmp_path / "short" / "WhatsApp Chat with Casey Drummond.txt"
    for path, n in ((long, 10_000), (short, 50)):
        path.parent.mkdir()
        path.write_text(long_chat(n), encoding="utf-8")
    v, _ = Vault.create(tmp_path / "vault", "pw", fast_kdf=True)
    with v:
        with_case(v)
        import_paths(v, long)
        import_paths(v, short)
        how = [e.how for e in build_model(v, now=NOW).exhibits]
    assert len(how) == 2
    assert sum("it holds 10,000 messages, about the most WhatsApp puts in one export (10,000)" in h for h in how) == 1
    assert sum("messages from before its first one may exist" in h for h in how) == 1


def test_an_exhibit_whose_export_does_not_say_which_messages_are_the_persons_says_how_that_was_told(  # type: ignore[no-untyped-def]
        tmp_path) -> None:
    from nocontact.importers.whatsapp import BY_PEER
    from tests.vault.helpers import import_paths, with_case

    chat = tmp_path / "WhatsApp Chat with Casey Drummond.txt"
    chat.write_text("13/03/2026, 21:15 - Casey Drummond: pick up\n13/03/2026, 21:16 - Robbie: please stop\n",
                    encoding="utf-8")
    v, _ = Vault.create(tmp_path / "vault", "pw", fast_kdf=True)
    with v:
        with_case(v)
        import_paths(v, chat)
        [exhibit] = build_model(v, now=NOW).exhibits
    assert exhibit.how.endswith(f"nocontact recorded how it told them: \u201c{BY_PEER}\u201d")
