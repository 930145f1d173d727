"""The evidence bundle: checkable without the passphrase, and every altered byte is named."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from nocontact.bundle import BundleOptions, build_bundle
from nocontact.bundle.seal import open_sealed, seal
from nocontact.bundle.verify_bundle import check_bundle, ed25519_verify
from nocontact.vault.events import log_incident, set_boundary
from nocontact.vault.store import Vault
from tests.vault.helpers import import_paths, samples, with_case


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bundle of a vault holding SMS, calls and an incident with a photo."""
    tmp = tmp_path_factory.mktemp("bundle")
    v, _ = Vault.create(tmp / "vault", "pw", fast_kdf=True)
    with_case(v)
    files = samples(tmp / "exports")
    import_paths(v, *(p for n, p in files.items() if n.startswith(("sms-", "calls-"))))
    photo = tmp / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff" + bytes(range(256)) * 4)
    log_incident(v, occurred=datetime(2026, 3, 10, 1, tzinfo=UTC), raw_time="x", time_zone="UTC",
                 channel="in_person", what="<script>alert(1)</script> at my door", attach=[photo])
    set_boundary(v, datetime(2026, 3, 3, 2, 15, tzinfo=UTC))
    info = build_bundle(v, tmp / "case.zip", BundleOptions(include_report=False))
    v.close()
    return info.path


def _altered(src: Path, dst: Path, member: str, change: bytes | None) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == member:
                if change is None:
                    continue
                data = change if change else data
            zout.writestr(item, data)
    return dst


class TestVerify:
    def test_a_fresh_bundle_verifies(self, made: Path) -> None:
        """Every check passes on an untouched bundle."""
        rep = check_bundle(str(made))
        assert rep.ok, rep.problems
        assert rep.events > 0 and rep.entries > 3

    def test_verify_py_runs_alone_with_the_standard_library(self, made: Path, tmp_path: Path) -> None:
        """The bundled verify.py, extracted and run by a bare Python with -I -S, says VERIFIED."""
        with zipfile.ZipFile(made) as zf:
            (tmp_path / "verify.py").write_bytes(zf.read("verify.py"))
        r = subprocess.run([sys.executable, "-I", "-S", str(tmp_path / "verify.py"), str(made)],
                           capture_output=True, text=True, check=False)
        assert r.returncode == 0, r.stdout + r.stderr
        assert r.stdout.startswith("VERIFIED: ")

    def test_an_unpacked_folder_verifies_too(self, made: Path, tmp_path: Path) -> None:
        """A clerk who unzips first can check the folder."""
        with zipfile.ZipFile(made) as zf:
            zf.extractall(tmp_path / "unpacked")
        assert check_bundle(str(tmp_path / "unpacked")).ok

    def test_the_manifest_sha256_file_works_with_sha256sum(self, made: Path, tmp_path: Path) -> None:
        """MANIFEST.sha256 is in the format `sha256sum -c` reads, and every line checks."""
        with zipfile.ZipFile(made) as zf:
            zf.extractall(tmp_path / "u")
        r = subprocess.run(["sha256sum", "-c", "MANIFEST.sha256"], cwd=tmp_path / "u", capture_output=True,
                           text=True, check=False)
        assert r.returncode == 0, r.stdout
        assert "FAILED" not in r.stdout


