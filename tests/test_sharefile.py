"""The share file: a passphrase opens it, anything else fails loudly."""

from __future__ import annotations

import pytest

from nocontact.sharefile import ShareError, decrypt_share, encrypt_share


def test_a_share_file_round_trips() -> None:
    """The right passphrase gives back the name and the bytes."""
    blob = encrypt_share(b"report bytes", "r.pdf", "told-by-phone", fast_kdf=True)
    assert decrypt_share(blob, "told-by-phone") == ("r.pdf", b"report bytes")


def test_a_wrong_passphrase_or_a_change_fails() -> None:
    """A wrong passphrase, a changed header or a changed body all fail."""
    blob = encrypt_share(b"data", "r.pdf", "told-by-phone", fast_kdf=True)
    with pytest.raises(ShareError):
        decrypt_share(blob, "wrong-passphrase")
    with pytest.raises(ShareError):
        decrypt_share(blob.replace(b"r.pdf", b"x.pdf"), "told-by-phone")
    with pytest.raises(ShareError):
        decrypt_share(blob[:-1] + bytes([blob[-1] ^ 1]), "told-by-phone")
