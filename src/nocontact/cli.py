"""The ``nocontact`` command: a thin shell over the core. It parses, calls, and prints.

Every failure a person can cause (wrong passphrase, a damaged export, a busy vault) ends in one
plain sentence and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import errno
import getpass
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlcipher3
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from nocontact import __version__
from nocontact.case import CaseError, case_from_json, split_telegram
from nocontact.importers import UnknownFormat
from nocontact.sources import ArchiveError
from nocontact.summary_rows import export_caps, not_theirs, skipped_rows, summary_rows, unsaved_numbers
from nocontact.textsafety import terminal_text
from nocontact.vault.importing import ImportFailed, NeedsDateOrder
from nocontact.vault.store import Vault, VaultError

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Document contact from an ex-partner as evidence that holds up. Everything stays on "
                       "this computer, encrypted.")
case_app = typer.Typer(no_args_is_help=True, help="Who you are, who the ex is, and your devices' time zone.")
party_app = typer.Typer(no_args_is_help=True, help="Add identities of the ex (numbers, emails, names).")
boundary_app = typer.Typer(no_args_is_help=True, help="Mark the no-contact message you sent.")
passphrase_app = typer.Typer(no_args_is_help=True, help="Change the vault's passphrase.")
app.add_typer(case_app, name="case")
app.add_typer(party_app, name="party")
app.add_typer(boundary_app, name="boundary")
app.add_typer(passphrase_app, name="passphrase")

def _consoles() -> tuple[Console, Console]:
    """Made per run, so COLUMNS is read when the command runs; piped output is not cut at 80 columns."""
    width = int(os.environ["COLUMNS"]) if os.environ.get("COLUMNS", "").isdigit() else None
    if width is None and not sys.stdout.isatty():
        width = 160
    return (Console(highlight=False, soft_wrap=True, width=width),
            Console(stderr=True, highlight=False, soft_wrap=True, width=width))


out, err = _consoles()

VaultOpt = Annotated[Path | None, typer.Option("--vault", envvar="NOCONTACT_VAULT", show_envvar=True,
                                               help="The vault folder (default: your data folder).")]
PassFileOpt = Annotated[Path | None, typer.Option("--passphrase-file", help="Read the passphrase from this file "
                                                  "(for scripts); otherwise NOCONTACT_PASSPHRASE or a prompt.")]


class Fail(Exception):
    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _die(message: str, code: int = 1) -> NoReturn:
    raise Fail(message, code)


def default_vault() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "nocontact" / "vault"


def _vault_path(vault: Path | None) -> Path:
    return vault if vault is not None else default_vault()


def _fast_kdf() -> bool:
    """Test suites set NOCONTACT_TEST_FAST_KDF=1 for cheap Argon2 parameters (recorded in the header)."""
    return os.environ.get("NOCONTACT_TEST_FAST_KDF") == "1"


def _read_passphrase(passphrase_file: Path | None, prompt: str = "Passphrase") -> str:
    if passphrase_file is not None:
        try:
            return passphrase_file.read_text("utf-8").rstrip("\r\n")
        except OSError as e:
            _die(f"cannot read the passphrase file {passphrase_file}: {e.strerror}")
    env = os.environ.get("NOCONTACT_PASSPHRASE")
    if env is not None:
        return env
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        if not line:
            _die("a passphrase is needed: type it when asked, or use --passphrase-file or NOCONTACT_PASSPHRASE")
        return line.rstrip("\r\n")
    return getpass.getpass(f"{prompt}: ")


def _open(vault: Path | None, passphrase_file: Path | None) -> Vault:
    root = _vault_path(vault)
    from nocontact.vault.store import Header

    Header.load(root)  # says "not a vault" before asking for a passphrase
    return Vault.open(root, _read_passphrase(passphrase_file))


@app.command()
def init(vault: VaultOpt = None, passphrase_file: PassFileOpt = None) -> None:
    """Create a new encrypted vault and show its recovery key once."""
    root = _vault_path(vault)
    if passphrase_file is None and os.environ.get("NOCONTACT_PASSPHRASE") is None and sys.stdin.isatty():
        p1 = getpass.getpass("Choose a passphrase: ")
        p2 = getpass.getpass("Type it again: ")
        if p1 != p2:
            _die("the two passphrases differ; nothing was created")
        passphrase = p1
    else:
        passphrase = _read_passphrase(passphrase_file)
    v, recovery = Vault.create(root, passphrase, fast_kdf=_fast_kdf())
    v.close()
    out.print(f"Created an encrypted vault in {escape(str(root))}")
    out.print()
    out.print("Your RECOVERY KEY (shown only this once):")
    out.print(f"    {recovery}")
    out.print()
    out.print("Write it on paper and keep it somewhere safe, away from this computer. If you forget your "
              "passphrase, this key is the only way back in ('nocontact recover'). Anyone holding it can "
              "open the vault, so do not store it in your email or on your phone.")


@passphrase_app.command("change")
def passphrase_change(vault: VaultOpt = None, passphrase_file: PassFileOpt = None,
                      new_passphrase_file: Annotated[Path | None, typer.Option(
                          help="Read the new passphrase from this file.")] = None) -> None:
    """Set a new passphrase (your data is not re-encrypted; the old passphrase stops working)."""
    with _open(vault, passphrase_file) as v:
        new = _new_passphrase(new_passphrase_file)
        v.change_passphrase(new, fast_kdf=_fast_kdf())
    out.print("The passphrase is changed. The old one no longer opens the vault.")


def _new_passphrase(new_passphrase_file: Path | None) -> str:
    if new_passphrase_file is not None:
        return new_passphrase_file.read_text("utf-8").rstrip("\r\n")
    env = os.environ.get("NOCONTACT_NEW_PASSPHRASE")
    if env is not None:
        return env
    p1 = getpass.getpass("New passphrase: ")
    if getpass.getpass("Type it again: ") != p1:
        _die("the two passphrases differ; nothing was changed")
    return p1


@app.command()
def recover(vault: VaultOpt = None,
            recovery_key: Annotated[str | None, typer.Option(help="The recovery key shown at init.")] = None,
            new_passphrase_file: Annotated[Path | None, typer.Option(
                help="Read the new passphrase from this file.")] = None) -> None:
    """Open the vault with its recovery key and choose a new passphrase."""
    key = recovery_key or os.environ.get("NOCONTACT_RECOVERY_KEY") or getpass.getpass("Recovery key: ")
    with Vault.open(_vault_path(vault), recovery_key=key) as v:
        v.change_passphrase(_new_passphrase(new_passphrase_file), fast_kdf=_fast_kdf())
    out.print("The vault is open again with your new passphrase. Your recovery key still works.")


# ---- case -----------------------------------------------------------------------------------
@case_app.command("load")
def case_load(file: Path, vault: VaultOpt = None, passphrase_file: PassFileOpt = None) -> None:
    """Load a case file (JSON with 'user', 'ex' and 'source_timezone')."""
    from nocontact.vault.events import save_case

    try:
        case = case_from_json(file.read_bytes())
    except OSError as e:
        _die(f"cannot read {file}: {e.strerror}")
    with _open(vault, passphrase_file) as v:
        save_case(v, case)
    out.print(f"Case loaded: you are {escape(case.user.name or '(no name)')}; the ex is "
              f"{escape(case.ex.name or '(no name)')} with {_count_ids(case.ex)} identities.")


def _count_ids(p: Any) -> int:
    from nocontact.case import IDENTITY_FIELDS

    return sum(len(getattr(p, f)) for f in IDENTITY_FIELDS)


@case_app.command("show")
def case_show(vault: VaultOpt = None, passphrase_file: PassFileOpt = None,
              as_json: Annotated[bool, typer.Option("--json", help="Print the case file.")] = False) -> None:
    """Show who you are, who the ex is, and the time zone used for naive times."""
    from nocontact.case import IDENTITY_FIELDS, case_to_json
    from nocontact.vault.events import current_case

    with _open(vault, passphrase_file) as v:
        case = current_case(v)
    if as_json:
        out.print(case_to_json(case), markup=False)
        return
    for label, p in (("You", case.user), ("The ex", case.ex)):
        out.print(f"[bold]{label}[/bold]: {escape(p.name or '(no name)')}")
        for f in IDENTITY_FIELDS:
            vals = getattr(p, f)
            if vals:
                out.print(f"  {f.replace('_', ' ')}: {escape(', '.join(vals))}")
    out.print(f"Time zone of your devices: {case.source_timezone or '(not set)'}")


def _person_add(target: str, vault: Path | None, passphrase_file: Path | None, **values: list[str]) -> None:
    from dataclasses import replace

    from nocontact.vault.events import current_case, save_case

    with _open(vault, passphrase_file) as v:
        case = current_case(v)
        person = getattr(case, target)
        for field_name, vals in values.items():
            if field_name == "name":
                if vals:
                    person = replace(person, name=vals[-1])
                continue
            if vals:
                person = person.with_added(field_name, vals)
        case = replace(case, **{target: person})
        save_case(v, case)
    n = _count_ids(person)
    who = "The ex now has" if target == "ex" else "You now have"
    out.print(f"Saved. {who} {n} {'identity' if n == 1 else 'identities'} in the case. "
              "Events already in the vault are re-attributed at once; run 'nocontact import --again' to read "
              "your stored exports again and pick up messages that were skipped as unrelated before.")
    if values.get("telegram_usernames") and not person.telegram_ids:
        out.print("Note: Telegram exports name whoever sent a message by a number (from_id, such as "
                  "user6150199042), not by @username. To count Telegram messages, add that number too with "
                  "--telegram-id; it stands next to each of their messages in result.json.")


_NameOpt = Annotated[list[str] | None, typer.Option(help="Their name as you know it (the main name).")]
_PhoneOpt = Annotated[list[str] | None, typer.Option(
    help="A phone number, written any way (+1 312 555 0187, (312) 555-0187); repeat for more.")]
_EmailOpt = Annotated[list[str] | None, typer.Option(help="An e-mail address; repeat for more.")]
_TelegramOpt = Annotated[list[str] | None, typer.Option(
    help="Telegram: the number an export names the sender by (from_id in result.json, e.g. user6150199042), "
         "or a @username.")]
_WhatsAppOpt = Annotated[list[str] | None, typer.Option(
    help="The name a WhatsApp chat export shows for them (as saved in the phone's contacts).")]
_FacebookOpt = Annotated[list[str] | None, typer.Option(help="Their name as Messenger shows it.")]
_InstagramOpt = Annotated[list[str] | None, typer.Option(help="Their name as Instagram's export shows it.")]
_HandleOpt = Annotated[list[str] | None, typer.Option(help="An iMessage phone number or Apple ID e-mail.")]


@party_app.command("add")
def party_add(vault: VaultOpt = None, passphrase_file: PassFileOpt = None, name: _NameOpt = None,
              phone: _PhoneOpt = None, email: _EmailOpt = None, telegram_id: _TelegramOpt = None,
              whatsapp_name: _WhatsAppOpt = None, facebook_name: _FacebookOpt = None,
              instagram_name: _InstagramOpt = None, imessage_handle: _HandleOpt = None) -> None:
    """Add identities of the ex: any number of --phone, --email, --whatsapp-name ..."""
    ids, usernames = split_telegram(telegram_id or [])
    _person_add("ex", vault, passphrase_file, name=name or [], phones=phone or [], emails=email or [],
                telegram_ids=ids, telegram_usernames=usernames, whatsapp_names=whatsapp_name or [],
                facebook_names=facebook_name or [], instagram_names=instagram_name or [],
                imessage_handles=imessage_handle or [])


#: The identifier kind each case field is matched as (``identity.normalise``); the rest are names.
_IDENTITY_KINDS: dict[str, Any] = {"phones": "phone", "emails": "email", "telegram_ids": "telegram",
                                   "imessage_handles": "handle"}


@party_app.command("remove")
def party_remove(vault: VaultOpt = None, passphrase_file: PassFileOpt = None,
                 name: Annotated[list[str] | None, typer.Option(help="Another name of theirs given by mistake.")]
                 = None,
                 phone: _PhoneOpt = None, email: _EmailOpt = None, telegram_id: _TelegramOpt = None,
                 whatsapp_name: _WhatsAppOpt = None, facebook_name: _FacebookOpt = None,
                 instagram_name: _InstagramOpt = None, imessage_handle: _HandleOpt = None) -> None:
    """Take back identities of the ex given by mistake (a friend's number would count the friend's
    messages as theirs). Every earlier version of the case stays in the journal."""
    from dataclasses import replace

    from nocontact.identity import normalise
    from nocontact.model import Identifier
    from nocontact.vault.events import current_case, save_case

    ids, usernames = split_telegram(telegram_id or [])
    wanted = {"names": name or [], "phones": phone or [], "emails": email or [], "telegram_ids": ids,
              "telegram_usernames": usernames, "whatsapp_names": whatsapp_name or [],
              "facebook_names": facebook_name or [], "instagram_names": instagram_name or [],
              "imessage_handles": imessage_handle or []}
    if not any(wanted.values()):
        _die("name what to remove, for example --phone '+1 312 555 0111'")
    with _open(vault, passphrase_file) as v:
        case = current_case(v)
        region = case.region or "US"
        ex = case.ex
        missing: list[str] = []

        def same(field_name: str, stored: str, given: str) -> bool:  # as attribution compares them
            kind = _IDENTITY_KINDS.get(field_name, "name")
            return normalise(Identifier(kind, stored), region) == normalise(Identifier(kind, given), region) != ""

        for field_name, given_values in wanted.items():
            for given in given_values:
                hits = [s for s in getattr(ex, field_name) if same(field_name, s, given)]
                if not hits:
                    missing.append(given)
                for hit in hits:
                    ex = ex.without(field_name, hit)
        if missing:
            _die(f"not among the ex's identities: {', '.join(missing)} (see 'nocontact case show'); nothing changed")
        save_case(v, replace(case, ex=ex))
    out.print(f"Saved. The ex now has {_count_ids(ex)} identities in the case; events are attributed again at once.")


@app.command()
def me(vault: VaultOpt = None, passphrase_file: PassFileOpt = None, name: _NameOpt = None,
       phone: _PhoneOpt = None, email: _EmailOpt = None, telegram_id: _TelegramOpt = None,
       whatsapp_name: _WhatsAppOpt = None, facebook_name: _FacebookOpt = None,
       instagram_name: _InstagramOpt = None,
       timezone: Annotated[str | None, typer.Option(help="Your devices' time zone, e.g. Europe/London.")] = None
       ) -> None:
    """Say who you are (so your own messages are known as yours) and your time zone."""
    from dataclasses import replace

    from nocontact.vault.events import current_case, save_case

    if timezone:
        _zone(timezone)
        with _open(vault, passphrase_file) as v:
            save_case(v, replace(current_case(v), source_timezone=timezone))
        if not any((name, phone, email, telegram_id, whatsapp_name, facebook_name, instagram_name)):
            out.print(f"Time zone set to {timezone}.")
            return
    ids, usernames = split_telegram(telegram_id or [])
    _person_add("user", vault, passphrase_file, name=name or [], phones=phone or [], emails=email or [],
                telegram_ids=ids, telegram_usernames=usernames, whatsapp_names=whatsapp_name or [],
                facebook_names=facebook_name or [], instagram_names=instagram_name or [])


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        _die(f"unknown time zone {name!r}; use a name such as 'America/Chicago' or 'Europe/London'")


# ---- import ---------------------------------------------------------------------------------
@app.command("import")
def import_(paths: Annotated[list[Path] | None, typer.Argument(help="Export files, folders or zip files.")] = None,
            vault: VaultOpt = None, passphrase_file: PassFileOpt = None,
            as_json: Annotated[bool, typer.Option("--json", help="One JSON summary per source file.")] = False,
            format: Annotated[str | None, typer.Option(help="Skip recognition and read as this format.")] = None,
            timezone: Annotated[str | None, typer.Option(help="Zone for exports that store local times.")] = None,
            date_order: Annotated[str | None, typer.Option(help="DMY, MDY or YMD when dates are ambiguous.")] = None,
            keep_unrelated: Annotated[bool, typer.Option(help="Also store records not from or to the ex.")] = False,
            again: Annotated[bool, typer.Option("--again", help="Read every export already in the vault again "
                                                "(after adding an identity of the ex).")] = False
            ) -> None:
    """Import exports: format recognised by content; nothing is ever added twice."""
    from dataclasses import replace

    from nocontact.blobsource import Spooler
    from nocontact.ingest import Planned, context_for_vault, plan_sources

    paths = paths or []
    if again:
        _import_again(vault, passphrase_file, as_json, keep_unrelated, timezone, date_order)
        return
    if not paths:
        _die("name the export files or folders to import (or use --again)")

    if timezone:
        _zone(timezone)
    if date_order and date_order.upper() not in ("DMY", "MDY", "YMD"):
        _die("--date-order takes DMY, MDY or YMD")
    for p in paths:
        if not p.exists():
            _die(f"{p}: no such file or folder")
    with _open(vault, passphrase_file) as v:
        ctx = context_for_vault(v, timezone=timezone, date_order=date_order.upper() if date_order else None)
        failures = 0
        summaries = []
        skipped = []
        # A zip inside a zip is read from an encrypted copy, removed after.
        spool = Spooler(v, None if as_json else lambda src: err.print(
            f"Opening {escape(src.display)} ({src.size:,} bytes): a zip inside the download, copied into the "
            "vault encrypted to be read, and removed afterwards."))
        try:
            for item in plan_sources(paths, format, spool):
                if not isinstance(item, Planned):
                    skipped.append(item)
                    if as_json:
                        out.print(json.dumps({"source": item.display, "skipped": item.reason}, ensure_ascii=False),
                                  markup=False)
                    continue
                try:
                    try:
                        s = _import_with_progress(v, item, ctx, keep_unrelated, quiet=as_json)
                    except NeedsDateOrder as e:
                        order = None if as_json else _ask_date_order(e.readings)
                        if order is None:
                            raise ImportFailed(f"{e} To say it here: --date-order DMY (day first) or "
                                               "--date-order MDY (month first).") from None
                        s = _import_with_progress(v, item, replace(ctx, date_order=order), keep_unrelated,
                                                  quiet=as_json)
                except (ImportFailed, VaultError) as e:
                    failures += 1
                    _report_failure(item.source.display, str(e), as_json)
                    continue
                summaries.append(s)
                if as_json:
                    out.print(json.dumps(s.as_json(), ensure_ascii=False), markup=False)
        finally:
            spool.discard()
    if not as_json:
        _print_import_table(summaries, skipped, failed=failures)
    if failures:
        raise typer.Exit(1)


def _import_again(vault: Path | None, passphrase_file: Path | None, as_json: bool, keep_unrelated: bool,
                  timezone: str | None, date_order: str | None) -> None:
    from nocontact.blobsource import reimport_stored
    from nocontact.ingest import context_for_vault
    from nocontact.vault.importing import ImportSummary

    summaries = []
    failures = 0
    with _open(vault, passphrase_file) as v:
        ctx = context_for_vault(v, timezone=timezone, date_order=date_order.upper() if date_order else None)
        for item in reimport_stored(v, ctx, keep_unrelated=keep_unrelated):
            if isinstance(item, ImportSummary):
                summaries.append(item)
                if as_json:
                    out.print(json.dumps(item.as_json(), ensure_ascii=False), markup=False)
            else:
                failures += 1
                _report_failure(item[0], item[1], as_json)
    if not as_json:
        _print_import_table(summaries, [])
        out.print(f"Read {len(summaries)} stored export(s) again; {sum(s.added for s in summaries)} new records.")
    if failures:
        raise typer.Exit(1)


def _ask_date_order(readings: tuple[tuple[str, str], ...]) -> str | None:
    """Ask at the terminal which order a chat's dates are in; None when no one can answer here."""
    if not sys.stdin.isatty() or len(readings) != 2:
        return None
    (first, first_reads), (second, second_reads) = readings
    err.print("The dates in this chat can be read two ways, and nothing in the file says which your phone "
              "uses. Look at the chat's first message on your phone, or think of how your phone writes dates.")
    err.print(f"  1  {escape(first_reads)}  (day first, like 31/12)")
    err.print(f"  2  {escape(second_reads)}  (month first, like 12/31)")
    while True:
        answer = input("Which date does the chat start on? Type 1 or 2 (Enter to skip this file): ").strip()
        if answer in ("1", "2"):
            return first if answer == "1" else second
        if not answer:
            return None


