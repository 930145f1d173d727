"""The tamper-evident journal: a hash chain over every change, with a signed head.

``hash = SHA-256(prev_hash || canonical JSON of the entry)``. Canonical JSON is UTF-8, keys
sorted, no insignificant whitespace, no floats (see docs/vault-format.md); it is simple enough
that a clerk's script in another language can recompute it. These functions are pure so that
``verify``, the evidence bundle and third parties share one definition.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

__all__ = [
    "GENESIS",
    "MerkleRoot",
    "canonical_json",
    "entry_hash",
    "head_message",
    "merkle_root",
]

GENESIS = "0" * 64


def canonical_json(obj: Any) -> bytes:
    """The one byte form of a JSON value that hashes are taken over."""
    _reject_floats(obj)
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8", "surrogatepass")


def _reject_floats(obj: Any) -> None:
    if isinstance(obj, float):
        raise TypeError("canonical JSON carries no floats; use integers or strings")
    if isinstance(obj, dict):
        for v in obj.values():
            _reject_floats(v)
    elif isinstance(obj, list | tuple):
        for v in obj:
            _reject_floats(v)


def entry_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical_json(entry)).hexdigest()


def head_message(vault_id: str, seq: int, head: str) -> bytes:
    """The bytes the identity key signs: what a verifier reconstructs from the head alone."""
    return f"nocontact journal head v1\n{vault_id}\n{seq}\n{head}\n".encode("ascii")


class MerkleRoot:
    """An RFC 6962-style Merkle tree hash over leaves added one at a time, in O(log n) memory.

    Leaves are content hashes (hex). leaf = SHA-256(0x00 || bytes), node = SHA-256(0x01 || l || r).
    The root of zero leaves is SHA-256 of the empty string.
    """

    def __init__(self) -> None:
        self._stack: list[tuple[int, bytes]] = []
        self.count = 0

    def add(self, content_hash_hex: str) -> None:
        node = hashlib.sha256(b"\x00" + bytes.fromhex(content_hash_hex)).digest()
        height = 0
        while self._stack and self._stack[-1][0] == height:
            _, left = self._stack.pop()
            node = hashlib.sha256(b"\x01" + left + node).digest()
            height += 1
        self._stack.append((height, node))
        self.count += 1

    def hexdigest(self) -> str:
        if not self._stack:
            return hashlib.sha256(b"").hexdigest()
        # Fold right to left: the RFC 6962 shape for counts that are not powers of two.
        _, node = self._stack[-1]
        for _, left in reversed(self._stack[:-1]):
            node = hashlib.sha256(b"\x01" + left + node).digest()
        return node.hex()


def merkle_root(hashes: Iterable[str]) -> str:
    m = MerkleRoot()
    for h in hashes:
        m.add(h)
    return m.hexdigest()
