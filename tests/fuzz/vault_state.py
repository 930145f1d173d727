"""Importing raw bytes through the vault, and what "the vault is unchanged" means in a test."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fuzz.targets import CONTEXT, TARGETS

from nocontact.importers import by_name
from nocontact.ingest import Planned, Skipped, plan_sources
from nocontact.sources import FileSource, Source
from nocontact.vault.importing import ImportFailed, ImportSummary, import_source
from nocontact.vault.store import Vault
from nocontact.vault.verify import verify_vault

__all__ = ["State", "Result", "import_bytes", "import_path", "import_one", "place", "state"]


@dataclass(frozen=True)
class State:
    """Everything an import may change: the journal head, and rows in the tables it writes."""

    head: tuple[int, str]
    events: int
    sources: int
    imports: int
    blobs: int


def state(vault: Vault) -> State:
    def n(table: str) -> int:
        return int(vault.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608

    blobs = sum(1 for p in (vault.root / "blobs").rglob("*") if p.is_file()) if (vault.root / "blobs").is_dir() else 0
    return State(vault.head(), n("events"), n("sources"), n("imports"), blobs)


@dataclass
class Result:
    """What importing one path did: summaries of imports that committed, sentences of those that failed."""

    summaries: list[ImportSummary]
    failures: list[str]
    skipped: list[Skipped]


def place(folder: Path, relpath: str, data: bytes) -> FileSource:
    path = folder / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return FileSource(path, folder, relpath)


def import_one(vault: Vault, source: Source, importer: str) -> Result:
    """One source with a named importer, the way ``nocontact import --format`` does it."""
    try:
        return Result([import_source(vault, source, by_name(importer), CONTEXT, keep_unrelated=True)], [], [])
    except ImportFailed as e:
        return Result([], [str(e)], [])


def import_path(vault: Vault, path: Path) -> Result:
    """Whatever ``nocontact import PATH`` would import, recognised by content."""
    out = Result([], [], [])
    for item in plan_sources([path]):
        if isinstance(item, Skipped):
            out.skipped.append(item)
            continue
        assert isinstance(item, Planned)
        try:
            out.summaries.append(import_source(vault, item.source, item.importer, CONTEXT, keep_unrelated=True))
        except ImportFailed as e:
            out.failures.append(str(e))
    return out


def import_bytes(vault: Vault, folder: Path, target: str, data: bytes) -> Result:
    """A fuzz input as the person would import it: the target's file name, its importer."""
    t = TARGETS[target]
    src = place(folder, t.relpath, data)
    if t.importer is None:
        return import_path(vault, src.path)
    return import_one(vault, src, t.importer)


def verified(vault: Vault) -> bool:
    return verify_vault(vault).ok