def _report_failure(display: str, message: str, as_json: bool) -> None:
    if as_json:
        out.print(json.dumps({"source": display, "error": message}, ensure_ascii=False), markup=False)
    else:
        err.print(f"[red]Not imported[/red]: {escape(message)}  (nothing from this file was added)")


def _import_with_progress(v: Vault, item: Any, ctx: Any, keep_unrelated: bool, quiet: bool) -> Any:
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from nocontact.ingest import import_planned

    if quiet or not err.is_terminal:
        return import_planned(v, item, ctx, keep_unrelated=keep_unrelated)
    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TextColumn("{task.fields[rate]}"),
                  TimeRemainingColumn(), console=err, transient=True) as prog:
        task = prog.add_task(escape(item.source.display[-40:]), total=item.source.size, rate="")
        start = datetime.now(UTC)

        passes = [1]

        def tick(done: int, total: int, records: int) -> None:
            secs = max((datetime.now(UTC) - start).total_seconds(), 1e-6)
            if total and done > total * passes[0]:  # a format read in two passes (WhatsApp): widen the bar
                passes[0] += 1
                prog.update(task, total=total * passes[0])
            prog.update(task, completed=done, rate=f"{records / secs:,.0f} records/s")

        return import_planned(v, item, ctx, keep_unrelated=keep_unrelated, progress=tick)


