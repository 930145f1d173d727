"""One import is one transaction: originals kept, nothing twice, nothing half-done."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from nocontact.vault.events import current_case, iter_events, save_case
from nocontact.vault.importing import ImportFailed
from nocontact.vault.store import Vault
from nocontact.vault.verify import verify_vault
from tests.vault.helpers import count, import_paths, samples, with_case


@pytest.fixture
def sample_files(tmp_path: Path) -> dict[str, Path]:
    return samples(tmp_path / "exports")


def _sms(files: dict[str, Path]) -> Path:
    return next(p for n, p in files.items() if n.startswith("sms-"))


class TestImport:
    def test_the_exs_records_are_stored_and_others_only_counted(self, new_vault: Vault,
                                                                 sample_files: dict[str, Path]) -> None:
        """Only records from or to the ex are stored; third parties are counted as skipped."""
        with_case(new_vault)
        (s,) = import_paths(new_vault, _sms(sample_files))
        assert s.attributed > 0 and s.skipped_unrelated > 0
        assert s.added == s.attributed
        assert s.records_read == s.attributed + s.skipped_unrelated
        assert count(new_vault) == s.added
        assert verify_vault(new_vault).ok

    def test_reimporting_adds_nothing_and_says_so(self, new_vault: Vault, sample_files: dict[str, Path]) -> None:
        """The same file imported twice adds nothing the second time and counts every record as already there."""
        with_case(new_vault)
        (first,) = import_paths(new_vault, _sms(sample_files))
        (second,) = import_paths(new_vault, _sms(sample_files))
        assert second.added == 0
        assert second.already_in_vault == first.added
        assert count(new_vault) == first.added
        assert count(new_vault, "sources") == 1

    def test_an_overlapping_export_adds_only_what_is_new(self, new_vault: Vault, tmp_path: Path,
                                                         sample_files: dict[str, Path]) -> None:
        """A later backup that repeats earlier messages adds only the messages it has that were not there."""
        with_case(new_vault)
        import re

        data = _sms(sample_files).read_bytes()
        starts = [m.start() for m in re.finditer(rb"\n  <(?:sms|mms) ", data)]
        cut = starts[len(starts) // 2]
        first = tmp_path / "first.xml"
        first.write_bytes(data[:cut] + b"\n</smses>\n")
        full = tmp_path / "full.xml"
        full.write_bytes(data)
        (a,) = import_paths(new_vault, first)
        (b,) = import_paths(new_vault, full)
        (c,) = import_paths(new_vault, _sms(sample_files))
        assert b.already_in_vault == a.added
        assert c.added == 0
        assert count(new_vault) == a.added + b.added

    def test_the_original_is_stored_byte_for_byte(self, new_vault: Vault, sample_files: dict[str, Path]) -> None:
        """The whole export file is kept in the vault exactly, and every event points to it and its position."""
        with_case(new_vault)
        path = _sms(sample_files)
        (s,) = import_paths(new_vault, path)
        blob = new_vault.conn.execute("SELECT blob FROM sources WHERE sha256 = ?", (s.sha256,)).fetchone()[0]
        assert new_vault.blobs.read(blob) == path.read_bytes()
        for ev in iter_events(new_vault):
            assert ev["source_sha256"] == s.sha256 and ev["source_pos"] is not None

    def test_a_truncated_export_changes_nothing(self, new_vault: Vault, tmp_path: Path,
                                                sample_files: dict[str, Path]) -> None:
        """A damaged file is refused whole: no events, no journal entry, no stored file left behind."""
        with_case(new_vault)
        data = _sms(sample_files).read_bytes()
        cut = tmp_path / "sms-cut.xml"
        cut.write_bytes(data[: len(data) * 2 // 3])
        head_before = new_vault.head()
        blobs_before = set(new_vault.blobs.names())
        with pytest.raises(ImportFailed, match="sms-cut.xml"):
            import_paths(new_vault, cut)
        assert count(new_vault) == 0
        assert new_vault.head() == head_before
        assert set(new_vault.blobs.names()) == blobs_before

    def test_keep_unrelated_stores_everything(self, new_vault: Vault, sample_files: dict[str, Path]) -> None:
        """With keep_unrelated, third parties' records are stored too (the person chose it)."""
        with_case(new_vault)
        (s,) = import_paths(new_vault, _sms(sample_files), keep_unrelated=True)
        assert s.skipped_unrelated == 0
        assert s.added == s.records_read

    def test_a_new_identity_picks_up_skipped_records_on_reimport(self, new_vault: Vault,
                                                                  sample_files: dict[str, Path]) -> None:
        """Records skipped as unrelated are added when the person names a new identity of the ex and imports again."""
        with_case(new_vault)
        case = current_case(new_vault)
        second = case.ex.phones[1]
        save_case(new_vault, replace(case, ex=replace(case.ex, phones=case.ex.phones[:1],
                                                      imessage_handles=())))
        (a,) = import_paths(new_vault, _sms(sample_files))
        save_case(new_vault, replace(case, ex=case.ex.with_added("phones", [second])))
        (b,) = import_paths(new_vault, _sms(sample_files))
        assert b.added > 0
        assert b.already_in_vault == a.added
        assert verify_vault(new_vault).ok

    def test_the_import_summary_is_json_ready(self, new_vault: Vault, sample_files: dict[str, Path]) -> None:
        """The --json summary has the documented keys."""
        with_case(new_vault)
        (s,) = import_paths(new_vault, _sms(sample_files))
        d = json.loads(json.dumps(s.as_json()))
        for key in ("source", "format", "records_read", "records_by_kind", "attributed", "skipped_unrelated",
                    "already_in_vault", "problems"):
            assert key in d


