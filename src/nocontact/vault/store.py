"""Opening, creating and writing to a vault: header, keys, the encrypted database, the journal.

Every change goes through ``Vault.transaction()``: it takes the vault's writer lock (one writer
at a time, others wait then fail with a plain sentence), opens one SQLite transaction, and the
journal entry appended inside it commits with the data, so a crash leaves the change wholly
there or wholly absent.
"""

from __future__ import annotations

import base64
import copy
import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlcipher3
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from nocontact.vault import crypto
from nocontact.vault.blobs import BlobStore
from nocontact.vault.journal import GENESIS, canonical_json, entry_hash, head_message
from nocontact.vault.schema import apply_migrations

__all__ = ["NotAVault", "Vault", "VaultBusy", "VaultError", "utc_now"]

FORMAT = "nocontact-vault"
FORMAT_VERSION = 1
HEADER = "header.json"
DATABASE = "vault.db"
BLOBS = "blobs"
LOCK = "lock"
#: The page cache, in KiB: see ``Vault.size_cache_for``.
CACHE_MIN_KIB = 8192
CACHE_MAX_KIB = 32768
CACHE_BYTES_PER_EVENT = 140


class VaultError(Exception):
    """A problem with the vault, worded for the person using it."""


class NotAVault(VaultError):
    pass


class VaultBusy(VaultError):
    pass


def utc_now() -> str:
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def _unb64(s: Any) -> bytes:
    return base64.b64decode(str(s))


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _wrap_aad(vault_id: str) -> bytes:
    return f"nocontact data key v1|{vault_id}".encode()


@dataclass(frozen=True)
class Header:
    """The small plaintext file that says how to open the vault. Holds no secret in the clear."""

    data: dict[str, Any]

    @property
    def vault_id(self) -> str:
        return str(self.data["vault_id"])

    @property
    def public_key(self) -> bytes:
        return _unb64(self.data["identity_public_key"])

    @classmethod
    def load(cls, root: Path) -> Header:
        p = root / HEADER
        if not root.is_dir():
            raise NotAVault(f"{root}: there is no vault here (no such folder). Create one with 'nocontact init'.")
        if not p.is_file():
            raise NotAVault(f"{root}: this folder is not a nocontact vault (it has no {HEADER}).")
        try:
            data = json.loads(p.read_bytes())
        except ValueError:
            raise NotAVault(f"{root}: the vault header {HEADER} is damaged (not valid JSON).") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise NotAVault(f"{root}: {HEADER} is not a nocontact vault header.")
        if data.get("version") != FORMAT_VERSION:
            raise NotAVault(f"{root}: vault format version {data.get('version')!r} is not one this "
                            f"nocontact reads (it reads version {FORMAT_VERSION}); update nocontact.")
        return cls(data)

    def save(self, root: Path) -> None:
        _write_atomic(root / HEADER, json.dumps(self.data, indent=2, sort_keys=True).encode() + b"\n")


