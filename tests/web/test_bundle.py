"""The evidence bundle from the web app: the CLI's bundle, built in memory, for the owner only."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

import pytest

from nocontact.bundle import verify_bundle
from nocontact.bundle.build import BundleOptions, build_bundle
from nocontact.sharefile import decrypt_share
from tests.web.conftest import Web


def _no_temp_files(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*a, **k):  # type: ignore[no-untyped-def]
        raise AssertionError("a temporary file was created")

    for name in ("SpooledTemporaryFile", "NamedTemporaryFile", "TemporaryFile", "mkstemp", "mkdtemp"):
        monkeypatch.setattr(tempfile, name, refuse)


def _files_in(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_the_legal_page_offers_the_bundle_with_its_honest_note(unlocked: Web) -> None:
    """The button posts with the CSRF token and the page says the saved file is not encrypted."""
    text = unlocked.client.get("/legal").text
    assert 'action="/legal/bundle"' in text and "Make an evidence bundle" in text and "not encrypted" in text


def test_the_bundle_downloads_verifies_and_leaves_no_plaintext_file(
        unlocked: Web, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A zip that the bundled checker verifies, sent as an attachment with no-store; no file is written."""
    before = _files_in(unlocked.root)
    _no_temp_files(monkeypatch)
    r = unlocked.post("/legal/bundle", {})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"].startswith('attachment; filename="nocontact-bundle-')
    assert "no-store" in r.headers["cache-control"] and r.headers["x-content-type-options"] == "nosniff"
    new = _files_in(unlocked.root) - before
    assert all("blobs" not in p.parts and p.suffix not in (".zip", ".partial") for p in new), new
    monkeypatch.undo()
    saved = tmp_path / "bundle.zip"
    saved.write_bytes(r.content)
    assert verify_bundle.main([str(saved)]) == 0


def test_the_web_bundle_holds_the_same_files_as_the_cli_bundle(unlocked: Web, tmp_path: Path) -> None:
    """Same names and the same bytes for everything that does not carry a time stamp or signature."""
    r = unlocked.post("/legal/bundle", {})
    web = zipfile.ZipFile(io.BytesIO(r.content))
    with unlocked.vault() as v:
        build_bundle(v, tmp_path / "cli.zip", BundleOptions(include_report=False))
    cli = zipfile.ZipFile(tmp_path / "cli.zip")
    assert set(web.namelist()) == set(cli.namelist())
    stamped = {"README.txt", "MANIFEST.json", "MANIFEST.sha256", "signature.json", "journal.jsonl"}
    for name in set(cli.namelist()) - stamped:
        assert web.read(name) == cli.read(name), name


def test_the_bundle_is_journalled_as_an_export(unlocked: Web) -> None:
    """Like the CLI's, the web bundle leaves an export entry naming its file and SHA-256."""
    import hashlib

    r = unlocked.post("/legal/bundle", {})
    with unlocked.vault() as v:
        entry = json.loads(v.conn.execute("SELECT entry FROM journal ORDER BY seq DESC LIMIT 1").fetchone()[0])
    assert entry["kind"] == "export" and entry["body"]["kind"] == "bundle"
    assert entry["body"]["sha256"] == hashlib.sha256(r.content).hexdigest()


def test_a_bundle_without_the_csrf_token_is_refused(unlocked: Web) -> None:
    """No token, no bundle: 403 and nothing journalled."""
    with unlocked.vault() as v:
        head = v.head()
    r = unlocked.client.post("/legal/bundle", data={})
    assert r.status_code == 403 and not r.content.startswith(b"PK")
    with unlocked.vault() as v:
        assert v.head() == head


def test_the_bundle_can_be_shared_encrypted_with_a_supporter(unlocked: Web) -> None:
    """Support's share offers the bundle; the share file opens with the passphrase to the zip."""
    assert 'value="bundle"' in unlocked.client.get("/support").text
    r = unlocked.post("/support/share", {"what": "bundle", "passphrase": "phone-told-1",
                                         "passphrase2": "phone-told-1"})
    assert r.status_code == 200 and r.headers["content-disposition"].startswith('attachment; filename="shared-')
    assert not r.content.startswith(b"PK")
    name, data = decrypt_share(r.content, "phone-told-1")
    assert name.startswith("nocontact-bundle-") and name.endswith(".zip")
    assert "MANIFEST.json" in zipfile.ZipFile(io.BytesIO(data)).namelist()


def test_a_helper_can_neither_make_nor_share_the_bundle(unlocked: Web) -> None:
    """Helpers triage on the Helper page only: the bundle and sharing answer 403 and journal nothing."""
    unlocked.post("/support/helpers", {"name": "Sam", "passphrase": "helper-pass-1",
                                       "passphrase2": "helper-pass-1", "understood": "1", "can_read_text": "1"})
    unlocked.post("/lock")
    unlocked.unlock("helper-pass-1")
    with unlocked.vault() as v:
        head = v.head()
    assert "bundle" not in unlocked.client.get("/helper").text.lower()
    r = unlocked.post("/legal/bundle", {})
    assert r.status_code == 403 and not r.content.startswith(b"PK")
    r = unlocked.post("/support/share", {"what": "bundle", "passphrase": "phone-told-1",
                                         "passphrase2": "phone-told-1"})
    assert r.status_code == 403 and b"nocontact-share" not in r.content[:40]
    with unlocked.vault() as v:
        assert v.head() == head