def _print_add_step(example: Any) -> None:
    """The two commands that make someone named above theirs, shown for ``example``."""
    out.print("If one of these is them, add it, then read your exports again (nothing is added twice):\n"
              f"  {escape(terminal_text(example.command))}\n  nocontact import --again")


def _print_not_theirs(summaries: list[Any]) -> None:
    """Name who was there when nothing read was theirs: most often, the ex under a name the case lacks."""
    for hint in not_theirs(summaries):
        where = escape(terminal_text(hint.source)) if hint.source else "what was imported"
        out.print(f"[bold]Nothing in {where} ({hint.records:,} messages and calls) is from or to them[/bold] "
                  "as your case describes them, so none of it counts as theirs. It is from or to:")
        for p in hint.people:
            out.print(f"  {escape(terminal_text(p.value))} ({p.what}): {p.records:,}")
        if hint.more:
            out.print(f"  and {hint.more:,} more")
        _print_add_step(hint.people[0])


def _print_unsaved(summaries: list[Any]) -> None:
    """Name the numbers with no name on the phone that wrote: an ex often comes back on a new one."""
    found = unsaved_numbers(summaries)
    if found is None:
        return
    out.print("[bold]Numbers not saved in your phone, or people whose messages came as message requests, "
              "wrote to you or called[/bold] (not counted as theirs):")
    for p in found.people:
        out.print(f"  {escape(terminal_text(p.value))}{'' if p.kind == 'phone' else ' (message request)'}: "
                  f"{p.records:,}")
    if found.more:
        out.print(f"  and {found.more:,} more")
    _print_add_step(found.people[0])


