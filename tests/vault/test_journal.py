"""The journal's pure functions: canonical JSON, entry hashes, Merkle roots."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nocontact.vault.journal import GENESIS, MerkleRoot, canonical_json, entry_hash, merkle_root


def _h(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


def _reference_root(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1 MTH, written recursively as the RFC states it."""
    if not leaves:
        return _h(b"")
    if len(leaves) == 1:
        return _h(b"\x00" + leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return _h(b"\x01" + _reference_root(leaves[:k]) + _reference_root(leaves[k:]))


class TestCanonicalJson:
    def test_keys_are_sorted_and_there_is_no_whitespace(self) -> None:
        """Two dicts with the same content give the same bytes whatever their key order."""
        assert canonical_json({"b": 1, "a": [True, None, "é"]}) == '{"a":[true,null,"é"],"b":1}'.encode()

    def test_floats_are_refused(self) -> None:
        """Floats have several spellings, so canonical JSON carries none."""
        with pytest.raises(TypeError):
            canonical_json({"x": 1.5})


class TestEntryHash:
    def test_the_hash_covers_the_previous_hash_and_the_entry(self) -> None:
        """hash = SHA-256(prev_hash bytes || canonical JSON of the entry)."""
        e = {"seq": 1, "kind": "init", "at": "t", "body": {}}
        assert entry_hash(GENESIS, e) == hashlib.sha256(bytes(32) + canonical_json(e)).hexdigest()
        assert entry_hash("11" * 32, e) != entry_hash(GENESIS, e)


class TestMerkle:
    @given(st.lists(st.binary(min_size=32, max_size=32), max_size=70))
    def test_the_streaming_root_equals_rfc6962(self, leaves: list[bytes]) -> None:
        """The O(log n) accumulator computes the RFC 6962 Merkle Tree Hash for any number of leaves."""
        assert merkle_root(x.hex() for x in leaves) == _reference_root(leaves).hex()

    def test_order_matters(self) -> None:
        """Reordering events changes the root, so reordering is detected."""
        a, b = "aa" * 32, "bb" * 32
        assert merkle_root([a, b]) != merkle_root([b, a])
        m = MerkleRoot()
        m.add(a)
        assert m.count == 1
