"""A download that came in several zips reads as one, whichever part comes first.

Google Takeout and Facebook or Instagram "Download your information" split a big download into
parts (``takeout-...-001.zip``, ``-002.zip``), and a thread's photos can land in another part
than its messages. Given together (one ``import`` command, or chosen together in the app), the
parts find each other's photos; given one at a time, the photos are added beside their messages
when the parts are later given together.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from nocontact.ingest import MEDIA_REASON, Skipped, plan_sources
from nocontact.sources import DownloadParts, zip_members
from nocontact.vault.store import Vault
from nocontact.vault.verify import verify_vault
from tests.vault.helpers import import_paths, samples, with_case

#: The sample photos that sit beside a message in their export (Google Voice MMS, a Messenger thread).
PHOTOS = ("Casey Drummond - Text - 2026-02-28T04_05_10Z-4-1.jpg", "1772676900_548977048_n.jpg")


def _split(exports: Path, folder: Path) -> tuple[Path, Path]:
    """The Takeout and Facebook samples as a two-part download: the messages in part 1, photos in part 2."""
    folder.mkdir(parents=True, exist_ok=True)
    one, two = folder / "takeout-20260402T101500Z-001.zip", folder / "takeout-20260402T101500Z-002.zip"
    with zipfile.ZipFile(one, "w", zipfile.ZIP_DEFLATED) as z1, zipfile.ZipFile(two, "w", zipfile.ZIP_DEFLATED) as z2:
        for top in ("Takeout/Voice", "facebook-robinhale"):
            for p in sorted((exports / top).rglob("*")):
                if p.is_file():
                    (z2 if p.suffix == ".jpg" else z1).write(p, p.relative_to(exports).as_posix())
    return one, two


def _kept(vault: Vault) -> dict[str, bool]:
    """Photo -> whether the file itself is in the vault, for the two sample photos that are named
    (a missing Google Voice image keeps the name its page gives it, without ``.jpg``)."""
    rows = vault.conn.execute("SELECT name, included FROM attachments").fetchall()
    return {photo: any(kept for name, kept in rows if name == photo)
            for photo in PHOTOS if any(name in (photo, photo.removesuffix(".jpg")) for name, _ in rows)}


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    samples(folder)
    return folder


@pytest.mark.parametrize("order", ["messages part first", "photos part first"])
def test_parts_given_together_keep_the_photos_of_messages_in_another_part(
        tmp_path: Path, exports: Path, new_vault: Vault, order: str) -> None:
    one, two = _split(exports, tmp_path / "download")
    parts = [one, two] if order == "messages part first" else [two, one]
    summaries = import_paths(with_case(new_vault), *parts)
    assert _kept(new_vault) == dict.fromkeys(PHOTOS, True)
    # the one file still missing is a voicemail recording the sample Takeout does not hold either
    assert sum(s.attachments_missing for s in summaries) == 1
    assert verify_vault(new_vault).ok


def test_the_same_photos_are_kept_as_from_the_download_unpacked(tmp_path: Path, exports: Path) -> None:
    """Byte for byte: the attachment rows (name, SHA-256, size) match an import of the folders."""
    unpacked, _ = Vault.create(tmp_path / "unpacked", "correct horse", fast_kdf=True)
    split, _ = Vault.create(tmp_path / "split", "correct horse", fast_kdf=True)
    query = "SELECT name, sha256, size, included FROM attachments ORDER BY name, sha256"
    try:
        import_paths(with_case(unpacked), exports / "Takeout" / "Voice", exports / "facebook-robinhale")
        import_paths(with_case(split), *_split(exports, tmp_path / "download"))
        assert split.conn.execute(query).fetchall() == unpacked.conn.execute(query).fetchall()
    finally:
        unpacked.close()
        split.close()


def test_a_part_alone_misses_its_photos_and_the_parts_together_later_add_them_once(
        tmp_path: Path, exports: Path, new_vault: Vault) -> None:
    one, two = _split(exports, tmp_path / "download")
    alone = import_paths(with_case(new_vault), one)
    assert sum(s.attachments_missing for s in alone) == len(PHOTOS) + 1  # and the voicemail, as unpacked
    assert _kept(new_vault) == dict.fromkeys(PHOTOS, False)
    events = new_vault.conn.execute("SELECT count(*) FROM events").fetchone()[0]

    together = import_paths(new_vault, one, two)
    assert sum(s.attachments_added_later for s in together) == len(PHOTOS)
    assert _kept(new_vault) == dict.fromkeys(PHOTOS, True)
    assert new_vault.conn.execute("SELECT count(*) FROM events").fetchone()[0] == events + len(PHOTOS)

    again = import_paths(new_vault, one, two)
    assert sum(s.added for s in again) == 0
    assert verify_vault(new_vault).ok


def test_the_photos_part_on_its_own_is_listed_as_photos_that_travel_with_their_messages(
        tmp_path: Path, exports: Path) -> None:
    _one, two = _split(exports, tmp_path / "download")
    plan = list(plan_sources([two]))
    assert len(plan) == len(PHOTOS)
    assert all(isinstance(s, Skipped) and s.reason == MEDIA_REASON for s in plan)


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_another_part_is_searched_by_path_with_folders_never_by_a_bare_file_name(tmp_path: Path) -> None:
    """Two WhatsApp chats zipped from one phone both hold an IMG-...jpg: a chat must never take the
    other chat's photo. Only a path with folders, which parts of one download share, crosses parts."""
    parts = DownloadParts()
    (chat,) = zip_members(_zip(tmp_path / "a.zip", {"_chat.txt": b"x"}), "a.zip", parts=parts)
    zip_members(_zip(tmp_path / "b.zip", {"IMG-20260101-WA0001.jpg": b"other chat's photo",
                                          "Takeout/Voice/Calls/x.jpg": b"a part's photo"}), "b.zip", parts=parts)
    assert chat.related("IMG-20260101-WA0001.jpg") is None
    found = chat.related("Voice/Calls/x.jpg")
    assert found is not None and found.display == "b.zip!/Takeout/Voice/Calls/x.jpg"
    with found.open() as f:
        assert f.read() == b"a part's photo"
    assert chat.related("Voice/Calls/missing.jpg") is None


def test_a_part_that_cannot_be_opened_is_skipped_and_the_others_still_import(
        tmp_path: Path, exports: Path, new_vault: Vault) -> None:
    one, two = _split(exports, tmp_path / "download")
    broken = tmp_path / "download" / "takeout-20260402T101500Z-003.zip"
    broken.write_bytes(two.read_bytes()[:200])  # truncated mid-download
    plan = list(plan_sources([one, two, broken]))
    (why,) = [s.reason for s in plan if isinstance(s, Skipped) and s.display == broken.name]
    assert "not a readable zip" in why
    import_paths(with_case(new_vault), one, two, broken)
    assert _kept(new_vault) == dict.fromkeys(PHOTOS, True)
