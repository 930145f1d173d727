"""An import's table stays readable when a download holds thousands of files."""

from __future__ import annotations

import pytest

from nocontact.importers import NOT_READABLE
from nocontact.ingest import MEDIA_REASON, Skipped
from nocontact.not_exports import TELEGRAM_HTML
from nocontact.summary_rows import export_caps, not_theirs, skipped_rows, summary_rows, unsaved_numbers
from nocontact.vault.importing import ImportSummary


def _voice(i: int, added: int = 1) -> ImportSummary:
    return ImportSummary(source=f"Takeout.zip!/Takeout/Voice/Calls/Call {i}.html", format="google_voice_html",
                         records_read=2, attributed=added, added=added, skipped_unrelated=2 - added)


def test_a_few_files_get_a_row_each() -> None:
    rows = summary_rows([_voice(i) for i in range(3)])
    assert [r.source for r in rows] == [f"Takeout.zip!/Takeout/Voice/Calls/Call {i}.html" for i in range(3)]
    assert all(r.files == 1 for r in rows)


def test_many_files_of_one_format_in_one_folder_become_one_row_with_their_sums() -> None:
    mbox = ImportSummary(source="Takeout.zip!/Takeout/Mail/All mail.mbox", format="gmail_takeout_mbox",
                         records_read=40, attributed=7, added=7, problems=[{"kind": "k", "position": "p",
                                                                           "message": "m"}])
    summaries = [_voice(i, added=i % 2) for i in range(1200)] + [mbox]
    rows = summary_rows(summaries)
    assert [(r.source, r.files) for r in rows] == [
        ("Takeout.zip!/Takeout/Voice/Calls/ (1,200 files)", 1200),
        ("Takeout.zip!/Takeout/Mail/All mail.mbox", 1),  # alone in its folder: named as itself
    ]
    voice = rows[0]
    assert (voice.records_read, voice.attributed, voice.added, voice.skipped_unrelated) == (2400, 600, 600, 1800)
    assert rows[1].problems == 1


def test_files_of_two_formats_in_one_folder_stay_apart() -> None:
    sms = [ImportSummary(source=f"backup/sms-{i}.xml", format="sms_backup_restore_sms") for i in range(20)]
    calls = [ImportSummary(source=f"backup/calls-{i}.xml", format="sms_backup_restore_calls") for i in range(20)]
    rows = summary_rows(sms + calls)
    assert [(r.source, r.format) for r in rows] == [("backup/ (20 files)", "sms_backup_restore_sms"),
                                                    ("backup/ (20 files)", "sms_backup_restore_calls")]


def _skip(display: str, reason: str) -> Skipped:
    return Skipped(display, reason)


def test_a_few_files_not_imported_are_named_each_with_its_reason_those_with_something_to_do_first() -> None:
    rows = skipped_rows([_skip("a.jpg", MEDIA_REASON), _skip("x.bin", NOT_READABLE),
                         _skip("messages.html", TELEGRAM_HTML), _skip("notes.txt", "not an export")])
    assert [(r.place, r.reason) for r in rows] == [("messages.html", TELEGRAM_HTML), ("notes.txt", "not an export"),
                                                   ("a.jpg", MEDIA_REASON), ("x.bin", NOT_READABLE)]


def test_thousands_of_photos_not_imported_by_themselves_are_one_line_per_reason() -> None:
    """A Facebook download's photos would bury the one file whose reason matters."""
    photos = [_skip(f"fb.zip!/messages/inbox/t{i % 300}/photos/{i}.jpg", MEDIA_REASON) for i in range(5000)]
    odd = _skip("fb.zip!/messages/inbox/t1/message_1.json", "this Messenger file is cut off")
    rows = skipped_rows([*photos[:10], odd, *photos[10:]])
    assert [(len(r.files), r.reason) for r in rows] == [(1, "this Messenger file is cut off"), (5000, MEDIA_REASON)]
    assert rows[1].place == ("5,000 files, such as fb.zip!/messages/inbox/t0/photos/0.jpg, "
                             "fb.zip!/messages/inbox/t1/photos/1.jpg")
    assert rows[0].place == "fb.zip!/messages/inbox/t1/message_1.json"