_MMS_BAD_PHOTO = """<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>
<smses count="2">
  <mms date="1776000000000" msg_box="1" address="+13125550187" m_type="132" ct_t="application/vnd.wap.multipart.related">
    <parts>
      <part seq="0" ct="image/jpeg" name="good.jpg" cl="good.jpg" data="/9j/4AAQ" />
      <part seq="1" ct="image/jpeg" name="bad.jpg" cl="bad.jpg" data="/9j/4AAQS" />
      <part seq="2" ct="text/plain" text="look" />
    </parts>
    <addrs><addr address="+13125550187" type="137" charset="106" /></addrs>
  </mms>
  <mms date="1776000060000" msg_box="1" address="+15550000001" m_type="132" ct_t="application/vnd.wap.multipart.related">
    <parts><part seq="0" ct="image/jpeg" name="other.jpg" cl="other.jpg" data="/9j/4AAQS" /></parts>
    <addrs><addr address="+15550000001" type="137" charset="106" /></addrs>
  </mms>
</smses>
"""


def test_an_attachment_that_is_not_base64_is_a_named_problem_and_the_rest_is_kept(
        new_vault: Vault, tmp_path: Path) -> None:
    """A photo whose base64 cannot be decoded is kept out and named; its message and the good photo are stored.

    Photos are decoded only for the messages the vault keeps, so another person's damaged photo
    is neither decoded nor reported: that message is only counted as unrelated.
    """
    with_case(new_vault)
    path = tmp_path / "sms-20260412.xml"
    path.write_text(_MMS_BAD_PHOTO, encoding="utf-8")
    [summary] = import_paths(new_vault, path)
    assert summary.problems == [{"kind": "bad_attachment", "position": "0", "message":
                                 "the attachment 'bad.jpg' is not valid base64 and was not kept (the original "
                                 "file keeps its exact text)"}]
    assert (summary.added, summary.skipped_unrelated) == (1, 1)
    [ev] = list(iter_events(new_vault))
    assert ev["body"] == "look"
    assert [(a["name"], a["included"], a["size"]) for a in ev.attachments] == [("good.jpg", True, 6),
                                                                               ("bad.jpg", False, None)]
    assert verify_vault(new_vault).ok


