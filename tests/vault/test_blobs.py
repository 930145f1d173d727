"""The encrypted blob store."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest

from nocontact.vault.blobs import CHUNK, BlobCorrupt, BlobStore


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs", os.urandom(32), os.urandom(32))


class TestBlobs:
    @pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17])
    def test_bytes_come_back_exactly(self, store: BlobStore, size: int) -> None:
        """Whatever the size, what is stored is what is read back, and the SHA-256 is the content's."""
        data = os.urandom(size)
        info = store.put_stream(io.BytesIO(data))
        assert info.sha256 == hashlib.sha256(data).hexdigest() and info.size == size
        assert store.read(info.name) == data
        assert store.check(info.name) == (info.sha256, size)

    def test_the_disk_holds_no_plaintext_and_no_content_hash(self, store: BlobStore) -> None:
        """Neither the bytes nor their plain SHA-256 can be found on disk, so known files cannot be spotted."""
        data = b"MARKER " * 1000
        info = store.put_bytes(data)
        raw = store.path_for(info.name).read_bytes()
        assert b"MARKER" not in raw
        assert hashlib.sha256(data).hexdigest() not in info.name

    def test_equal_files_share_one_blob(self, store: BlobStore) -> None:
        """Storing the same bytes twice stores them once."""
        a = store.put_bytes(b"same")
        b = store.put_bytes(b"same")
        assert a.name == b.name
        assert len(list(store.names())) == 1

    def test_a_flipped_byte_is_detected(self, store: BlobStore) -> None:
        """Changing any byte of a stored file makes reading it fail."""
        info = store.put_bytes(os.urandom(5000))
        p = store.path_for(info.name)
        raw = bytearray(p.read_bytes())
        raw[-100] ^= 1
        p.write_bytes(bytes(raw))
        with pytest.raises(BlobCorrupt, match="altered"):
            store.check(info.name)

    def test_a_truncated_blob_is_detected(self, store: BlobStore) -> None:
        """Cutting whole chunks off the end is detected by the last-chunk flag."""
        info = store.put_bytes(os.urandom(2 * CHUNK + 10))
        p = store.path_for(info.name)
        p.write_bytes(p.read_bytes()[: 20 + 2 * (CHUNK + 16)])
        with pytest.raises(BlobCorrupt):
            store.check(info.name)

    def test_a_missing_blob_is_named(self, store: BlobStore) -> None:
        """A deleted blob is reported as missing."""
        info = store.put_bytes(b"x")
        store.path_for(info.name).unlink()
        with pytest.raises(BlobCorrupt, match="missing"):
            store.check(info.name)

    def test_the_seekable_reader_reads_any_range(self, store: BlobStore) -> None:
        """BlobReader seeks across chunk boundaries, so zip files can be read from the vault."""
        data = os.urandom(2 * CHUNK + 333)
        info = store.put_bytes(data)
        with store.open(info.name) as r:
            r.seek(CHUNK - 5)
            assert r.read(10) == data[CHUNK - 5:CHUNK + 5]
            r.seek(-7, 2)
            assert r.read() == data[-7:]


class _Slow(io.RawIOBase):
    """A stream that stops halfway until told to go on, like an upload still arriving."""

    def __init__(self, store: BlobStore) -> None:
        self.store = store
        self.parts = [b"first half ", b"second half"]
        self.swept: int | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        if not self.parts:
            return 0
        if len(self.parts) == 1 and self.swept is None:
            self.swept = self.store.sweep_temporary()  # another writer sweeps while this one writes
        data = self.parts.pop(0)
        b[:len(data)] = data
        return len(data)


def test_a_sweep_removes_what_dead_writers_left_and_spares_a_file_being_written(store: BlobStore) -> None:
    """Leftovers of killed writers go; a blob still streaming in (its writer alive) is untouched."""
    store.root.mkdir(parents=True, exist_ok=True)
    dead = store.root / "tmp-deadbeefdeadbeef"
    dead.write_bytes(b"half a blob from a killed import")
    slow = _Slow(store)
    info = store.put_stream(io.BufferedReader(slow, 8))
    assert slow.swept == 1
    assert not dead.exists()
    assert b"".join(store.chunks(info.name)) == b"first half second half"
    assert list(store.root.glob("tmp-*")) == []


def test_a_deferred_blob_is_synced_with_its_folder_by_make_durable(store: BlobStore,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """``durable=False`` writes without syncing; ``make_durable`` then syncs every file and folder once."""
    synced: list[tuple[int, int]] = []
    real = os.fsync

    def spy(fd: int) -> None:
        st = os.fstat(fd)
        synced.append((st.st_dev, st.st_ino))
        real(fd)

    monkeypatch.setattr(os, "fsync", spy)
    infos = [store.put_bytes(os.urandom(100 + i), durable=False) for i in range(5)]
    assert synced == []
    store.make_durable([i.name for i in infos] + [infos[0].name])
    paths = {store.path_for(i.name) for i in infos}
    want = {(p.stat().st_dev, p.stat().st_ino) for p in paths | {p.parent for p in paths}}
    assert set(synced) == want and len(synced) == len(want)
    assert all(store.read(i.name) for i in infos)