# ---- nothing was theirs -------------------------------------------------------------------------
def _read(source: str, fmt: str, attributed: int, people: dict[tuple[str, ...], int]) -> ImportSummary:
    s = ImportSummary(source=source, format=fmt, records_read=sum(people.values()) + attributed,
                      attributed=attributed, skipped_unrelated=sum(people.values()))
    s.not_theirs.update({(k[0], k[1], k[2] if len(k) > 2 else ""): n for k, n in people.items()})
    return s


def test_when_nothing_imported_was_theirs_the_people_it_was_from_are_named_most_first() -> None:
    """The ex under a name the case lacks is the commonest cause; the person sees the name and the step."""
    chat = _read("WhatsApp Chat with Don't answer.txt", "whatsapp_android_txt", 0,
                 {("name", "Don't answer"): 4980, ("phone", "+1 (628) 555-0142"): 20})
    [hint] = not_theirs([chat])
    assert (hint.source, hint.records, hint.more) == ("WhatsApp Chat with Don't answer.txt", 5000, 0)
    assert [(p.value, p.what, p.records) for p in hint.people] == [("Don't answer", "name", 4980),
                                                                   ("+1 (628) 555-0142", "number", 20)]
    assert hint.people[0].command == "nocontact party add --name 'Don'\"'\"'t answer'"  # safe to paste
    assert hint.people[1].command == "nocontact party add --phone '+1 (628) 555-0142'"


def test_a_whole_import_with_nothing_of_theirs_is_one_hint_over_every_file() -> None:
    sms = _read("sms.xml", "sms_backup_restore_sms", 0, {("phone", "+13125550111"): 7, ("phone", "+1555"): 2})
    mail = _read("All mail.mbox", "gmail_takeout_mbox", 0, {("email", "mum@example.org"): 3,
                                                             ("phone", "+13125550111"): 1})
    [hint] = not_theirs([sms, mail], top=2)
    assert (hint.source, hint.records, hint.more) == (None, 13, 1)
    assert [(p.value, p.records) for p in hint.people] == [("+13125550111", 8), ("mum@example.org", 3)]


def test_when_some_of_it_was_theirs_only_a_chosen_chat_with_nothing_of_theirs_is_named() -> None:
    """A backup's other contacts are expected; a WhatsApp chat someone exported on purpose is not."""
    sms = _read("sms.xml", "sms_backup_restore_sms", 25, {("phone", "+13125550111"): 13})
    voice = _read("Takeout/Voice/Calls/Mum - Text.html", "google_voice_html", 0, {("phone", "+1555"): 4})
    chat = _read("WhatsApp Chat with C.txt", "whatsapp_android_txt", 0, {("name", "C"): 40})
    theirs = _read("WhatsApp Chat with Casey.txt", "whatsapp_android_txt", 12, {})
    assert [h.source for h in not_theirs([sms, voice, chat, theirs])] == ["WhatsApp Chat with C.txt"]


def test_nothing_is_said_when_nothing_was_read_or_everything_was_theirs() -> None:
    assert not_theirs([]) == []
    assert not_theirs([_read("empty.txt", "whatsapp_android_txt", 0, {})]) == []
    assert not_theirs([_read("c.txt", "whatsapp_android_txt", 9, {})]) == []


def test_the_names_of_other_people_are_never_in_the_stored_or_printed_summary() -> None:
    chat = _read("c.txt", "whatsapp_android_txt", 0, {("name", "Mum"): 3})
    assert "not_theirs" not in chat.as_json() and "Mum" not in str(chat.as_json())


# ---- WhatsApp's export limits -------------------------------------------------------------------
def _chat(entries: int, fmt: str = "whatsapp_android_txt", system: int = 3) -> ImportSummary:
    return ImportSummary(source="WhatsApp Chat with Casey.txt", format=fmt, records_read=entries - system,
                         system_lines=system)


