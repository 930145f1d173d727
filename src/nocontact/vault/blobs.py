"""The encrypted, content-addressed blob store for originals and attachments.

A blob is the file's bytes encrypted with AES-256-GCM in 1 MiB chunks, so a gigabyte export is
stored and read back with flat memory. Each chunk is authenticated with its index and a
last-chunk flag, so reordering, truncating or flipping any byte is detected. The blob's name is
HMAC-SHA256 of its content under a vault key: equal files share one blob, and someone holding the
disk cannot test whether a known file is present.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import io
import os
import struct
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["BlobCorrupt", "BlobInfo", "BlobReader", "BlobStore"]

MAGIC = b"NCBLOB1\x00"
CHUNK = 1 << 20
T = TypeVar("T")
TAG = 16
HEADER_LEN = len(MAGIC) + 8 + 4


class BlobCorrupt(Exception):
    """A blob that is missing, truncated or altered."""


@dataclass(frozen=True)
class BlobInfo:
    name: str
    sha256: str
    size: int


def in_parallel(fn: Callable[[T], object], items: list[T], workers: int = 8) -> None:
    """``fn`` over ``items`` on up to ``workers`` threads; raises the first error after all end.

    Plain threads, a fixed number per call: an executor starts threads as it sees fit, which made
    the steps of an import differ from run to run (``tests/vault/test_crash_matrix.py`` numbers them).
    """
    n = min(workers, len(items))
    if n == 0:
        return
    errors: list[BaseException] = []

    def run(share: list[T]) -> None:
        try:
            for item in share:
                fn(item)
        except BaseException as e:  # noqa: BLE001 - handed to the calling thread below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(items[i::n],), name="nocontact-sync", daemon=True)
               for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def _fsync_path(path: Path) -> None:
    """Sync a file or a folder (a folder's entries: a rename into it is then durable)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobStore:
    def __init__(self, root: Path, key: bytes, name_key: bytes) -> None:
        self.root = root
        self._aead = AESGCM(key)
        self._name_key = name_key

    def path_for(self, name: str) -> Path:
        return self.root / name[:2] / name

    def put_stream(self, stream: BinaryIO, *, durable: bool = True) -> BlobInfo:
        """Encrypt ``stream`` into the store; returns its name, SHA-256 and size. Durable on return,
        unless ``durable=False``: then the caller must pass the name to ``make_durable`` before
        any committed row names it (an import syncs its attachments together, before its commit)."""
        self.root.mkdir(parents=True, exist_ok=True)
        prefix = os.urandom(8)
        header = MAGIC + prefix + struct.pack(">I", CHUNK)
        sha = hashlib.sha256()
        mac = hmac.new(self._name_key, digestmod=hashlib.sha256)
        tmp = self.root / f"tmp-{os.urandom(8).hex()}"
        size = 0
        try:
            with open(tmp, "wb") as out:
                # Held until closed: a writer sweeping leftovers (``sweep_temporary``) skips a file
                # still being written, e.g. an upload streaming in before it takes the vault's lock.
                fcntl.flock(out.fileno(), fcntl.LOCK_EX)
                out.write(header)
                index = 0
                chunk = stream.read(CHUNK)
                while True:
                    nxt = stream.read(CHUNK) if len(chunk) == CHUNK else b""
                    last = not nxt
                    sha.update(chunk)
                    mac.update(chunk)
                    size += len(chunk)
                    nonce = prefix + struct.pack(">I", index)
                    aad = header + struct.pack(">I?", index, last)
                    out.write(self._aead.encrypt(nonce, chunk, aad))
                    if last:
                        break
                    chunk = nxt
                    index += 1
                out.flush()
                if durable:
                    os.fsync(out.fileno())
            name = mac.hexdigest()
            final = self.path_for(name)
            if final.exists():
                tmp.unlink()
            else:
                final.parent.mkdir(exist_ok=True)
                os.replace(tmp, final)
                if durable:
                    _fsync_path(final.parent)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return BlobInfo(name=name, sha256=sha.hexdigest(), size=size)

    def identify(self, stream: BinaryIO) -> BlobInfo:
        """The name, SHA-256 and size ``put_stream`` would give ``stream``, without storing it.

        An import names its original in rows before a second thread has finished storing it.
        """
        sha = hashlib.sha256()
        mac = hmac.new(self._name_key, digestmod=hashlib.sha256)
        size = 0
        while block := stream.read(CHUNK):
            sha.update(block)
            mac.update(block)
            size += len(block)
        return BlobInfo(name=mac.hexdigest(), sha256=sha.hexdigest(), size=size)

    def sweep_temporary(self) -> int:
        """Delete the temporary files of writers that died (killed mid-write); returns how many.

        A file whose writer is alive holds an exclusive lock and is left alone.
        """
        removed = 0
        if not self.root.is_dir():
            return 0
        for p in self.root.glob("tmp-*"):
            try:
                fd = os.open(p, os.O_RDONLY)
            except FileNotFoundError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue  # still being written
            try:
                p.unlink(missing_ok=True)
                removed += 1
            finally:
                os.close(fd)
        return removed

    def put_bytes(self, data: bytes, *, durable: bool = True) -> BlobInfo:
        return self.put_stream(io.BytesIO(data), durable=durable)

    def make_durable(self, names: Iterable[str]) -> None:
        """Sync stored blobs and their folders to disk, several at a time.

        One sync each, one after another, cost an import about 0.7 ms per attachment (3 s for a
        mailbox with 1,100 photos); issued together, the file system commits them in groups.
        """
        files = sorted({self.path_for(n) for n in names})
        in_parallel(_fsync_path, files)
        in_parallel(_fsync_path, sorted({f.parent for f in files}))

    def chunks(self, name: str) -> Iterator[bytes]:
        """Decrypted chunks of a blob; raises BlobCorrupt on any damage."""
        path = self.path_for(name)
        try:
            f = open(path, "rb")  # noqa: SIM115 - closed by the with below
        except FileNotFoundError:
            raise BlobCorrupt(f"blob {name[:16]}… is missing") from None
        with f:
            header = f.read(HEADER_LEN)
            if len(header) != HEADER_LEN or not header.startswith(MAGIC):
                raise BlobCorrupt(f"blob {name[:16]}… has a damaged header")
            prefix = header[len(MAGIC):len(MAGIC) + 8]
            (chunk,) = struct.unpack(">I", header[-4:])
            index = 0
            block = f.read(chunk + TAG)
            while True:
                nxt = f.read(chunk + TAG)
                last = not nxt
                nonce = prefix + struct.pack(">I", index)
                try:
                    yield self._aead.decrypt(nonce, block, header + struct.pack(">I?", index, last))
                except InvalidTag:
                    raise BlobCorrupt(f"blob {name[:16]}… is altered or truncated (chunk {index} "
                                      "fails authentication)") from None
                if last:
                    return
                block = nxt
                index += 1

    def read(self, name: str) -> bytes:
        return b"".join(self.chunks(name))

    def open(self, name: str) -> BlobReader:
        return BlobReader(self, name)

    def check(self, name: str) -> tuple[str, int]:
        """Decrypt the whole blob; return its SHA-256 and size. Also checks the name (HMAC)."""
        sha = hashlib.sha256()
        mac = hmac.new(self._name_key, digestmod=hashlib.sha256)
        size = 0
        for c in self.chunks(name):
            sha.update(c)
            mac.update(c)
            size += len(c)
        if not hmac.compare_digest(mac.hexdigest(), name):
            raise BlobCorrupt(f"blob {name[:16]}… does not hold the content its name commits to")
        return sha.hexdigest(), size

    def names(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for sub in sorted(self.root.iterdir()):
            if sub.is_dir():
                for p in sorted(sub.iterdir()):
                    yield p.name


class BlobReader(io.RawIOBase):
    """A read-only, seekable view of a blob that decrypts one chunk at a time.

    Lets a stored original be re-read (rescans, zip members, bundles) without ever writing the
    plaintext to disk.
    """

    def __init__(self, store: BlobStore, name: str) -> None:
        self._store = store
        self._name = name
        path = store.path_for(name)
        try:
            self._f = open(path, "rb")  # noqa: SIM115 - closed in close()
        except FileNotFoundError:
            raise BlobCorrupt(f"blob {name[:16]}… is missing") from None
        header = self._f.read(HEADER_LEN)
        if len(header) != HEADER_LEN or not header.startswith(MAGIC):
            raise BlobCorrupt(f"blob {name[:16]}… has a damaged header")
        self._header = header
        self._prefix = header[len(MAGIC):len(MAGIC) + 8]
        (self._chunk,) = struct.unpack(">I", header[-4:])
        total = path.stat().st_size - HEADER_LEN
        self._nchunks = max(1, -(-total // (self._chunk + TAG)))
        last_len = total - (self._nchunks - 1) * (self._chunk + TAG) - TAG
        self._size = (self._nchunks - 1) * self._chunk + max(0, last_len)
        self._pos = 0
        self._cache: tuple[int, bytes] | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def _load(self, index: int) -> bytes:
        if self._cache and self._cache[0] == index:
            return self._cache[1]
        self._f.seek(HEADER_LEN + index * (self._chunk + TAG))
        block = self._f.read(self._chunk + TAG)
        last = index == self._nchunks - 1
        nonce = self._prefix + struct.pack(">I", index)
        try:
            data = self._store._aead.decrypt(nonce, block, self._header + struct.pack(">I?", index, last))
        except InvalidTag:
            raise BlobCorrupt(f"blob {self._name[:16]}… is altered (chunk {index})") from None
        self._cache = (index, data)
        return data

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(b).cast("B")
        filled = 0
        while filled < len(view) and self._pos < self._size:
            index, off = divmod(self._pos, self._chunk)
            data = self._load(index)
            n = min(len(view) - filled, len(data) - off)
            view[filled:filled + n] = data[off:off + n]
            self._pos += n
            filled += n
        return filled

    def close(self) -> None:
        self._f.close()
        super().close()
