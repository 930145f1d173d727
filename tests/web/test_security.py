"""The web app's safety rules, each as an HTTP-level specification."""

from __future__ import annotations

import inspect
import re

import pytest
from starlette.routing import Route

from nocontact.web import create_app
from nocontact.web.security import CSP
from nocontact.web.server import make_url, serve
from tests.web.conftest import TOKEN, Web, csrf_of

PAGES = ["/", "/boundary", "/documentation", "/documentation/timeline", "/support", "/legal", "/selfcare",
         "/forward", "/documentation/event/1"]


def _post_routes() -> list[str]:
    app = create_app(__import__("pathlib").Path("/nonexistent"), token="t")
    out = []
    for r in app.routes:
        if isinstance(r, Route) and "POST" in (r.methods or set()):
            out.append(r.path.replace("{person_id:int}", "1").replace("{helper_id}", "abc"))
    return out


def test_the_server_binds_to_loopback_by_default() -> None:
    """serve() listens on 127.0.0.1 unless told otherwise, and the printed link names that address."""
    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"
    assert make_url("127.0.0.1", 8123, "abc") == "http://127.0.0.1:8123/unlock?token=abc"


def test_without_the_start_token_nothing_opens(web: Web) -> None:
    """A browser without the token gets a refusal that says where to find the link, for every page."""
    for path in ["/", "/unlock", "/documentation", "/unlock?token=wrong"]:
        r = web.client.get(path)
        assert r.status_code == 403
        assert "start link" in r.text
        assert "csrf-token" not in r.text or 'content=""' in r.text