@pytest.mark.parametrize(("entries", "cap"), [(10_000, 10_000), (9_801, 10_000), (10_199, 10_000),
                                              (40_000, 40_000), (39_300, 40_000)])
def test_a_chat_about_as_long_as_whatsapps_limit_may_have_lost_its_oldest_messages(entries: int, cap: int) -> None:
    [note] = export_caps([_chat(entries)])
    assert (note.entries, note.cap) == (entries, cap)
    assert ("Without media" in note.advice) == (cap == 10_000)


@pytest.mark.parametrize("entries", [9_500, 10_300, 25_000, 38_000, 41_000])
def test_a_chat_of_another_length_says_nothing(entries: int) -> None:
    assert export_caps([_chat(entries)]) == []


def test_only_whatsapp_chats_are_measured_against_whatsapps_limit() -> None:
    assert export_caps([_chat(10_000, "sms_backup_restore_sms")]) == []
    assert len(export_caps([_chat(10_000, "whatsapp_ios_zip")])) == 1


def test_a_telegram_id_is_named_with_the_name_the_export_shows_beside_it() -> None:
    """user7700998811 means nothing to the person; "shown as Casey" does. Names under one id count once."""
    export = _read("result.json", "telegram_desktop_json", 0, {("telegram", "user7700998811", "Casey"): 30,
                                                                ("telegram", "user7700998811", "C"): 2,
                                                                ("telegram", "user7700998811", ""): 1,
                                                                ("telegram", "user1", "Mum"): 5})
    [hint] = not_theirs([export])
    assert [(p.value, p.what, p.records) for p in hint.people] == [
        ("user7700998811", "Telegram id, shown as Casey", 33), ("user1", "Telegram id, shown as Mum", 5)]
    assert hint.people[0].command == "nocontact party add --telegram-id user7700998811"


# ---- numbers with no name on the phone ----------------------------------------------------------
def test_unsaved_numbers_with_a_few_records_are_named_once_whichever_way_they_were_written() -> None:
    sms = ImportSummary(source="sms.xml", format="sms_backup_restore_sms", records_read=40, attributed=30)
    sms.unsaved_numbers.update({"+17735550999": 2, "+15555550123": 1, "+442079460000": 7})
    calls = ImportSummary(source="calls.xml", format="sms_backup_restore_calls", records_read=3)
    calls.unsaved_numbers.update({"(773) 555-0999": 3})
    found = unsaved_numbers([sms, calls])
    assert found is not None and found.more == 0
    assert [(p.value, p.records) for p in found.people] == [("+442079460000", 7), ("+17735550999", 5)]
    assert found.people[1].command == "nocontact party add --phone +17735550999"
    assert found.people[1].case_field == "phones"


def test_no_unsaved_number_with_enough_records_says_nothing() -> None:
    sms = ImportSummary(source="sms.xml", format="sms_backup_restore_sms", records_read=9, attributed=7)
    sms.unsaved_numbers.update({"+17735550999": 2})
    assert unsaved_numbers([sms]) is None and unsaved_numbers([]) is None


def test_when_nothing_was_theirs_the_numbers_are_left_to_the_list_of_everyone() -> None:
    sms = ImportSummary(source="sms.xml", format="sms_backup_restore_sms", records_read=9)
    sms.unsaved_numbers.update({"+17735550999": 5})
    assert unsaved_numbers([sms]) is None


def test_a_message_request_sender_is_named_beside_the_numbers() -> None:
    fb = ImportSummary(source="message_1.json", format="facebook_messenger_json", records_read=9, attributed=2)
    fb.message_requests.update({"Casey D": 4})
    sms = ImportSummary(source="sms.xml", format="sms_backup_restore_sms", records_read=5)
    sms.unsaved_numbers.update({"+17735550999": 3})
    found = unsaved_numbers([fb, sms])
    assert found is not None
    assert [(p.kind, p.value, p.records, p.case_field) for p in found.people] == [
        ("name", "Casey D", 4, "names"), ("phone", "+17735550999", 3, "phones")]
