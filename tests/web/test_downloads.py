"""Attachment downloads: decrypted as sent, saved never shown, with names from the ex made harmless."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from nocontact.vault.events import add_attachment_file, attachments_of
from nocontact.web.download import content_disposition, display_name
from tests.web.conftest import BASE, Web

HOSTILE_NAME = '"><script>alert(1)</script>\nX-Evil: 1;\u202egpj.exe'
PHOTO = b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>"


def _attachment_event(web: Web, tmp_path: Path, name: str = HOSTILE_NAME) -> int:
    f = tmp_path / "in" / name
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_bytes(PHOTO)
    with web.vault() as v:
        return add_attachment_file(v, f, note="photo of the car")


def test_an_attachment_is_saved_as_a_file_with_its_exact_bytes(unlocked: Web, tmp_path: Path) -> None:
    """The download is the stored bytes, as octet-stream, attachment, nosniff and no-store."""
    eid = _attachment_event(unlocked, tmp_path, "car.png")
    r = unlocked.client.get(f"/documentation/event/{eid}/attachment/0")
    assert r.status_code == 200 and r.content == PHOTO
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "no-store" in r.headers["cache-control"]
    assert r.headers["content-disposition"] == "attachment; filename=\"car.png\"; filename*=UTF-8''car.png"


def test_a_hostile_attachment_name_is_escaped_on_the_page_and_harmless_in_the_header(
        unlocked: Web, tmp_path: Path) -> None:
    """Quotes, markup, line breaks and direction overrides never reach the page or header as such."""
    eid = _attachment_event(unlocked, tmp_path)
    page = unlocked.client.get(f"/documentation/event/{eid}?show=1").text
    assert "<script>alert(1)" not in page and "\u202e" not in page and "script_X-Evil_ 1_gpj.exe" in page
    r = unlocked.client.get(f"/documentation/event/{eid}/attachment/0")
    cd = r.headers["content-disposition"]
    assert "\n" not in cd and "\r" not in cd and "\u202e" not in cd and "X-Evil" not in r.headers
    ascii_part = cd.split('filename="', 1)[1].split('"', 1)[0]
    assert '"' not in ascii_part and "<" not in ascii_part and ascii_part.endswith("gpj.exe")
    assert "filename*=UTF-8''script_X-Evil_%201_gpj.exe" in cd and "<" not in cd and ">" not in cd
    assert r.content == PHOTO


def test_shielded_reading_shows_the_save_link_only_after_the_entry_is_revealed(
        unlocked: Web, tmp_path: Path) -> None:
    """Hidden entry: a count and no link or name; revealed: the name and the link to save it."""
    eid = _attachment_event(unlocked, tmp_path, "i_see_you.jpg")
    hidden = unlocked.client.get(f"/documentation/event/{eid}").text
    assert f"/documentation/event/{eid}/attachment/0" not in hidden and "i_see_you" not in hidden
    assert "1 attachment(s)" in hidden
    shown = unlocked.client.get(f"/documentation/event/{eid}?show=1").text
    assert f"/documentation/event/{eid}/attachment/0" in shown and "i_see_you.jpg" in shown


def test_unknown_attachments_and_events_answer_404(unlocked: Web, tmp_path: Path) -> None:
    """A wrong index or event id is 404, never another event's file."""
    eid = _attachment_event(unlocked, tmp_path, "a.png")
    assert unlocked.client.get(f"/documentation/event/{eid}/attachment/1").status_code == 404
    assert unlocked.client.get("/documentation/event/999999/attachment/0").status_code == 404


def test_a_download_needs_the_session_and_an_unlocked_vault(web: Web, tmp_path: Path) -> None:
    """Without the start link the answer is 403; with a locked vault it is the unlock page."""
    eid = _attachment_event(web, tmp_path, "a.png")
    with TestClient(web.client.app, base_url=BASE) as stranger:
        r = stranger.get(f"/documentation/event/{eid}/attachment/0")
        assert r.status_code == 403 and r.content != PHOTO
    web.client.get("/unlock?token=test-token-0123456789")
    r = web.client.get(f"/documentation/event/{eid}/attachment/0")
    assert r.url.path == "/unlock" and PHOTO not in r.content


def test_a_helper_cannot_download_attachments(unlocked: Web, tmp_path: Path) -> None:
    """Helpers see the Helper page only; an attachment address is refused to them."""
    eid = _attachment_event(unlocked, tmp_path, "a.png")
    unlocked.post("/support/helpers", {"name": "Sam", "passphrase": "helper-pass-1",
                                       "passphrase2": "helper-pass-1", "understood": "1", "can_read_text": "1"})
    unlocked.post("/lock")
    unlocked.unlock("helper-pass-1")
    r = unlocked.client.get(f"/documentation/event/{eid}/attachment/0")
    assert r.status_code == 403 and PHOTO not in r.content


@pytest.mark.parametrize(("given", "expected"), [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\x\\photo.jpg", "photo.jpg"),
    ("", "attachment-1"),
    ("...", "attachment-1"),
    ("a\u202egpj.exe", "agpj.exe"),
    ('say "hi";.txt', "say _hi__.txt"),
])
def test_display_names_keep_only_a_harmless_last_part(given: str, expected: str) -> None:
    """Path parts, control and direction characters and header syntax are removed or replaced."""
    assert display_name(given) == expected


def test_long_names_keep_their_extension_and_non_ascii_names_travel_as_filename_star() -> None:
    """A 300-character name is cut to 100 keeping .jpg; 'Café.jpg' is exact in filename*."""
    long = display_name("x" * 300 + ".jpg")
    assert len(long) == 100 and long.endswith(".jpg")
    assert content_disposition("Café.jpg") == "attachment; filename=\"Caf_.jpg\"; filename*=UTF-8''Caf%C3%A9.jpg"


def test_an_imported_mms_part_downloads_with_the_hash_the_vault_recorded(unlocked: Web) -> None:
    """A photo from the SMS backup's MMS comes back byte for byte (its SHA-256 matches the record)."""
    import hashlib

    with unlocked.vault() as v:
        row = v.conn.execute("SELECT a.event_id, a.sha256 FROM attachments a JOIN events e ON e.id = a.event_id "
                             "WHERE a.included = 1 AND e.origin != 'manual' ORDER BY a.id LIMIT 1").fetchone()
        index = [a["sha256"] for a in attachments_of(
            v.conn, row[0])].index(row[1])
    r = unlocked.client.get(f"/documentation/event/{row[0]}/attachment/{index}")
    assert r.status_code == 200 and hashlib.sha256(r.content).hexdigest() == row[1]
