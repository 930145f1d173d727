"""A download imported as the zip the person got is the same as importing its files unpacked.

People import what they downloaded: a Facebook or Instagram "Download your information" zip, a
Telegram export folder they zipped to move it, a Google Takeout archive. Every importer must read
its file from inside a zip (a stream that cannot seek) exactly as it reads it from disk.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from nocontact.ingest import Planned, Skipped, plan_sources
from nocontact.vault.importing import ImportSummary
from nocontact.vault.store import Vault
from nocontact.vault.verify import verify_vault
from tests.vault.helpers import import_paths, samples, with_case

#: Formats that are zips themselves: inside a download they are read from an encrypted copy in the
#: vault (one level of nesting; a chat.db is read from a private copy in memory), never from a
#: plaintext temporary file.
ZIPS_THEMSELVES = {"whatsapp_ios_zip": ".zip"}


def _zip_folder(folder: Path, out: Path) -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                zf.write(p, f"download/{p.relative_to(folder).as_posix()}")
    return out


def _figures(s: ImportSummary) -> tuple[object, ...]:
    return (s.format, s.records_read, s.records_by_kind, s.attributed, s.skipped_unrelated, s.added,
            s.system_lines, s.reactions, len(s.problems), s.sha256)


def _by_member(summaries: list[ImportSummary], prefix: str = "") -> dict[str, tuple[object, ...]]:
    return {s.source.removeprefix(prefix): _figures(s) for s in summaries}


def _events_by_format(vault: Vault) -> dict[str, int]:
    return dict(vault.conn.execute("SELECT format, count(*) FROM events GROUP BY format").fetchall())


def _files_kept(vault: Vault) -> dict[tuple[str, str], bool]:
    """(format, attachment name) -> whether the file itself was kept."""
    return {(f, n): bool(i) for f, n, i in vault.conn.execute(
        "SELECT e.format, a.name, a.included FROM attachments a JOIN events e ON e.id = a.event_id")}


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    samples(folder)
    return folder


def test_every_sample_reads_the_same_from_a_zip_as_from_its_folder(tmp_path: Path, exports: Path) -> None:
    """Same records, same attribution, same originals (SHA-256), member by member."""
    unpacked, _ = Vault.create(tmp_path / "unpacked", "correct horse", fast_kdf=True)
    zipped, _ = Vault.create(tmp_path / "zipped", "correct horse", fast_kdf=True)
    archive = _zip_folder(exports, tmp_path / "download.zip")
    try:
        from_folder = _by_member(import_paths(with_case(unpacked), exports))
        from_zip = _by_member(import_paths(with_case(zipped), archive), "download.zip!/download/")
        assert len(from_folder) >= 12  # every sample format
        assert any(f[0] == "imessage_chat_db" for f in from_zip.values())
        assert any(f[0] in ZIPS_THEMSELVES for f in from_zip.values())
        assert from_zip == from_folder
        assert _events_by_format(zipped) == _events_by_format(unpacked)
        kept = _files_kept(unpacked)
        assert sum(kept.values()) >= 4  # photos beside a Messenger thread, in Google Voice, an MMS, a WhatsApp zip
        assert _files_kept(zipped) == kept
        report = verify_vault(zipped)
        assert report.ok and not report.notes  # the encrypted copy of the inner zip is not left behind
    finally:
        unpacked.close()
        zipped.close()


def test_a_zip_inside_the_zip_is_skipped_with_why_where_no_encrypted_copy_can_be_made(
        tmp_path: Path, exports: Path) -> None:
    """Planning without a vault to copy into (no spool) cannot read an inner zip: it says so."""
    archive = _zip_folder(exports, tmp_path / "download.zip")
    plan = list(plan_sources([archive]))
    assert all(p.importer.name not in ZIPS_THEMSELVES for p in plan if isinstance(p, Planned))
    for suffix in ZIPS_THEMSELVES.values():
        (why,) = [s.reason for s in plan if isinstance(s, Skipped) and s.display.endswith(suffix)]
        assert "nocontact import" in why and "unpack" in why.lower()


@pytest.mark.parametrize("member", ["result.json", "message_1.json"])
def test_a_zipped_thread_or_telegram_export_imports_and_a_reimport_adds_nothing(
        tmp_path: Path, exports: Path, new_vault: Vault, member: str) -> None:
    """The two JSON importers checked for an empty file by reading a byte and seeking back."""
    src = next(p for p in sorted(exports.rglob(member)))
    archive = tmp_path / "one.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(src, f"export/{src.relative_to(exports).as_posix()}")
    with_case(new_vault)
    (first,) = import_paths(new_vault, archive)
    assert first.added > 0 and not first.problems
    (again,) = import_paths(new_vault, archive)
    assert again.added == 0 and again.already_in_vault == first.added


def test_a_photo_in_a_download_is_said_to_travel_with_its_message(tmp_path: Path, exports: Path) -> None:
    """Photos beside a Messenger thread are kept with their message, and the skip list says so."""
    from nocontact.ingest import MEDIA_REASON

    archive = _zip_folder(exports, tmp_path / "download.zip")
    reasons = {s.display.rsplit("/", 1)[-1]: s.reason for s in plan_sources([archive]) if isinstance(s, Skipped)}
    photos = [name for name in reasons if name.endswith(".jpg")]
    assert photos and all(reasons[name] == MEDIA_REASON for name in photos)


def test_a_zip_uploaded_to_the_app_reads_the_same_as_the_zip_on_disk(tmp_path: Path, exports: Path) -> None:
    """The app stores an upload encrypted first and reads the zip from the vault (nothing in plaintext)."""
    from nocontact.blobsource import Spooler, plan_uploads
    from nocontact.ingest import context_for_vault, import_planned

    archive = _zip_folder(exports, tmp_path / "download.zip")
    on_disk, _ = Vault.create(tmp_path / "disk", "correct horse", fast_kdf=True)
    uploaded, _ = Vault.create(tmp_path / "upload", "correct horse", fast_kdf=True)
    try:
        expected = _by_member(import_paths(with_case(on_disk), archive), "download.zip!/download/")
        with_case(uploaded)
        with archive.open("rb") as f:
            blob = uploaded.blobs.put_stream(f)
        ctx = context_for_vault(uploaded)
        got = _by_member([import_planned(uploaded, item, ctx)
                          for item in plan_uploads(uploaded.blobs, [(blob.name, "download.zip", blob.size)],
                                                   Spooler(uploaded))
                          if isinstance(item, Planned)], "download.zip!/download/")
        assert got == expected
        assert _files_kept(uploaded) == _files_kept(on_disk)
        assert verify_vault(uploaded).ok
    finally:
        on_disk.close()
        uploaded.close()


def _photos(vault: Vault) -> list[tuple[str, int, str | None]]:
    """(category, included, attached_to_event) of every Messenger attachment row."""
    rows = vault.conn.execute(
        "SELECT e.category, a.included, e.extra FROM attachments a JOIN events e ON e.id = a.event_id "
        "WHERE e.format = 'facebook_messenger_json' ORDER BY a.id").fetchall()
    return [(c, i, json.loads(x).get("attached_to_event")) for c, i, x in rows]


def test_a_photo_missed_by_reading_again_is_added_beside_its_message_by_the_next_import(
        tmp_path: Path, exports: Path, new_vault: Vault) -> None:
    """Read again from the vault (after a new identity), a message is kept without the photo that
    sat beside its export; importing the download again adds the photo beside it, once."""
    from nocontact.blobsource import reimport_stored
    from nocontact.case import case_from_json
    from nocontact.ingest import context_for_vault
    from nocontact.samples import DEMO_CASE
    from nocontact.vault.events import save_case

    archive = tmp_path / "facebook.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in sorted((exports / "facebook-robinhale").rglob("*")):
            if p.is_file():
                zf.write(p, p.relative_to(exports).as_posix())
    case = json.loads(json.dumps(DEMO_CASE))
    case["ex"] = {"name": "C.", "identifiers": {"phones": ["+13125550187"]}}  # not yet their Messenger name
    save_case(new_vault, case_from_json(json.dumps(case)))
    first = {s.source: s for s in import_paths(new_vault, archive)}
    assert sum(s.added for s in first.values()) == 0  # Messenger names them only by name: not known yet

    with_case(new_vault)  # the Messenger name added
    again = [s for s in reimport_stored(new_vault, context_for_vault(new_vault)) if isinstance(s, ImportSummary)]
    assert sum(s.added for s in again) > 0 and sum(s.attachments_missing for s in again) == 1
    assert _photos(new_vault) == [("message", 0, None)]

    (thread,) = [s for s in import_paths(new_vault, archive) if "caseydrummond" in s.source]
    assert thread.added == 0 and thread.attachments_added_later == 1
    (held, added) = _photos(new_vault)
    assert held == ("message", 0, None) and added[:2] == ("attachment", 1) and added[2] is not None
    message_id = int(added[2])
    assert new_vault.conn.execute("SELECT category FROM events WHERE id = ?", (message_id,)).fetchone() == ("message",)
    assert verify_vault(new_vault).ok

    (third,) = [s for s in import_paths(new_vault, archive) if "caseydrummond" in s.source]
    assert third.added == 0 and third.attachments_added_later == 0
    assert len(_photos(new_vault)) == 2


def _zip_of(out: Path, members: dict[str, Path | bytes]) -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            if isinstance(data, Path):
                zf.write(data, name)
            else:
                zf.writestr(name, data)
    return out


def test_a_whatsapp_zip_inside_a_drive_download_imports_with_its_photos_and_leaves_no_copy(
        tmp_path: Path, exports: Path, new_vault: Vault) -> None:
    """An iPhone chat zip saved to a Drive folder comes back inside the folder's download zip."""
    chat = exports / "WhatsApp Chat - Casey Drummond.zip"
    drive = _zip_of(tmp_path / "Evidence-20261204T101500Z-001.zip", {"Evidence/" + chat.name: chat})
    direct, _ = Vault.create(tmp_path / "direct", "correct horse", fast_kdf=True)
    try:
        (want,) = import_paths(with_case(direct), chat)
        (got,) = import_paths(with_case(new_vault), drive)
        assert got.source == f"{drive.name}!/Evidence/{chat.name}"
        assert _figures(got) == _figures(want)  # same original (SHA-256), same records
        assert _files_kept(new_vault) == _files_kept(direct) and any(_files_kept(new_vault).values())
        report = verify_vault(new_vault)
        assert report.ok and not report.notes
        (again,) = import_paths(new_vault, drive)
        assert again.added == 0
    finally:
        direct.close()


