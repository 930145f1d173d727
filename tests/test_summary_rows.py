"""An import's table stays readable when a download holds thousands of files."""

from __future__ import annotations

from nocontact.summary_rows import summary_rows
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
