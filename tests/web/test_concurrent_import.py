"""An import from the command line while the app is open on the same vault: both finish, or one waits
and says so plainly; nothing is lost.

The app runs for real, as ``nocontact serve --no-browser`` does (uvicorn on 127.0.0.1, a free port, the
start link printed), in its own process. The import runs as ``nocontact import`` in another, through
tests/vault/_crash_worker.py so that it can be held just before its journal entry: then it owns the
vault's writer lock, with every event row written but not committed, while the app is used.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from nocontact.demo import write_all_samples
from nocontact.vault.events import log_incident
from nocontact.vault.store import Vault
from nocontact.vault.verify import verify_vault
from tests.vault.helpers import import_paths, with_case
from tests.vault.test_faults import Child
from tests.web.conftest import csrf_of

PASSPHRASE = "old passphrase for the fault tests"  # what tests/vault/test_faults.Child passes
BUSY = "another nocontact is writing to this vault right now"
CLI = [sys.executable, "-c", "from nocontact.cli import main; main()"]


@dataclass(frozen=True)
class Exports:
    sms: Path
    calls: Path


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Exports:
    files = {p.name: p for p in write_all_samples(tmp_path_factory.mktemp("exports"))}
    return Exports(next(p for n, p in files.items() if n.startswith("sms-")),
                   next(p for n, p in files.items() if n.startswith("calls-")))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, exports: Exports) -> Path:
    """A vault with the case, the call log and one logged incident; the SMS export is not in it yet."""
    root = tmp_path_factory.mktemp("concurrent") / "vault"
    v, _ = Vault.create(root, PASSPHRASE, fast_kdf=True)
    with v:
        with_case(v)
        import_paths(v, exports.calls, keep_unrelated=True)
        log_incident(v, occurred=datetime(2026, 3, 14, 23, 40, tzinfo=UTC), raw_time="2026-03-14 18:40",
                     time_zone="America/Chicago", channel="in_person", what="Came to the door", location="Home")
    return root


@pytest.fixture
def vault(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    shutil.copytree(template, root)
    return root


class App:
    """``nocontact serve`` on ``root`` in a child process, and a browser-like client that has unlocked it."""

    def __init__(self, root: Path, lock_wait: float | None = None) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NOCONTACT_")}
        env["NOCONTACT_VAULT"] = str(root)
        if lock_wait is not None:
            env["NOCONTACT_LOCK_WAIT"] = str(lock_wait)
        self.proc = subprocess.Popen([*CLI, "serve", "--no-browser", "--port", "0"], env=env, cwd=root.parent,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        assert self.proc.stdout is not None
        link = None
        deadline = time.monotonic() + 60
        while link is None and time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(f"nocontact serve ended: {self.proc.stderr.read() if self.proc.stderr else ''}")
            m = re.search(r"(http://127\.0\.0\.1:\d+)/unlock\?token=(\S+)", line)
            if m:
                link = m
        assert link is not None, "nocontact serve printed no start link"
        self.base, self.token = link.group(1), link.group(2)
        self.client = httpx.Client(base_url=self.base, follow_redirects=True, timeout=120)
        self.csrf = ""
        self._wait_until_listening()

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                self.client.get("/neutral")
                return
            except httpx.TransportError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise
                time.sleep(0.05)

    def unlock(self) -> None:
        r = self.client.get(f"/unlock?token={self.token}")
        self.csrf = csrf_of(r.text)
        r = self.client.post("/unlock", data={"csrf": self.csrf, "passphrase": PASSPHRASE})
        assert r.status_code == 200 and r.url.path != "/unlock", r.text

    def post(self, path: str, data: dict[str, str]) -> httpx.Response:
        return self.client.post(path, data={"csrf": self.csrf, **data})

    def entries(self, query: str = "") -> int:
        """How many entries one page of the timeline lists."""
        r = self.client.get(f"/documentation/timeline{query}")
        assert r.status_code == 200, r.text
        return len(re.findall(r'href="/documentation/event/\d+"', r.text))

    def close(self) -> None:
        self.client.close()
        self.proc.terminate()
        try:
            self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()


@pytest.fixture
def app_on(vault: Path) -> Iterator[App]:
    app = App(vault)
    try:
        app.unlock()
        yield app
    finally:
        app.close()


def tally(root: Path) -> tuple[int, int, list[str]]:
    """Events, check-ins and the journal's kinds, read while the app still has the vault open; verify must pass."""
    with Vault.open(root, PASSPHRASE) as v:
        rep = verify_vault(v)
        assert rep.ok, rep.problems
        events = int(v.conn.execute("SELECT count(*) FROM events").fetchone()[0])
        checkins = int(v.conn.execute("SELECT count(*) FROM checkins").fetchone()[0])
        kinds = [r[0] for r in v.conn.execute("SELECT kind FROM journal ORDER BY seq")]
    return events, checkins, kinds