def test_a_zip_three_deep_is_not_opened_and_says_why(tmp_path: Path, exports: Path, new_vault: Vault) -> None:
    from nocontact.blobsource import Spooler

    chat = exports / "WhatsApp Chat with Casey Drummond.txt"
    inner = _zip_of(tmp_path / "inner.zip", {chat.name: chat})
    middle = _zip_of(tmp_path / "middle.zip", {"Chats/inner.zip": inner, "Chats/sms.xml": exports / "sms-20260421093015.xml"})
    outer = _zip_of(tmp_path / "outer.zip", {"middle.zip": middle})
    spool = Spooler(new_vault)
    plan = list(plan_sources([outer], spool=spool))
    spool.discard()
    assert [p.source.display for p in plan if isinstance(p, Planned)] == ["outer.zip!/middle.zip!/Chats/sms.xml"]
    (skipped,) = [s for s in plan if isinstance(s, Skipped)]
    assert skipped.display == "outer.zip!/middle.zip!/Chats/inner.zip"
    assert skipped.reason.startswith("an archive inside an archive inside an archive is not opened")
    assert not list(new_vault.blobs.names())  # the copy of middle.zip is gone


def test_a_document_that_is_a_zip_inside_a_download_is_not_opened(tmp_path: Path, new_vault: Vault) -> None:
    """A .docx or .xlsx is a zip: in a Takeout it is a document, not an export to walk through."""
    from nocontact.blobsource import Spooler

    download = _zip_of(tmp_path / "takeout.zip", {"Takeout/Drive/notes.docx": b"PK\x03\x04" + b"\x00" * 40})
    (skipped,) = plan_sources([download], spool=Spooler(new_vault))
    assert isinstance(skipped, Skipped) and skipped.reason.startswith("a packed file")
    assert not list(new_vault.blobs.names())