def _print_import_table(summaries: list[Any], skipped: list[Any], failed: int = 0) -> None:
    if summaries:
        t = Table(title="Imported", show_lines=False)
        for col in ("file", "format", "read", "the ex's", "new", "already in vault", "skipped (others)", "problems"):
            t.add_column(col, justify="left" if col in ("file", "format") else "right")
        for row in summary_rows(summaries):
            t.add_row(escape(terminal_text(row.source)), row.format, f"{row.records_read:,}", f"{row.attributed:,}",
                      f"{row.added:,}", f"{row.already_in_vault:,}", f"{row.skipped_unrelated:,}", f"{row.problems:,}")
        out.print(t)
        for s in summaries:
            for p in s.problems[:5]:
                out.print(f"  {escape(terminal_text(s.source))}: {escape(terminal_text(p['message']))} "
                          f"(at {escape(terminal_text(p['position']))})")
        later = sum(s.attachments_added_later for s in summaries)
        if later:
            out.print(f"{later} {'file' if later == 1 else 'files'} (photos, voice notes) that events already in the "
                      "vault were stored without were found this time and added beside them.")
        missing = sum(s.attachments_missing for s in summaries)
        if missing:
            out.print(f"{missing} {'file' if missing == 1 else 'files'} named by new messages (photos, voice notes) "
                      f"{'was' if missing == 1 else 'were'} not beside the export. If you have them, import the export's whole folder or zip "
                      "again: they are added beside their messages, and nothing is added twice.")
        _print_not_theirs(summaries)
        _print_unsaved(summaries)
        for cap in export_caps(summaries):
            out.print(f"[bold]{escape(terminal_text(cap.source))} holds {cap.entries:,} messages[/bold], about the most "
                      f"WhatsApp puts in one export ({cap.cap:,}). WhatsApp keeps the newest, so the oldest "
                      f"messages of this chat may be missing from it. {cap.advice}")
        again = sum(s.already_in_vault for s in summaries)
        if again:
            out.print(f"{again} {'record was' if again == 1 else 'records were'} already in the vault and "
                      f"{'was' if again == 1 else 'were'} not added again.")
    if skipped:
        if not summaries and not failed:
            out.print("[bold]Nothing was imported[/bold]: no file there is an export nocontact reads.")
        out.print(f"{'Not imported by themselves' if summaries else 'Not imported'}: {len(skipped):,} file(s), "
                  "with the reason" + (" (import --json lists every file):" if len(skipped) > 10 else ":"))
        for sk in skipped_rows(skipped):
            out.print(f"  {escape(terminal_text(sk.place))}: {escape(terminal_text(sk.reason))}")
    if not summaries and not skipped and not failed:
        out.print("Nothing to import there.")