class TestOrdinals:
    """Identical records in one source stay distinct events; the counts kept stay few."""

    def test_identical_records_at_one_instant_are_numbered_from_zero(self) -> None:
        from nocontact.vault.importing import _Ordinals

        o = _Ordinals()
        t, d = 1_700_000_000_000_000, b"\x01" * 32
        assert [o.next(t, d) for _ in range(3)] == [0, 1, 2]
        assert o.next(t, b"\x02" * 32) == 0
        assert o.next(t + 1, d) == 0

    def test_a_count_survives_a_day_boundary_between_two_identical_records(self) -> None:
        """The older generation is still asked, so a rotation between two copies cannot reset the count."""
        from nocontact.vault.importing import _Ordinals

        o = _Ordinals()
        day = 86_400_000_000
        d = b"\x07" * 32
        assert o.next(day, d) == 0
        o.next(2 * day + 5, b"other")  # the file moves a day on: a new generation starts
        assert o.next(day, d) == 1  # a copy out of order, still remembered

    def test_memory_stays_flat_over_a_long_file(self) -> None:
        """A million distinct records a minute apart keep at most two generations of counts."""
        from nocontact.vault.importing import _Ordinals

        o = _Ordinals(per_generation=10_000)
        for i in range(200_000):
            o.next(i * 60_000_000, i.to_bytes(32, "big"))
        assert len(o._current) + len(o._previous) <= 2 * 1_440
        for i in range(50_000):  # one impossibly dense day: the generation cap bounds it too
            o.next(10**15, i.to_bytes(32, "big"))
        assert len(o._current) + len(o._previous) <= 20_000


