"""The command line, run in process: exit codes and the exact words a person reads."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pytest

from nocontact.samples import DEMO_CASE
from tests.cli_runner import Result, run
from tests.vault.helpers import samples


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NOCONTACT_TEST_FAST_KDF", "1")
    monkeypatch.setenv("NOCONTACT_PASSPHRASE", "pw for tests")
    monkeypatch.setenv("NOCONTACT_VAULT", str(tmp_path / "vault"))
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


@pytest.fixture
def cli(env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    def _run(*args: str, stdin: str | None = None) -> Result:
        return run(capsys, monkeypatch, *args, stdin=stdin)
    return _run


@pytest.fixture
def ready(cli, env: Path) -> Path:  # type: ignore[no-untyped-def]
    """A vault with the demo case loaded; returns the folder of sample exports."""
    assert cli("init").code == 0
    case = env / "case.json"
    case.write_text(json.dumps(DEMO_CASE))
    assert cli("case", "load", str(case)).code == 0
    samples(env / "exports")
    return env / "exports"


class TestInit:
    def test_init_shows_the_recovery_key_once_and_explains_it(self, cli) -> None:  # type: ignore[no-untyped-def]
        """init prints the recovery key with a plain explanation of what it is for."""
        r = cli("init")
        assert r.code == 0
        assert "RECOVERY KEY (shown only this once)" in r.out
        assert "only way back in" in r.out

    def test_init_refuses_a_used_folder(self, cli, env: Path) -> None:  # type: ignore[no-untyped-def]
        """A second init in the same place fails with a sentence and exit status 1."""
        cli("init")
        r = cli("init")
        assert r.code == 1
        assert "the folder is not empty; choose a new folder for the vault." in r.err


class TestOpening:
    def test_a_wrong_passphrase_is_a_sentence_not_a_traceback(self, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
        """Every command given a wrong passphrase exits 1 with one sentence."""
        cli("init")
        monkeypatch.setenv("NOCONTACT_PASSPHRASE", "wrong")
        r = cli("verify")
        assert r.code == 1
        assert "that passphrase or recovery key does not open this vault. Nothing was changed." in r.err
        assert "Traceback" not in r.err + r.out

    def test_a_folder_that_is_not_a_vault_is_named(self, cli, env: Path) -> None:  # type: ignore[no-untyped-def]
        """Pointing at an ordinary folder says so."""
        (env / "docs").mkdir()
        r = cli("verify", "--vault", str(env / "docs"))
        assert r.code == 1
        assert "this folder is not a nocontact vault" in r.err

    def test_the_passphrase_can_come_from_a_file(self, cli, env: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
        """--passphrase-file is read for scripts (without its trailing newline)."""
        cli("init")
        monkeypatch.delenv("NOCONTACT_PASSPHRASE")
        (env / "pw.txt").write_text("pw for tests\n")
        assert cli("verify", "--passphrase-file", str(env / "pw.txt")).code == 0


class TestImportAndEvents:
    def test_import_summarises_and_reimport_adds_nothing(self, cli, ready: Path) -> None:  # type: ignore[no-untyped-def]
        """The JSON summary counts each file; the second run adds nothing and says how many were there."""
        r = cli("import", str(ready), "--json")
        assert r.code == 0, r.err
        first = [json.loads(line) for line in r.out.splitlines() if line.strip()]
        imported = [s for s in first if "format" in s]
        assert {s["format"] for s in imported} >= {"sms_backup_restore_sms", "sms_backup_restore_calls",
                                                  "whatsapp_android_txt", "gmail_takeout_mbox"}
        r2 = cli("import", str(ready), "--json")
        second = [json.loads(line) for line in r2.out.splitlines() if line.strip()]
        again = {s["source"]: s for s in second if "format" in s}
        for s in imported:
            assert again[s["source"]]["added"] == 0
            assert again[s["source"]]["already_in_vault"] == s["added"] + s["already_in_vault"] == s["attributed"]
        # The saved .eml is a copy of a mailbox message (same Message-ID): whichever of the two
        # files came second found it already there on the first run.
        assert sum(s["already_in_vault"] for s in imported) == 1

    def test_the_import_table_names_files_and_counts(self, cli, ready: Path) -> None:  # type: ignore[no-untyped-def]
        """Without --json the person sees a table with the file names and the ex's counts."""
        r = cli("import", str(ready))
        assert r.code == 0
        assert "Imported" in r.out and "sms_backup_restore_sms" in r.out

    def test_an_unreadable_file_is_refused_and_others_still_import(self, cli, ready: Path, env: Path) -> None:  # type: ignore[no-untyped-def]
        """A truncated export fails alone, with its name; exit status 1; the vault keeps verifying."""
        sms = next(ready.glob("sms-*.xml"))
        bad = env / "bad"
        bad.mkdir()
        (bad / "sms-cut.xml").write_bytes(sms.read_bytes()[:5000])
        r = cli("import", str(bad))
        assert r.code == 1
        assert "Not imported" in r.err and "sms-cut.xml" in r.err and "nothing from this file was added" in r.err
        assert cli("verify").code == 0

    def test_a_chat_zip_inside_a_download_zip_imports_and_leaves_no_copy(  # type: ignore[no-untyped-def]
            self, cli, ready: Path, env: Path) -> None:
        """nocontact import reads one zip inside a zip (from an encrypted copy, removed after)."""
        import zipfile

        chat = next(ready.rglob("WhatsApp Chat - *.zip"))
        download = env / "drive-download-20261204.zip"
        with zipfile.ZipFile(download, "w") as zf:
            zf.write(chat, f"Evidence/{chat.name}")
        r = cli("import", str(download), "--json")
        assert r.code == 0, r.err
        (summary,) = [json.loads(line) for line in r.out.splitlines() if line.strip()]
        assert summary["source"] == f"{download.name}!/Evidence/{chat.name}"
        assert summary["format"] == "whatsapp_ios_zip" and summary["added"] > 0
        checked = cli("verify")
        assert checked.code == 0 and "belong to no event" not in checked.out + checked.err
        again = cli("import", str(download))  # the person is told what the wait is for
        assert again.code == 0 and f"Opening {download.name}!/Evidence/{chat.name}" in " ".join(again.err.split())

    def test_events_export_jsonl_and_csv(self, cli, ready: Path, env: Path) -> None:  # type: ignore[no-untyped-def]
        """The events export carries the documented fields; CSV has a header and one row per event."""
        cli("import", str(ready))
        cli("boundary", "set", "--at", "2026-03-03T02:15:00.412Z")
        r = cli("events", "--format", "jsonl")
        rows = [json.loads(line) for line in r.out.splitlines()]
        assert rows
        for key in ("source", "source_id", "utc", "kind", "category", "direction", "party", "identifier",
                    "after_boundary"):
            assert key in rows[0]
        assert any(row["after_boundary"] for row in rows) and any(not row["after_boundary"] for row in rows)
        assert all(row["utc"].endswith("Z") and len(row["utc"]) == 24 for row in rows)
        r = cli("events", "--format", "csv", "--out", str(env / "e.csv"))
        lines = (env / "e.csv").read_text("utf-8").splitlines()
        assert lines[0].startswith("event_id,source,source_id,utc")
        assert len(lines) >= len(rows) + 1

    def test_boundary_from_a_source_record(self, cli, ready: Path) -> None:  # type: ignore[no-untyped-def]
        """boundary set --source/--source-id finds the message and uses its exact time."""
        cli("import", str(ready))
        rows = [json.loads(line) for line in cli("events", "--format", "jsonl").out.splitlines()]
        out_sms = next(r for r in rows if r["kind"] == "sms" and r["direction"] == "outgoing")
        r = cli("boundary", "set", "--source", out_sms["source"], "--source-id", out_sms["source_id"])
        assert r.code == 0
        assert f"Boundary set at {out_sms['utc']} (UTC)" in r.out
        r = cli("boundary", "set", "--source", out_sms["source"], "--source-id", "99999")
        assert r.code == 1 and "import that file first" in r.err


