"""Importing what the person points at: files, folders and archives, each recognised by content.

The CLI and the web app both call ``plan_sources`` then ``import_planned``; a whole download
(a Takeout zip, a Facebook folder) is walked, each readable member imported as its own source,
and everything skipped is listed with the reason.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from nocontact.importers import AmbiguousFormat, UnknownFormat, by_name, identify
from nocontact.importers.base import ImportContext, Importer
from nocontact.not_exports import advice_for
from nocontact.sources import ArchiveError, DownloadParts, Source, ZipMemberSource, is_zip, walk, zip_members
from nocontact.vault.events import current_case
from nocontact.vault.importing import ImportSummary, Progress, import_source
from nocontact.vault.store import Vault

__all__ = ["MEDIA_REASON", "Planned", "Skipped", "Spool", "context_for_vault", "plan_source", "plan_sources",
           "plan_together"]


@dataclass(frozen=True)
class Planned:
    source: Source
    importer: Importer


@dataclass(frozen=True)
class Skipped:
    display: str
    reason: str


#: Copies a zip found inside a zip into the encrypted vault and gives it back as a source that
#: can seek (``nocontact.blobsource.Spooler``): a zip's member list sits at its end.
Spool = Callable[[Source], Source]


def _plan_one(src: Source, forced: str | None, parts: DownloadParts | None = None,
              opened: list[ZipMemberSource] | None = None, spool: Spool | None = None,
              depth: int = 0) -> Iterator[Planned | Skipped]:
    head = src.head()
    if forced:
        yield Planned(src, by_name(forced))
        return
    if isinstance(src, ZipMemberSource) and is_zip(head) and not src.name.lower().endswith(".zip"):
        yield Skipped(src.display, "a packed file (a document, an app or an archive not named .zip), not an export; "
                                   "it is not opened")
        return
    if isinstance(src, ZipMemberSource) and is_zip(head):
        # A zip inside the download (a WhatsApp chat zip in a Google Drive folder download, say):
        # one level is opened, from an encrypted copy in the vault, never unpacked in plaintext.
        # Deeper nesting is a zip bomb's favourite disguise and no export needs it.
        if spool is None or depth >= 1:
            yield Skipped(src.display, "an archive inside an archive inside an archive is not opened; unpack "
                                       "the outer ones first" if spool is not None else
                          "an archive inside an archive is not opened here; import it with nocontact import, "
                          "or unpack the outer one first")
            return
        try:
            inner = spool(src)
        except ArchiveError as e:
            yield Skipped(src.display, str(e))
            return
        except OSError as e:  # the disk, not the file
            yield Skipped(src.display, f"this zip inside the download could not be copied into the vault to be read "
                                       f"({e.strerror or e}); nothing from it was added. If the disk is full, free "
                                       "some space and import the download again")
            return
        yield from _plan_one(inner, None, parts, None, spool, depth + 1)
        return
    try:
        imp, _ = identify(src, head)
        yield Planned(src, imp)
        return
    except AmbiguousFormat as e:
        yield Skipped(src.display, str(e).split(": ", 1)[-1])
        return
    except UnknownFormat as e:
        if not is_zip(head):
            yield Skipped(src.display, advice_for(src.display, src.name, head)
                          or (MEDIA_REASON if _is_media(src.name) else str(e).split(": ", 1)[-1]))
            return
    try:
        members = opened if opened is not None else _members(src, parts)
    except ArchiveError as e:
        yield Skipped(src.display, str(e))
        return
    if not members:
        yield Skipped(src.display, "an empty archive: there are no files in it")
    for m in members:
        yield from _plan_one(m, None, parts, None, spool, depth)


def _members(src: Source, parts: DownloadParts | None) -> list[ZipMemberSource]:
    path = src.local_path()
    return zip_members(path if path is not None else src.open, src.display, parts=parts)


#: Why a photo in a download is not imported on its own: exports keep media beside the messages.
MEDIA_REASON = ("a photo, video or sound file, not an export: it is kept with the message of this export that "
                "names it, if one does. To keep a file of your own, use 'nocontact attach' or log an incident")


def _is_media(name: str) -> bool:
    mime = mimetypes.guess_type(name)[0] or ""
    return mime.split("/")[0] in ("image", "video", "audio") or name.lower().endswith((".heic", ".opus", ".amr"))


def plan_source(src: Source, forced_format: str | None = None) -> Iterator[Planned | Skipped]:
    """What would be imported from one source (a zip is walked member by member)."""
    yield from _plan_one(src, forced_format)


def plan_together(sources: list[Source], forced_format: str | None = None, spool: Spool | None = None
                  ) -> Iterator[Planned | Skipped]:
    """What would be imported from ``sources`` given together, as ``plan_source`` does for each.

    Every zip among them named ``.zip`` (as every part of a download is) is opened (its member
    list only) before anything is planned, so that the parts of a split download find each
    other's photos (``DownloadParts``) whichever part is imported first; other files are not
    opened an extra time (a folder of 10,000 photos took 0.53 s to plan when each was, 0.44 s now). A zip
    that cannot be opened is listed as skipped when its turn comes. With ``spool``, a zip
    inside one of them is read too (one level), from an encrypted copy.
    """
    parts = DownloadParts()
    opened: dict[int, list[ZipMemberSource]] = {}
    for i, src in enumerate(sources):
        if not forced_format and src.name.lower().endswith(".zip") and is_zip(src.head(4)):
            try:
                opened[i] = _members(src, parts)
            except ArchiveError:
                continue
    for i, src in enumerate(sources):
        yield from _plan_one(src, forced_format, parts, opened.get(i), spool)


def plan_sources(paths: list[Path], forced_format: str | None = None, spool: Spool | None = None
                 ) -> Iterator[Planned | Skipped]:
    """What would be imported from ``paths``, and what is skipped and why, in a stable order."""
    yield from plan_together(list(walk(paths)), forced_format, spool)


def context_for_vault(vault: Vault, *, timezone: str | None = None, date_order: str | None = None) -> ImportContext:
    from zoneinfo import ZoneInfo

    case = current_case(vault)
    tz_name = timezone or case.source_timezone
    basis = "given with --timezone" if timezone else "case source_timezone"
    return ImportContext(case=case, source_timezone=ZoneInfo(tz_name) if tz_name else None,
                         timezone_basis=basis, region=case.region or _region_for(tz_name),
                         date_order=date_order)


def _region_for(tz: str | None) -> str:
    """A phone-number default region from the zone when the case names none."""
    if not tz:
        return "US"
    table = {"Europe/London": "GB", "Europe/Dublin": "IE", "Europe/Berlin": "DE", "Europe/Vienna": "AT",
             "Europe/Zurich": "CH", "Europe/Paris": "FR", "Europe/Madrid": "ES", "Europe/Rome": "IT",
             "Europe/Amsterdam": "NL", "Europe/Helsinki": "FI", "Europe/Stockholm": "SE",
             "Australia/Sydney": "AU", "Australia/Melbourne": "AU", "Australia/Brisbane": "AU",
             "Australia/Perth": "AU", "Australia/Adelaide": "AU", "Pacific/Auckland": "NZ",
             "Asia/Kolkata": "IN", "America/Sao_Paulo": "BR", "America/Mexico_City": "MX"}
    if tz in table:
        return table[tz]
    if tz.startswith("Canada/") or tz in ("America/Toronto", "America/Vancouver", "America/Edmonton",
                                          "America/Winnipeg", "America/Halifax", "America/St_Johns"):
        return "CA"
    return "US"


def import_planned(vault: Vault, planned: Planned, ctx: ImportContext, *, keep_unrelated: bool = False,
                   progress: Progress | None = None) -> ImportSummary:
    return import_source(vault, planned.source, planned.importer, ctx, keep_unrelated=keep_unrelated,
                         progress=progress)
