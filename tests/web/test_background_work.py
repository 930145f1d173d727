"""Long work started in the app (an import, a report) runs off the event loop: the app keeps answering.

A big download takes minutes to import, a report of a long case up to a minute to draw. The
pages, the lock and the quick exit must still answer meanwhile; an import whose page was locked
meanwhile still lands whole, and a report asked for before a quick exit is not shown after it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import nocontact.web.views.documentation as documentation
from nocontact.vault.verify import verify_vault
from tests.vault.helpers import samples
from tests.web.conftest import Web

CHAT = "WhatsApp Chat with Casey Drummond.txt"


class Held:
    """Holds every call of ``owner.name`` at its start until released (released anyway after 20 s,
    so a test that fails cannot hang the suite)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        real: Callable[..., Any] = getattr(owner, name)

        def held(*args: Any, **kw: Any) -> Any:
            self.started.set()
            self.release.wait(20)
            return real(*args, **kw)

        monkeypatch.setattr(owner, name, held)


def _in_thread(call: Callable[[], httpx.Response]) -> tuple[threading.Thread, list[httpx.Response]]:
    out: list[httpx.Response] = []
    t = threading.Thread(target=lambda: out.append(call()), daemon=True)
    t.start()
    return t, out


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[Held]:
    h = Held(monkeypatch, documentation, "import_planned")
    yield h
    h.release.set()


@pytest.fixture
def held_report(monkeypatch: pytest.MonkeyPatch) -> Iterator[Held]:
    import nocontact.report

    h = Held(monkeypatch, nocontact.report, "report_pdf_bytes")
    yield h
    h.release.set()


def _upload(unlocked: Web, chat: Path) -> httpx.Response:
    return unlocked.client.post("/documentation/import", data={"csrf": unlocked.csrf},
                                files={"file": (chat.name, chat.read_bytes(), "text/plain")})


def test_pages_answer_while_an_import_runs(unlocked: Web, held: Held, tmp_path: Path) -> None:
    chat = samples(tmp_path / "s")[CHAT]
    importing, done = _in_thread(lambda: _upload(unlocked, chat))
    assert held.started.wait(10)
    page, answered = _in_thread(lambda: unlocked.client.get("/documentation/timeline"))
    page.join(10)
    assert answered and answered[0].status_code == 200  # answered while the import is held
    assert not done  # and the import is still running
    held.release.set()
    importing.join(20)
    assert done[0].status_code == 200 and CHAT in done[0].text and " added" in done[0].text


def test_a_quick_exit_during_an_import_answers_at_once_and_the_import_still_lands_whole(
        unlocked: Web, held: Held, tmp_path: Path) -> None:
    chat = samples(tmp_path / "s")[CHAT]
    importing, done = _in_thread(lambda: _upload(unlocked, chat))
    assert held.started.wait(10)
    leaving, left = _in_thread(lambda: unlocked.client.post("/lock", data={"csrf": unlocked.csrf, "exit": "1"}))
    leaving.join(10)
    assert left and left[0].url.path == "/neutral"
    held.release.set()
    importing.join(20)
    assert done and done[0].url.path == "/unlock"  # the page that asked is locked: no results on screen
    with unlocked.vault() as v:
        assert v.conn.execute("SELECT count(*) FROM sources WHERE display = ?", (CHAT,)).fetchone()[0] == 1
        report = verify_vault(v)
        assert report.ok and not report.notes


def test_a_report_being_drawn_does_not_hold_the_app_and_is_not_shown_after_a_quick_exit(
        unlocked: Web, held_report: Held) -> None:
    drawing, drawn = _in_thread(lambda: unlocked.client.post("/legal/report", data={"csrf": unlocked.csrf}))
    assert held_report.started.wait(10)
    page, answered = _in_thread(lambda: unlocked.client.get("/"))
    page.join(10)
    assert answered and answered[0].status_code == 200
    leaving, left = _in_thread(lambda: unlocked.client.post("/lock", data={"csrf": unlocked.csrf, "exit": "1"}))
    leaving.join(10)
    assert left and left[0].url.path == "/neutral"
    held_report.release.set()
    drawing.join(30)
    assert drawn and drawn[0].url.path == "/unlock" and drawn[0].headers["content-type"].startswith("text/html")


