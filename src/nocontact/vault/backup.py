"""``nocontact backup`` and ``restore``: the whole vault in one file, still encrypted.

The backup is an uncompressed zip of the vault's own encrypted parts (a consistent snapshot of
the database, every blob, the header) plus a MANIFEST with the SHA-256 of each. Nothing is
decrypted to make it, so the file is as safe as the vault. What it reveals is what the vault's
folder reveals: the number and sizes of stored files and the header (no secrets).

Restoring is all or nothing: the backup is unpacked into a staging folder next to the target,
opened and verified there, and only then renamed onto the target in one step. A restore killed at
any moment leaves no vault at the target (at worst a ``<target>.restoring-<8 hex>`` folder, which
the next restore into that target removes), and it only ever reads the backup file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import sqlcipher3

from nocontact.vault.store import BLOBS, DATABASE, HEADER, Vault, VaultError, utc_now
from nocontact.vault.verify import VerifyReport, verify_vault

__all__ = ["BackupInfo", "backup", "restore"]

MANIFEST = "MANIFEST.json"
BACKUP_FORMAT = "nocontact-backup"
BACKUP_VERSION = 1
STAGING = ".restoring-"


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    files: int
    size: int
    head: str


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def backup(vault: Vault, out: Path) -> BackupInfo:
    """Write the backup to ``out`` atomically (a partial file is never left under that name)."""
    if out.exists():
        raise VaultError(f"{out}: a file is already there; choose another name")
    snapshot = vault.root / f"snapshot-{os.urandom(6).hex()}.tmp"
    partial = out.with_name(out.name + ".partial")
    try:
        # The snapshot is a consistent read (SQLite's backup API) taken outside any write
        # transaction; the backup is then journaled in the live vault, after the head it holds.
        dst = sqlcipher3.connect(str(snapshot))
        try:
            dst.execute(f"PRAGMA key = \"x'{vault.db_key.hex()}'\"")
            vault.conn.backup(dst)
            seq, head = dst.execute("SELECT seq, hash FROM journal_head WHERE id = 1").fetchone()
        finally:
            dst.close()
        manifest: dict[str, str] = {}
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            members: list[tuple[Path, str]] = [(vault.root / HEADER, HEADER), (snapshot, DATABASE)]
            blobs = vault.root / BLOBS
            for sub in sorted(p for p in blobs.iterdir() if p.is_dir()):
                for p in sorted(sub.iterdir()):
                    members.append((p, f"{BLOBS}/{sub.name}/{p.name}"))
            for path, arc in members:
                manifest[arc] = _sha256_file(path)
                zf.write(path, arc)
            zf.writestr(MANIFEST, json.dumps({"format": BACKUP_FORMAT, "version": BACKUP_VERSION,
                                              "created_at": utc_now(),
                                              "vault_id": vault.vault_id, "journal_head": head,
                                              "journal_seq": seq, "files": manifest}, indent=1, sort_keys=True))
        with open(partial, "rb") as f:
            os.fsync(f.fileno())
        os.replace(partial, out)
        with vault.transaction():
            vault.append_journal("backup", {"head_seq": seq, "head": head, "file_name": out.name,
                                            "sha256": _sha256_file(out)})
    finally:
        for p in (snapshot, snapshot.with_name(snapshot.name + "-journal"), partial):
            p.unlink(missing_ok=True)
    return BackupInfo(out, len(manifest), out.stat().st_size, head)


def _allowed(name: str) -> bool:
    p = PurePosixPath(name)
    if p.is_absolute() or ".." in p.parts or "\\" in name:
        return False
    if name in (HEADER, DATABASE, MANIFEST):
        return True
    parts = p.parts
    return (len(parts) == 3 and parts[0] == BLOBS and len(parts[1]) == 2 and all(c in "0123456789abcdef"
            for c in parts[1] + parts[2]) and parts[2].startswith(parts[1]))


def _manifest_files(backup_file: Path, raw: bytes) -> dict[str, str]:
    """The manifest's file list, after checking it is a backup format this nocontact reads."""
    try:
        manifest = json.loads(raw)
    except ValueError:
        raise VaultError(f"{backup_file}: not a nocontact backup (its {MANIFEST} is damaged). "
                         "Nothing was restored.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != BACKUP_FORMAT:
        raise VaultError(f"{backup_file}: not a nocontact backup (its {MANIFEST} does not say so). "
                         "Nothing was restored.")
    version = manifest.get("version")
    if version != BACKUP_VERSION:
        newer = isinstance(version, int) and not isinstance(version, bool) and version > BACKUP_VERSION
        raise VaultError(f"{backup_file}: this backup is in format version {version!r}, which this nocontact "
                         f"cannot read (it reads version {BACKUP_VERSION})"
                         + ("; it was made by a newer nocontact, so update nocontact to restore it" if newer else "")
                         + ". Nothing was restored.")
    files = manifest.get("files")
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        raise VaultError(f"{backup_file}: not a nocontact backup (its {MANIFEST} has no list of files). "
                         "Nothing was restored.")
    return files


def _remove_stale_staging(target: Path) -> None:
    """Remove what an earlier restore into ``target`` left when it was killed (its staging folders)."""
    prefix = target.name + STAGING
    if not target.parent.is_dir():
        return
    for p in target.parent.iterdir():
        suffix = p.name[len(prefix):]
        if (p.name.startswith(prefix) and len(suffix) == 8 and all(c in "0123456789abcdef" for c in suffix)
                and p.is_dir() and not p.is_symlink()):
            shutil.rmtree(p, ignore_errors=True)


def _move_into_place(staging: Path, target: Path) -> None:
    """Rename the verified staging folder onto ``target`` in one step, then make the rename durable.

    ``rename`` replaces an empty folder atomically, so there is never a moment with the target
    half there; the folder is only removed first where the system cannot do that (Windows).
    """
    try:
        os.replace(staging, target)
    except OSError:
        if not (target.is_dir() and not any(target.iterdir())):
            raise
        target.rmdir()
        os.replace(staging, target)
    if hasattr(os, "O_DIRECTORY"):
        fd = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def restore(backup_file: Path, target: Path, passphrase: str | None = None, *,
            recovery_key: str | None = None) -> VerifyReport:
    """Unpack a backup into a new folder, open it and verify it; the folder appears only if it verifies."""
    if target.exists() and not target.is_dir():
        raise VaultError(f"{target}: a file is there, not a folder; restore into a new folder")
    if target.exists() and any(target.iterdir()):
        raise VaultError(f"{target}: the folder is not empty; restore into a new folder")
    try:
        zf = zipfile.ZipFile(backup_file)
    except (zipfile.BadZipFile, FileNotFoundError, IsADirectoryError) as e:
        raise VaultError(f"{backup_file}: not a nocontact backup ({e})") from None
    _remove_stale_staging(target)
    staging = target.with_name(target.name + f"{STAGING}{os.urandom(4).hex()}")
    try:
        with zf:
            names = zf.namelist()
            if MANIFEST not in names:
                raise VaultError(f"{backup_file}: not a nocontact backup (no {MANIFEST})")
            bad = [n for n in names if not _allowed(n)]
            if bad:
                raise VaultError(f"{backup_file}: refused, it holds an unexpected entry {bad[0]!r}")
            if len(set(names)) != len(names):
                raise VaultError(f"{backup_file}: refused, it holds the same entry twice")
            files = _manifest_files(backup_file, zf.read(MANIFEST))
            missing = set(files) - set(names)
            if missing:
                raise VaultError(f"{backup_file}: incomplete, {sorted(missing)[0]} is missing")
            staging.mkdir(parents=True, mode=0o700)
            (staging / BLOBS).mkdir(mode=0o700)
            for name in names:
                if name == MANIFEST:
                    continue
                if name not in files:
                    raise VaultError(f"{backup_file}: {name} is not listed in the manifest")
                dest = staging / name
                dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                h = hashlib.sha256()
                try:
                    with zf.open(name) as src, open(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600),
                                                    "wb") as out:
                        for chunk in iter(lambda: src.read(1 << 20), b""):
                            h.update(chunk)
                            out.write(chunk)
                        out.flush()
                        os.fsync(out.fileno())
                except zipfile.BadZipFile:
                    raise VaultError(f"{backup_file}: {name} is damaged (the archive's checksum fails)") from None
                if h.hexdigest() != files[name]:
                    raise VaultError(f"{backup_file}: {name} is damaged (its SHA-256 does not match the manifest)")
        with Vault.open(staging, passphrase, recovery_key=recovery_key) as v:
            report = verify_vault(v)
        if not report.ok:
            raise VaultError(f"{backup_file}: the restored vault does not verify: {report.problems[0]}")
        _move_into_place(staging, target)
        return report
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
