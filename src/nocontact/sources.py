"""Where import bytes come from: plain files, folders, and members of zip archives.

A ``Source`` is a readable stream plus a stable display path (relative to what the person
named on the command line; inside an archive ``archive.zip!/inner/path``). Archive members are
streamed straight from the archive, never extracted to a temporary directory, and every member
is checked for path traversal, links and decompression bombs before it is opened.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO, Protocol, cast

__all__ = [
    "ArchiveError",
    "ArchiveLimits",
    "DownloadParts",
    "FileSource",
    "Source",
    "ZipMemberSource",
    "walk",
]

HEAD_BYTES = 8192


class ArchiveError(Exception):
    """An archive that is refused: traversal, links, a bomb or a damaged zip. Said plainly."""


@dataclass(frozen=True)
class ArchiveLimits:
    """Caps that stop a zip bomb before it fills the disk or the memory."""

    max_total_uncompressed: int = 64 * 1024**3
    max_member_uncompressed: int = 16 * 1024**3
    max_ratio: float = 200.0
    max_members: int = 200_000


class Source(Protocol):
    """Bytes to import. ``display`` is what the events export calls ``source``."""

    @property
    def display(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def size(self) -> int: ...

    def open(self) -> BinaryIO: ...

    def head(self, n: int = HEAD_BYTES) -> bytes: ...

    def related(self, relpath: str) -> Source | None: ...

    def local_path(self) -> Path | None: ...


@dataclass(frozen=True)
class FileSource:
    """A file on disk, named relative to the root the person gave to ``import``."""

    path: Path
    root: Path
    display: str

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def open(self) -> BinaryIO:
        return open(self.path, "rb")

    def head(self, n: int = HEAD_BYTES) -> bytes:
        with open(self.path, "rb") as f:
            return f.read(n)

    def related(self, relpath: str) -> Source | None:
        """A file beside this one, named relative to the import root; never outside it."""
        rel = PurePosixPath(relpath)
        if rel.is_absolute() or ".." in rel.parts or "\x00" in relpath:  # no file name holds a NUL
            return None
        for base in (self.root, self.path.parent):
            p = (base / rel).resolve()
            try:
                p.relative_to(self.root.resolve())
            except ValueError:
                continue
            try:
                if p.is_file():
                    return FileSource(p, self.root, _display_for(p, self.root))
            except OSError:  # a name longer than the file system allows, and the like
                continue
        return None

    def local_path(self) -> Path | None:
        return self.path


def _display_for(path: Path, root: Path) -> str:
    try:
        rel = path.resolve().relative_to(root.resolve())
        return rel.as_posix() if rel.parts else path.name
    except ValueError:
        return path.name


#: A zip on disk, or a function that opens a seekable stream of one.
Archive = Path | Callable[[], IO[bytes]]


class _MemberIndex:
    """One archive's file members, looked up by full name or by the folders a name ends with.

    Exports name their photos by path; a Takeout or Facebook zip holds up to hundreds of
    thousands of members, so a lookup goes through the members sharing the file name, not all.
    """

    def __init__(self, archive: Archive, archive_display: str, members: dict[str, zipfile.ZipInfo]) -> None:
        self.archive = archive
        self.archive_display = archive_display
        self.members = members
        self.by_name: dict[str, list[str]] = {}
        for key in members:
            self.by_name.setdefault(key.rpartition("/")[2], []).append(key)

    def find(self, cand: str) -> zipfile.ZipInfo | None:
        for key in self.by_name.get(cand.rpartition("/")[2], ()):
            if key == cand or key.endswith("/" + cand):
                return self.members[key]
        return None


class DownloadParts:
    """The zips of one download that came in parts, which read as one tree.

    Google Takeout and Facebook or Instagram "Download your information" split a big download
    into several zips (``takeout-...-001.zip``, ``-002.zip``), and a thread's photos can sit in
    another part than its messages. Zips given to one ``import`` (or uploaded together) join one
    ``DownloadParts``, and a file an export names that is not in its own zip is looked for in the
    others, by its path with folders only: parts of one download share their folder layout, while
    a bare file name (a WhatsApp chat's ``IMG-...jpg``) could belong to another chat's zip.
    """

    def __init__(self) -> None:
        self._parts: list[_MemberIndex] = []

    def add(self, part: _MemberIndex) -> None:
        self._parts.append(part)

    def find(self, cands: list[str], besides: _MemberIndex) -> ZipMemberSource | None:
        for cand in cands:
            if "/" not in cand:
                continue
            for part in self._parts:
                if part is not besides and (info := part.find(cand)) is not None:
                    return ZipMemberSource(part, info, self)
        return None


class ZipMemberSource:
    """One member of a zip archive, streamed from the archive with its size verified."""

    def __init__(self, index: _MemberIndex, info: zipfile.ZipInfo, parts: DownloadParts | None = None) -> None:
        self.archive = index.archive
        self.info = info
        self._index = index
        self._parts = parts
        self.display = f"{index.archive_display}!/{info.filename}"
        self.name = PurePosixPath(info.filename).name
        self.size = info.file_size
        self.archive_display = index.archive_display

    def open(self) -> BinaryIO:
        zf = _zipfile(self.archive)
        try:
            inner = zf.open(self.info)
        except _ZIP_READ_ERRORS:
            zf.close()
            raise _damaged(self.display) from None
        return cast(BinaryIO, io.BufferedReader(_ClosingReader(inner, zf, self.display), 1 << 16))

    def head(self, n: int = HEAD_BYTES) -> bytes:
        with self.open() as f:
            return f.read(n)

    def related(self, relpath: str) -> Source | None:
        """A member named relative to the archive root or to this member's folder; failing that,
        the same path in another part of the same download."""
        rel = PurePosixPath(relpath)
        if rel.is_absolute() or ".." in rel.parts:
            return None
        here = PurePosixPath(self.info.filename).parent
        cands = [str(rel), str(here / rel)]
        for cand in cands:
            if (info := self._index.find(cand)) is not None:
                return ZipMemberSource(self._index, info, self._parts)
        if self._parts is not None:
            return self._parts.find(cands[::-1], besides=self._index)
        return None

    def local_path(self) -> Path | None:
        return None


class _ClosingReader(io.RawIOBase):
    """Reads a zip member and closes the archive with it; counts bytes against the declared size."""

    def __init__(self, inner: IO[bytes], zf: zipfile.ZipFile, display: str) -> None:
        self._inner = inner
        self._zf = zf
        self._display = display

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            data = self._inner.read(len(b))
        except _ZIP_READ_ERRORS:
            raise _damaged(self._display) from None
        n = len(data)
        b[:n] = data
        return n

    def close(self) -> None:
        try:
            self._inner.close()
            self._zf.close()
        finally:
            super().close()


#: What zipfile raises on damaged or unsupported member data (bad CRC, bad header, zlib errors,
#: truncation, unknown compression or version, encryption).
_ZIP_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError,
                    ValueError)


def _damaged(display: str) -> ArchiveError:
    return ArchiveError(f"{display}: the archive is damaged and this file in it cannot be unpacked. "
                        f"Make the archive again from the original export.")


_UTF8_NAME = 0x800
_UNICODE_PATH_EXTRA = 0x7075


def unicode_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its writer meant it.

    Without the UTF-8 flag the zip format says a name is code page 437, and Python reads it so;
    but Info-ZIP on Linux and many phone and cloud tools write UTF-8 there anyway, so "🧗" or
    "José" came out as "≡ƒºù" and "Jos├⌐" (and a chat's title, taken from its file name, no
    longer named the person). Info-ZIP's Unicode Path extra field is used when its CRC matches
    the raw name; otherwise raw bytes that are valid UTF-8 are read as UTF-8, which text really
    meant as code page 437 practically never is.
    """
    name = info.filename
    if info.flag_bits & _UTF8_NAME or name.isascii():
        return name
    try:
        raw = info.orig_filename.encode("cp437")
    except UnicodeEncodeError:
        return name
    extra, i = info.extra, 0
    while i + 4 <= len(extra):
        kind, size = int.from_bytes(extra[i:i + 2], "little"), int.from_bytes(extra[i + 2:i + 4], "little")
        body = extra[i + 4:i + 4 + size]
        if kind == _UNICODE_PATH_EXTRA and len(body) >= 5 and body[0] == 1 \
                and int.from_bytes(body[1:5], "little") == zlib.crc32(raw):
            try:
                return body[5:].decode("utf-8")
            except UnicodeDecodeError:
                break
        i += 4 + size
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return name


def check_member(info: zipfile.ZipInfo, limits: ArchiveLimits) -> None:
    """Refuse names that escape the archive, links, and members that inflate like a bomb."""
    name = info.filename
    if not name:
        raise ArchiveError("refused: the archive holds a member with an empty name")
    p = PurePosixPath(name.replace("\\", "/"))
    if name.startswith(("/", "\\")) or p.is_absolute() or (len(name) > 1 and name[1] == ":"):
        raise ArchiveError(f"refused: the archive names an absolute path ({name!r})")
    if ".." in p.parts:
        raise ArchiveError(f"refused: the archive tries to write outside itself ({name!r})")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise ArchiveError(f"refused: the archive holds a symbolic link ({name!r})")
    if info.flag_bits & 0x1:
        raise ArchiveError(f"refused: {name!r} is protected by a password; open the archive yourself "
                           f"and import the folder")
    if info.file_size > limits.max_member_uncompressed:
        raise ArchiveError(f"refused: {name!r} would unpack to {info.file_size} bytes, over the limit")
    if info.compress_size and info.file_size / info.compress_size > limits.max_ratio and info.file_size > 10 * 1024**2:
        raise ArchiveError(f"refused: {name!r} looks like a zip bomb (compression ratio "
                           f"{info.file_size / info.compress_size:.0f}:1)")


def _zipfile(archive: Archive) -> zipfile.ZipFile:
    return zipfile.ZipFile(archive if isinstance(archive, Path) else archive())


def zip_members(archive: Archive, archive_display: str, limits: ArchiveLimits | None = None,
                parts: DownloadParts | None = None) -> list[ZipMemberSource]:
    """Every file member of ``archive`` as a source, after checking the whole archive first.

    ``archive`` is a path, or a function opening a seekable stream (an archive stored encrypted in
    the vault is read this way, never unpacked to disk). With ``parts``, the archive joins the
    other parts of its download, where its members find the files they name that it lacks.
    """
    limits = limits or ArchiveLimits()
    try:
        zf = _zipfile(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, EOFError, OSError) as e:
        raise ArchiveError(f"{archive_display}: not a readable zip archive ({e})") from None
    with zf:
        infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise ArchiveError(f"{archive_display}: refused, {len(infos)} members is more than {limits.max_members}")
    total = 0
    seen: set[str] = set()
    for info in infos:
        info.filename = unicode_name(info)  # opening goes by the header offset and orig_filename
        check_member(info, limits)
        if info.filename in seen:
            raise ArchiveError(f"{archive_display}: refused, it holds two members named {info.filename!r}")
        seen.add(info.filename)
        total += info.file_size
    if total > limits.max_total_uncompressed:
        raise ArchiveError(f"{archive_display}: refused, it would unpack to {total} bytes, over the limit")
    index = _MemberIndex(archive, archive_display, {i.filename: i for i in infos if not i.is_dir()})
    if parts is not None:
        parts.add(index)
    return [ZipMemberSource(index, i, parts) for i in index.members.values()]


def is_zip(head: bytes) -> bool:
    return head[:4] in (b"PK\x03\x04", b"PK\x05\x06")


def walk(paths: list[Path]) -> Iterator[FileSource]:
    """Every regular file under the given paths, in a stable order, links not followed.

    Each file is named relative to the folder the person gave (or by its own name when they
    gave a file), which is what the events export calls ``source``.
    """
    for given in paths:
        if given.is_symlink():
            continue
        if given.is_file():
            yield FileSource(given, given.parent, given.name)
            continue
        if not given.is_dir():
            raise FileNotFoundError(f"{given}: no such file or folder")
        for dirpath, dirnames, filenames in os.walk(given, followlinks=False):
            dirnames.sort()
            for fn in sorted(filenames):
                p = Path(dirpath) / fn
                if p.is_symlink() or not p.is_file():
                    continue
                yield FileSource(p, given, p.relative_to(given).as_posix())