# ---- boundary -------------------------------------------------------------------------------
def _parse_time(text: str, tz: str | None) -> datetime:
    try:
        dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        _die(f"cannot read the time {text!r}; write it like 2026-03-02 20:15 or 2026-03-03T02:15:00Z")
    if dt.tzinfo is None:
        if not tz:
            _die(f"the time {text!r} has no zone: add one (e.g. Z or -06:00), or pass --tz, or set your time "
                 "zone with 'nocontact me --timezone ...'")
        dt = dt.replace(tzinfo=_zone(tz))
    return dt.astimezone(UTC)


@boundary_app.command("set")
def boundary_set(vault: VaultOpt = None, passphrase_file: PassFileOpt = None,
                 source: Annotated[str | None, typer.Option(help="The export file holding your message.")] = None,
                 source_id: Annotated[str | None, typer.Option(help="Its position in that file.")] = None,
                 at: Annotated[str | None, typer.Option(help="Or the time you sent it.")] = None,
                 tz: Annotated[str | None, typer.Option(help="Zone for --at when it has none.")] = None,
                 note: Annotated[str, typer.Option(help="A note, e.g. which channel.")] = "") -> None:
    """Mark when you sent your no-contact message; counts after it are what courts ask for."""
    from nocontact.model import format_utc
    from nocontact.vault.events import current_case, iter_events, set_boundary

    if (source is None) == (at is None):
        _die("give either --source FILE --source-id ID, or --at TIME")
    with _open(vault, passphrase_file) as v:
        if source is not None:
            if source_id is None:
                _die("--source needs --source-id (the message's position, as 'nocontact events' shows it)")
            match = [e for e in iter_events(v) if e["source_pos"] == source_id and (
                e["source_display"] == source or Path(str(e["source_display"])).name == Path(source).name)]
            if not match:
                _die(f"no event in the vault comes from {source} at {source_id}; import that file first")
            ev = match[0]
            set_boundary(v, ev.utc, event_id=ev.id, note=note)
            when = ev.utc
        else:
            assert at is not None
            when = _parse_time(at, tz or current_case(v).source_timezone)
            set_boundary(v, when, note=note)
    out.print(f"Boundary set at {format_utc(when)} (UTC). Contact after this moment is counted as after "
              "the boundary.")


@boundary_app.command("show")
def boundary_show(vault: VaultOpt = None, passphrase_file: PassFileOpt = None) -> None:
    """Show the boundary."""
    from nocontact.model import format_utc
    from nocontact.vault.events import current_boundary

    with _open(vault, passphrase_file) as v:
        b = current_boundary(v)
    out.print("No boundary set yet." if b is None else
              f"Boundary: {format_utc(b[0])}" + (f" (event {b[1]})" if b[1] else ""))


