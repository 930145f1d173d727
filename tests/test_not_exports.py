"""Files people give by mistake are named for what they are, with what to do instead.

Telegram Desktop and Facebook/Instagram offer HTML first; a phone backup looks like an export to
someone who has never made one. Each is skipped (never parsed), and the reason names the setting
that gets a file nocontact reads.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from nocontact import not_exports as ne
from nocontact.ingest import MEDIA_REASON, Planned, Skipped, plan_sources
from nocontact.samples import DEMO_CASE
from tests.cli_runner import run

#: The top of every page of Telegram Desktop's HTML export.
TELEGRAM_PAGE = b"""<!DOCTYPE html>
<html>

 <head>

  <meta charset="utf-8"/>
<title>Exported Data</title>
  <meta content="width=device-width, initial-scale=1.0" name="viewport"/>
  <link href="css/style.css" rel="stylesheet"/>
 </head>
 <body onload="CheckLocation();">
  <div class="page_wrap">
   <div class="history">
    <div class="message default clearfix" id="message1">
     <div class="body">
      <div class="pull_right date details" title="05.01.2026 15:04:05 UTC+01:00">15:04</div>
      <div class="from_name">Casey</div>
      <div class="text">pick up</div>
"""

FACEBOOK_PAGE = b"<html><head><title>Casey Drummond</title></head><body><div>pick up</div></body></html>"


@pytest.mark.parametrize(("place", "name", "head", "advice"), [
    ("ChatExport_2026-01-05/messages.html", "messages.html", TELEGRAM_PAGE, ne.TELEGRAM_HTML),
    ("DataExport/chats/chat_001/messages12.html", "messages12.html", TELEGRAM_PAGE, ne.TELEGRAM_HTML),
    ("DataExport/export_results.html", "export_results.html", TELEGRAM_PAGE[:200], ne.TELEGRAM_HTML),
    ("facebook-robin.zip!/messages/inbox/casey_1234/message_1.html", "message_1.html", FACEBOOK_PAGE,
     ne.FACEBOOK_HTML),
    ("instagram-robin.zip!/your_instagram_activity/messages/inbox/casey_99/message_3.html", "message_3.html",
     FACEBOOK_PAGE, ne.FACEBOOK_HTML),
    (r"C:\Users\robin\facebook\messages\archived_threads\casey_1\message_1.html", "message_1.html",
     FACEBOOK_PAGE, ne.FACEBOOK_HTML),
    ("Databases/msgstore.db.crypt14", "msgstore.db.crypt14", b"\x00\x01random", ne.WHATSAPP_BACKUP),
    ("Databases/msgstore-2026-01-04.1.db.crypt15", "msgstore-2026-01-04.1.db.crypt15", b"", ne.WHATSAPP_BACKUP),
    ("phone/msgstore.db", "msgstore.db", b"SQLite format 3\x00rest", ne.WHATSAPP_DATABASE),
    ("Signal/Backups/signal-2026-01-05-15-04-05.backup", "signal-2026-01-05-15-04-05.backup", b"\x00",
     ne.SIGNAL_BACKUP),
    ("Backup/00008030-001/Manifest.db", "Manifest.db", b"SQLite format 3\x00", ne.IPHONE_BACKUP),
    ("Backup/00008030-001/3d/3d0d7e5fb2ce288813306e4d4636395e047a3d28",
     "3d0d7e5fb2ce288813306e4d4636395e047a3d28", b"\x8f\x12 encrypted", ne.IPHONE_BACKUP_ENCRYPTED),
    ("Downloads/police report.pdf", "police report.pdf", b"%PDF-1.7", ne.DOCUMENT),
    ("mydata~1712345678.zip!/json/chat_history.json", "chat_history.json", b"{", ne.OTHER_APP.format(app="Snapchat")),
    ("twitter-2026-04-02.zip!/data/direct-messages.js", "direct-messages.js", b"window.YTD",
     ne.OTHER_APP.format(app="X (Twitter)")),
    ("takeout.zip!/Takeout/Google Chat/Groups/DM abc/messages.json", "messages.json", b"{",
     ne.OTHER_APP.format(app="Google Chat")),
    ("package.zip!/messages/c1234567890/messages.json", "messages.json", b"[", ne.OTHER_APP.format(app="Discord")),
])
def test_a_file_given_by_mistake_is_named_with_what_to_do(place: str, name: str, head: bytes, advice: str) -> None:
    """Each known mistake gets its own reason."""
    assert ne.advice_for(place, name, head) == advice


@pytest.mark.parametrize(("place", "name", "head"), [
    ("site/messages.html", "messages.html", b"<html><title>My blog</title>"),  # not Telegram's
    ("facebook.zip!/your_activity/posts/message_1.html", "message_1.html", FACEBOOK_PAGE),  # not messages
    ("notes/message_1.html", "message_1.html", FACEBOOK_PAGE),
    ("Backup/3d/3d0d7e5fb2ce288813306e4d4636395e047a3d28", "3d0d7e5fb2ce288813306e4d4636395e047a3d28",
     b"SQLite format 3\x00"),  # an unencrypted backup's sms.db is read, not explained away
    ("x/msgstore.db", "msgstore.db", b"not sqlite"),
    ("x/notes.txt", "notes.txt", b"hello"),
    ("backup/chat_history.json", "chat_history.json", b"{"),  # not in Snapchat's json/ folder
])
def test_anything_else_gets_no_special_reason(place: str, name: str, head: bytes) -> None:
    """A look-alike is not mistaken for a known export: it falls through to the plain reasons."""
    assert ne.advice_for(place, name, head) is None


def _telegram_html_export(folder: Path) -> Path:
    """A single chat exported from Telegram Desktop in its default format: pages, styles, images."""
    root = folder / "ChatExport_2026-01-05"
    (root / "css").mkdir(parents=True)
    (root / "images").mkdir()
    (root / "messages.html").write_bytes(TELEGRAM_PAGE + b"</div></div></div></div></body></html>")
    (root / "messages2.html").write_bytes(TELEGRAM_PAGE + b"</div></div></div></div></body></html>")
    (root / "css" / "style.css").write_text("body { margin: 0 }")
    (root / "images" / "back.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return root


def test_a_telegram_html_export_is_skipped_page_by_page_with_the_json_advice(tmp_path: Path) -> None:
    """Every page says choose JSON; the styles and images keep their own reasons; nothing is planned."""
    plan = list(plan_sources([_telegram_html_export(tmp_path)]))
    assert not [p for p in plan if isinstance(p, Planned)]
    reasons = {Path(s.display).name: s.reason for s in plan if isinstance(s, Skipped)}
    assert reasons["messages.html"] == reasons["messages2.html"] == ne.TELEGRAM_HTML
    assert reasons["back.png"] == MEDIA_REASON
    assert "Machine-readable JSON" in ne.TELEGRAM_HTML
    assert reasons["style.css"] == "not an export nocontact can read"


def test_a_facebook_html_download_is_skipped_with_the_json_advice(tmp_path: Path) -> None:
    """Inside the zip Facebook sends, each thread's pages say to ask again for JSON."""
    z = tmp_path / "facebook-robinhale-2026-04-02.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("messages/inbox/caseydrummond_123/message_1.html", FACEBOOK_PAGE)
        zf.writestr("messages/inbox/caseydrummond_123/message_2.html", FACEBOOK_PAGE)
        zf.writestr("start_here.html", b"<html></html>")
    plan = list(plan_sources([z]))
    reasons = {s.display.split("!/")[1]: s.reason for s in plan if isinstance(s, Skipped)}
    assert reasons == {"messages/inbox/caseydrummond_123/message_1.html": ne.FACEBOOK_HTML,
                       "messages/inbox/caseydrummond_123/message_2.html": ne.FACEBOOK_HTML,
                       "start_here.html": "not an export nocontact can read"}


def test_the_command_tells_the_person_to_export_telegram_again_as_json(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """From the terminal: nothing added, and the line for the pages says what to choose."""
    monkeypatch.setenv("NOCONTACT_TEST_FAST_KDF", "1")
    monkeypatch.setenv("NOCONTACT_PASSPHRASE", "pw for tests")
    monkeypatch.setenv("NOCONTACT_VAULT", str(tmp_path / "vault"))
    monkeypatch.setenv("COLUMNS", "400")
    assert run(capsys, monkeypatch, "init").code == 0
    (tmp_path / "case.json").write_text(json.dumps(DEMO_CASE))
    assert run(capsys, monkeypatch, "case", "load", str(tmp_path / "case.json")).code == 0
    r = run(capsys, monkeypatch, "import", str(_telegram_html_export(tmp_path / "exports")))
    assert "Nothing was imported: no file there is an export nocontact reads." in r.out
    assert "Not imported: 4 file(s), with the reason:" in r.out
    assert "messages.html: Telegram's export in HTML" in r.out
    assert 'choose Format: "Machine-readable JSON"' in r.out
    events = run(capsys, monkeypatch, "events", "--format", "jsonl")
    assert events.out.strip() == ""
