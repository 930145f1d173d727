"""Any tree of zips, nested or in parts, with hostile names: planning never crashes or leaks.

Hypothesis builds downloads of up to three zips, each holding chat text, photos, other zips
(nested up to three deep), and members named to escape (``../``, absolute, a drive letter),
duplicated, marked as links or as encrypted. Whatever it builds, ``plan_sources`` with an
encrypted spool (as ``nocontact import`` plans) must only say what it imports and what it skips
and why; every file given is accounted for; nothing is written outside the vault; and once the
spool is discarded no copy of an inner zip is left in the vault.
"""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nocontact.blobsource import Spooler
from nocontact.ingest import Planned, Skipped, plan_sources
from nocontact.vault.store import Vault

CHAT = b"01/02/2026, 10:00 - Casey Drummond: hi\n01/02/2026, 10:01 - Robin Hale: stop\n"
NAMES = st.sampled_from([
    "chat.txt", "WhatsApp Chat with Casey.txt", "photos/IMG_0001.jpg", "Takeout/Voice/Calls/a.jpg",
    "inner.zip", "deeper/inner.zip", "../escape.txt", "/etc/passwd", "C:/windows.txt", "a/../../b.txt",
    "notes.docx", "same.txt", "",
])


@st.composite
def members(draw: Any, depth: int) -> list[tuple[str, bytes, str]]:
    """(name, data, kind) where kind is "plain", "link" or "encrypted"."""
    out = []
    for _ in range(draw(st.integers(0, 5))):
        name = draw(NAMES)
        kind = draw(st.sampled_from(["plain", "plain", "plain", "link", "encrypted"]))
        if name.endswith((".zip", ".docx")) and depth < 3:
            data = _zip(draw(members(depth + 1)))
        elif name.endswith(".jpg"):
            data = b"\xff\xd8\xff\xe0" + draw(st.binary(max_size=20))
        else:
            data = draw(st.sampled_from([CHAT, b"", b"PK\x03\x04 truncated", b"not an export"]))
        out.append((name, data, kind))
    return out


def _zip(items: list[tuple[str, bytes, str]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, kind in items:
            info = zipfile.ZipInfo(name or "x")
            if not name:
                info.filename = ""  # an empty name, as a hostile writer can put in the central directory
            if kind == "link":
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            if kind == "encrypted":
                info.flag_bits |= 0x1
            info.compress_type = zipfile.ZIP_DEFLATED
            try:
                zf.writestr(info, data)
            except (ValueError, UserWarning):
                continue
    return buf.getvalue()


@pytest.mark.filterwarnings("ignore:Duplicate name")  # written on purpose: a hostile zip may repeat a name
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(downloads=st.lists(members(1), min_size=1, max_size=3))
def test_any_tree_of_zips_is_planned_without_crash_or_leftover(
        tmp_path_factory: Any, downloads: list[list[tuple[str, bytes, str]]]) -> None:
    root = tmp_path_factory.mktemp("trees")
    given_dir = root / "given"
    given_dir.mkdir()
    for i, items in enumerate(downloads):
        (given_dir / f"takeout-{i:03}.zip").write_bytes(_zip(items))
    vault, _ = Vault.create(root / "vault", "correct horse", fast_kdf=True)
    try:
        spool = Spooler(vault)
        try:
            plan = list(plan_sources([given_dir], spool=spool))
        finally:
            spool.discard()
        assert all(isinstance(p, Planned | Skipped) for p in plan)
        for i in range(len(downloads)):
            name = f"takeout-{i:03}.zip"
            assert any((p.source.display if isinstance(p, Planned) else p.display).startswith(name)
                       for p in plan) or not _has_files(given_dir / name)
        for p in plan:
            if isinstance(p, Skipped):
                assert p.reason and "Traceback" not in p.reason
        assert not list(vault.blobs.names())
        assert sorted(x.name for x in root.iterdir()) == ["given", "vault"]
        assert sorted(x.name for x in given_dir.iterdir()) == [f"takeout-{i:03}.zip" for i in range(len(downloads))]
    finally:
        vault.close()


def _has_files(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return any(not i.is_dir() for i in zf.infolist())
    except zipfile.BadZipFile:
        return True
