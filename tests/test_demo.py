"""`make demo` end to end: a vault, a report and a bundle from the package's own fictional data."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from nocontact.bundle.verify_bundle import check_bundle
from nocontact.demo import DEMO_PASSPHRASE, build_demo
from nocontact.vault.events import current_boundary, iter_events
from nocontact.vault.store import Vault
from nocontact.vault.verify import verify_vault


def test_the_demo_builds_a_verified_vault_a_report_and_a_bundle(tmp_path: Path) -> None:
    """The demo imports every sample format, sets the boundary, writes a PDF and a bundle that verifies."""
    console = Console(file=open(tmp_path / "out.txt", "w"), width=200)  # noqa: SIM115
    build_demo(tmp_path / "demo-vault", out=console, fast_kdf=True)
    console.file.close()
    text = (tmp_path / "out.txt").read_text()
    assert "Verify:     intact:" in text
    with Vault.open(tmp_path / "demo-vault", DEMO_PASSPHRASE) as v:
        assert verify_vault(v).ok
        assert current_boundary(v) is not None
        formats = {e["format"] for e in iter_events(v) if e["format"]}
    assert {"sms_backup_restore_sms", "sms_backup_restore_calls", "whatsapp_android_txt", "whatsapp_ios_zip",
            "gmail_takeout_mbox", "eml", "imessage_chat_db", "telegram_desktop_json", "facebook_messenger_json",
            "instagram_json", "google_voice_html"} <= formats
    pdf = tmp_path / "demo-vault-report.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    rep = check_bundle(str(tmp_path / "demo-vault-case.zip"))
    assert rep.ok, rep.problems
