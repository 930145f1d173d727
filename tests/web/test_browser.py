"""A person using the app in a real browser (Debian's chromium through Playwright).

Covers the whole path once: unlock, upload, counters, shielded reading, incident with a file,
boundary check and record, supporter, check-in, report, quick exit; hostile text never runs;
axe-core finds no serious or critical problem on any page. Screenshots go to artifacts/web/.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

from tests.web.conftest import PASSPHRASE, TOKEN, build_vault  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "web"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    import uvicorn

    from nocontact.web import create_app

    base = tmp_path_factory.mktemp("browser")
    build_vault(base / "vault", base / "exports", with_samples=False)
    from tests.vault.helpers import samples

    files = samples(base / "exports")
    port = _free_port()
    app = create_app(base / "vault", token=TOKEN, fast_kdf=True)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", files["sms-20260421093015.xml"]
    srv.should_exit = True
    t.join(timeout=10)


@pytest.fixture(scope="module")
def page(server: tuple[str, Path]) -> Iterator[Any]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        ctx = browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True)
        pg = ctx.new_page()
        pg.dialogs = []  # type: ignore[attr-defined]
        pg.foreign = []  # type: ignore[attr-defined]
        pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
        origin = server[0]
        pg.on("request", lambda r: None if r.url.startswith((origin, "data:")) else pg.foreign.append(r.url))  # type: ignore[attr-defined]
        yield pg
        ctx.close()
        browser.close()


def _axe(pg: Any, name: str) -> None:
    pg.evaluate(AXE.read_text("utf-8"))
    result = pg.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                         ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}))")
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: {bad}"


def _unlock(pg: Any, origin: str) -> None:
    """Open the app with the start link and unlock it, unless this session already is."""
    pg.goto(f"{origin}/unlock?token={TOKEN}")
    if pg.query_selector("#passphrase"):
        pg.fill("#passphrase", PASSPHRASE)
        with pg.expect_navigation():
            pg.keyboard.press("Enter")


def _shot(pg: Any, name: str) -> None:
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_person_uses_the_app_from_unlock_to_quick_exit(server: tuple[str, Path], page: Any) -> None:
    """The whole path works with the keyboard and mouse, every page passes axe, nothing hostile runs."""
    origin, export = server
    pg = page
    pg.goto(f"{origin}/unlock?token={TOKEN}")
    assert pg.title() == "Notes"
    _shot(pg, "01-unlock")
    _axe(pg, "unlock")
    pg.fill("#passphrase", PASSPHRASE)
    with pg.expect_navigation():
        pg.keyboard.press("Enter")
    pg.wait_for_selector("h1:has-text('Home')")
    # Home's "Import your messages" leads to the steps for each app, unfolded.
    pg.click("a:has-text('Import your messages')")
    pg.wait_for_selector("h1:has-text('Documentation')")
    assert pg.evaluate("document.getElementById('howto-exports').open")
    assert pg.is_visible("dt:has-text('WhatsApp on Android')")
    _shot(pg, "02-documentation-howto")
    pg.goto(f"{origin}/documentation")
    assert not pg.evaluate("document.getElementById('howto-exports').open")
    pg.set_input_files("#export-file", str(export))
    # While the import runs, the page says so and the button cannot send the files twice (a
    # submit event made in the page runs the same handler and navigates nowhere).
    pg.evaluate("""document.querySelector('form[data-busy]').dispatchEvent(
        new Event('submit', {bubbles: true, cancelable: true}))""")
    pg.wait_for_function("document.querySelector('[data-busy-status]').textContent.startsWith('Importing')")
    pg.wait_for_function("document.querySelector('form[data-busy] button[type=submit]').disabled")
    assert pg.is_visible("[data-busy-status]")
    _shot(pg, "02-documentation-importing")
    pg.goto(f"{origin}/documentation")
    pg.set_input_files("#export-file", str(export))
    pg.click("button:has-text('Import')")
    pg.wait_for_selector("#imported-h")
    assert "sms-20260421093015.xml" in pg.inner_text("main")
    _shot(pg, "02-documentation-imported")
    _axe(pg, "documentation")

    pg.goto(f"{origin}/")
    assert "days since their last attempt" in pg.inner_text("main")
    _shot(pg, "03-home")
    _axe(pg, "home")

    pg.goto(f"{origin}/documentation/timeline")
    _shot(pg, "04-timeline")
    _axe(pg, "timeline")
    pg.goto(f"{origin}/documentation/timeline?flag=manual")
    pg.click("tbody a:has-text('Open')")
    assert "The text is hidden" in pg.inner_text("main")
    pg.click("text=Show the text of this entry")
    text = pg.inner_text("#message-text")
    assert "<script>" in text and "onerror" in text  # shown as text
    _shot(pg, "05-event-shown")
    _axe(pg, "event")

    pg.goto(f"{origin}/documentation")
    pg.fill("#inc-when", "2026-04-01T08:30")
    pg.select_option("#inc-channel", "in_person")
    pg.fill("#inc-what", "Waited outside my building.")
    pg.check("input[name=fear][value='4']")
    tmp = SHOTS / "attachment.txt"
    tmp.write_text("photo stand-in")
    pg.set_input_files("#inc-files", str(tmp))
    pg.click("button:has-text('Save the incident')")
    pg.wait_for_url("**/documentation/event/*")
    assert "attachment.txt" in pg.inner_text("main")
    tmp.unlink()

    pg.goto(f"{origin}/boundary")
    pg.click("[data-fill-from=tpl-sms]")
    pg.fill("#boundary-text", "Sorry, maybe we can talk later?")
    pg.click("button:has-text('Check my message')")
    pg.wait_for_selector(".finding")
    assert "An apology" in pg.inner_text("#findings")
    _shot(pg, "06-boundary-checked")
    _axe(pg, "boundary")
    pg.fill("#sent-when", "2026-03-02T20:15")
    pg.fill("#sent-text", "Do not contact me again in any way. I will not reply.")
    pg.click("button:has-text('Record it as sent')")
    pg.wait_for_selector("text=Your boundary is recorded")

    pg.goto(f"{origin}/support")
    pg.fill("#p-name", "Ana")
    pg.select_option("#p-role", "advocate")
    pg.fill("#p-reach", "555-0100")
    pg.click("button:has-text('Add to my circle')")
    pg.wait_for_selector("text=Added to your support circle")
    _shot(pg, "07-support")
    _axe(pg, "support")

    pg.goto(f"{origin}/selfcare")
    pg.check("input[name=mood][value='2']")
    pg.click("button:has-text('Save my check-in')")
    pg.wait_for_selector("text=Saved.")
    _shot(pg, "08-selfcare")
    _axe(pg, "selfcare")

    pg.goto(f"{origin}/legal")
    _shot(pg, "09-legal")
    _axe(pg, "legal")
    with pg.expect_download(timeout=120_000) as dl:
        pg.click("button:has-text('Download the report (PDF)')", no_wait_after=True, timeout=120_000)
    path = dl.value.path()
    assert path is not None and Path(path).read_bytes()[:5] == b"%PDF-"

    pg.goto(f"{origin}/forward")
    _shot(pg, "10-forward")
    _axe(pg, "forward")

    pg.goto(f"{origin}/")
    pg.keyboard.press("Escape")
    pg.keyboard.press("Escape")
    pg.keyboard.press("Escape")
    pg.wait_for_url(f"{origin}/neutral")
    _shot(pg, "11-neutral")
    pg.goto(f"{origin}/")
    assert pg.url.endswith("/unlock")

    assert pg.dialogs == []  # type: ignore[attr-defined]
    assert pg.foreign == []  # type: ignore[attr-defined]


def test_keyboard_alone_reaches_the_skip_link_and_quick_exit(server: tuple[str, Path], page: Any) -> None:
    """The first Tab lands on 'Skip to the page content'; the quick-exit button is reachable by Tab."""
    origin, _ = server
    pg = page
    pg.goto(f"{origin}/unlock")
    pg.keyboard.press("Tab")
    assert pg.evaluate("document.activeElement.textContent").strip() == "Skip to the page content"
    names = []
    for _ in range(8):
        pg.keyboard.press("Tab")
        names.append(pg.evaluate("document.activeElement.textContent || ''").strip())
    assert "Quick exit" in names


def _upload_chat(pg: Any, origin: str, chat: Path, text: str) -> Path:
    """Unlock, write ``text`` to ``chat`` and import it from the Documentation page."""
    _unlock(pg, origin)
    chat.write_text(text, encoding="utf-8")
    pg.goto(f"{origin}/documentation")
    pg.set_input_files("#export-file", str(chat))
    pg.click("button:has-text('Import')")
    return chat


def test_a_chat_whose_dates_read_both_ways_is_asked_about_and_then_imported(  # type: ignore[no-untyped-def]
        server: tuple[str, Path], page: Any, tmp_path) -> None:
    """The question names the chat's first date both ways, focuses the choice, and passes axe."""
    origin, _ = server
    pg = page
    chat = _upload_chat(pg, origin, tmp_path / "WhatsApp Chat with Casey Drummond.txt",
                        "03/04/25, 21:15 - Casey Drummond: hi\n03/04/25, 21:16 - Robin Hale: stop\n"
                        "05/04/25, 08:00 - Casey Drummond: answer me\n")
    pg.wait_for_selector("p.error")
    assert "3 April 2025" in pg.inner_text("p.error") and "4 March 2025" in pg.inner_text("p.error")
    # autofocus is applied once the page has loaded: wait for it rather than race it
    pg.wait_for_function("document.activeElement && document.activeElement.id === 'date-order'", timeout=5000)
    assert "the chat starts on 3 April 2025" in pg.inner_text("#date-order option[value=DMY]")
    _shot(pg, "10-documentation-date-order-question")
    _axe(pg, "documentation, date order question")
    pg.select_option("#date-order", "DMY")
    pg.set_input_files("#export-file", str(chat))
    pg.click("button:has-text('Import')")
    pg.wait_for_selector("#imported-h")
    assert "WhatsApp Chat with Casey Drummond.txt" in pg.inner_text("main")