# ---- events ---------------------------------------------------------------------------------
@app.command()
def events(vault: VaultOpt = None, passphrase_file: PassFileOpt = None,
           format: Annotated[str, typer.Option(help="table, jsonl or csv")] = "table",
           output: Annotated[Path | None, typer.Option("--out", help="Write to this file.")] = None,
           ex_only: Annotated[bool, typer.Option(help="Only the ex's events.")] = False,
           show_text: Annotated[bool, typer.Option(help="Show message text in the table.")] = False) -> None:
    """List events; export them as JSON Lines or CSV (safe to open in a spreadsheet)."""
    from nocontact.eventlog import event_dicts, write_csv, write_jsonl
    from nocontact.vault.events import current_boundary, current_case, iter_events

    if format not in ("table", "jsonl", "csv"):
        _die("--format takes table, jsonl or csv")
    with _open(vault, passphrase_file) as v:
        case = current_case(v)
        b = current_boundary(v)
        rows = event_dicts(iter_events(v), case, b[0] if b else None, ex_only=ex_only)
        if format == "table":
            _events_table(list(rows), show_text)
            return
        writer = write_jsonl if format == "jsonl" else write_csv
        if output is None:
            n = writer(rows, sys.stdout)
        else:
            with open(output, "w", encoding="utf-8", newline="") as f:
                n = writer(rows, f)
            err.print(f"Wrote {n} events to {escape(str(output))}")


def _events_table(rows: list[dict[str, Any]], show_text: bool) -> None:
    t = Table(show_lines=False)
    for col in ("id", "UTC", "channel", "direction", "from/to", "after boundary", "source"):
        t.add_column(col)
    if show_text:
        t.add_column("text")
    for r in rows:
        cells = [str(r["event_id"]), r["utc"], r["channel"], r["direction"],
                 escape(terminal_text(r["identifier"] or "")), "yes" if r["after_boundary"] else "",
                 escape(terminal_text(f"{r['source'] or 'entered by you'}{'#' + r['source_id'] if r['source_id'] else ''}"))]
        if show_text:
            cells.append(escape(terminal_text((r["body"] or "")[:200])))
        t.add_row(*cells)
    out.print(t)
    out.print(f"{len(rows)} events." if show_text else
              f"{len(rows)} events. Message text is hidden; add --show-text to see it.")


# ---- the person's own entries ---------------------------------------------------------------
@app.command()
def log(what: Annotated[str, typer.Option(help="What happened, in your own words.")],
        at: Annotated[str, typer.Option(help="When it happened, e.g. '2026-03-05 18:30'.")],
        vault: VaultOpt = None, passphrase_file: PassFileOpt = None,
        channel: Annotated[str, typer.Option(help="in_person, third_party, gift, call, social, other ...")] =
        "in_person",
        tz: Annotated[str | None, typer.Option(help="Time zone of --at (default: your devices' zone).")] = None,
        location: Annotated[str | None, typer.Option()] = None,
        witnesses: Annotated[str | None, typer.Option()] = None,
        police_report: Annotated[str | None, typer.Option(help="Police report number.")] = None,
        officer: Annotated[str | None, typer.Option(help="Officer name and badge number.")] = None,
        impact: Annotated[str | None, typer.Option(help="How it affected you.")] = None,
        attach: Annotated[list[Path] | None, typer.Option(help="Photos, screenshots, PDFs.")] = None) -> None:
    """Record an incident (showing up, a message through a friend, a gift) as evidence."""
    from nocontact.vault.events import current_case, log_incident

    allowed = ("sms", "mms", "call", "voicemail", "email", "whatsapp", "imessage", "telegram", "messenger",
               "instagram", "social", "in_person", "third_party", "gift", "other")
    if channel not in allowed:
        _die(f"--channel takes one of: {', '.join(allowed)}")
    for p in attach or []:
        if not p.is_file():
            _die(f"{p}: no such file; nothing was recorded")
    with _open(vault, passphrase_file) as v:
        zone = tz or current_case(v).source_timezone
        when = _parse_time(at, zone)
        eid = log_incident(v, occurred=when, raw_time=at, time_zone=zone or "as written", channel=channel,
                           what=what, location=location, witnesses=witnesses, police_report=police_report,
                           officer=officer, impact=impact, attach=list(attach or []))
    out.print(f"Recorded as event {eid}.")


@app.command()
def attach(file: Path, vault: VaultOpt = None, passphrase_file: PassFileOpt = None,
           note: Annotated[str, typer.Option(help="What it shows.")] = "",
           event: Annotated[int | None, typer.Option(help="The event it belongs to.")] = None) -> None:
    """Add a screenshot, photo or PDF as evidence, stored byte-for-byte."""
    from nocontact.vault.events import add_attachment_file, get_event

    if not file.is_file():
        _die(f"{file}: no such file")
    with _open(vault, passphrase_file) as v:
        if event is not None:
            get_event(v, event)
        eid = add_attachment_file(v, file, note=note, event_id=event)
    out.print(f"Stored {escape(file.name)} as event {eid}.")


@app.command()
def correct(event: int, why: Annotated[str, typer.Option("--why", help="Why the correction is needed.")],
            vault: VaultOpt = None, passphrase_file: PassFileOpt = None,
            set_: Annotated[list[str] | None, typer.Option("--set", help="field=value, e.g. location=Main St")]
            = None) -> None:
    """Correct an event: adds a revision; the original stays as it was."""
    from nocontact.vault.events import revise

    fields: dict[str, str] = {}
    for item in set_ or []:
        if "=" not in item:
            _die(f"--set takes field=value, not {item!r}")
        k, val = item.split("=", 1)
        fields[k.strip()] = val
    with _open(vault, passphrase_file) as v:
        if "occurred_at" in fields:
            from nocontact.model import format_utc
            from nocontact.vault.events import current_case

            fields["occurred_at"] = format_utc(_parse_time(fields["occurred_at"], current_case(v).source_timezone))
        rid = revise(v, event, fields, why)
    out.print(f"Correction {rid} recorded for event {event}. The original is kept unchanged.")


