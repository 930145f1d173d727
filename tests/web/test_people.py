"""Who is who, in the app: a person who never opens a terminal can say who the ex is."""

from __future__ import annotations

import html
from pathlib import Path

from nocontact.vault.events import current_case
from nocontact.vault.verify import verify_vault
from tests.web.conftest import HOSTILE, Web


def _case(web: Web) -> dict[str, object]:
    with web.vault() as v:
        c = current_case(v)
        return {"ex": c.ex, "user": c.user, "zone": c.source_timezone}


def test_the_page_lists_both_people_and_what_each_form_adds(unlocked: Web) -> None:
    r = unlocked.client.get("/documentation/people")
    assert r.status_code == 200
    text = html.unescape(r.text)
    assert "Casey Drummond" in text and "+13125550187" in text and "Robin Hale" in text
    assert 'action="/documentation/people/add"' in r.text and 'name="who" value="them"' in r.text
    assert '<option value="America/Chicago" selected>' in r.text


def test_a_new_number_of_theirs_is_saved_and_journalled(unlocked: Web) -> None:
    with unlocked.vault() as v:
        before = v.conn.execute("SELECT count(*) FROM case_versions").fetchone()[0]
    r = unlocked.post("/documentation/people/add", {"who": "them", "kind": "phones", "value": "+1 312 555 0999"})
    assert r.status_code == 200 and "Saved." in r.text
    assert "+1 312 555 0999" in _case(unlocked)["ex"].phones  # type: ignore[attr-defined]
    with unlocked.vault() as v:
        assert v.conn.execute("SELECT count(*) FROM case_versions").fetchone()[0] == before + 1
        assert verify_vault(v).ok


def test_a_telegram_username_and_id_land_where_the_case_file_puts_them(unlocked: Web) -> None:
    unlocked.post("/documentation/people/add", {"who": "them", "kind": "telegram", "value": "@casey_d"})
    unlocked.post("/documentation/people/add", {"who": "them", "kind": "telegram", "value": "123456"})
    ex = _case(unlocked)["ex"]
    assert "@casey_d" in ex.telegram_usernames and "user123456" in ex.telegram_ids  # type: ignore[attr-defined]


def test_the_time_zone_is_chosen_from_real_zones_only(unlocked: Web) -> None:
    assert unlocked.post("/documentation/people/timezone", {"zone": "Europe/London"}).status_code == 200
    assert _case(unlocked)["zone"] == "Europe/London"
    r = unlocked.post("/documentation/people/timezone", {"zone": "Mars/Olympus"})
    assert r.status_code == 400 and _case(unlocked)["zone"] == "Europe/London"


def test_what_they_type_is_shown_as_text_never_as_markup(unlocked: Web) -> None:
    unlocked.post("/documentation/people/add", {"who": "them", "kind": "names", "value": HOSTILE})
    r = unlocked.client.get("/documentation/people")
    assert "<script>alert" not in r.text and "&lt;script&gt;" in r.text


def test_a_change_without_the_form_token_changes_nothing(unlocked: Web) -> None:
    before = _case(unlocked)
    r = unlocked.client.post("/documentation/people/add", data={"who": "them", "kind": "phones", "value": "+1 1"})
    assert r.status_code == 403 and _case(unlocked) == before


def test_reading_exports_again_picks_up_what_a_new_name_makes_theirs(unlocked: Web, tmp_path: Path) -> None:
    """A Messenger thread uploaded before their Messenger name was known: nothing kept; then added."""
    from dataclasses import replace

    from nocontact.case import Person
    from nocontact.demo import write_all_samples
    from nocontact.vault.events import save_case

    thread = next(p for p in write_all_samples(tmp_path / "s") if p.name == "message_1.json"
                  and "caseydrummond" in str(p))
    with unlocked.vault() as v:
        save_case(v, replace(current_case(v), ex=Person(name="C.")))  # their Messenger name not known yet
    up = unlocked.client.post("/documentation/import", data={"csrf": unlocked.csrf},
                              files={"file": ("message_1.json", thread.read_bytes(), "application/json")})
    assert up.status_code == 200 and "0 added" in up.text
    unlocked.post("/documentation/people/add", {"who": "them", "kind": "facebook_names", "value": "Casey Drummond"})
    r = unlocked.post("/documentation/people/again")
    assert r.status_code == 200
    assert "message_1.json" in r.text and "15 added" in r.text


def test_a_helper_cannot_see_or_change_who_is_who(unlocked: Web) -> None:
    unlocked.post("/support/helpers", {"name": "Sam", "passphrase": "helper-pass-1",
                                       "passphrase2": "helper-pass-1", "understood": "1", "can_read_text": "1"})
    unlocked.post("/lock")
    unlocked.unlock("helper-pass-1")
    before = _case(unlocked)
    assert unlocked.client.get("/documentation/people").status_code == 403
    r = unlocked.post("/documentation/people/add", {"who": "them", "kind": "phones", "value": "+1 312 555 0111"})
    assert r.status_code == 403 and _case(unlocked) == before


def test_a_number_given_by_mistake_is_taken_back_and_the_case_keeps_its_history(unlocked: Web) -> None:
    """A friend's number among theirs would count the friend's messages as theirs: it can be removed;
    the earlier case version stays in the journal."""
    unlocked.post("/documentation/people/add", {"who": "them", "kind": "phones", "value": "+1 312 555 0111"})
    with unlocked.vault() as v:
        versions = v.conn.execute("SELECT count(*) FROM case_versions").fetchone()[0]
    r = unlocked.post("/documentation/people/remove", {"who": "them", "field": "phones", "value": "+1 312 555 0111"})
    assert r.status_code == 200
    ex = _case(unlocked)["ex"]
    assert "+1 312 555 0111" not in ex.phones and "+13125550187" in ex.phones  # type: ignore[attr-defined]
    with unlocked.vault() as v:
        assert v.conn.execute("SELECT count(*) FROM case_versions").fetchone()[0] == versions + 1
        assert verify_vault(v).ok
    page = unlocked.client.get("/documentation/people").text
    assert 'aria-label="Remove +13125550187 from phone numbers"' in page


def test_the_main_name_and_unknown_fields_cannot_be_removed(unlocked: Web) -> None:
    before = _case(unlocked)
    for field in ("name", "passphrase"):
        r = unlocked.post("/documentation/people/remove", {"who": "them", "field": field, "value": "Casey Drummond"})
        assert r.status_code == 400
    assert _case(unlocked) == before
