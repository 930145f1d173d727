"""An app over a small vault built from the package's own samples, and a client that has unlocked it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from nocontact.vault.events import log_incident
from nocontact.vault.store import Vault
from nocontact.web import create_app
from tests.vault.helpers import import_paths, samples, with_case

PASSPHRASE = "correct horse"
TOKEN = "test-token-0123456789"
BASE = "http://127.0.0.1:8765"
HOSTILE = '<script>alert("x")</script><img src=x onerror="alert(1)"><a href="javascript:alert(2)">link</a>'


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Web:
    client: TestClient
    root: Path
    clock: Clock
    csrf: str = ""

    def unlock(self, passphrase: str = PASSPHRASE) -> None:
        r = self.client.get(f"/unlock?token={TOKEN}")
        self.csrf = csrf_of(r.text)
        r = self.client.post("/unlock", data={"csrf": self.csrf, "passphrase": passphrase})
        assert r.status_code == 200 and r.url.path != "/unlock", r.text

    def post(self, path: str, data: dict[str, str] | None = None, **kw: object):  # type: ignore[no-untyped-def]
        return self.client.post(path, data={"csrf": self.csrf, **(data or {})}, **kw)  # type: ignore[arg-type]

    def vault(self) -> Vault:
        return Vault.open(self.root, PASSPHRASE)


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert m, "the page carries its CSRF token"
    return m.group(1)


def build_vault(root: Path, exports: Path, *, with_samples: bool = True) -> None:
    v, _ = Vault.create(root, PASSPHRASE, fast_kdf=True)
    with v:
        with_case(v)
        if with_samples:
            files = samples(exports)
            import_paths(v, files["sms-20260421093015.xml"], files["calls-20260421093015.xml"])
        log_incident(v, occurred=datetime(2026, 3, 14, 23, 40, tzinfo=UTC), raw_time="2026-03-14 18:40",
                     time_zone="America/Chicago", channel="in_person", what=HOSTILE, location=HOSTILE)


@pytest.fixture(scope="session")
def template_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("webvault")
    build_vault(base / "vault", base / "exports")
    return base / "vault"


@pytest.fixture
def web(tmp_path: Path, template_vault: Path) -> Web:
    import shutil

    root = tmp_path / "vault"
    shutil.copytree(template_vault, root)
    clock = Clock()
    app = create_app(root, token=TOKEN, clock=clock, fast_kdf=True, idle_seconds=600, derived_wait=60,
                     today=lambda: date(2026, 4, 21))
    with TestClient(app, base_url=BASE, follow_redirects=True) as client:
        yield Web(client, root, clock)


@pytest.fixture
def unlocked(web: Web) -> Web:
    web.unlock()
    return web