def test_an_inner_zip_bomb_is_refused_after_its_encrypted_copy(tmp_path: Path, new_vault: Vault) -> None:
    """The inner zip gets the same checks as any archive; its copy is removed after the refusal."""
    from nocontact.blobsource import Spooler

    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("chat.txt", b"\x00" * (64 * 1024**2))  # about 1000:1
    outer = _zip_of(tmp_path / "outer.zip", {"bomb.zip": bomb})
    spool = Spooler(new_vault)
    (skipped,) = plan_sources([outer], spool=spool)
    spool.discard()
    assert isinstance(skipped, Skipped) and "zip bomb" in skipped.reason
    assert not list(new_vault.blobs.names())


@pytest.mark.parametrize(("member", "why"), [
    ("../../outside.txt", "tries to write outside itself"),
    ("/etc/passwd", "absolute path"),
])
def test_an_inner_zip_that_escapes_is_refused_and_leaves_nothing(
        tmp_path: Path, new_vault: Vault, member: str, why: str) -> None:
    """The inner zip is walked with every check the outer one gets, and refused whole."""
    from nocontact.blobsource import Spooler

    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr(zipfile.ZipInfo(member), b"x")
        zf.writestr("chat.txt", b"01/02/2026, 10:00 - Casey Drummond: hi\n")
    outer = _zip_of(tmp_path / "outer.zip", {"inner.zip": inner})
    spool = Spooler(new_vault)
    (skipped,) = plan_sources([outer], spool=spool)
    spool.discard()
    assert isinstance(skipped, Skipped) and skipped.display == "outer.zip!/inner.zip" and why in skipped.reason
    assert not list(new_vault.blobs.names()) and not (tmp_path.parent / "outside.txt").exists()


def test_an_empty_zip_is_listed_as_empty(tmp_path: Path) -> None:
    """A zip with nothing in it (a download cut off before its first file) says so, not nothing."""
    empty = tmp_path / "takeout-001.zip"
    zipfile.ZipFile(empty, "w").close()
    (skipped,) = plan_sources([empty])
    assert isinstance(skipped, Skipped) and skipped.reason == "an empty archive: there are no files in it"


def test_a_full_disk_while_copying_an_inner_zip_skips_it_with_the_reason(
        tmp_path: Path, exports: Path, new_vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from nocontact.blobsource import Spooler

    chat = exports / "WhatsApp Chat - Casey Drummond.zip"
    outer = _zip_of(tmp_path / "outer.zip", {chat.name: chat})

    def full(*a: object, **k: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(new_vault.blobs, "put_stream", full)
    (skipped,) = plan_sources([outer], spool=Spooler(new_vault))
    assert isinstance(skipped, Skipped) and "No space left on device" in skipped.reason
    assert "free some space" in skipped.reason