def sms_events(exports: Exports, tmp_path: Path) -> int:
    """How many events the SMS export adds to a fresh vault with the case (the figure nothing may lose)."""
    root = tmp_path / "count"
    v, _ = Vault.create(root, "x", fast_kdf=True)
    with v:
        with_case(v)
        return sum(s.added for s in import_paths(v, exports.sms, keep_unrelated=True))


CHECKIN = {"day": "2026-04-20", "mood": "3", "sleep": "2", "safe": "4", "note": "during the import"}


def test_the_app_answers_and_writes_while_an_import_holds_the_vault(
        app_on: App, vault: Path, exports: Exports, tmp_path: Path) -> None:
    """With an import holding the writer lock, pages still load, a check-in waits for the import's commit,
    and afterwards every imported event and the check-in are there, once, and the vault verifies."""
    app = app_on
    expected = sms_events(exports, tmp_path)
    events0, checkins0, kinds0 = tally(vault)
    entries0 = app.entries()
    go = tmp_path / "go"
    importing = Child(vault, "import", "--json", "--keep-unrelated", str(exports.sms), pause="journal:before", go=go)
    assert importing.wait_for(b"p"), importing.finish()

    # The import has written every event row and holds the lock; the app reads the committed vault.
    home = app.client.get("/")
    assert home.status_code == 200
    assert app.entries() == entries0
    assert tally(vault)[0] == events0

    answer: list[httpx.Response] = []
    write = threading.Thread(target=lambda: answer.append(app.post("/selfcare/checkin", CHECKIN)))
    write.start()
    time.sleep(0.5)
    assert not answer, "the check-in was written while the import held the vault's writer lock"
    go.touch()
    rc, out, err = importing.finish()
    write.join(timeout=120)
    assert rc == 0, out + err
    assert answer and answer[0].status_code == 200, answer[0].text if answer else "no answer"
    assert answer[0].url.path == "/selfcare"

    events, checkins, kinds = tally(vault)
    assert events == events0 + expected
    assert checkins == checkins0 + 1
    assert kinds[:len(kinds0)] == kinds0
    assert sorted(kinds[len(kinds0):]) == ["checkin", "import"]
    assert app.entries("?channel=sms") > 0
    assert app.client.get("/").status_code == 200
    rc = subprocess.run([*CLI, "verify"], env={**os.environ, "NOCONTACT_VAULT": str(vault),
                                               "NOCONTACT_PASSPHRASE": PASSPHRASE}, capture_output=True, text=True)
    assert rc.returncode == 0 and "intact" in rc.stdout, rc.stdout + rc.stderr


def test_an_import_started_while_the_app_writes_lands_whole(
        app_on: App, vault: Path, exports: Exports, tmp_path: Path) -> None:
    """Check-ins posted through the app while a plain `nocontact import` runs all land, and so does the import."""
    app = app_on
    expected = sms_events(exports, tmp_path)
    events0, checkins0, _ = tally(vault)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("NOCONTACT_")},
           "NOCONTACT_VAULT": str(vault), "NOCONTACT_PASSPHRASE": PASSPHRASE}
    importing = subprocess.Popen([*CLI, "import", "--json", "--keep-unrelated", str(exports.sms)], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    posted = 0
    while importing.poll() is None or posted < 3:
        r = app.post("/selfcare/checkin", {**CHECKIN, "note": f"check-in {posted}"})
        assert r.status_code == 200 and r.url.path == "/selfcare", r.text
        assert app.client.get("/").status_code == 200
        posted += 1
    out, err = importing.communicate(timeout=120)
    assert importing.returncode == 0, out + err
    events, checkins, kinds = tally(vault)
    assert (events, checkins) == (events0 + expected, checkins0 + posted)
    assert kinds.count("import") == 2 and kinds.count("checkin") == posted


def test_a_write_in_the_app_that_cannot_wait_says_so_plainly(vault: Path, exports: Exports, tmp_path: Path) -> None:
    """When the import holds the vault longer than the app waits, the app's answer is the plain 'another
    nocontact is writing' sentence, nothing half-done is kept, and the import still lands whole."""
    app = App(vault, lock_wait=0.3)
    try:
        app.unlock()
        expected = sms_events(exports, tmp_path)
        events0, checkins0, _ = tally(vault)
        go = tmp_path / "go"
        importing = Child(vault, "import", "--json", "--keep-unrelated", str(exports.sms), pause="journal:after",
                          go=go)
        assert importing.wait_for(b"p"), importing.finish()
        r = app.post("/selfcare/checkin", CHECKIN)
        go.touch()
        rc, out, err = importing.finish()
        assert rc == 0, out + err
        assert r.status_code in (409, 503), (r.status_code, re.findall(r"<main.*?</main>", r.text, re.S))
        assert BUSY in r.text and "Traceback" not in r.text
        assert tally(vault)[:2] == (events0 + expected, checkins0)
        assert app.client.get("/").status_code == 200
    finally:
        app.close()