def test_the_token_gives_an_httponly_samesite_strict_cookie_and_leaves_the_url(web: Web) -> None:
    """Opening the start link sets a strict session cookie and redirects to a URL without the token."""
    r = web.client.get(f"/unlock?token={TOKEN}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/unlock"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie


def test_a_request_for_another_host_is_refused(web: Web) -> None:
    """DNS rebinding: a Host header that is not loopback is refused."""
    r = web.client.get(f"/unlock?token={TOKEN}", headers={"host": "evil.example:8765"})
    assert r.status_code == 421


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_the_safety_headers_and_a_neutral_title(unlocked: Web, path: str) -> None:
    """no-store, the strict CSP and the neutral title on every page."""
    r = unlocked.client.get(path)
    assert r.status_code == 200
    assert r.headers["cache-control"].startswith("no-store")
    assert r.headers["content-security-policy"] == CSP
    assert r.headers["x-frame-options"] == "DENY"
    assert re.search(r"<title>Notes</title>", r.text)
    assert "<script>" not in r.text.replace('<script src="/static/htmx.min.js" defer></script>', "") \
        .replace('<script src="/static/app.js" defer></script>', "")


def test_the_csp_forbids_inline_script_and_other_origins() -> None:
    """No 'unsafe-inline', no 'unsafe-eval', scripts only from this origin, no framing."""
    assert "unsafe-inline" not in CSP and "unsafe-eval" not in CSP
    assert "script-src 'self'" in CSP and "frame-ancestors 'none'" in CSP and "default-src 'none'" in CSP


def test_error_pages_carry_the_headers_too(web: Web) -> None:
    """Even a refusal is not cached and has the CSP."""
    r = web.client.get("/")
    assert r.status_code == 403
    assert r.headers["cache-control"].startswith("no-store") and r.headers["content-security-policy"] == CSP


@pytest.mark.parametrize("path", _post_routes())
def test_every_form_refuses_a_missing_csrf_token(unlocked: Web, path: str) -> None:
    """Each POST route answers 403 without the session's token, and the journal does not move."""
    with unlocked.vault() as v:
        before = v.head()
    r = unlocked.client.post(path, data={"csrf": "wrong", "passphrase": "correct horse", "confirm": "DESTROY",
                                         "text": "x", "name": "x", "role": "friend"})
    assert r.status_code == 403, path
    assert "Nothing was done" in r.text
    with unlocked.vault() as v:
        assert v.head() == before


def test_a_cross_site_write_is_refused_even_with_the_token(unlocked: Web) -> None:
    """Origin or Sec-Fetch-Site from another site is refused before the form is read."""
    data = {"csrf": unlocked.csrf, "name": "A", "role": "friend", "reach": "", "note": ""}
    r = unlocked.client.post("/support/people", data=data, headers={"origin": "http://evil.example"})
    assert r.status_code == 403
    r = unlocked.client.post("/support/people", data=data, headers={"sec-fetch-site": "cross-site"})
    assert r.status_code == 403
    r = unlocked.client.post("/support/people", data=data,
                             headers={"origin": "http://127.0.0.1:8765", "sec-fetch-site": "same-origin"})
    assert r.status_code == 200 and "Added to your support circle" in r.text


def test_htmx_requests_can_send_the_token_as_a_header(unlocked: Web) -> None:
    """The X-CSRF-Token header (set by app.js for htmx) is accepted in place of the form field."""
    r = unlocked.client.post("/boundary/check", data={"text": "Sorry, maybe later?"},
                             headers={"x-csrf-token": unlocked.csrf, "hx-request": "true"})
    assert r.status_code == 200 and "An apology" in r.text and "<html" not in r.text


def test_the_session_locks_itself_after_idle_time(unlocked: Web) -> None:
    """After the idle time the next request finds the vault locked and says why."""
    assert unlocked.client.get("/").url.path == "/"
    unlocked.clock.now += 601
    r = unlocked.client.get("/")
    assert r.url.path == "/unlock"
    assert "locked itself after a while without use" in r.text


def test_the_idle_sweep_closes_the_vault_without_a_request(unlocked: Web) -> None:
    """The background sweep locks idle sessions even if the browser never comes back."""
    sessions = unlocked.client.app.state.nc.sessions  # type: ignore[attr-defined]
    unlocked.clock.now += 601
    assert sessions.sweep() == 1


def test_lock_closes_the_vault(unlocked: Web) -> None:
    """After Lock, every page leads to the unlock page."""
    r = unlocked.post("/lock")
    assert r.url.path == "/unlock"
    assert unlocked.client.get("/documentation").url.path == "/unlock"


def test_quick_exit_locks_and_leaves_for_a_neutral_page(unlocked: Web) -> None:
    """Quick exit lands on a page that says nothing about the app, and the vault is locked."""
    r = unlocked.post("/lock", {"exit": "1"})
    assert r.url.path == "/neutral"
    assert "<title>Notes</title>" in r.text and "vault" not in r.text.lower()
    assert unlocked.client.get("/").url.path == "/unlock"


def test_the_page_explains_quick_exit_honestly(unlocked: Web) -> None:
    """The footer says browser history stays."""
    assert "history still lists the pages you visited" in unlocked.client.get("/").text


def test_a_wrong_passphrase_is_refused_calmly(web: Web) -> None:
    """401 and a plain sentence; the vault stays locked."""
    r = web.client.get(f"/unlock?token={TOKEN}")
    r = web.client.post("/unlock", data={"csrf": csrf_of(r.text), "passphrase": "nope"})
    assert r.status_code == 401 and "did not open the vault" in r.text


def test_the_recovery_key_unlocks(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Choosing 'recovery key' opens the vault with it."""
    from starlette.testclient import TestClient

    from nocontact.vault.store import Vault

    v, recovery = Vault.create(tmp_path / "v", "pw", fast_kdf=True)
    v.close()
    with TestClient(create_app(tmp_path / "v", token="t"), base_url="http://127.0.0.1:1") as c:
        r = c.get("/unlock?token=t")
        r = c.post("/unlock", data={"csrf": csrf_of(r.text), "passphrase": recovery, "method": "recovery"})
        assert r.url.path == "/" and "Home" in r.text