class Vault:
    """An open, unlocked vault. Use ``Vault.create`` or ``Vault.open``; close when done."""

    def __init__(self, root: Path, header: Header, data_key: bytes) -> None:
        self.root = root
        self.header = header
        self.vault_id = header.vault_id
        keys = crypto.derive_subkeys(data_key, bytes.fromhex(self.vault_id))
        self._data_key = data_key
        self.blobs = BlobStore(root / BLOBS, keys.blob, keys.blob_name)
        self.db_key = keys.database
        self._cache_kib = CACHE_MIN_KIB
        self.conn = self._connect(keys.database)
        self._lock_fd: int | None = None
        self._depth = 0
        self._held = False
        self._signing_key: Ed25519PrivateKey | None = None
        self._dedupe_form: int | None = None

    # ---- opening -------------------------------------------------------------------------
    def _connect(self, key: bytes) -> Any:
        db = self.root / DATABASE
        if not db.is_file():
            raise NotAVault(f"{self.root}: the vault's database file is missing.")
        conn = sqlcipher3.connect(str(db), isolation_level=None, timeout=30.0, check_same_thread=False)
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("PRAGMA cipher_memory_security = OFF")
        conn.execute("PRAGMA cipher_log_level = NONE")
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError:
            conn.close()
            raise VaultError(f"{self.root}: the vault's database cannot be read: it is damaged or truncated, "
                             "or it belongs to another vault. Restore it from a backup.") from None
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute(f"PRAGMA cache_size = -{CACHE_MIN_KIB}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 30000")
        return conn

    def size_cache_for(self, events: int) -> None:
        """Size the page cache to the event indexes, for an import about to hold ``events`` events.

        SQLCipher decrypts and authenticates a page on every cache miss, and an import inserts
        random dedupe keys all over the index: once that index outgrows the cache, each insert
        reads a page back (a 2 MiB cache doubled the time of million-event imports). The indexes
        take about 140 bytes an event, so the cache follows them from 8 MiB up to 32 MiB
        (reached near 240,000 events). A fixed 32 MiB cost every small import 24 MB it did not
        use, and made an import's memory grow with its file until the cache was full.
        """
        want = min(CACHE_MAX_KIB, max(CACHE_MIN_KIB, events * CACHE_BYTES_PER_EVENT // 1024))
        if want != self._cache_kib:
            self.conn.execute(f"PRAGMA cache_size = -{want}")
            self._cache_kib = want

    @classmethod
    def create(cls, root: Path, passphrase: str, *, fast_kdf: bool = False) -> tuple[Vault, str]:
        """Make a new vault; returns it and the recovery key (shown once, never stored)."""
        if not passphrase:
            raise VaultError("the passphrase must not be empty")
        if root.exists() and any(root.iterdir()):
            raise VaultError(f"{root}: the folder is not empty; choose a new folder for the vault.")
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        vault_id = os.urandom(16).hex()
        data_key = crypto.new_data_key()
        params = crypto.KdfParams.fresh(fast=fast_kdf)
        kek = crypto.derive_kek(passphrase, params)
        recovery = crypto.new_data_key()
        rsalt = os.urandom(16)
        signing = Ed25519PrivateKey.generate()
        public = signing.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        now = utc_now()
        header = Header({
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "vault_id": vault_id,
            "created_at": now,
            "kdf": params.to_json(),
            "wrapped_data_key": _b64(crypto.wrap(kek, data_key, _wrap_aad(vault_id))),
            "recovery": {"kdf": "hkdf-sha256", "salt": _b64(rsalt),
                         "wrapped_data_key": _b64(crypto.wrap(crypto.recovery_kek(recovery, rsalt), data_key,
                                                              _wrap_aad(vault_id)))},
            "identity_public_key": _b64(public),
            "ciphers": {"database": "sqlcipher4, raw 256-bit key", "blobs": "aes-256-gcm, 1 MiB chunks",
                        "key_wrap": "aes-256-gcm"},
        })
        keys = crypto.derive_subkeys(data_key, bytes.fromhex(vault_id))
        (root / BLOBS).mkdir(mode=0o700)
        # The database is created before the header, so a folder with a header always has one.
        conn = sqlcipher3.connect(str(root / DATABASE), isolation_level=None)
        conn.execute(f"PRAGMA key = \"x'{keys.database.hex()}'\"")
        conn.execute("PRAGMA journal_mode = WAL")
        apply_migrations(conn, now)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO meta(key, value) VALUES ('identity_private_key', ?)",
                     (_b64(signing.private_bytes_raw()),))
        conn.execute("INSERT INTO meta(key, value) VALUES ('vault_id', ?)", (vault_id,))
        conn.execute("COMMIT")
        conn.close()
        os.chmod(root / DATABASE, 0o600)
        header.save(root)
        vault = cls(root, header, data_key)
        with vault.transaction():
            vault.append_journal("init", {"vault_id": vault_id, "format_version": FORMAT_VERSION,
                                          "identity_public_key": _b64(public)})
        return vault, crypto.format_recovery_key(recovery)

    @classmethod
    def open(cls, root: Path, passphrase: str | None = None, *, recovery_key: str | None = None) -> Vault:
        header = Header.load(root)
        vid = header.vault_id
        try:
            if recovery_key is not None:
                rk = crypto.parse_recovery_key(recovery_key)
                rec = header.data["recovery"]
                data_key = crypto.unwrap(crypto.recovery_kek(rk, _unb64(rec["salt"])),
                                         _unb64(rec["wrapped_data_key"]), _wrap_aad(vid))
            else:
                if passphrase is None:
                    raise VaultError("a passphrase is needed to open the vault")
                kek = crypto.derive_kek(passphrase, crypto.KdfParams.from_json(header.data["kdf"]))
                data_key = crypto.unwrap(kek, _unb64(header.data["wrapped_data_key"]), _wrap_aad(vid))
        except crypto.WrongKey as e:
            raise VaultError(f"{e}. Nothing was changed.") from None
        vault = cls(root, header, data_key)
        vault._migrate()
        return vault

    def _migrate(self) -> None:
        from nocontact.vault.schema import MIGRATIONS

        known = {name for name, _ in MIGRATIONS}
        unknown = sorted({r[0] for r in self.conn.execute("SELECT name FROM migrations")} - known)
        if unknown:
            self.conn.close()
            raise NotAVault(f"{self.root}: this vault was changed by a newer nocontact (it has {unknown[0]}); "
                            "update nocontact to open it. Nothing was changed.")
        applied = apply_migrations(self.conn, utc_now())
        if applied:
            with self.transaction():
                self.append_journal("migration", {"applied": applied})

    def reader(self) -> Vault:
        """A second handle on this vault with its own database connection, for work on another
        thread: the app counts figures in the background (reads only, never the writer lock) and
        imports on a worker thread (its writes take the writer lock like any other handle's).
        Close it when done; closing it leaves this handle open."""
        r = copy.copy(self)
        r.conn = self._connect(self.db_key)
        r._cache_kib = CACHE_MIN_KIB
        r._lock_fd = None
        r._depth = 0
        r._held = False
        return r

    def close(self) -> None:
        try:
            self.conn.close()
        finally:
            self._release_lock()

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- keys ----------------------------------------------------------------------------
    def change_passphrase(self, new_passphrase: str, *, fast_kdf: bool = False) -> None:
        """Re-wrap the data key under a new passphrase; no data is re-encrypted."""
        if not new_passphrase:
            raise VaultError("the new passphrase must not be empty")
        params = crypto.KdfParams.fresh(fast=fast_kdf)
        kek = crypto.derive_kek(new_passphrase, params)
        data = dict(self.header.data)
        data["kdf"] = params.to_json()
        data["wrapped_data_key"] = _b64(crypto.wrap(kek, self._data_key, _wrap_aad(self.vault_id)))
        with self.transaction():
            # The journal entry first (uncommitted), then the header, then COMMIT: a crash before
            # the header is saved changes nothing; one between the header and the COMMIT (a single
            # step) leaves the new passphrase working and the entry missing, never the reverse.
            self.append_journal("passphrase_changed", {"kdf": {k: v for k, v in params.to_json().items()
                                                               if k != "salt"}})
            Header(data).save(self.root)
            self.header = Header(data)

    def signing_key(self) -> Ed25519PrivateKey:
        if self._signing_key is None:
            row = self.conn.execute("SELECT value FROM meta WHERE key='identity_private_key'").fetchone()
            self._signing_key = Ed25519PrivateKey.from_private_bytes(_unb64(row[0]))
        return self._signing_key

    @property
    def dedupe_form(self) -> int:
        """The form of dedupe key this vault's imports write (1 or 2; docs/vault-format.md)."""
        if self._dedupe_form is None:
            row = self.conn.execute("SELECT value FROM meta WHERE key = 'dedupe_key_form'").fetchone()
            self._dedupe_form = int(row[0]) if row else 1
        return self._dedupe_form

    def public_key(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.header.public_key)

    # ---- writing -------------------------------------------------------------------------
    #: How long a write waits for another writer (``NOCONTACT_LOCK_WAIT`` overrides). The web app
    #: lowers it: while a write waits, the app answers nothing else, quick exit included.
    default_lock_wait: float = 60.0

    def _lock_wait(self) -> float:
        env = os.environ.get("NOCONTACT_LOCK_WAIT")
        return float(env) if env else self.default_lock_wait

    def _acquire_lock(self, wait_s: float) -> None:
        fd = os.open(self.root / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._lock_fd = fd
                self._sweep_leftovers()
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise VaultBusy("another nocontact is writing to this vault right now; wait for it to "
                                    "finish and try again. Nothing was changed.") from None
                time.sleep(0.05)

    def _sweep_leftovers(self) -> None:
        """Remove what a killed writer left (encrypted temp blobs, snapshots); only the lock holder may."""
        for p in self.root.glob("snapshot-*.tmp*"):
            p.unlink(missing_ok=True)
        self.blobs.sweep_temporary()

    def _release_lock(self) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    @contextmanager
    def locked(self, wait_s: float | None = None) -> Iterator[None]:
        """Hold the writer lock across several steps (e.g. storing an original, then its events)."""
        if self._lock_fd is not None:
            yield
            return
        self._acquire_lock(self._lock_wait() if wait_s is None else wait_s)
        self._held = True
        try:
            yield
        finally:
            self._held = False
            self._release_lock()

    @contextmanager
    def transaction(self, wait_s: float | None = None) -> Iterator[Any]:
        """One all-or-nothing change under the writer lock. Nested uses join the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        if wait_s is None:
            wait_s = self._lock_wait()
        if not self._held:
            self._acquire_lock(wait_s)
        self._depth = 1
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                # SQLite rolls back by itself after some errors (a full disk, out of memory); a
                # second rollback would then fail and hide the error that says what happened.
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
        finally:
            self._depth = 0
            if not self._held:
                self._release_lock()

    def append_journal(self, kind: str, body: dict[str, Any]) -> tuple[int, str]:
        """Append one entry and re-sign the head; must run inside ``transaction()``."""
        if not self._depth:
            raise RuntimeError("append_journal outside a transaction")
        row = self.conn.execute("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (row[0] + 1, row[1]) if row else (1, GENESIS)
        entry = {"seq": seq, "kind": kind, "at": utc_now(), "body": body}
        h = entry_hash(prev, entry)
        self.conn.execute("INSERT INTO journal(seq, kind, entry, prev_hash, hash) VALUES (?, ?, ?, ?, ?)",
                          (seq, kind, canonical_json(entry).decode("utf-8", "surrogatepass"), prev, h))
        sig = self.signing_key().sign(head_message(self.vault_id, seq, h))
        self.conn.execute("INSERT OR REPLACE INTO journal_head(id, seq, hash, signature) VALUES (1, ?, ?, ?)",
                          (seq, h, _b64(sig)))
        return seq, h

    def head(self) -> tuple[int, str]:
        row = self.conn.execute("SELECT seq, hash FROM journal_head WHERE id = 1").fetchone()
        return (int(row[0]), str(row[1])) if row else (0, GENESIS)
