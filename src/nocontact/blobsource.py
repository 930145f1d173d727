"""An uploaded export, already encrypted in the vault, seen as an import ``Source``.

``open()`` decrypts the stored blob one chunk at a time (``BlobReader``), so importing an upload
never writes its plaintext anywhere. A zip upload is opened from the blob too, member by member,
after the same archive checks the CLI applies.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO, cast

from nocontact.importers import AmbiguousFormat, UnknownFormat, by_name, identify
from nocontact.importers.base import ImportContext
from nocontact.ingest import Planned, Skipped
from nocontact.sources import ArchiveError, ArchiveLimits, Source, check_member, is_zip
from nocontact.vault.blobs import BlobStore
from nocontact.vault.importing import ImportFailed, ImportSummary, import_source
from nocontact.vault.store import Vault

__all__ = ["BlobSource", "ZipBlobMember", "plan_upload", "reimport_stored", "stored_sources"]


class BlobSource:
    def __init__(self, store: BlobStore, blob: str, display: str, size: int) -> None:
        self._store = store
        self._blob = blob
        self.display = display
        self.name = PurePosixPath(display).name
        self.size = size

    def open(self) -> BinaryIO:
        return cast(BinaryIO, io.BufferedReader(self._store.open(self._blob), 1 << 16))

    def head(self, n: int = 8192) -> bytes:
        with self.open() as f:
            return f.read(n)

    def related(self, relpath: str) -> Source | None:
        return None

    def local_path(self) -> Path | None:
        return None


class ZipBlobMember:
    """One member of a zip that is stored as a blob; read through the decrypting reader."""

    def __init__(self, store: BlobStore, blob: str, archive_display: str, info: zipfile.ZipInfo,
                 members: dict[str, zipfile.ZipInfo]) -> None:
        self._store = store
        self._blob = blob
        self._archive_display = archive_display
        self._info = info
        self._members = members
        self.display = f"{archive_display}!/{info.filename}"
        self.name = PurePosixPath(info.filename).name
        self.size = info.file_size

    def open(self) -> BinaryIO:
        zf = zipfile.ZipFile(io.BufferedReader(self._store.open(self._blob), 1 << 16))
        inner = zf.open(self._info)
        return cast(BinaryIO, _Closing(inner, zf))

    def head(self, n: int = 8192) -> bytes:
        with self.open() as f:
            return f.read(n)

    def related(self, relpath: str) -> Source | None:
        rel = PurePosixPath(relpath)
        if rel.is_absolute() or ".." in rel.parts:
            return None
        here = PurePosixPath(self._info.filename).parent
        for cand in (str(rel), str(here / rel)):
            for key, info in self._members.items():
                if key == cand or key.endswith("/" + cand):
                    return ZipBlobMember(self._store, self._blob, self._archive_display, info, self._members)
        return None

    def local_path(self) -> Path | None:
        return None


class _Closing(io.RawIOBase):
    def __init__(self, inner: IO[bytes], zf: zipfile.ZipFile) -> None:
        self._inner = inner
        self._zf = zf

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(b))
        b[:len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._inner.close()
            self._zf.close()
        finally:
            super().close()


def _identify(src: Source) -> Planned | Skipped | None:
    try:
        imp, _ = identify(src, src.head())
        return Planned(src, imp)
    except AmbiguousFormat as e:
        return Skipped(src.display, str(e).split(": ", 1)[-1])
    except UnknownFormat as e:
        return None if is_zip(src.head(4)) else Skipped(src.display, str(e).split(": ", 1)[-1])


def plan_upload(store: BlobStore, blob: str, display: str, size: int) -> Iterator[Planned | Skipped]:
    """What can be imported from one uploaded file (a zip is walked member by member)."""
    src = BlobSource(store, blob, display, size)
    first = _identify(src)
    if first is not None:
        yield first
        return
    limits = ArchiveLimits()
    try:
        with zipfile.ZipFile(io.BufferedReader(store.open(blob), 1 << 16)) as zf:
            infos = zf.infolist()
        for info in infos:
            check_member(info, limits)
    except (zipfile.BadZipFile, ArchiveError) as e:
        yield Skipped(display, str(e))
        return
    members = {i.filename: i for i in infos if not i.is_dir()}
    for info in members.values():
        m = ZipBlobMember(store, blob, display, info, members)
        got = _identify(m)
        yield got if got is not None else Skipped(m.display, "an archive inside an archive is not opened")


def stored_sources(vault: Vault) -> Iterator[tuple[str, Source]]:
    """Every original already in the vault, as (format, source), to be read again."""
    rows = vault.conn.execute("SELECT blob, display, size, format FROM sources ORDER BY id").fetchall()
    for blob, display, size, fmt in rows:
        yield fmt, BlobSource(vault.blobs, blob, display, size)


def reimport_stored(vault: Vault, ctx: ImportContext, *, keep_unrelated: bool = False
                    ) -> Iterator[ImportSummary | tuple[str, str]]:
    """Read every stored original again with the current case: picks up what new identities make the ex's.

    Yields a summary per original, or (display, reason) when one cannot be read again here.
    """
    for fmt, src in stored_sources(vault):
        try:
            importer = by_name(fmt)
            yield import_source(vault, src, importer, ctx, keep_unrelated=keep_unrelated)
        except (UnknownFormat, ImportFailed, ArchiveError) as e:
            yield (src.display, str(e))
