"""An export already encrypted in the vault (an upload, or an original read again), as a ``Source``.

``open()`` decrypts the stored blob one chunk at a time (``BlobReader``, seekable), so importing
from the vault never writes plaintext anywhere. A zip is opened from the blob too, member by
member, after the same archive checks the CLI applies (``nocontact.ingest.plan_source``).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO, cast

from nocontact.importers import UnknownFormat, by_name
from nocontact.importers.base import ImportContext
from nocontact.ingest import Planned, Skipped, plan_source, plan_together
from nocontact.sources import ArchiveError, Source
from nocontact.vault.blobs import BlobStore
from nocontact.vault.importing import ImportFailed, ImportSummary, drop_unreferenced, import_source
from nocontact.vault.store import Vault

__all__ = ["BlobSource", "Spooler", "discard_unreferenced", "plan_upload", "plan_uploads", "reimport_stored",
           "stored_sources"]


class BlobSource:
    def __init__(self, store: BlobStore, blob: str, display: str, size: int) -> None:
        self._store = store
        self.blob = blob
        self.display = display
        self.name = PurePosixPath(display).name
        self.size = size

    def open(self) -> BinaryIO:
        return cast(BinaryIO, io.BufferedReader(self._store.open(self.blob), 1 << 16))

    def head(self, n: int = 8192) -> bytes:
        with self.open() as f:
            return f.read(n)

    def related(self, relpath: str) -> Source | None:
        return None

    def local_path(self) -> Path | None:
        return None


class Spooler:
    """Copies a zip found inside a zip into the vault's encrypted store, to be read from there.

    A zip's member list sits at its end, so a zip inside another can only be read with a stream
    that seeks; its copy is encrypted like every file in the vault, never a plaintext temporary
    file. After the import, ``discard`` removes each copy that nothing references: the members
    imported from it are stored as originals of their own, as from any zip.
    """

    def __init__(self, vault: Vault, on_copy: Callable[[Source], None] | None = None) -> None:
        self._vault = vault
        self._on_copy = on_copy
        self.blobs: list[str] = []

    def __call__(self, src: Source) -> Source:
        if self._on_copy is not None:  # a big inner zip takes a while to copy: say what is happening
            self._on_copy(src)
        with src.open() as f:
            info = self._vault.blobs.put_stream(f)  # durable: an import may name this very blob
        self.blobs.append(info.name)
        return BlobSource(self._vault.blobs, info.name, src.display, info.size)

    def discard(self) -> None:
        discard_unreferenced(self._vault, self.blobs)
        self.blobs.clear()


def discard_unreferenced(vault: Vault, blobs: list[str]) -> None:
    """Remove the stored copies in ``blobs`` that no original or attachment names (an uploaded or
    spooled download once its exports are imported from it)."""
    for name in blobs:
        drop_unreferenced(vault, name)


def plan_upload(store: BlobStore, blob: str, display: str, size: int) -> Iterator[Planned | Skipped]:
    """What can be imported from one uploaded file (a zip is walked member by member, from the vault)."""
    yield from plan_source(BlobSource(store, blob, display, size))


def plan_uploads(store: BlobStore, uploads: list[tuple[str, str, int]], spool: Spooler | None = None
                 ) -> Iterator[Planned | Skipped]:
    """What can be imported from files uploaded together, each (blob, display, size): the parts of
    a split download find each other's photos, as on the command line."""
    yield from plan_together([BlobSource(store, blob, display, size) for blob, display, size in uploads],
                             spool=spool)


def stored_sources(vault: Vault) -> Iterator[tuple[str, BlobSource]]:
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
            # read as its earlier imports did (their zone, their date order), or all would come twice
            yield import_source(vault, src, importer, ctx, keep_unrelated=keep_unrelated, again=True)
        except (UnknownFormat, ImportFailed, ArchiveError) as e:
            yield (src.display, str(e))