class TestManualEntries:
    def test_log_correct_retract_verify(self, cli, ready: Path, env: Path) -> None:  # type: ignore[no-untyped-def]
        """An incident is logged with an attachment, corrected and retracted; verify stays intact."""
        photo = env / "door.jpg"
        photo.write_bytes(b"\xff\xd8\xff" + b"x" * 100)
        r = cli("log", "--what", "Was waiting at my door", "--at", "2026-03-05 18:30", "--location", "home",
                "--witnesses", "neighbour", "--police-report", "PR-1", "--officer", "Ofc. Lee #42",
                "--impact", "scared", "--attach", str(photo))
        assert r.code == 0 and r.out.startswith("Recorded as event ")
        eid = r.out.split()[-1].rstrip(".")
        assert cli("correct", eid, "--set", "location=front door", "--why", "precise").code == 0
        ev = [json.loads(x) for x in cli("events", "--format", "jsonl").out.splitlines()]
        mine = next(e for e in ev if str(e["event_id"]) == eid)
        assert mine["location"] == "front door" and mine["revised"] is True
        assert mine["utc"] == "2026-03-06T00:30:00.000Z"
        assert mine["attachments"][0]["name"] == "door.jpg"
        r = cli("retract", eid, "--why", "entered twice")
        assert r.code == 0
        ev = [json.loads(x) for x in cli("events", "--format", "jsonl").out.splitlines()]
        assert all(str(e["event_id"]) != eid for e in ev)
        v = cli("verify")
        assert v.code == 0 and v.out.startswith("intact: ")

    def test_a_malformed_date_is_refused_plainly(self, cli, ready: Path) -> None:  # type: ignore[no-untyped-def]
        """A date that cannot be read is refused with an example of what works."""
        r = cli("log", "--what", "x", "--at", "yesterday-ish")
        assert r.code == 1
        assert "cannot read the time 'yesterday-ish'; write it like 2026-03-02 20:15" in r.err

    def test_attach_stores_the_file(self, cli, ready: Path, env: Path) -> None:  # type: ignore[no-untyped-def]
        """attach stores a screenshot as its own event with its SHA-256."""
        import hashlib

        shot = env / "shot.png"
        shot.write_bytes(b"\x89PNG\r\n\x1a\n" + b"y" * 64)
        r = cli("attach", str(shot), "--note", "Instagram story")
        assert r.code == 0
        ev = [json.loads(x) for x in cli("events", "--format", "jsonl").out.splitlines()]
        a = next(e for e in ev if e["kind"] == "attachment")
        assert a["attachments"][0]["sha256"] == hashlib.sha256(shot.read_bytes()).hexdigest()