class TestTampering:
    @pytest.mark.parametrize("member", ["events.jsonl", "events.csv", "journal.jsonl", "verify.py", "README.txt"])
    def test_a_changed_file_is_named(self, made: Path, tmp_path: Path, member: str) -> None:
        """Changing any listed file makes the check name that file first."""
        with zipfile.ZipFile(made) as zf:
            data = bytearray(zf.read(member))
        data[len(data) // 2] ^= 0x20
        bad = _altered(made, tmp_path / "bad.zip", member, bytes(data))
        rep = check_bundle(str(bad))
        assert not rep.ok
        assert rep.problems[0].startswith(f"{member}: altered")

    def test_a_changed_original_is_named(self, made: Path, tmp_path: Path) -> None:
        """A changed byte in an original export is named by its path in the bundle."""
        with zipfile.ZipFile(made) as zf:
            name = next(n for n in zf.namelist() if n.startswith("originals/"))
            data = bytearray(zf.read(name))
        data[100] ^= 1
        rep = check_bundle(str(_altered(made, tmp_path / "bad.zip", name, bytes(data))))
        assert rep.problems[0] == f"{name}: altered (its SHA-256 differs from the manifest)"

    def test_a_removed_file_is_named(self, made: Path, tmp_path: Path) -> None:
        """A file taken out of the bundle is named as missing."""
        rep = check_bundle(str(_altered(made, tmp_path / "bad.zip", "events.content.jsonl", None)))
        assert "events.content.jsonl: listed in the manifest but missing from the bundle" in rep.problems

    def test_an_added_file_is_named(self, made: Path, tmp_path: Path) -> None:
        """A file slipped into the bundle is named."""
        bad = tmp_path / "bad.zip"
        bad.write_bytes(made.read_bytes())
        with zipfile.ZipFile(bad, "a") as zf:
            zf.writestr("originals/extra.txt", "planted")
        rep = check_bundle(str(bad))
        assert rep.problems[0] == "originals/extra.txt: not listed in the manifest (added after the bundle was made)"

    def test_a_rewritten_manifest_fails_its_signature(self, made: Path, tmp_path: Path) -> None:
        """Editing the manifest to match an altered file is caught by the signature."""
        with zipfile.ZipFile(made) as zf:
            m = json.loads(zf.read("MANIFEST.json"))
        m["events"] = 1
        rep = check_bundle(str(_altered(made, tmp_path / "bad.zip", "MANIFEST.json", json.dumps(m).encode())))
        assert rep.problems[0] == ("MANIFEST.json: its signature does not verify with the vault's identity key "
                                   "(altered)")

    def test_the_cli_names_the_file_and_exits_1(self, made: Path, tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
        """`nocontact verify-bundle` prints the same first problem and exits 1."""
        from tests.cli_runner import run

        with zipfile.ZipFile(made) as zf:
            data = zf.read("events.csv") + b"x"
        bad = _altered(made, tmp_path / "bad.zip", "events.csv", data)
        r = run(capsys, monkeypatch, "verify-bundle", str(bad))
        assert r.code == 1 and "NOT VERIFIED: events.csv: altered" in r.out
        assert run(capsys, monkeypatch, "verify-bundle", str(made)).code == 0


class TestContent:
    def test_hostile_text_is_kept_exactly_in_jsonl_and_defused_in_csv(self, made: Path) -> None:
        """Text is exact in events.jsonl; the CSV never starts a cell with a formula character."""
        with zipfile.ZipFile(made) as zf:
            rows = [json.loads(line) for line in zf.read("events.jsonl").decode().splitlines()]
            csv_text = zf.read("events.csv").decode("utf-8-sig")
        assert any(r["body"] == "<script>alert(1)</script> at my door" for r in rows)
        import csv
        import io

        for row in csv.reader(io.StringIO(csv_text)):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@"))

    def test_the_attachment_is_inside_byte_for_byte(self, made: Path) -> None:
        """The photo attached to the incident is in attachments/ unchanged."""
        with zipfile.ZipFile(made) as zf:
            name = next(n for n in zf.namelist() if n.startswith("attachments/") and n.endswith("photo.jpg"))
            assert zf.read(name) == b"\xff\xd8\xff" + bytes(range(256)) * 4


class TestEd25519:
    def test_the_pure_python_verifier_agrees_with_the_library(self) -> None:
        """verify.py's Ed25519 accepts real signatures and rejects altered ones."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        for i in range(5):
            k = Ed25519PrivateKey.generate()
            pub = k.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
            msg = f"message {i}".encode() * (i + 1)
            sig = k.sign(msg)
            assert ed25519_verify(pub, msg, sig)
            assert not ed25519_verify(pub, msg + b"!", sig)
            bad = bytearray(sig)
            bad[10] ^= 1
            assert not ed25519_verify(pub, msg, bytes(bad))


class TestSeal:
    def test_a_sealed_bundle_opens_with_openssl(self, made: Path, tmp_path: Path) -> None:
        """The encrypted copy opens with the standard openssl command and the passphrase."""
        import shutil

        sealed = tmp_path / "case.zip.enc"
        seal(made, sealed, "told by phone 42")
        assert sealed.read_bytes()[:8] == b"Salted__"
        out = tmp_path / "opened.zip"
        open_sealed(sealed, out, "told by phone 42")
        assert out.read_bytes() == made.read_bytes()
        if shutil.which("openssl"):
            r = subprocess.run(["openssl", "enc", "-d", "-aes-256-cbc", "-pbkdf2", "-iter", "600000", "-md",
                                "sha256", "-in", str(sealed), "-out", str(tmp_path / "o2.zip"),
                                "-pass", "pass:told by phone 42"], capture_output=True, check=False)
            assert r.returncode == 0, r.stderr
            assert (tmp_path / "o2.zip").read_bytes() == made.read_bytes()

    def test_a_wrong_passphrase_does_not_open_it(self, made: Path, tmp_path: Path) -> None:
        """A wrong passphrase gives a clear error (or, rarely, bytes that fail verification)."""
        sealed = tmp_path / "c.enc"
        seal(made, sealed, "right passphrase")
        try:
            open_sealed(sealed, tmp_path / "x.zip", "wrong passphrase")
        except ValueError as e:
            assert "wrong passphrase" in str(e)
        else:
            assert not check_bundle(str(tmp_path / "x.zip")).ok