def test_a_photo_that_cannot_be_written_fails_the_import_and_leaves_no_file(
        new_vault: Vault, sample_files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Attachments are written on another thread; a full disk there still undoes the whole import."""
    import errno

    from nocontact.vault.blobs import BlobStore

    with_case(new_vault)
    before_blobs = sorted(new_vault.blobs.names())
    real = BlobStore.put_bytes
    calls = [0]

    def full_on_the_second(self: BlobStore, data: bytes, *, durable: bool = True) -> object:
        calls[0] += 1
        if calls[0] == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data, durable=durable)

    monkeypatch.setattr(BlobStore, "put_bytes", full_on_the_second)
    with pytest.raises(OSError, match="No space"):
        import_paths(new_vault, _sms(sample_files), keep_unrelated=True)
    assert calls[0] >= 2
    assert count(new_vault) == 0 and count(new_vault, "attachments") == 0
    assert sorted(new_vault.blobs.names()) == before_blobs
    assert verify_vault(new_vault).ok


def test_every_photo_row_names_a_stored_file_with_its_content(new_vault: Vault,
                                                              sample_files: dict[str, Path]) -> None:
    """Written on other threads, each attachment is still under the name, hash and size its row gives."""
    import hashlib

    with_case(new_vault)
    import_paths(new_vault, _sms(sample_files), keep_unrelated=True)
    rows = new_vault.conn.execute("SELECT blob, sha256, size FROM attachments WHERE included = 1").fetchall()
    assert len(rows) >= 2
    for blob, sha, size in rows:
        data = new_vault.blobs.read(blob)
        assert hashlib.sha256(data).hexdigest() == sha and len(data) == size


@pytest.mark.parametrize("small", [8 << 20, 10])
def test_a_chats_photos_are_kept_whether_read_whole_or_streamed(
        new_vault: Vault, sample_files: dict[str, Path], monkeypatch: pytest.MonkeyPatch, small: int) -> None:
    """Media beside a chat up to 8 MB are read whole and written on another thread; larger ones stream."""
    import hashlib
    import zipfile

    from nocontact.vault.importing import _AttachmentWriter

    monkeypatch.setattr(_AttachmentWriter, "SMALL", small)
    with_case(new_vault)
    z = sample_files["WhatsApp Chat - Casey Drummond.zip"]
    import_paths(new_vault, z)
    with zipfile.ZipFile(z) as zf:
        media = {hashlib.sha256(zf.read(i)).hexdigest() for i in zf.infolist() if not i.filename.endswith(".txt")}
    rows = new_vault.conn.execute("SELECT blob, sha256 FROM attachments WHERE included = 1").fetchall()
    assert rows and {sha for _, sha in rows} <= media
    assert all(hashlib.sha256(new_vault.blobs.read(b)).hexdigest() == sha for b, sha in rows)
    assert verify_vault(new_vault).ok


def _as_before_form_2(vault: Vault) -> None:
    """Make a new vault look like one made before migration 0003 (form 1 keys, no meta row)."""
    with vault.transaction() as conn:
        conn.execute("DELETE FROM migrations WHERE name = '0003_dedupe_key_form'")
        conn.execute("DELETE FROM meta WHERE key = 'dedupe_key_form'")
    vault._dedupe_form = None


class TestDedupeKeyForm:
    def test_a_new_vault_keys_imports_by_time_first_so_they_arrive_in_order(
            self, new_vault: Vault, sample_files: dict[str, Path]) -> None:
        """Forms 2 to 4: every key starts with its event's time stamp, so a chat's keys ascend with its rows."""
        with_case(new_vault)
        whatsapp = next(p for n, p in sample_files.items() if n.startswith("WhatsApp Chat with") and n.endswith(".txt"))
        (s,) = import_paths(new_vault, whatsapp)
        assert new_vault.dedupe_form == 4 and s.added > 10
        rows = new_vault.conn.execute("SELECT dedupe_key, occurred_at FROM events ORDER BY id").fetchall()
        assert all(key.startswith(at + "/") for key, at in rows)
        assert [at for _, at in rows] == sorted(at for _, at in rows)  # so keys ascend but within a minute

    def test_an_email_keeps_a_key_of_its_message_id_alone(self, new_vault: Vault,
                                                          sample_files: dict[str, Path]) -> None:
        """A Message-ID key must not depend on time: the .eml and the mailbox copy are one event."""
        with_case(new_vault)
        mbox = next(p for p in sample_files.values() if p.suffix == ".mbox")
        eml = next(p for p in sample_files.values() if p.suffix == ".eml")
        import_paths(new_vault, mbox)
        (again,) = import_paths(new_vault, eml)
        assert again.added == 0 and again.already_in_vault == 1
        keys = [r[0] for r in new_vault.conn.execute("SELECT dedupe_key FROM events")]
        assert keys and all("/" not in k for k in keys)

    def test_a_vault_with_imports_from_before_keeps_form_1_and_a_reimport_adds_nothing(
            self, tmp_path: Path, sample_files: dict[str, Path]) -> None:
        """Opening an older vault that holds imported events records form 1; its keys still meet."""
        root = tmp_path / "old"
        vault, _ = Vault.create(root, "pw", fast_kdf=True)
        with vault:
            _as_before_form_2(vault)
            with_case(vault)
            (first,) = import_paths(vault, _sms(sample_files))
        assert first.added > 0
        with Vault.open(root, "pw") as vault:
            assert vault.dedupe_form == 1
            assert vault.conn.execute("SELECT value FROM meta WHERE key = 'dedupe_key_form'").fetchone() == ("1",)
            (second,) = import_paths(vault, _sms(sample_files))
            assert second.added == 0 and second.already_in_vault == first.added
            assert all("/" not in r[0] for r in vault.conn.execute("SELECT dedupe_key FROM events"))
            assert verify_vault(vault).ok

    def test_an_older_vault_without_imports_takes_form_2(self, tmp_path: Path) -> None:
        assert _forms_on_reopening_empty(tmp_path, _as_before_form_2) == (1, 2)


def _forms_on_reopening_empty(tmp_path: Path, make_older: Callable[[Vault], None]) -> tuple[int, int]:
    """(dedupe form of a new, empty vault made to look older, its form once opened again)."""
    root = tmp_path / "empty"
    vault, _ = Vault.create(root, "pw", fast_kdf=True)
    with vault:
        make_older(vault)
        before = vault.dedupe_form
    with Vault.open(root, "pw") as vault:
        return before, vault.dedupe_form


def _as_form(vault: Vault, form: int) -> None:
    """Make a new vault look like one made before the migration to the form after ``form`` (2 or 3)."""
    with vault.transaction() as conn:
        later = ["0004_dedupe_key_form_3", "0005_dedupe_key_form_4"][form - 2:]
        conn.execute(f"DELETE FROM migrations WHERE name IN ({','.join('?' * len(later))})", later)  # noqa: S608
        conn.execute("UPDATE meta SET value = ? WHERE key = 'dedupe_key_form'", (str(form),))
    vault._dedupe_form = None


def _as_form_2(vault: Vault) -> None:
    _as_form(vault, 2)


def _as_form_3(vault: Vault) -> None:
    _as_form(vault, 3)


class TestOneChatTwoWays:
    """The two WhatsApp importers read the same chat text: the zip and its unpacked _chat.txt."""

    def _unpacked(self, sample_files: dict[str, Path], tmp_path: Path) -> Path:
        import zipfile

        folder = tmp_path / "unpacked"
        with zipfile.ZipFile(sample_files["WhatsApp Chat - Casey Drummond.zip"]) as zf:
            folder.mkdir()
            for info in zf.infolist():
                (folder / info.filename).write_bytes(zf.read(info))
        return folder / "_chat.txt"

    def test_a_chat_imported_as_its_zip_then_unpacked_is_one_set_of_events(
            self, new_vault: Vault, sample_files: dict[str, Path], tmp_path: Path) -> None:
        with_case(new_vault)
        (zipped,) = import_paths(new_vault, sample_files["WhatsApp Chat - Casey Drummond.zip"])
        (bare,) = import_paths(new_vault, self._unpacked(sample_files, tmp_path))
        assert (zipped.format, bare.format) == ("whatsapp_ios_zip", "whatsapp_android_txt")
        assert zipped.added > 10 and bare.added == 0 and bare.already_in_vault == zipped.added
        assert verify_vault(new_vault).ok

    def test_a_form_2_vault_holding_imports_keeps_form_2(self, tmp_path: Path,
                                                       sample_files: dict[str, Path]) -> None:
        root = tmp_path / "old"
        vault, _ = Vault.create(root, "pw", fast_kdf=True)
        with vault:
            _as_form_2(vault)
            with_case(vault)
            (first,) = import_paths(vault, sample_files["WhatsApp Chat - Casey Drummond.zip"])
        with Vault.open(root, "pw") as vault:
            assert vault.dedupe_form == 2
            (again,) = import_paths(vault, sample_files["WhatsApp Chat - Casey Drummond.zip"])
            assert again.added == 0 and again.already_in_vault == first.added
            assert verify_vault(vault).ok

    def test_a_form_2_vault_without_imports_takes_the_newest_form(self, tmp_path: Path) -> None:
        assert _forms_on_reopening_empty(tmp_path, _as_form_2) == (2, 4)


_WITH_MEDIA = ("12/03/2026, 21:15 - Casey Drummond: pick up\n"
               "12/03/2026, 21:16 - Casey Drummond: IMG-20260312-WA0001.jpg (file attached)\nlook where I am\n"
               "12/03/2026, 21:16 - Casey Drummond: IMG-20260312-WA0002.jpg (file attached)\n"
               "13/03/2026, 08:00 - Casey Drummond: answer me\n")
_WITHOUT_MEDIA = ("12/03/2026, 21:15 - Casey Drummond: pick up\n"
                  "12/03/2026, 21:16 - Casey Drummond: <Media omitted>\n"
                  "12/03/2026, 21:16 - Casey Drummond: <Media omitted>\n"
                  "13/03/2026, 08:00 - Casey Drummond: answer me\n")
_PHOTOS = {"IMG-20260312-WA0001.jpg": b"\xff\xd8 first photo", "IMG-20260312-WA0002.jpg": b"\xff\xd8 second"}


def _export(folder: Path, text: str, photos: bool) -> Path:
    folder.mkdir(parents=True)
    chat = folder / "WhatsApp Chat with Casey Drummond.txt"
    chat.write_text(text, encoding="utf-8")
    for name, data in _PHOTOS.items() if photos else ():
        (folder / name).write_bytes(data)
    return folder


class TestWithAndWithoutMedia:
    """WhatsApp asks "Include media?": the two exports of one chat are one set of events."""

    def _photos(self, vault: Vault) -> set[bytes]:
        rows = vault.conn.execute("SELECT blob FROM attachments WHERE included = 1").fetchall()
        return {vault.blobs.read(b) for (b,) in rows}

    def test_without_media_first_then_with_media_adds_only_the_photos_beside_their_messages(
            self, new_vault: Vault, tmp_path: Path) -> None:
        with_case(new_vault)
        (bare,) = import_paths(new_vault, _export(tmp_path / "bare", _WITHOUT_MEDIA, False))
        (full,) = import_paths(new_vault, _export(tmp_path / "full", _WITH_MEDIA, True))
        assert bare.added == 4
        assert (full.added, full.already_in_vault, full.attachments_added_later) == (0, 4, 2)
        assert self._photos(new_vault) == set(_PHOTOS.values())
        bodies = [r[0] for r in new_vault.conn.execute("SELECT body FROM events WHERE category = 'message' "
                                                       "ORDER BY id")]
        assert bodies == ["pick up", "<Media omitted>", "<Media omitted>", "answer me"]  # as first stored
        assert verify_vault(new_vault).ok

    def test_with_media_first_then_without_adds_nothing(self, new_vault: Vault, tmp_path: Path) -> None:
        with_case(new_vault)
        (full,) = import_paths(new_vault, _export(tmp_path / "full", _WITH_MEDIA, True))
        (bare,) = import_paths(new_vault, _export(tmp_path / "bare", _WITHOUT_MEDIA, False))
        assert full.added == 4 and (bare.added, bare.already_in_vault) == (0, 4)
        assert self._photos(new_vault) == set(_PHOTOS.values())

    def test_an_iphone_chat_zip_without_then_with_its_media_is_one_set_of_events(
            self, new_vault: Vault, tmp_path: Path) -> None:
        head = "[13/03/2026, 21:15:02] Casey Drummond: pick up\n"
        photo = "00000012-PHOTO-2026-03-12-21-16-00.jpg"
        without, with_media = tmp_path / "a" / "WhatsApp Chat - Casey Drummond.zip", \
            tmp_path / "b" / "WhatsApp Chat - Casey Drummond.zip"
        for z, line, files in ((without, "\u200eimage omitted", {}), (with_media, f"\u200e<attached: {photo}>",
                                                                       {photo: b"\xff\xd8 the photo"})):
            z.parent.mkdir()
            with zipfile.ZipFile(z, "w") as zf:
                zf.writestr("_chat.txt", head + f"[13/03/2026, 21:16:00] Casey Drummond: {line}\n")
                for name, data in files.items():
                    zf.writestr(name, data)
        with_case(new_vault)
        (first,) = import_paths(new_vault, without)
        (second,) = import_paths(new_vault, with_media)
        assert first.added == 2 and (second.added, second.already_in_vault, second.attachments_added_later) == (0, 2, 1)
        assert self._photos(new_vault) == {b"\xff\xd8 the photo"}
        assert verify_vault(new_vault).ok

    def test_a_form_3_vault_holding_imports_keeps_form_3_and_its_keys(self, tmp_path: Path) -> None:
        """Its keys were written from the placeholder text: they still meet on a re-import, and the
        other variant's media messages are stored a second time there, as before."""
        root = tmp_path / "old"
        vault, _ = Vault.create(root, "pw", fast_kdf=True)
        with vault:
            _as_form_3(vault)
            with_case(vault)
            (first,) = import_paths(vault, _export(tmp_path / "bare", _WITHOUT_MEDIA, False))
        with Vault.open(root, "pw") as vault:
            assert vault.dedupe_form == 3
            (again,) = import_paths(vault, tmp_path / "bare")
            assert again.added == 0 and again.already_in_vault == first.added
            (full,) = import_paths(vault, _export(tmp_path / "full", _WITH_MEDIA, True))
            assert (full.added, full.already_in_vault) == (2, 2)

    def test_a_form_3_vault_without_imports_takes_form_4(self, tmp_path: Path) -> None:
        assert _forms_on_reopening_empty(tmp_path, _as_form_3) == (3, 4)


class TestLocalTimesReadAsBefore:
    """A file whose local times were read in one zone is never read again in another: every
    message would be stored a second time, an hour or more away from the first."""

    def _import(self, vault: Vault, path: Path, zone: str | None = None) -> list[Any]:
        from zoneinfo import ZoneInfo

        from nocontact.blobsource import reimport_stored
        from nocontact.ingest import Planned, context_for_vault, import_planned, plan_sources

        ctx = context_for_vault(vault, timezone=zone)
        if path.name == "--again":
            return list(reimport_stored(vault, ctx))
        assert ctx.source_timezone == ZoneInfo(zone or "America/Chicago")
        return [import_planned(vault, p, ctx) for p in plan_sources([path]) if isinstance(p, Planned)]

    def test_reading_again_uses_the_zone_of_the_first_import(self, new_vault: Vault,
                                                             sample_files: dict[str, Path]) -> None:
        with_case(new_vault)
        chat = sample_files["WhatsApp Chat with Casey Drummond.txt"]
        (first,) = self._import(new_vault, chat, "Europe/London")
        (again,) = self._import(new_vault, Path("--again"))
        assert first.added > 0 and again.added == 0 and again.already_in_vault == first.added
        zones = {r[0] for r in new_vault.conn.execute("SELECT DISTINCT time_zone FROM events")}
        assert zones == {"Europe/London"}
        assert verify_vault(new_vault).ok

    def test_importing_it_in_another_zone_is_refused_and_names_the_zone_it_needs(
            self, new_vault: Vault, sample_files: dict[str, Path]) -> None:
        with_case(new_vault)
        chat = sample_files["WhatsApp Chat with Casey Drummond.txt"]
        (first,) = self._import(new_vault, chat, "Europe/London")
        before = count(new_vault)
        with pytest.raises(ImportFailed, match="import it with --timezone Europe/London"):
            self._import(new_vault, chat)
        assert count(new_vault) == before
        (same,) = self._import(new_vault, chat, "Europe/London")
        assert same.added == 0 and same.already_in_vault == first.added

    def test_a_reading_in_the_wrong_zone_is_corrected_by_retracting_it_and_importing_again(
            self, new_vault: Vault, sample_files: dict[str, Path]) -> None:
        """The refusal names the import to retract; once retracted, the file reads in the right zone.
        The wrong reading stays in the vault and the journal, no longer counting."""
        from nocontact.vault.events import retract_import

        with_case(new_vault)
        chat = sample_files["WhatsApp Chat with Casey Drummond.txt"]
        (wrong,) = self._import(new_vault, chat, "Europe/London")
        with pytest.raises(ImportFailed) as e:
            self._import(new_vault, chat)
        import_id = new_vault.conn.execute("SELECT max(id) FROM imports").fetchone()[0]
        assert f'nocontact retract --import {import_id} --why "..."' in str(e.value)
        assert retract_import(new_vault, import_id, "read in the wrong time zone") == count(new_vault)
        (right,) = self._import(new_vault, chat)
        assert right.added == wrong.added and right.already_in_vault == 0
        live = new_vault.conn.execute("SELECT DISTINCT time_zone FROM events WHERE id NOT IN "
                                      "(SELECT event_id FROM retractions)").fetchall()
        assert live == [("America/Chicago",)]
        assert verify_vault(new_vault).ok

    def test_a_file_whose_times_carry_their_zone_is_never_held_to_one(
            self, new_vault: Vault, sample_files: dict[str, Path]) -> None:
        """SMS times are epoch milliseconds: the zone given does not change them."""
        with_case(new_vault)
        (first,) = self._import(new_vault, _sms(sample_files), "Europe/London")
        (second,) = self._import(new_vault, _sms(sample_files))
        assert second.added == 0 and second.already_in_vault == first.added


def _unsaved_sms(folder: Path) -> Path:
    """A backup in which the ex wrote twice from the number the case knows, a number with no name
    on the phone four times (their new one, say), a saved friend three times, a bank's short code
    five times, and a stranger once."""
    def sms(address: str, contact: str, i: int) -> str:
        return (f'<sms address="{address}" date="17730000{i:02d}000" type="1" body="m{i}" '
                f'contact_name="{contact}" />')
    rows = [sms("+1 (773) 555-0999", "(Unknown)", i) for i in range(4)]
    rows += [sms("+17735550111", "Sam", 10 + i) for i in range(3)]
    rows += [sms("72975", "(Unknown)", 20 + i) for i in range(5)]
    rows += [sms("+15555550123", "(Unknown)", 30)]
    rows += [sms("+13125550187", "Casey", 40 + i) for i in range(2)]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "sms-20260421093015.xml"
    path.write_text("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n"
                    f'<smses count="{len(rows)}">\n' + "\n".join(rows) + "\n</smses>\n", encoding="utf-8")
    return path


class TestUnsavedNumbers:
    def test_numbers_with_no_name_on_the_phone_are_counted_apart_from_saved_ones_and_short_codes(
            self, new_vault: Vault, tmp_path: Path) -> None:
        with_case(new_vault)
        (s,) = import_paths(new_vault, _unsaved_sms(tmp_path))
        assert dict(s.unsaved_numbers) == {"+1 (773) 555-0999": 4, "+15555550123": 1}
        assert "unsaved_numbers" not in s.as_json()
        stored = new_vault.conn.execute("SELECT summary FROM imports").fetchone()[0]
        assert "555-0999" not in stored  # other people's numbers are never stored

    def test_a_whatsapp_chat_from_a_number_counts_and_a_groups_strangers_do_not(
            self, new_vault: Vault, tmp_path: Path) -> None:
        with_case(new_vault)
        one = tmp_path / "WhatsApp Chat with +1 628 555 0142.txt"
        one.write_text("".join(f"13/03/2026, 21:1{i} - +1 (628) 555\u20110142: m{i}\n" for i in range(3)), encoding="utf-8")
        group = tmp_path / "WhatsApp Chat with Book club.txt"
        group.write_text("".join(f"13/03/2026, 21:1{i} - {a}: m{i}\n" for i, a in enumerate(
            ["+1 (415) 555\u20110100", "Sam", "Alex", "+1 (415) 555\u20110100", "+1 (415) 555\u20110100"])),
            encoding="utf-8")
        (s1,) = import_paths(new_vault, one)
        (s2,) = import_paths(new_vault, group)
        assert dict(s1.unsaved_numbers) == {"+1 (628) 555\u20110142": 3}
        assert dict(s2.unsaved_numbers) == {}

    def test_a_message_request_from_a_new_account_is_counted_and_an_inbox_thread_is_not(
            self, new_vault: Vault, tmp_path: Path) -> None:
        """Blocked, they write from "Casey D" (a new account): Messenger files it as a message request."""
        def thread(folder: str, sender: str) -> Path:
            path = tmp_path / "facebook-robinhale" / "messages" / folder / "caseyd_1" / "message_1.json"
            path.parent.mkdir(parents=True)
            msgs = [{"sender_name": sender, "timestamp_ms": 1772504100000 + i * 60000, "content": f"m{i}"}
                    for i in range(3)]
            path.write_text(json.dumps({"participants": [{"name": sender}, {"name": "Robin Hale"}],
                                        "messages": msgs}), encoding="utf-8")
            return path
        with_case(new_vault)
        (request,) = import_paths(new_vault, thread("message_requests", "Casey D"))
        (inbox,) = import_paths(new_vault, thread("inbox", "Sam Friend"))
        assert dict(request.message_requests) == {"Casey D": 3}
        assert dict(inbox.message_requests) == {} and dict(inbox.unsaved_numbers) == {}