class TestKeys:
    def test_passphrase_change_and_recover(self, cli, env: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
        """After a change only the new passphrase works; the recovery key sets another one."""
        r = cli("init")
        key = next(line.strip() for line in r.out.splitlines() if line.count("-") == 12)
        monkeypatch.setenv("NOCONTACT_NEW_PASSPHRASE", "second")
        assert cli("passphrase", "change").code == 0
        assert cli("verify").code == 1
        monkeypatch.setenv("NOCONTACT_PASSPHRASE", "second")
        assert cli("verify").code == 0
        monkeypatch.setenv("NOCONTACT_NEW_PASSPHRASE", "third")
        assert cli("recover", "--recovery-key", key).code == 0
        monkeypatch.setenv("NOCONTACT_PASSPHRASE", "third")
        assert cli("verify").code == 0

    def test_backup_and_restore(self, cli, ready: Path, env: Path) -> None:  # type: ignore[no-untyped-def]
        """A backup restores into a new folder and is verified on the way."""
        cli("import", str(ready))
        assert cli("backup", str(env / "b.ncbackup")).code == 0
        r = cli("restore", str(env / "b.ncbackup"), "--vault", str(env / "restored"))
        assert r.code == 0 and "verified: intact" in r.out


class TestCase:
    def test_party_add_extends_the_exs_identities(self, cli, ready: Path) -> None:  # type: ignore[no-untyped-def]
        """party add appends identities; case show lists them."""
        added = cli("party", "add", "--phone", "+1 312 555 0999", "--email", "third@example.com")
        assert added.code == 0 and "The ex now has " in added.out and " identities in the case." in added.out
        r = cli("case", "show")
        assert "+1 312 555 0999" in r.out and "third@example.com" in r.out

    def test_a_telegram_username_is_kept_as_one_and_the_number_it_lacks_is_explained(  # type: ignore[no-untyped-def]
            self, cli, env: Path) -> None:
        """Exports name senders by from_id: an @username alone would match nothing, so the person is told."""
        assert cli("init").code == 0
        r = cli("party", "add", "--telegram-id", "@cdrum")
        assert r.code == 0 and "Telegram exports name whoever sent a message by a number" in r.out
        r = cli("party", "add", "--telegram-id", "7700998811")
        assert r.code == 0 and "Telegram exports name" not in r.out
        shown = cli("case", "show").out
        assert "@cdrum" in shown and "user7700998811" in shown

    def test_retract_takes_one_event_or_one_import_never_both(self, cli, ready: Path) -> None:  # type: ignore[no-untyped-def]
        assert cli("import", str(ready / "sms-20260421093015.xml")).code == 0
        assert cli("retract", "--why", "x").code == 1
        assert cli("retract", "1", "--import", "1", "--why", "x").code == 1
        assert cli("retract", "--import", "1").code == 1  # no reason given
        r = cli("retract", "--import", "1", "--why", "imported by mistake")
        assert r.code == 0 and "events of import 1 are retracted" in r.out
        assert cli("verify").code == 0

    def test_me_takes_every_name_a_chat_app_needs(self, cli, env: Path) -> None:  # type: ignore[no-untyped-def]
        """Instagram and Messenger exports name people only by display name: yours must be in the case."""
        assert cli("init").code == 0
        assert cli("me", "--name", "Robin Hale", "--instagram-name", "robin.hale.88",
                   "--facebook-name", "Robin H").code == 0
        shown = cli("case", "show").out
        assert "robin.hale.88" in shown and "Robin H" in shown

    def test_party_remove_takes_back_a_number_written_any_way(self, cli, ready: Path) -> None:  # type: ignore[no-untyped-def]
        """A friend's number given by mistake comes out however it is typed; an unknown one changes nothing."""
        assert cli("party", "add", "--phone", "+1 312 555 0111").code == 0
        r = cli("party", "remove", "--phone", "(312) 555-0111")
        assert r.code == 0 and "Saved." in r.out
        shown = cli("case", "show").out
        assert "555 0111" not in shown and "+13125550187" in shown
        r = cli("party", "remove", "--phone", "+1 312 555 0000")
        assert r.code == 1 and "not among the ex's identities: +1 312 555 0000" in r.err

    def test_a_bad_case_file_names_the_key(self, cli, env: Path) -> None:  # type: ignore[no-untyped-def]
        """A case file with an unknown time zone is refused with the key named."""
        cli("init")
        bad = env / "bad.json"
        bad.write_text(json.dumps({"ex": {"name": "X"}, "source_timezone": "Mars/Olympus"}))
        r = cli("case", "load", str(bad))
        assert r.code == 1
        assert "source_timezone: unknown time zone 'Mars/Olympus'" in r.err



class TestImportAgain:
    def test_a_new_identity_then_import_again_picks_up_skipped_messages(self, cli, ready: Path, env: Path) -> None:  # type: ignore[no-untyped-def]
        """Messages from a number the person had not named are added by 'import --again' from the stored originals."""
        case = json.loads(json.dumps(DEMO_CASE))
        second = case["ex"]["identifiers"]["phones"].pop()
        (env / "case1.json").write_text(json.dumps(case))
        assert cli("case", "load", str(env / "case1.json")).code == 0
        assert cli("import", str(ready)).code == 0
        before = len(cli("events", "--format", "jsonl").out.splitlines())
        assert cli("party", "add", "--phone", second).code == 0
        r = cli("import", "--again")
        assert r.code == 0, r.err
        after = len(cli("events", "--format", "jsonl").out.splitlines())
        assert after > before
        again = cli("import", "--again")
        assert "0 new records" in again.out


    def test_a_chat_where_they_go_by_another_name_names_it_and_the_step_that_adds_it(  # type: ignore[no-untyped-def]
            self, cli, ready: Path, env: Path) -> None:
        """Saved on the phone as "Don't answer", the ex matched nothing: the import says who the chat was
        with and the command to run, and after it 'import --again' adds every message."""
        chat = env / "WhatsApp Chat with Don't answer.txt"
        chat.write_text("12/03/2026, 21:15 - Don't answer: pick up\n"
                        "12/03/2026, 21:16 - Robin Hale: stop\n"
                        "13/03/2026, 08:00 - Don't answer: answer me\n", encoding="utf-8")
        r = cli("import", str(chat))
        assert r.code == 0, r.err
        assert "Nothing in WhatsApp Chat with Don't answer.txt (3 messages and calls) is from or to them" in r.out
        assert "  Don't answer (name): 3" in r.out
        assert "nocontact party add --name 'Don'\"'\"'t answer'" in r.out
        assert cli("events", "--format", "jsonl").out.strip() == ""
        assert cli("party", "add", "--name", "Don't answer").code == 0
        again = cli("import", "--again")
        assert again.code == 0, again.err
        assert "Nothing in" not in again.out
        bodies = [json.loads(line)["body"] for line in cli("events", "--format", "jsonl").out.splitlines()]
        assert bodies == ["pick up", "stop", "answer me"]


    def test_a_telegram_export_with_none_of_their_ids_names_each_id_with_its_name(  # type: ignore[no-untyped-def]
            self, cli, ready: Path, env: Path) -> None:
        """The case lacks their Telegram id: the ids in the export come with the names it shows."""
        case = json.loads(json.dumps(DEMO_CASE))
        del case["ex"]["identifiers"]["telegram"]
        (env / "case2.json").write_text(json.dumps(case))
        assert cli("case", "load", str(env / "case2.json")).code == 0
        r = cli("import", str(ready / "DataExport_2026-04-02" / "result.json"))
        assert r.code == 0, r.err
        assert "is from or to them" in r.out
        assert re.search(r"  user\d+ \(Telegram id, shown as Casey Drummond\): \d+", r.out), r.out
        assert "nocontact party add --telegram-id user" in r.out


    def test_a_number_with_no_name_on_the_phone_that_wrote_a_few_times_is_named(  # type: ignore[no-untyped-def]
            self, cli, ready: Path, env: Path) -> None:
        """A new number of theirs after a block: the import names it and the command that adds it."""
        from tests.vault.test_importing import _unsaved_sms

        r = cli("import", str(_unsaved_sms(env / "unsaved")))
        assert r.code == 0, r.err
        assert ("Numbers not saved in your phone, or people whose messages came as message requests, wrote to you "
                "or called (not counted as theirs):") in r.out
        assert "  +1 (773) 555-0999: 4" in r.out and "555-0123" not in r.out and "72975" not in r.out
        assert "nocontact party add --phone '+1 (773) 555-0999'" in r.out


def long_chat(n: int) -> str:
    """A chat of ``n`` messages, one a minute from 13 March 2026 (day-first dates)."""
    from datetime import datetime, timedelta

    start = datetime(2026, 3, 13, 8, 0)
    return "".join(f"{(start + timedelta(minutes=i)):%d/%m/%Y, %H:%M} - Casey Drummond: message {i}\n"
                   for i in range(n))


class TestWhatsAppLimits:
    def test_a_chat_cut_at_whatsapps_limit_says_its_oldest_messages_may_be_missing(  # type: ignore[no-untyped-def]
            self, cli, ready: Path, env: Path) -> None:
        chat = env / "WhatsApp Chat with Casey Drummond.txt"
        chat.write_text(long_chat(10_000), encoding="utf-8")
        r = cli("import", str(chat))
        assert r.code == 0, r.err
        assert ("WhatsApp Chat with Casey Drummond.txt holds 10,000 messages, about the most WhatsApp puts in "
                "one export (10,000)") in r.out
        assert "Export the chat again choosing Without media" in r.out


#: Every date reads both ways (all fields up to 12, forward either way): only the person knows.
AMBIGUOUS_CHAT = ("03/04/25, 21:15 - Casey Drummond: hi\n"
                  "03/04/25, 21:16 - Robin Hale: stop\n"
                  "05/04/25, 08:00 - Casey Drummond: answer me\n")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class TestAmbiguousDates:
    @pytest.fixture
    def chat(self, ready: Path, env: Path) -> Path:
        path = env / "WhatsApp Chat with Casey Drummond.txt"
        path.write_text(AMBIGUOUS_CHAT, encoding="utf-8")
        return path

    def _orders(self, cli) -> set[str]:  # type: ignore[no-untyped-def]
        """How the chat was read, by its first message's time: 3 April (day first) or 4 March."""
        r = cli("events", "--format", "jsonl")
        first = {"2025-04-04T02:15:00.000Z": "DMY", "2025-03-05T03:15:00.000Z": "MDY"}
        return {first.get(e["utc"], "?") for e in map(json.loads, r.out.splitlines()) if e["source_id"] == "1"}

    def test_without_a_terminal_the_refusal_names_the_option(self, cli, chat: Path) -> None:  # type: ignore[no-untyped-def]
        r = cli("import", str(chat))
        assert r.code == 1 and "Nothing to import there" not in r.out
        assert "3 April 2025 read day first, or 4 March 2025 read month first" in r.err
        assert "--date-order DMY" in r.err and "--date-order MDY" in r.err
        assert self._orders(cli) == set()

    def test_the_option_answers_it(self, cli, chat: Path) -> None:  # type: ignore[no-untyped-def]
        assert cli("import", "--date-order", "dmy", str(chat)).code == 0
        assert self._orders(cli) == {"DMY"}

    def test_at_a_terminal_the_person_is_asked_about_the_first_date(  # type: ignore[no-untyped-def]
            self, cli, chat: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(sys, "stdin", _Terminal("maybe\n2\n"))
        r = cli("import", str(chat))
        assert r.code == 0
        assert "1  3 April 2025  (day first" in r.err and "2  4 March 2025  (month first" in r.err
        assert self._orders(cli) == {"MDY"}

    def test_enter_skips_the_file_and_adds_nothing(  # type: ignore[no-untyped-def]
            self, cli, chat: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(sys, "stdin", _Terminal("\n"))
        assert cli("import", str(chat)).code == 1
        assert self._orders(cli) == set()

    def test_import_again_keeps_the_answer_given_the_first_time(self, cli, chat: Path, env: Path) -> None:  # type: ignore[no-untyped-def]
        """Reading stored exports again (after a new identity) does not ask the same question twice."""
        assert cli("import", "--date-order", "MDY", str(chat)).code == 0
        r = cli("import", "--again")
        assert r.code == 0, r.err
        assert "could be read" not in r.err
        assert self._orders(cli) == {"MDY"}

    def test_importing_the_chat_again_asks_nothing_and_adds_nothing(self, cli, chat: Path) -> None:  # type: ignore[no-untyped-def]
        assert cli("import", "--date-order", "DMY", str(chat)).code == 0
        r = cli("import", "--json", str(chat))
        assert r.code == 0 and json.loads(r.out)["already_in_vault"] == 3
        assert self._orders(cli) == {"DMY"}

    def test_importing_the_chat_the_other_way_is_refused(self, cli, chat: Path) -> None:  # type: ignore[no-untyped-def]
        assert cli("import", "--date-order", "DMY", str(chat)).code == 0
        r = cli("import", "--date-order", "MDY", str(chat))
        assert r.code == 1 and "you said its dates are day first (DMY)" in r.err
        assert "--date-order DMY" in r.err
        assert self._orders(cli) == {"DMY"}