def test_a_chat_with_them_under_another_name_is_fixed_with_one_click(  # type: ignore[no-untyped-def]
        server: tuple[str, Path], page: Any, tmp_path) -> None:
    """Saved as "Don't answer", they matched no one: the page names them, passes axe, and "This is
    them" adds the name and reads the exports again, which brings their messages in."""
    origin, _ = server
    pg = page
    _upload_chat(pg, origin, tmp_path / "WhatsApp Chat with Don't answer.txt",
                 "13/03/2026, 21:15 - Don't answer: pick up\n13/03/2026, 21:16 - Robin Hale: stop\n"
                 "14/03/2026, 08:00 - Don't answer: answer me\n")
    pg.wait_for_selector("div.note")
    assert "Don't answer (name): 3" in pg.inner_text("div.note")
    _shot(pg, "12-documentation-not-theirs")
    _axe(pg, "documentation, nothing of theirs")
    pg.click("div.note button:has-text('This is them')")
    pg.wait_for_selector("h1:has-text('Who is who')")
    assert "3 new." in pg.inner_text("main") and "Don't answer" in pg.inner_text("main")
    _axe(pg, "who is who, read again")


def test_who_is_who_is_set_up_in_the_app(server: tuple[str, Path], page: Any) -> None:  # type: ignore[no-untyped-def]
    """A new number of theirs is added with the keyboard and mouse; the page passes axe."""
    origin, _ = server
    pg = page
    _unlock(pg, origin)
    pg.goto(f"{origin}/documentation")
    pg.click("a:has-text('Who is who')")
    pg.wait_for_selector("h1:has-text('Who is who')")
    _axe(pg, "who is who")
    pg.select_option("#them-kind", "phones")
    pg.fill("#them-value", "+1 312 555 0999")
    pg.click("button:has-text('Add to them')")
    pg.wait_for_selector("p.ok")
    assert "+1 312 555 0999" in pg.inner_text("main")
    _shot(pg, "11-who-is-who")
    _axe(pg, "who is who, saved")


def test_quick_exit_blanks_the_screen_before_the_server_answers(server: tuple[str, Path], page: Any) -> None:  # type: ignore[no-untyped-def]
    """While the app is busy (a long import holds it), the lock request waits its turn: the page
    must not stay on screen meanwhile. Here the request is kept from leaving, and the page must
    already be blank: by the button, and by Escape pressed three times."""
    origin, _ = server
    pg = page
    _unlock(pg, origin)
    for how in ("button", "escape"):
        pg.goto(f"{origin}/documentation")
        pg.evaluate("""() => {
            window.sent = 0;
            HTMLFormElement.prototype.submit = function () { window.sent += 1; };
            document.addEventListener("submit", (e) => { window.sent += 1; e.preventDefault(); });
        }""")
        assert pg.evaluate("document.body.style.visibility") != "hidden"
        if how == "button":
            pg.click("button.exit")
        else:
            for _ in range(3):
                pg.keyboard.press("Escape")
        assert pg.evaluate("window.sent") == 1, how
        assert pg.evaluate("document.body.style.visibility") == "hidden", how
        assert pg.title() == "Notes"