@app.command()
def retract(event: Annotated[int | None, typer.Argument(help="The event's id ('nocontact events').")] = None,
            why: Annotated[str, typer.Option("--why", help="Why it should no longer count.")] = "",
            import_id: Annotated[int | None, typer.Option("--import", help="Every event this import added "
                                                         "(to import the same file again, read differently).")]
            = None,
            vault: VaultOpt = None, passphrase_file: PassFileOpt = None) -> None:
    """Stop counting an event (or all of one import's): adds retraction records; nothing is deleted."""
    from nocontact.vault.events import retract as do_retract
    from nocontact.vault.events import retract_import

    if (event is None) == (import_id is None):
        _die("name one event, or one import with --import")
    if not why.strip():
        _die("say why with --why")
    with _open(vault, passphrase_file) as v:
        if import_id is not None:
            n = retract_import(v, import_id, why)
            out.print(f"{n} events of import {import_id} are retracted: they no longer count, and stay in the "
                      "vault's history.")
            return
        assert event is not None
        do_retract(v, event, why)
    out.print(f"Event {event} is retracted: it no longer counts, and stays in the vault's history.")


# ---- integrity and backups ------------------------------------------------------------------
@app.command()
def verify(vault: VaultOpt = None, passphrase_file: PassFileOpt = None) -> None:
    """Recompute the journal, every hash and every stored file; exit 0 only if all is intact."""
    from nocontact.vault.verify import verify_vault

    with _open(vault, passphrase_file) as v:
        rep = verify_vault(v)
    if rep.ok:
        out.print(f"intact: {rep.entries} entries, head {rep.head}")
        out.print(f"  {rep.events} events and {rep.blobs} stored files checked")
        for n in rep.notes:
            out.print(f"  note: {escape(n)}")
        return
    out.print(f"[red]NOT INTACT[/red]: {escape(rep.problems[0])}")
    for p in rep.problems[1:20]:
        out.print(f"  also: {escape(p)}")
    raise typer.Exit(1)


@app.command()
def backup(file: Path, vault: VaultOpt = None, passphrase_file: PassFileOpt = None) -> None:
    """Write the whole vault, still encrypted, to one file."""
    from nocontact.vault.backup import backup as do_backup

    with _open(vault, passphrase_file) as v:
        info = do_backup(v, file)
    out.print(f"Backup written to {escape(str(info.path))} ({info.size:,} bytes, {info.files} parts, journal head "
              f"{info.head[:16]}…). It is encrypted: the same passphrase opens it.")


@app.command()
def restore(file: Path, vault: VaultOpt = None, passphrase_file: PassFileOpt = None) -> None:
    """Bring a backup back into a new vault folder and verify it."""
    from nocontact.vault.backup import restore as do_restore

    root = _vault_path(vault)
    rep = do_restore(file, root, _read_passphrase(passphrase_file))
    out.print(f"Restored into {escape(str(root))} and verified: intact: {rep.entries} entries, head {rep.head}")


@app.command()
def report(output: Annotated[Path, typer.Option("--out", help="Where to write the report.")],
           vault: VaultOpt = None, passphrase_file: PassFileOpt = None,
           format: Annotated[str, typer.Option(help="pdf or html")] = "pdf",
           redact: Annotated[bool, typer.Option("--redact", help="Hide other people's names and numbers.")] = False,
           text: Annotated[str, typer.Option(help="Message text: excerpt, full or none.")] = "excerpt",
           jurisdiction: Annotated[str | None, typer.Option(help="Whose law notes to include, e.g. us-ca, "
                                                            "england-wales, canada, au-nsw.")] = None) -> None:
    """Write the court-ready report (PDF or HTML): summary, incident log, flagged messages, exhibits."""
    from nocontact.report import build_report

    if format not in ("pdf", "html"):
        _die("--format takes pdf or html")
    if text not in ("excerpt", "full", "none"):
        _die("--text takes excerpt, full or none")
    if output.exists():
        _die(f"{output}: a file is already there; choose another name")
    with _open(vault, passphrase_file) as v:
        info = build_report(v, output, fmt=format, redact_third_parties=redact, text=text,  # type: ignore[arg-type]
                            jurisdiction=jurisdiction)
    pages = f", {info.pages} pages" if getattr(info, "pages", None) else ""
    out.print(f"Report written to {escape(str(output))}{pages}. It is not legal advice; take it to an advocate "
              "or lawyer.")


@app.command()
def bundle(output: Annotated[Path, typer.Option("--out", help="Where to write the bundle (a .zip).")],
           vault: VaultOpt = None, passphrase_file: PassFileOpt = None,
           since: Annotated[str | None, typer.Option(help="Only events from this time on.")] = None,
           until: Annotated[str | None, typer.Option(help="Only events up to this time.")] = None,
           everyone: Annotated[bool, typer.Option("--all-parties", help="Also events not from or to the ex.")]
           = False,
           no_report: Annotated[bool, typer.Option("--no-report", help="Leave the PDF report out.")] = False,
           seal_for: Annotated[bool, typer.Option("--encrypt", help="Also write an encrypted copy for sending "
                                                   "(asks for a passphrase to tell the recipient by phone).")]
           = False) -> None:
    """Write an evidence bundle that anyone can check without your passphrase."""
    from nocontact.bundle import BundleOptions, build_bundle
    from nocontact.vault.events import current_case

    with _open(vault, passphrase_file) as v:
        zone = current_case(v).source_timezone
        opts = BundleOptions(since=_parse_time(since, zone) if since else None,
                             until=_parse_time(until, zone) if until else None,
                             ex_only=not everyone, include_report=not no_report)
        info = build_bundle(v, output, opts)
    out.print(f"Bundle written to {escape(str(info.path))}: {info.events} events, {info.files} files, "
              f"{info.size:,} bytes.")
    out.print(f"Anyone can check it with: python3 verify.py {escape(info.path.name)} (verify.py is inside), or "
              f"'nocontact verify-bundle {escape(info.path.name)}'.")
    if seal_for:
        from nocontact.bundle.seal import OPENSSL_COMMAND, seal

        pw = os.environ.get("NOCONTACT_SEAL_PASSPHRASE") or _new_passphrase(None)
        sealed = info.path.with_name(info.path.name + ".enc")
        try:
            seal(info.path, sealed, pw)
        except ValueError as e:
            _die(str(e))
        out.print(f"Encrypted copy: {escape(str(sealed))}. Send it, and tell the passphrase by phone. The recipient "
                  "opens it with:")
        out.print("  " + OPENSSL_COMMAND.format(sealed=sealed.name, plain=info.path.name), markup=False)


