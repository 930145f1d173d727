"""What each page does for the person, through HTTP: imports, incidents, boundary, support, self-care."""

from __future__ import annotations

import html
import re
import tempfile

import pytest

from nocontact.sharefile import decrypt_share
from nocontact.vault.events import current_boundary, current_case
from nocontact.vault.verify import verify_vault
from tests.vault.helpers import samples
from tests.web.conftest import HOSTILE, Web


def _event_id_with_hostile_text(web: Web) -> int:
    with web.vault() as v:
        return int(v.conn.execute("SELECT id FROM events WHERE kind = 'incident'").fetchone()[0])


def test_home_shows_the_two_counters_and_the_trend(unlocked: Web) -> None:
    """Days since their last attempt and since my last contact, and a 12-week chart with a table."""
    r = unlocked.client.get("/")
    assert "days since their last attempt to contact you" in r.text
    assert "days since your last contact with them" in r.text
    assert r.text.count('class="bar"') == 12 and "Contact attempts from them per week" in r.text
    assert r.text.count("<tr><td>") == 12  # the chart's figures as a table, for screen readers


def test_message_text_is_escaped_where_it_is_shown(unlocked: Web) -> None:
    """Hostile text appears only as escaped text, never as markup."""
    eid = _event_id_with_hostile_text(unlocked)
    r = unlocked.client.get(f"/documentation/event/{eid}?show=1")
    assert html.escape(HOSTILE, quote=False) in r.text.replace("&#34;", '"').replace("&#39;", "'")
    assert "<script>alert" not in r.text and "<img src=x" not in r.text and 'href="javascript:' not in r.text


def test_shielded_reading_hides_text_until_asked(unlocked: Web) -> None:
    """The timeline and an unopened entry show no message text; asking shows one entry's text."""
    eid = _event_id_with_hostile_text(unlocked)
    assert "alert" not in unlocked.client.get("/documentation/timeline").text
    r = unlocked.client.get(f"/documentation/event/{eid}")
    assert "The text is hidden" in r.text and "onerror" not in r.text.split("Message text")[1]
    assert 'id="message-text"' in unlocked.client.get(f"/documentation/event/{eid}?show=1").text


def test_the_timeline_filters_by_channel_and_flag(unlocked: Web) -> None:
    """Channel and flag filters narrow the list; each row names its source and hash."""
    r = unlocked.client.get("/documentation/timeline?channel=in_person")
    assert r.text.count("/documentation/event/") == 1 and "entered by you" in r.text
    r = unlocked.client.get("/documentation/timeline?channel=call")
    assert "calls-20260421093015.xml" in r.text and "in_person" not in r.text.split("<tbody>")[1]
    r = unlocked.client.get("/documentation/timeline?flag=manual")
    assert r.text.count("/documentation/event/") == 1


