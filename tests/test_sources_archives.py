"""Hostile zip archives: sources.py must refuse them in plain words and write nothing anywhere.

Archives are never extracted: members are streamed from the archive after the whole archive has
been checked (names, links, sizes, ratios). Every test here also asserts that no file appeared in
the test folder or at the path an attack aimed at, and that no extraction or temporary-file API
was called.
"""

from __future__ import annotations

import io
import stat
import struct
import tempfile
import uuid
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nocontact.sources import ArchiveError, ArchiveLimits, is_zip, zip_members

NEEDS_FIX = "needs the sources.py fix proposed with the archive tests (read errors -> ArchiveError)"


def _snapshot(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


@pytest.fixture
def no_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder for the archive, with every extraction and temp-file API made to fail loudly."""
    def forbidden(*_a: object, **_k: object) -> None:
        raise AssertionError("an archive was extracted or a temporary file was made")

    for name in ("extract", "extractall"):
        monkeypatch.setattr(zipfile.ZipFile, name, forbidden)
    for name in ("mkstemp", "mkdtemp", "NamedTemporaryFile", "TemporaryDirectory", "SpooledTemporaryFile",
                 "TemporaryFile"):
        monkeypatch.setattr(tempfile, name, forbidden)
    box = tmp_path / "box"
    box.mkdir()
    yield box


def make_zip(folder: Path, members: list[tuple[str | zipfile.ZipInfo, bytes]], name: str = "x.zip",
             compression: int = zipfile.ZIP_DEFLATED) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for member, data in members:
            z.writestr(member, data)
    p = folder / name
    p.write_bytes(buf.getvalue())
    return p


def refused(archive: Path, limits: ArchiveLimits | None = None) -> str:
    """The ArchiveError sentence for ``archive``, after checking that nothing was written."""
    before = _snapshot(archive.parent.parent)
    with pytest.raises(ArchiveError) as e:
        zip_members(archive, archive.name, limits)
    assert _snapshot(archive.parent.parent) == before
    return str(e.value)


# -- names ---------------------------------------------------------------------------------------

def test_zip_slip_with_dot_dot_is_refused(no_writes: Path) -> None:
    """A member named ../evil.txt (zip slip) refuses the whole archive; nothing lands outside."""
    archive = make_zip(no_writes, [("ok.txt", b"fine"), ("../evil.txt", b"pwned")])
    assert refused(archive) == "refused: the archive tries to write outside itself ('../evil.txt')"
    assert not (no_writes.parent / "evil.txt").exists()


def test_zip_slip_hidden_inside_a_path_is_refused(no_writes: Path) -> None:
    """a/../../evil.txt climbs out too."""
    archive = make_zip(no_writes, [("a/../../evil.txt", b"pwned")])
    assert refused(archive) == "refused: the archive tries to write outside itself ('a/../../evil.txt')"


def test_absolute_member_name_is_refused(no_writes: Path) -> None:
    """A member named with an absolute path is refused and that path is never created."""
    target = f"/tmp/nocontact-zip-abs-{uuid.uuid4().hex}.txt"
    archive = make_zip(no_writes, [(target, b"pwned")])
    assert refused(archive) == f"refused: the archive names an absolute path ({target!r})"
    assert not Path(target).exists()


@pytest.mark.parametrize(("name", "sentence"), [
    ("..\\evil.txt", "refused: the archive tries to write outside itself ('..\\\\evil.txt')"),
    ("a\\..\\..\\evil.txt", "refused: the archive tries to write outside itself ('a\\\\..\\\\..\\\\evil.txt')"),
    ("\\evil.txt", "refused: the archive names an absolute path ('\\\\evil.txt')"),
    ("C:\\Windows\\evil.txt", "refused: the archive names an absolute path ('C:\\\\Windows\\\\evil.txt')"),
    ("C:evil.txt", "refused: the archive names an absolute path ('C:evil.txt')"),
])
def test_backslash_and_drive_names_are_refused(no_writes: Path, name: str, sentence: str) -> None:
    """Windows-style names (backslashes, drive letters) are judged as Windows would resolve them."""
    archive = make_zip(no_writes, [(name, b"pwned")])
    assert refused(archive) == sentence
    assert not (no_writes.parent / "evil.txt").exists()


def test_symlink_member_is_refused(no_writes: Path) -> None:
    """A member that is a symbolic link (Unix mode S_IFLNK) is refused, whatever it points at."""
    info = zipfile.ZipInfo("link")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = make_zip(no_writes, [(info, b"/etc/passwd")])
    assert refused(archive) == "refused: the archive holds a symbolic link ('link')"


# -- bombs ---------------------------------------------------------------------------------------

def test_zip_bomb_by_compression_ratio_is_refused(no_writes: Path) -> None:
    """A member over 10 MiB that inflates more than 200:1 is refused before it is opened."""
    archive = make_zip(no_writes, [("bomb.bin", b"\0" * (20 * 1024**2))])
    with zipfile.ZipFile(archive) as z:
        info = z.getinfo("bomb.bin")
    ratio = info.file_size / info.compress_size
    assert refused(archive) == f"refused: 'bomb.bin' looks like a zip bomb (compression ratio {ratio:.0f}:1)"


def test_zip_bomb_by_total_size_is_refused(no_writes: Path) -> None:
    """Members that each pass but together exceed the total cap refuse the archive."""
    import random
    rnd = random.Random(0)
    members = [(f"m{i}.bin", rnd.randbytes(1000)) for i in range(3)]
    archive = make_zip(no_writes, members)  # type: ignore[arg-type]
    limits = ArchiveLimits(max_total_uncompressed=2500)
    assert refused(archive, limits) == "x.zip: refused, it would unpack to 3000 bytes, over the limit"


def test_single_member_over_the_member_cap_is_refused(no_writes: Path) -> None:
    """One member declared larger than the per-member cap is refused."""
    archive = make_zip(no_writes, [("big.bin", b"x" * 500)], compression=zipfile.ZIP_STORED)
    limits = ArchiveLimits(max_member_uncompressed=100)
    assert refused(archive, limits) == "refused: 'big.bin' would unpack to 500 bytes, over the limit"


def test_too_many_members_is_refused(no_writes: Path) -> None:
    """More members than the cap (a directory-entry bomb) refuses the archive."""
    archive = make_zip(no_writes, [(f"{i}.txt", b"") for i in range(5)])
    assert refused(archive, ArchiveLimits(max_members=4)) == "x.zip: refused, 5 members is more than 4"


def _lie_about_size(archive: Path, declared: int) -> None:
    """Rewrite the local and central sizes of the only member so it claims ``declared`` bytes."""
    b = bytearray(archive.read_bytes())
    local = b.index(b"PK\x03\x04")
    struct.pack_into("<I", b, local + 22, declared)
    central = b.index(b"PK\x01\x02")
    struct.pack_into("<I", b, central + 24, declared)
    archive.write_bytes(bytes(b))


def test_member_lying_about_its_size_never_yields_more_than_declared(no_writes: Path) -> None:
    """A bomb that declares 10 bytes but inflates to 20 MiB gives at most 10 bytes, then an error."""
    archive = make_zip(no_writes, [("liar.bin", b"\0" * (20 * 1024**2))])
    _lie_about_size(archive, 10)
    (member,) = zip_members(archive, "x.zip")
    got = bytearray()
    with pytest.raises((zipfile.BadZipFile, ArchiveError)), member.open() as f:
        while chunk := f.read(4096):
            got += chunk
    assert len(got) <= 10
    assert _snapshot(no_writes) == {"x.zip"}


def test_member_lying_about_its_size_ends_in_an_archive_error(no_writes: Path) -> None:
    """Reading the lying member ends in an ArchiveError with a plain sentence, not BadZipFile."""
    archive = make_zip(no_writes, [("liar.bin", b"\0" * (20 * 1024**2))])
    _lie_about_size(archive, 10)
    (member,) = zip_members(archive, "x.zip")
    with pytest.raises(ArchiveError) as e, member.open() as f:
        f.read()
    assert str(e.value) == ("x.zip!/liar.bin: the archive is damaged and this file in it cannot be "
                            "unpacked. Make the archive again from the original export.")


# -- damaged, duplicated, encrypted, nested -------------------------------------------------------

def test_file_that_is_not_a_zip_is_refused(no_writes: Path) -> None:
    """Bytes that are no zip at all give the 'not a readable zip archive' sentence."""
    p = no_writes / "x.zip"
    p.write_bytes(b"PK\x03\x04 this is not really a zip")
    assert refused(p) == "x.zip: not a readable zip archive (File is not a zip file)"


def test_truncated_zip_is_refused(no_writes: Path) -> None:
    """A zip cut before its central directory is refused as a whole."""
    archive = make_zip(no_writes, [("a.txt", b"hello " * 100)])
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) - 30])
    assert refused(archive) == "x.zip: not a readable zip archive (File is not a zip file)"


def test_damaged_member_data_is_detected_when_read(no_writes: Path) -> None:
    """A member whose compressed bytes were damaged fails its CRC check rather than giving bad data."""
    archive = make_zip(no_writes, [("a.txt", b"hello world " * 200)], compression=zipfile.ZIP_STORED)
    b = bytearray(archive.read_bytes())
    b[b.index(b"hello") + 3] ^= 0xFF
    archive.write_bytes(bytes(b))
    (member,) = zip_members(archive, "x.zip")
    with pytest.raises((zipfile.BadZipFile, ArchiveError)), member.open() as f:
        f.read()


def test_damaged_member_data_ends_in_an_archive_error(no_writes: Path) -> None:
    """A damaged member ends in the ArchiveError sentence for damaged archives."""
    archive = make_zip(no_writes, [("a.txt", b"hello world " * 200)], compression=zipfile.ZIP_STORED)
    b = bytearray(archive.read_bytes())
    b[b.index(b"hello") + 3] ^= 0xFF
    archive.write_bytes(bytes(b))
    (member,) = zip_members(archive, "x.zip")
    with pytest.raises(ArchiveError) as e, member.open() as f:
        f.read()
    assert str(e.value) == ("x.zip!/a.txt: the archive is damaged and this file in it cannot be "
                            "unpacked. Make the archive again from the original export.")


def _bad_version_zip(folder: Path) -> Path:
    archive = make_zip(folder, [("a.txt", b"hello")])
    b = bytearray(archive.read_bytes())
    central = b.index(b"PK\x01\x02")
    b[central + 6] = 0xFF  # "version needed to extract" = 25.5, which zipfile refuses
    archive.write_bytes(bytes(b))
    return archive


def test_zip_with_an_unsupported_version_field_is_refused_plainly(no_writes: Path) -> None:
    """A damaged 'version needed' field gives the damaged-archive sentence, not NotImplementedError."""
    archive = _bad_version_zip(no_writes)
    assert refused(archive).startswith("x.zip: not a readable zip archive (")


def test_duplicate_member_names_are_refused(no_writes: Path) -> None:
    """Two members with one name (one would silently hide the other) refuse the archive."""
    with pytest.warns(UserWarning):
        archive = make_zip(no_writes, [("_chat.txt", b"first"), ("_chat.txt", b"second")])
    assert refused(archive) == "x.zip: refused, it holds two members named '_chat.txt'"


def test_encrypted_member_is_refused_plainly(no_writes: Path) -> None:
    """A password-protected member is refused with a sentence, not a RuntimeError while reading."""
    archive = make_zip(no_writes, [("a.txt", b"secret")], compression=zipfile.ZIP_STORED)
    b = bytearray(archive.read_bytes())
    struct.pack_into("<H", b, b.index(b"PK\x03\x04") + 6, 1)
    struct.pack_into("<H", b, b.index(b"PK\x01\x02") + 8, 1)
    archive.write_bytes(bytes(b))
    assert refused(archive) == ("refused: 'a.txt' is protected by a password; open the archive "
                                "yourself and import the folder")


def test_nested_zip_is_one_opaque_member_and_never_expanded(no_writes: Path) -> None:
    """A zip inside a zip is a member like any other: its hostile names are never unpacked anywhere."""
    inner = make_zip(no_writes, [("../evil.txt", b"pwned"), ("bomb.bin", b"\0" * (11 * 1024**2))], "inner.zip")
    inner_bytes = inner.read_bytes()
    inner.unlink()
    archive = make_zip(no_writes, [("export/inner.zip", inner_bytes), ("export/_chat.txt", b"hi")], "outer.zip")
    before = _snapshot(no_writes.parent)
    members = zip_members(archive, "outer.zip")
    assert sorted(m.display for m in members) == ["outer.zip!/export/_chat.txt", "outer.zip!/export/inner.zip"]
    nested = next(m for m in members if m.name == "inner.zip")
    assert is_zip(nested.head())
    with nested.open() as f:
        assert f.read() == inner_bytes
    assert nested.local_path() is None  # there is no file on disk to hand to zip_members
    assert _snapshot(no_writes.parent) == before
    assert not (no_writes.parent / "evil.txt").exists()


def test_related_files_never_leave_the_archive(no_writes: Path) -> None:
    """A member asking for ../ or absolute related files gets nothing."""
    archive = make_zip(no_writes, [("a/_chat.txt", b"hi"), ("a/photo.jpg", b"\xff\xd8")])
    chat = next(m for m in zip_members(archive, "x.zip") if m.name == "_chat.txt")
    assert chat.related("photo.jpg") is not None
    assert chat.related("../a/photo.jpg") is None
    assert chat.related("/a/photo.jpg") is None


# -- property -------------------------------------------------------------------------------------

_GOOD = io.BytesIO()
with zipfile.ZipFile(_GOOD, "w", zipfile.ZIP_DEFLATED) as _z:
    _z.writestr("a.txt", "hello world " * 40)
    _z.writestr("b/c.txt", "more " * 30)
GOOD_ZIP = _GOOD.getvalue()


@given(st.lists(st.tuples(st.integers(0, len(GOOD_ZIP) - 1), st.integers(0, 255)), max_size=4),
       st.integers(1, len(GOOD_ZIP)))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_damaged_zips_never_write_and_listing_fails_only_with_known_errors(
        no_writes: Path, flips: list[tuple[int, int]], keep: int) -> None:
    """Property: a randomly damaged zip is listed or refused; nothing is ever written.

    Until the proposed fix lands, NotImplementedError (bad version fields) is tolerated here too.
    """
    b = bytearray(GOOD_ZIP[:keep])
    for pos, val in flips:
        if pos < len(b):
            b[pos] = val
    p = no_writes / "x.zip"
    p.write_bytes(bytes(b))
    try:
        members = zip_members(p, "x.zip")
    except (ArchiveError, NotImplementedError):
        members = []
    for m in members:
        try:
            with m.open() as f:
                f.read()
        except (ArchiveError, zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError,
                ValueError):
            pass
    assert _snapshot(no_writes) == {"x.zip"}


# -- names written in UTF-8 without saying so ------------------------------------------------------

def _utf8_without_flag(folder: Path, name: str, data: bytes, extra: bytes = b"") -> Path:
    """A zip whose member name is UTF-8 bytes with the UTF-8 flag unset (Info-ZIP on Linux, many
    phone and cloud tools), optionally with an extra field."""
    raw = name.encode("utf-8")
    placeholder = "n" * len(raw)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        info = zipfile.ZipInfo(placeholder)
        info.extra = extra
        z.writestr(info, data)
    archive = folder / "names.zip"
    archive.write_bytes(buf.getvalue().replace(placeholder.encode(), raw))
    return archive


@pytest.mark.parametrize("name", ["WhatsApp Chat with José Núñez.txt", "WhatsApp Chat with Climbing 🧗.txt"])
def test_a_utf8_name_without_the_flag_is_read_as_utf8(no_writes: Path, name: str) -> None:
    archive = _utf8_without_flag(no_writes, name, b"hello")
    with zipfile.ZipFile(archive) as z:
        assert z.namelist() != [name]  # Python reads it as code page 437
    (member,) = zip_members(archive, archive.name)
    assert member.name == name and member.display == f"names.zip!/{name}"
    with member.open() as f:
        assert f.read() == b"hello"


def test_the_unicode_path_field_names_the_member_when_its_crc_matches(no_writes: Path) -> None:
    """Info-ZIP's 0x7075 field carries the UTF-8 name for a name stored in another code page."""
    stored = "Jos\u00e9.txt".encode("cp437")  # what the code page 437 name field holds
    field = b"\x01" + struct.pack("<I", zlib.crc32(stored)) + "José Núñez.txt".encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        info = zipfile.ZipInfo("n" * len(stored))
        info.extra = struct.pack("<HH", 0x7075, len(field)) + field
        z.writestr(info, b"hi")
    archive = no_writes / "upath.zip"
    archive.write_bytes(buf.getvalue().replace(b"n" * len(stored), stored))
    (member,) = zip_members(archive, archive.name)
    assert member.name == "José Núñez.txt"


def test_a_real_code_page_437_name_stays_as_written(no_writes: Path) -> None:
    """Bytes that are not UTF-8 are the code page's text."""
    stored = "Résumé ½.txt".encode("cp437")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("n" * len(stored), b"x")
    archive = no_writes / "cp437.zip"
    archive.write_bytes(buf.getvalue().replace(b"n" * len(stored), stored))
    (member,) = zip_members(archive, archive.name)
    assert member.name == "Résumé ½.txt"
