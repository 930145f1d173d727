"""An encrypted file to hand to one trusted person, opened with a passphrase told by phone.

Format ("nocontact share file v1"), all in one file:

    line 1: ``NCSHARE1``
    line 2: JSON header, UTF-8, one line: {"format": "nocontact-share", "version": 1,
            "kdf": {Argon2id parameters as in the vault header, with salt}, "nonce": base64 (12 bytes),
            "name": the original file name, "created_at": UTC time}
    rest:   AES-256-GCM ciphertext and 16-byte tag of the file, with key = Argon2id(passphrase) and
            associated data = the bytes of lines 1 and 2 including their newlines.

Any change to the header or the body makes decryption fail. The passphrase is never stored.
"""

from __future__ import annotations

import base64
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from nocontact.vault import crypto
from nocontact.vault.store import utc_now

__all__ = ["MAGIC", "ShareError", "decrypt_share", "encrypt_share"]

MAGIC = b"NCSHARE1\n"


class ShareError(Exception):
    """The file is not a share file, or the passphrase is wrong."""


def encrypt_share(data: bytes, name: str, passphrase: str, *, fast_kdf: bool = False) -> bytes:
    if len(passphrase) < 8:
        raise ShareError("use a passphrase of at least 8 characters, and tell it by phone, not in writing")
    params = crypto.KdfParams.fresh(fast=fast_kdf)
    nonce = os.urandom(12)
    header = {"format": "nocontact-share", "version": 1, "kdf": params.to_json(),
              "nonce": base64.b64encode(nonce).decode("ascii"), "name": name, "created_at": utc_now()}
    head = MAGIC + json.dumps(header, sort_keys=True, ensure_ascii=False).encode("utf-8") + b"\n"
    return head + AESGCM(crypto.derive_kek(passphrase, params)).encrypt(nonce, data, head)


def decrypt_share(blob: bytes, passphrase: str) -> tuple[str, bytes]:
    """The original name and bytes; raises ShareError on a wrong passphrase or any change."""
    if not blob.startswith(MAGIC):
        raise ShareError("this is not a nocontact share file")
    end = blob.index(b"\n", len(MAGIC)) + 1
    head = blob[:end]
    try:
        header = json.loads(head[len(MAGIC):])
        params = crypto.KdfParams.from_json(header["kdf"])
        nonce = base64.b64decode(header["nonce"])
    except (ValueError, KeyError) as e:
        raise ShareError(f"the share file's header is damaged ({e})") from None
    try:
        data = AESGCM(crypto.derive_kek(passphrase, params)).decrypt(nonce, blob[end:], head)
    except InvalidTag:
        raise ShareError("wrong passphrase, or the file was changed") from None
    return str(header["name"]), data