def test_an_upload_is_imported_from_the_encrypted_store_without_a_plaintext_temp_file(
        unlocked: Web, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The export goes straight into the blob store and is imported from there; no temp file is made."""
    files = samples(tmp_path / "s")
    f = files["WhatsApp Chat with Casey Drummond.txt"]

    def no_temp(*a, **k):  # type: ignore[no-untyped-def]
        raise AssertionError("a temporary file was created for an upload")

    monkeypatch.setattr(tempfile, "SpooledTemporaryFile", no_temp)
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", no_temp)
    monkeypatch.setattr(tempfile, "TemporaryFile", no_temp)
    r = unlocked.client.post("/documentation/import", data={"csrf": unlocked.csrf},
                             files={"file": (f.name, f.read_bytes(), "text/plain")})
    assert r.status_code == 200 and "WhatsApp Chat with Casey Drummond.txt" in r.text and " added" in r.text
    with unlocked.vault() as v:
        import hashlib

        row = v.conn.execute("SELECT sha256 FROM sources WHERE display = ?", (f.name,)).fetchone()
        assert row[0] == hashlib.sha256(f.read_bytes()).hexdigest()
        assert verify_vault(v).ok


def test_an_upload_that_finds_the_disk_full_says_so_and_adds_nothing(
        unlocked: Web, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """A full disk mid-import is a sentence about the disk on the page, not a 500, and nothing is added."""
    import errno

    import nocontact.vault.events as events

    f = samples(tmp_path / "s")["WhatsApp Chat with Casey Drummond.txt"]

    def full(*a, **k):  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(events, "insert_prepared", full)
    monkeypatch.setattr("nocontact.vault.importing.insert_prepared", full)
    with unlocked.vault() as v:
        before = v.conn.execute("SELECT count(*) FROM events").fetchone()[0]
    r = unlocked.client.post("/documentation/import", data={"csrf": unlocked.csrf},
                             files={"file": (f.name, f.read_bytes(), "text/plain")})
    assert r.status_code == 422
    assert "No space left on device" in r.text and "Nothing from it was added" in r.text
    with unlocked.vault() as v:
        assert v.conn.execute("SELECT count(*) FROM events").fetchone()[0] == before
        assert verify_vault(v).ok


def test_a_zip_upload_is_imported_member_by_member(unlocked: Web, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A zipped WhatsApp export is read from the encrypted blob as one export, its photo included."""
    f = samples(tmp_path / "s")["WhatsApp Chat - Casey Drummond.zip"]
    r = unlocked.client.post("/documentation/import", data={"csrf": unlocked.csrf},
                             files={"file": (f.name, f.read_bytes(), "application/zip")})
    assert r.status_code == 200 and "WhatsApp Chat - Casey Drummond.zip" in r.text
    with unlocked.vault() as v:
        fmt = v.conn.execute("SELECT format FROM sources WHERE display = ?", (f.name,)).fetchone()
        photos = v.conn.execute("SELECT count(*) FROM attachments WHERE included = 1").fetchone()[0]
    assert fmt == ("whatsapp_ios_zip",) and photos >= 1


def test_the_parts_of_a_split_download_chosen_together_keep_photos_across_parts(  # type: ignore[no-untyped-def]
        unlocked: Web, tmp_path) -> None:
    """Messages in part 1, their photo in part 2: chosen together in one upload, the photo is kept."""
    import zipfile

    samples(tmp_path / "s")
    thread = next((tmp_path / "s").rglob("caseydrummond_*"))  # the sample Messenger thread with a photo
    one, two = tmp_path / "facebook-robinhale-1.zip", tmp_path / "facebook-robinhale-2.zip"
    with zipfile.ZipFile(one, "w") as z1, zipfile.ZipFile(two, "w") as z2:
        for f in sorted(thread.rglob("*")):
            if f.is_file():
                (z2 if f.suffix == ".jpg" else z1).write(f, f.relative_to(tmp_path / "s").as_posix())
    r = unlocked.client.post("/documentation/import", data={"csrf": unlocked.csrf},
                             files=[("file", (one.name, one.read_bytes(), "application/zip")),
                                    ("file", (two.name, two.read_bytes(), "application/zip"))])
    assert r.status_code == 200 and "message_1.json" in r.text
    with unlocked.vault() as v:
        kept = v.conn.execute("SELECT included FROM attachments WHERE name = '1772676900_548977048_n.jpg'")
        assert kept.fetchall() == [(1,)]
        assert verify_vault(v).ok


def test_an_uploaded_download_is_not_kept_twice_and_a_zip_inside_it_is_read(  # type: ignore[no-untyped-def]
        unlocked: Web, tmp_path) -> None:
    """The download's zip is removed once its exports are stored one by one; the chat zip inside it
    is read from an encrypted copy and kept, as the original of its chat."""
    import zipfile

    files = samples(tmp_path / "s")
    chat, telegram = files["WhatsApp Chat - Casey Drummond.zip"], files["result.json"]
    download = tmp_path / "drive-download.zip"
    with zipfile.ZipFile(download, "w") as zf:
        zf.write(chat, f"Evidence/{chat.name}")
        zf.write(telegram, f"Evidence/{telegram.name}")
    r = unlocked.client.post("/documentation/import", data={"csrf": unlocked.csrf},
                             files={"file": (download.name, download.read_bytes(), "application/zip")})
    assert r.status_code == 200
    with unlocked.vault() as v:
        displays = {d for (d,) in v.conn.execute("SELECT display FROM sources")}
        assert {f"drive-download.zip!/Evidence/{chat.name}", "drive-download.zip!/Evidence/result.json"} <= displays
        report = verify_vault(v)
        assert report.ok and not report.notes  # neither the upload nor the copy of the chat zip is left over


def test_many_files_not_imported_show_as_one_line_per_reason(unlocked: Web, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import zipfile

    download = tmp_path / "photos.zip"
    with zipfile.ZipFile(download, "w") as zf:
        for i in range(30):
            zf.writestr(f"DCIM/IMG_{i:04}.jpg", b"\xff\xd8\xff\xe0 not really a photo")
    r = unlocked.client.post("/documentation/import", data={"csrf": unlocked.csrf},
                             files={"file": (download.name, download.read_bytes(), "application/zip")})
    section = r.text.split("<h2>Not imported</h2>", 1)[1].split("</section>", 1)[0]
    assert section.count("<li>") == 1
    assert "30 files, such as photos.zip!/DCIM/IMG_0000.jpg, photos.zip!/DCIM/IMG_0001.jpg" in section


def test_the_import_form_says_how_to_get_each_export_and_to_choose_json(unlocked: Web) -> None:
    """The steps sit beside the form, folded away; Telegram and Facebook say JSON, not their default HTML."""
    r = unlocked.client.get("/documentation")
    howto = r.text.split('<details class="howto"', 1)[1].split("</details>", 1)[0]
    for app in ("WhatsApp on Android", "WhatsApp on iPhone", "Telegram", "Facebook Messenger and Instagram",
                "iMessage on a Mac", "Signal"):
        assert f"<dt>{app}</dt>" in howto
    assert "<strong>Machine-readable JSON</strong>, not HTML" in howto
    assert "Format <strong>JSON</strong>, not HTML" in howto


def test_a_telegram_html_page_uploaded_says_to_export_again_as_json(unlocked: Web) -> None:
    """The person who picked Telegram's default format is told what to choose, and nothing is added."""
    from tests.test_not_exports import TELEGRAM_PAGE

    with unlocked.vault() as v:
        before = v.conn.execute("SELECT count(*) FROM events").fetchone()[0]
    r = unlocked.client.post("/documentation/import", data={"csrf": unlocked.csrf},
                             files={"file": ("messages.html", TELEGRAM_PAGE, "text/html")})
    section = r.text.split("<h2>Not imported</h2>", 1)[1].split("</section>", 1)[0]
    assert "messages.html" in section and "Machine-readable JSON" in html.unescape(section)
    with unlocked.vault() as v:
        assert v.conn.execute("SELECT count(*) FROM events").fetchone()[0] == before


def test_an_upload_with_nothing_of_theirs_names_who_it_was_with_and_where_to_add_them(unlocked: Web) -> None:
    """The ex saved under another name matched nothing: the page names that name (escaped) and links to Who is who."""
    chat = (b"12/03/2026, 21:15 - Don't answer <b>: pick up\n"
            b"12/03/2026, 21:16 - Robin Hale: stop\n"
            b"13/03/2026, 08:00 - Don't answer <b>: answer me\n")
    r = unlocked.client.post("/documentation/import", data={"csrf": unlocked.csrf},
                             files={"file": ("WhatsApp Chat with Don't answer <b>.txt", chat, "text/plain")})
    note = r.text.split('<div class="note" role="note">', 1)[1].split("</div>", 1)[0]
    assert "(3 messages and calls) is from or to them" in note
    assert "<li>Don&#39;t answer &lt;b&gt; (name): 3\n<form" in note and "<b>" not in note
    assert '<a href="/documentation/people">Who is who</a>' in note
    assert '<input type="hidden" name="value" value="Don&#39;t answer &lt;b&gt;">' in note

    # "This is them": added to theirs, every stored export read again, their messages in at last.
    with unlocked.vault() as v:
        before = v.conn.execute("SELECT count(*) FROM events").fetchone()[0]
    r = unlocked.post("/documentation/people/add", {"who": "them", "kind": "names", "value": "Don't answer <b>",
                                                    "then": "again"})
    assert r.status_code == 200 and r.url.path == "/documentation/people/add"
    assert "Read " in r.text and "export(s) again: 3 new." in r.text
    with unlocked.vault() as v:
        assert v.conn.execute("SELECT count(*) FROM events").fetchone()[0] == before + 3
        assert "Don't answer <b>" in current_case(v).ex.names


def test_a_chat_cut_at_whatsapps_limit_is_said_on_the_page(unlocked: Web) -> None:
    from tests.test_cli import long_chat

    r = unlocked.client.post("/documentation/import", data={"csrf": unlocked.csrf},
                             files={"file": ("WhatsApp Chat with Casey Drummond.txt", long_chat(40_000).encode(),
                                             "text/plain")})
    note = r.text.split("holds 40000 messages</strong>", 1)[1].split("</p>", 1)[0]
    assert "the oldest messages of this chat may be missing" in note and "WhatsApp cannot export more" in note


def test_an_entry_says_how_its_direction_and_its_date_were_read(unlocked: Web) -> None:
    """The person's profile name ("Robbie") was not in the case: the entry says why it is theirs."""
    from nocontact.importers.whatsapp import BY_PEER

    chat = (b"13/03/2026, 21:15 - Casey Drummond: pick up\n"
            b"13/03/2026, 21:16 - Robbie: please stop contacting me\n")
    unlocked.client.post("/documentation/import", data={"csrf": unlocked.csrf},
                         files={"file": ("WhatsApp Chat with Casey Drummond.txt", chat, "text/plain")})
    with unlocked.vault() as v:
        eid = v.conn.execute("SELECT id FROM events WHERE kind = 'whatsapp' AND direction = 'outgoing'").fetchone()[0]
    page = html.unescape(unlocked.client.get(f"/documentation/event/{eid}").text)
    assert f"How the direction was told: {BY_PEER}" in page
    assert "<dt>How the date was read</dt><dd>day first: " in page


def test_a_number_with_no_name_on_the_phone_is_added_to_theirs_with_one_click(unlocked: Web, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.vault.test_importing import _unsaved_sms

    backup = _unsaved_sms(tmp_path)
    r = unlocked.client.post("/documentation/import", data={"csrf": unlocked.csrf},
                             files={"file": (backup.name, backup.read_bytes(), "text/xml")})
    note = r.text.split('id="unsaved-numbers"', 1)[1].split("</div>", 1)[0]
    assert "<li>+1 (773) 555-0999: 4" in note and "555-0123" not in note
    assert '<input type="hidden" name="kind" value="phones"><input type="hidden" name="value" value="+1 (773) 555-0999">' in note
    with unlocked.vault() as v:
        before = v.conn.execute("SELECT count(*) FROM events").fetchone()[0]
    r = unlocked.post("/documentation/people/add", {"who": "them", "kind": "phones", "value": "+1 (773) 555-0999",
                                                    "then": "again"})
    assert r.status_code == 200 and "4 new." in r.text
    with unlocked.vault() as v:
        assert v.conn.execute("SELECT count(*) FROM events").fetchone()[0] == before + 4


AMBIGUOUS_CHAT = (b"03/04/25, 21:15 - Casey Drummond: hi\n"
                  b"03/04/25, 21:16 - Robin Hale: stop\n"
                  b"05/04/25, 08:00 - Casey Drummond: answer me\n")


def test_a_chat_whose_dates_read_both_ways_asks_then_imports_with_the_answer(unlocked: Web) -> None:
    """The question names the first date both ways; the same file then imports with the order chosen."""
    name = "WhatsApp Chat with Casey Drummond.txt"
    with unlocked.vault() as v:
        before = v.conn.execute("SELECT count(*) FROM events").fetchone()[0]
    asked = unlocked.client.post("/documentation/import", data={"csrf": unlocked.csrf},
                                 files={"file": (name, AMBIGUOUS_CHAT, "text/plain")})
    assert asked.status_code == 422
    text = html.unescape(asked.text)
    assert "starts on 3 April 2025 if your phone writes the day first, or on 4 March 2025" in text
    assert re.search(r'<select id="date-order" name="date_order"[^>]*autofocus', asked.text)
    with unlocked.vault() as v:
        assert v.conn.execute("SELECT count(*) FROM events").fetchone()[0] == before
    answered = unlocked.client.post("/documentation/import", data={"csrf": unlocked.csrf, "date_order": "DMY"},
                                    files={"file": (name, AMBIGUOUS_CHAT, "text/plain")})
    assert answered.status_code == 200 and name in answered.text
    with unlocked.vault() as v:
        first = v.conn.execute("SELECT occurred_at FROM events WHERE source_display = ? AND source_pos = '1'",
                               (name,)).fetchone()
        assert first == ("2025-04-04T02:15:00.000Z",)  # 3 April, 21:15 in Chicago
        assert verify_vault(v).ok


def test_an_upload_without_the_token_stores_nothing(unlocked: Web, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """CSRF is checked before the first byte of the file is stored."""
    with unlocked.vault() as v:
        before = sorted(v.blobs.names())
    r = unlocked.client.post("/documentation/import", data={"csrf": "bad"},
                             files={"file": ("x.txt", b"hello" * 1000, "text/plain")})
    assert r.status_code == 403
    with unlocked.vault() as v:
        assert sorted(v.blobs.names()) == before


def test_an_incident_is_logged_with_an_attachment(unlocked: Web) -> None:
    """The SIBL fields, the fear level and the file are stored; the entry page shows them."""
    r = unlocked.client.post("/documentation/incident", data={
        "csrf": unlocked.csrf, "when": "2026-04-01T08:30", "zone": "America/Chicago", "channel": "in_person",
        "what": "Waited outside my building.", "location": "Front door", "witnesses": "Neighbour",
        "police_report": "PR-1", "officer": "Officer Lee", "badge": "4411", "impact": "Could not sleep",
        "fear": "4"}, files={"attachments": ("photo.jpg", b"\xff\xd8fakejpeg", "image/jpeg")})
    assert r.status_code == 200 and "/documentation/event/" in str(r.url)
    assert "photo.jpg" in r.text and "4411" in r.text and "Level of fear (1 none - 5 extreme): 4" in r.text
    with unlocked.vault() as v:
        assert verify_vault(v).ok


def test_the_boundary_checker_explains_each_problem(unlocked: Web) -> None:
    """Without JavaScript the form posts and the page lists findings with advice."""
    r = unlocked.post("/boundary/check", {"text": "I'm sorry, but maybe we can meet for coffee later?"})
    for title in ("An apology", "A door left open", "A question that invites a reply", "offer or agreement to meet"):
        assert title in html.unescape(r.text)
    r = unlocked.post("/boundary/check", {"text": "Do not contact me again in any way. I will not reply."})
    assert "short, clear and final" in r.text


def test_i_sent_it_records_the_text_and_the_boundary(unlocked: Web) -> None:
    """The exact text becomes an outgoing event and the boundary points at it."""
    r = unlocked.post("/boundary/sent", {"when": "2026-03-02T20:15", "zone": "America/Chicago", "channel": "sms",
                                         "text": "Do not contact me again."})
    assert r.status_code == 200 and "Your boundary is recorded as sent at 03 March 2026, 02:15 UTC" in r.text
    with unlocked.vault() as v:
        b = current_boundary(v)
        assert b is not None and b[1] is not None
        row = v.conn.execute("SELECT body, direction, channel, kind FROM events WHERE id = ?", (b[1],)).fetchone()
        assert tuple(row) == ("Do not contact me again.", "outgoing", "sms", "boundary_message")
        assert verify_vault(v).ok


def test_support_circle_people_are_added_escaped(unlocked: Web) -> None:
    """A supporter appears with role and contact; their name is escaped like any text."""
    r = unlocked.post("/support/people", {"name": "<b>Ana</b>", "role": "advocate", "reach": "555-0100", "note": ""})
    assert "&lt;b&gt;Ana&lt;/b&gt;" in r.text and "advocate" in r.text


def test_sharing_makes_a_file_only_the_passphrase_opens(unlocked: Web) -> None:
    """The shared events list decrypts with the passphrase and holds the CSV."""
    r = unlocked.post("/support/share", {"what": "events", "passphrase": "phone-told-1", "passphrase2": "phone-told-1"})
    assert r.status_code == 200 and r.headers["content-disposition"].startswith("attachment")
    name, data = decrypt_share(r.content, "phone-told-1")
    assert name == "nocontact-events.csv" and data.startswith(b"event_id,")


def test_a_helper_sees_only_the_helper_page_and_can_label(unlocked: Web) -> None:
    """Helper login lands on /helper, other pages refuse, labels are saved, text stays hidden."""
    r = unlocked.post("/support/helpers", {"name": "Sam", "passphrase": "helper-pass-1",
                                           "passphrase2": "helper-pass-1", "understood": "1"})
    assert "The helper account is ready" in r.text and "could technically" in r.text
    unlocked.post("/lock")
    unlocked.unlock("helper-pass-1")
    r = unlocked.client.get("/")
    assert r.url.path == "/helper" and "You are signed in as a helper (Sam)" in r.text
    assert "Message text is hidden" in r.text
    assert unlocked.client.get("/documentation").status_code == 403
    eid = re.search(r'name="event_id" value="(\d+)"', r.text).group(1)  # type: ignore[union-attr]
    r = unlocked.post("/helper/triage", {"event_id": eid, "label": "needs your attention", "note": "look",
                                         "flagged": "1"})
    assert "needs your attention (flagged) by Sam: look" in r.text


def test_a_checkin_is_saved_and_charted(unlocked: Web) -> None:
    """A check-in appears in the chart's table and the chart draws three lines."""
    r = unlocked.post("/selfcare/checkin", {"day": "2026-04-20", "mood": "2", "sleep": "3", "safe": "4", "note": "ok"})
    assert "Saved." in r.text and r.text.count("<polyline") == 3 and "2026-04-20" in r.text
    assert "1-800-799-7233" in r.text  # the case's region is US


def test_archiving_makes_the_case_read_only(unlocked: Web) -> None:
    """After ARCHIVE, a write is refused with 409; reopening allows it again."""
    r = unlocked.post("/forward/archive", {"confirm": "archive"})
    assert "archived and read-only" in r.text
    r = unlocked.post("/selfcare/log", {"activity": "walk"})
    assert r.status_code == 409 and "read-only" in r.text
    unlocked.post("/forward/reopen")
    assert unlocked.post("/selfcare/log", {"activity": "walk"}).status_code == 200


def test_destroy_needs_the_word_and_the_passphrase(unlocked: Web) -> None:
    """Without both nothing happens; with both the vault folder is gone and the page is neutral."""
    assert unlocked.post("/forward/destroy", {"confirm": "destroy", "passphrase": "wrong"}).status_code == 400
    assert unlocked.post("/forward/destroy", {"confirm": "no", "passphrase": "correct horse"}).status_code == 400
    assert unlocked.root.exists()
    r = unlocked.post("/forward/destroy", {"confirm": "DESTROY", "passphrase": "correct horse"})
    assert r.url.path == "/neutral" and not unlocked.root.exists()


@pytest.mark.parametrize("path", ["/legal", "/legal?country=GB", "/legal?country=AU", "/legal?country=CA"])
def test_legal_says_it_is_not_legal_advice_and_names_the_order(unlocked: Web, path: str) -> None:
    """Every country view has the disclaimer, the order names and sources."""
    r = unlocked.client.get(path)
    assert "This is not legal advice" in r.text and "Source:" in r.text
    if "GB" in path:
        assert "Non-molestation order" in r.text


def test_unknown_pages_use_the_one_error_page(unlocked: Web) -> None:
    """404s look like every other error and keep the headers."""
    r = unlocked.client.get("/nope")
    assert r.status_code == 404 and "Nothing here" in r.text and "<title>Notes</title>" in r.text


def test_home_in_a_new_vault_asks_for_the_time_zone_and_a_first_import(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Nothing imported and no zone yet: Home says both, with where to go; a full vault says neither."""
    from starlette.testclient import TestClient

    from nocontact.vault.store import Vault
    from nocontact.web import create_app
    from tests.web.conftest import BASE, PASSPHRASE, TOKEN, Clock
    from tests.web.conftest import Web as Client

    v, _ = Vault.create(tmp_path / "vault", PASSPHRASE, fast_kdf=True)
    v.close()
    app = create_app(tmp_path / "vault", token=TOKEN, clock=Clock(), fast_kdf=True, derived_wait=60)
    with TestClient(app, base_url=BASE, follow_redirects=True) as client:
        web = Client(client, tmp_path / "vault", Clock())
        web.unlock()
        attention = client.get("/").text.split("What needs attention", 1)[1]
    assert 'href="/documentation#howto-exports">Import your messages</a>' in attention
    assert 'href="/documentation/people">Say which time zone your phone uses</a>' in attention


def test_home_of_a_vault_with_imports_and_a_zone_does_not_ask_for_them(unlocked: Web) -> None:
    attention = unlocked.client.get("/").text.split("What needs attention", 1)[1]
    assert "Import your messages" not in attention and "Say which time zone" not in attention