@app.command("verify-bundle")
def verify_bundle_cmd(file: Path) -> None:
    """Check an evidence bundle (no passphrase needed); exit 0 only if everything verifies."""
    from nocontact.bundle.verify_bundle import check_bundle

    if not file.exists():
        _die(f"{file}: no such file or folder")
    rep = check_bundle(str(file))
    if rep.ok:
        out.print(f"VERIFIED: {rep.files} files, {rep.entries} journal entries, {rep.events} events; journal head "
                  f"{rep.head}")
        for n in rep.notes:
            out.print(f"  note: {escape(n)}")
        return
    out.print(f"[red]NOT VERIFIED[/red]: {escape(rep.problems[0])}")
    for p in rep.problems[1:20]:
        out.print(f"  also: {escape(p)}")
    raise typer.Exit(1)


@app.command()
def serve(vault: VaultOpt = None,
          port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1 (0 picks a free one).")] = 0,
          no_browser: Annotated[bool, typer.Option("--no-browser", help="Print the link only.")] = False) -> None:
    """Open the app in your browser (on this computer only; stop it with Ctrl+C)."""
    from nocontact.vault.store import Header
    from nocontact.web.server import serve as run_server

    root = _vault_path(vault)
    Header.load(root)
    run_server(root, port=port, open_browser=not no_browser)


share_app = typer.Typer(no_args_is_help=True, help="Open a file someone shared with you from nocontact.")
app.add_typer(share_app, name="share")


@share_app.command("open")
def share_open(file: Path, out_dir: Annotated[Path, typer.Option("--out-dir", help="Where to write the file.")]
               = Path(".")) -> None:
    """Decrypt a shared file (.ncshare) with the passphrase you were told by phone."""
    from nocontact.sharefile import ShareError, decrypt_share

    if not file.is_file():
        _die(f"{file}: no such file")
    pw = os.environ.get("NOCONTACT_SHARE_PASSPHRASE") or getpass.getpass("Passphrase you were told: ")
    try:
        name, data = decrypt_share(file.read_bytes(), pw)
    except ShareError as e:
        _die(str(e))
    target = out_dir / Path(name).name
    if target.exists():
        _die(f"{target}: a file is already there; choose another --out-dir")
    target.write_bytes(data)
    out.print(f"Opened: {escape(str(target))} ({len(data):,} bytes)")


@app.command()
def demo(vault: Annotated[Path, typer.Option("--vault", help="Where to build the demo vault.")] = Path("demo-vault"),
         fresh: Annotated[bool, typer.Option(help="Replace an existing demo vault.")] = True,
         serve_app: Annotated[bool, typer.Option("--serve/--no-serve", help="Start the app on the demo vault.")]
         = True,
         no_browser: Annotated[bool, typer.Option("--no-browser", help="Print the app's link only.")] = False,
         port: Annotated[int, typer.Option(help="Port for the app (0 picks a free one).")] = 0) -> None:
    """Build a demo vault from fictional sample exports, a report and a bundle, then open the app."""
    from nocontact.demo import DEMO_PASSPHRASE, build_demo

    build_demo(vault, out=out, fresh=fresh, fast_kdf=_fast_kdf())
    if serve_app:
        from nocontact.web.server import serve as run_server

        out.print()
        out.print(f"Starting the app. Unlock it with the demo passphrase: {DEMO_PASSPHRASE}")
        run_server(vault, port=port, open_browser=not no_browser)


@app.command()
def version() -> None:
    """Print the version."""
    out.print(f"nocontact {__version__}")


_DISK_FULL = ("there is no room left on the disk (or the file grew past what this system allows). "
              "Nothing was changed. Free some space and try again.")


def main() -> None:
    global out, err
    out, err = _consoles()
    try:
        rc = app(standalone_mode=False)
        if isinstance(rc, int) and rc:
            sys.exit(rc)
    except Fail as e:
        err.print(f"[red]Error[/red]: {escape(str(e))}")
        sys.exit(e.code)
    except (VaultError, CaseError, ImportFailed, ArchiveError, UnknownFormat) as e:
        err.print(f"[red]Error[/red]: {escape(str(e))}")
        sys.exit(1)
    except UnicodeEncodeError:
        err.print("[red]Error[/red]: the text holds bytes that are not UTF-8 (check the terminal's encoding); "
                  "nothing was recorded.")
        sys.exit(1)
    except sqlcipher3.DatabaseError as e:
        if (getattr(e, "sqlite_errorcode", 0) & 0xFF) in (10, 13) or "disk is full" in str(e) \
                or "disk I/O error" in str(e):
            err.print(f"[red]Error[/red]: {_DISK_FULL}")
            sys.exit(1)
        err.print(f"[red]Error[/red]: the vault's database is damaged or altered ({escape(str(e))}). Nothing was "
                  "changed; restore the vault from a backup ('nocontact restore').")
        sys.exit(1)
    except OSError as e:
        if e.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
            err.print(f"[red]Error[/red]: {_DISK_FULL}")
            sys.exit(1)
        err.print(f"[red]Error[/red]: {escape(e.strerror or str(e))}"
                  f"{' (' + escape(str(e.filename)) + ')' if e.filename else ''}. Nothing half-done was kept.")
        sys.exit(1)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.Abort:
        err.print("Stopped.")
        sys.exit(130)
    except KeyboardInterrupt:
        err.print("Stopped; nothing half-done was kept.")
        sys.exit(130)
    except Exception as e:  # usage errors from the argument parser
        show = getattr(e, "show", None)
        code = getattr(e, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            sys.exit(code)
        raise
