"""Encrypting a bundle to a passphrase for sending, in a format the recipient can open anywhere.

The sealed file is OpenSSL's ``enc`` format (``Salted__`` + 8-byte salt, AES-256-CBC, key and IV
from PBKDF2-HMAC-SHA256), so a recipient without nocontact opens it with the ``openssl`` command
that ships with macOS and Linux::

    openssl enc -d -aes-256-cbc -pbkdf2 -iter 600000 -md sha256 -in case.zip.enc -out case.zip

CBC carries no authentication of its own; the bundle inside carries it (a signed manifest that
``verify.py`` checks), so a tampered sealed file fails verification after opening.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

__all__ = ["ITERATIONS", "OPENSSL_COMMAND", "open_sealed", "seal"]

ITERATIONS = 600_000
OPENSSL_COMMAND = "openssl enc -d -aes-256-cbc -pbkdf2 -iter 600000 -md sha256 -in {sealed} -out {plain}"


def _key_iv(passphrase: str, salt: bytes) -> tuple[bytes, bytes]:
    kdf = PBKDF2HMAC(hashes.SHA256(), 48, salt, ITERATIONS)
    k = kdf.derive(passphrase.encode("utf-8"))
    return k[:32], k[32:]


def seal(plain: Path, sealed: Path, passphrase: str) -> None:
    if len(passphrase) < 8:
        raise ValueError("use a passphrase of at least 8 characters, and tell it by phone, not in the same email")
    salt = os.urandom(8)
    key, iv = _key_iv(passphrase, salt)
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    pad = padding.PKCS7(128).padder()
    tmp = sealed.with_name(sealed.name + ".partial")
    try:
        with open(plain, "rb") as src, open(tmp, "wb") as dst:
            dst.write(b"Salted__" + salt)
            for chunk in iter(lambda: src.read(1 << 20), b""):
                dst.write(enc.update(pad.update(chunk)))
            dst.write(enc.update(pad.finalize()) + enc.finalize())
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(tmp, sealed)
    finally:
        tmp.unlink(missing_ok=True)


def open_sealed(sealed: Path, plain: Path, passphrase: str) -> None:
    with open(sealed, "rb") as src:
        head = src.read(16)
        if len(head) != 16 or not head.startswith(b"Salted__"):
            raise ValueError(f"{sealed.name} is not a sealed nocontact bundle")
        key, iv = _key_iv(passphrase, head[8:])
        dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        unpad = padding.PKCS7(128).unpadder()
        with open(plain, "wb") as dst:
            for chunk in iter(lambda: src.read(1 << 20), b""):
                dst.write(unpad.update(dec.update(chunk)))
            try:
                dst.write(unpad.update(dec.finalize()) + unpad.finalize())
            except ValueError:
                raise ValueError("wrong passphrase, or the sealed file is damaged") from None