def test_while_an_import_runs_pages_say_so_and_a_change_is_refused_at_once(
        unlocked: Web, held: Held, tmp_path: Path) -> None:
    """A change would wait for the vault's writer lock, which the import holds for minutes."""
    chat = samples(tmp_path / "s")[CHAT]
    importing, done = _in_thread(lambda: _upload(unlocked, chat))
    assert held.started.wait(10)
    home, shown = _in_thread(lambda: unlocked.client.get("/"))
    home.join(10)
    assert shown and "nocontact is busy with an import in another tab or window" in shown[0].text
    checkin, answered = _in_thread(lambda: unlocked.client.post(
        "/selfcare/checkin", data={"csrf": unlocked.csrf, "mood": "3", "note": "ok"}))
    checkin.join(10)
    assert answered and answered[0].status_code == 409 and "Nothing was changed" in answered[0].text
    held.release.set()
    importing.join(20)
    assert done and done[0].status_code == 200
    assert "busy with" not in unlocked.client.get("/").text  # said only while it runs


def test_the_import_page_can_ask_how_far_the_import_has_got(unlocked: Web, held: Held, tmp_path: Path) -> None:
    """While an import runs, the page's script asks the app how far it is (the file being read);
    before and after, nothing is running."""
    assert unlocked.client.get("/documentation/import/progress").json() == {"working": False, "progress": ""}
    chat = samples(tmp_path / "s")[CHAT]
    importing, done = _in_thread(lambda: _upload(unlocked, chat))
    assert held.started.wait(10)
    asked, answer = _in_thread(lambda: unlocked.client.get("/documentation/import/progress"))
    asked.join(10)
    assert answer and answer[0].json() == {"working": True, "progress": f"Reading {CHAT}"}
    held.release.set()
    importing.join(20)
    assert done and done[0].status_code == 200
    assert unlocked.client.get("/documentation/import/progress").json() == {"working": False, "progress": ""}


def test_the_messages_read_so_far_are_told_as_the_import_goes(unlocked: Web, tmp_path: Path) -> None:
    """Each tick of the import says the file and how many messages and calls it has read."""
    from nocontact.ingest import context_for_vault

    heard: list[str] = []
    chat = samples(tmp_path / "s")[CHAT]
    with unlocked.vault() as v:
        with chat.open("rb") as f:
            blob = v.blobs.put_stream(f)
        documentation._import_uploads(v, [(blob.name, chat.name, blob.size)], context_for_vault(v), heard.append)
    assert heard[0] == f"Reading {CHAT}"
    assert heard[-1].startswith(f"Reading {CHAT}: ") and heard[-1].endswith(" messages and calls so far")


def test_reading_the_exports_again_says_how_many_it_has_read(unlocked: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    import nocontact.web.views.people as people
    from nocontact.vault.importing import ImportSummary

    first_read, go_on = threading.Event(), threading.Event()

    def slow(_vault: Any, _ctx: Any) -> Iterator[ImportSummary]:
        yield ImportSummary(source="sms.xml", format="sms_backup_restore_sms")
        first_read.set()
        go_on.wait(20)
        yield ImportSummary(source="calls.xml", format="sms_backup_restore_calls")

    monkeypatch.setattr(people, "reimport_stored", slow)
    reading, done = _in_thread(lambda: unlocked.post("/documentation/people/again"))
    assert first_read.wait(10)
    asked, answer = _in_thread(lambda: unlocked.client.get("/documentation/import/progress"))
    asked.join(10)
    go_on.set()
    reading.join(20)
    assert answer and answer[0].json() == {"working": True, "progress": "1 export(s) read again so far"}
    assert done and done[0].status_code == 200 and "Read 2 export(s) again" in done[0].text
    assert unlocked.client.get("/documentation/import/progress").json()["progress"] == ""
