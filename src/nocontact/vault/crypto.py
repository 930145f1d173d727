"""Keys: the passphrase and recovery key each wrap one random data key; everything else derives from it.

Changing the passphrase re-wraps the data key and never re-encrypts data. The parameters of every
step are recorded in the vault header (docs/vault-format.md), so a later version can read them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "KdfParams",
    "WrongKey",
    "derive_kek",
    "derive_subkeys",
    "format_recovery_key",
    "new_data_key",
    "parse_recovery_key",
    "recovery_kek",
    "unwrap",
    "wrap",
]

KEY_BYTES = 32


class WrongKey(Exception):
    """The passphrase or recovery key does not open this vault."""


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters (RFC 9106). The default follows its second recommended option."""

    time_cost: int = 3
    memory_kib: int = 64 * 1024
    parallelism: int = 4
    salt: bytes = b""

    @classmethod
    def fresh(cls, *, fast: bool = False) -> KdfParams:
        """New parameters with a random salt. ``fast`` is for the test suite only and is recorded."""
        if fast:
            return cls(time_cost=1, memory_kib=8 * 1024, parallelism=1, salt=os.urandom(16))
        return cls(salt=os.urandom(16))

    def to_json(self) -> dict[str, object]:
        return {"algorithm": "argon2id", "version": 19, "time_cost": self.time_cost,
                "memory_kib": self.memory_kib, "parallelism": self.parallelism,
                "salt": base64.b64encode(self.salt).decode("ascii"), "hash_len": KEY_BYTES}

    @classmethod
    def from_json(cls, d: dict[str, object]) -> KdfParams:
        if d.get("algorithm") != "argon2id":
            raise ValueError(f"unknown key derivation {d.get('algorithm')!r}")
        return cls(time_cost=int(str(d["time_cost"])), memory_kib=int(str(d["memory_kib"])),
                   parallelism=int(str(d["parallelism"])), salt=base64.b64decode(str(d["salt"])))


def derive_kek(passphrase: str, params: KdfParams) -> bytes:
    """Passphrase -> key-encryption key. Deliberately slow (Argon2id): it is what stops guessing."""
    return hash_secret_raw(passphrase.encode("utf-8"), params.salt, time_cost=params.time_cost,
                           memory_cost=params.memory_kib, parallelism=params.parallelism,
                           hash_len=KEY_BYTES, type=Type.ID)


def recovery_kek(recovery_key: bytes, salt: bytes) -> bytes:
    """A recovery key is 256 random bits, so a fast KDF suffices (HKDF-SHA256)."""
    return HKDF(hashes.SHA256(), KEY_BYTES, salt, b"nocontact recovery kek v1").derive(recovery_key)


def new_data_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def wrap(kek: bytes, data_key: bytes, aad: bytes) -> bytes:
    """AES-256-GCM(kek) over the data key; nonce || ciphertext || tag."""
    nonce = os.urandom(12)
    return nonce + AESGCM(kek).encrypt(nonce, data_key, aad)


def unwrap(kek: bytes, blob: bytes, aad: bytes) -> bytes:
    try:
        return AESGCM(kek).decrypt(blob[:12], blob[12:], aad)
    except InvalidTag:
        raise WrongKey("that passphrase or recovery key does not open this vault") from None


@dataclass(frozen=True)
class Subkeys:
    """Independent keys for each use, so no key ever serves two purposes."""

    database: bytes
    blob: bytes
    blob_name: bytes


def derive_subkeys(data_key: bytes, vault_id: bytes) -> Subkeys:
    def d(label: str) -> bytes:
        return HKDF(hashes.SHA256(), KEY_BYTES, vault_id, label.encode()).derive(data_key)

    return Subkeys(database=d("nocontact database v1"), blob=d("nocontact blob v1"),
                   blob_name=d("nocontact blob name v1"))


_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def format_recovery_key(key: bytes) -> str:
    """256 bits as 13 groups of 4 base32 characters (the last short), easy to write on paper."""
    s = base64.b32encode(key).decode("ascii").rstrip("=")
    return "-".join(s[i:i + 4] for i in range(0, len(s), 4))


def parse_recovery_key(text: str) -> bytes:
    s = text.upper().replace("0", "O").replace("1", "I")
    s = "".join(ch for ch in s if ch in _B32)
    if len(s) != 52:
        raise WrongKey("a recovery key has 52 letters and digits (13 groups of 4); check what you typed")
    try:
        return base64.b32decode(s + "=" * 4)
    except ValueError:
        raise WrongKey("that does not look like a nocontact recovery key") from None


def hmac_name(key: bytes) -> hmac.HMAC:
    return hmac.new(key, digestmod=hashlib.sha256)
