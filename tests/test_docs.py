"""The documentation people and other programs rely on stays true to the program.

The command reference is generated from the real ``--help``; every command has help text and is
documented; every ``nocontact ...`` line in README.md names a command (and options) that exist;
every journal entry kind the code writes is described in docs/vault-format.md; and an evidence
bundle checks out by the hand recipe of docs/evidence-bundle.md, without nocontact's checker.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import shlex
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_cli_reference", ROOT / "scripts" / "gen_cli_reference.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


GEN = _generator()


def _commands() -> list[tuple[tuple[str, ...], Any]]:
    return list(GEN.command_paths(GEN._root_command()))


# ---- the command reference ---------------------------------------------------------------------

def test_cli_reference_is_what_the_generator_writes() -> None:
    """docs/cli-reference.md is byte for byte what scripts/gen_cli_reference.py generates now."""
    committed = (DOCS / "cli-reference.md").read_text(encoding="utf-8")
    assert committed == GEN.generate(), (
        "docs/cli-reference.md is out of date: run .venv/bin/python scripts/gen_cli_reference.py and commit it")


def test_generated_help_has_no_colour_codes_or_trailing_spaces() -> None:
    """The reference is plain text, so it reads the same in any viewer and diffs cleanly."""
    text = GEN.generate()
    assert "\x1b[" not in text
    assert not [line for line in text.splitlines() if line != line.rstrip()]


def test_every_command_has_help_text() -> None:
    """Each command and subcommand says what it does (a frightened person reads --help first)."""
    missing = [" ".join(path) for path, cmd in _commands() if not (cmd.help or "").strip()]
    assert not missing, f"commands without help text: {missing}"


def test_every_command_is_documented() -> None:
    """Each command is shown in README.md or has its own section in docs/cli-reference.md."""
    readme = README.read_text(encoding="utf-8")
    reference = (DOCS / "cli-reference.md").read_text(encoding="utf-8")
    undocumented = [" ".join(path) for path, _ in _commands()
                    if f"nocontact {' '.join(path)}" not in readme
                    and f"## `nocontact {' '.join(path)}`" not in reference]
    assert not undocumented, f"commands in neither README.md nor docs/cli-reference.md: {undocumented}"


def test_command_tree_is_not_empty() -> None:
    """The walk finds the commands people use, so the checks above cannot pass vacuously."""
    paths = {" ".join(p) for p, _ in _commands()}
    assert {"init", "import", "verify", "bundle", "verify-bundle", "serve", "case load"} <= paths


# ---- README command lines ------------------------------------------------------------------------

_STOP = {"|", "||", "&&", ";", "&", ">", "<", ">>"}


def _segments(markdown: str) -> list[str]:
    """Every ``nocontact ...`` command line in code blocks and inline code spans of the text."""
    found: list[str] = []
    in_block = False
    pending = ""
    for raw in markdown.splitlines():
        if raw.lstrip().startswith("```"):
            in_block = not in_block
            continue
        if in_block:
            line = pending + raw
            if line.endswith("\\"):
                pending = line[:-1] + " "
                continue
            pending = ""
            m = re.match(r"\s*(?:\$\s+)?(?:\S*/)?nocontact(?=\s|$)(.*)", line)
            if m:
                found.append("nocontact" + m.group(1))
            c = re.search(r"#\s*(?:or:?\s+)(?:\S*/)?nocontact(?=\s)(.*)", line)
            if c:
                found.append("nocontact" + c.group(1))
        else:
            found.extend(m.group(1) for m in re.finditer(r"`((?:\S*/)?nocontact [^`]+)`", raw))
    return found


def _tokens(segment: str) -> list[str]:
    lex = shlex.shlex(segment, posix=True, punctuation_chars=True)
    lex.whitespace_split = True
    lex.commenters = "#"
    out: list[str] = []
    try:
        for tok in lex:
            if tok in _STOP:
                break
            out.append(tok)
    except ValueError:  # an unbalanced quote in prose: keep what was read
        pass
    return out[1:]


def _resolve(tokens: list[str]) -> tuple[Any, list[str], str]:
    """The command a token list names, the tokens after it, and its path (raises on an unknown one)."""
    cmd = GEN._root_command()
    path: list[str] = []
    rest = list(tokens)
    while getattr(cmd, "commands", None) and rest and not rest[0].startswith("-"):
        name = rest.pop(0)
        if name not in cmd.commands:
            raise LookupError(f"'nocontact {' '.join([*path, name])}' is not a command")
        cmd = cmd.commands[name]
        path.append(name)
    if getattr(cmd, "commands", None) and rest[:1] != ["--help"]:
        raise LookupError(f"'nocontact {' '.join(path)}' needs a subcommand: {sorted(cmd.commands)}")
    return cmd, rest, " ".join(path)


def _options(cmd: Any) -> set[str]:
    opts = {"--help"}
    for p in cmd.params:
        opts.update(o for o in (*p.opts, *getattr(p, "secondary_opts", ())) if o.startswith("-"))
    return opts


def test_readme_command_lines_name_real_commands_and_options() -> None:
    """Every ``nocontact ...`` line in README.md runs a command that exists, with options it accepts."""
    segments = _segments(README.read_text(encoding="utf-8"))
    assert len(segments) >= 10, "README.md should show the commands it talks about"
    wrong: list[str] = []
    for seg in segments:
        tokens = _tokens(seg)
        if not tokens:
            continue
        try:
            cmd, rest, path = _resolve(tokens)
        except LookupError as e:
            wrong.append(f"{seg!r}: {e}")
            continue
        known = _options(cmd)
        for tok in rest:
            if tok.startswith("--") and tok.split("=", 1)[0] not in known:
                wrong.append(f"{seg!r}: 'nocontact {path}' has no option {tok.split('=', 1)[0]}")
    assert not wrong, "\n".join(wrong)


def test_readme_line_checker_catches_a_wrong_command() -> None:
    """The checker itself refuses a misspelt command and an unknown option."""
    with pytest.raises(LookupError):
        _resolve(_tokens("nocontact improt file.xml"))
    with pytest.raises(LookupError):
        _resolve(_tokens("nocontact case"))
    cmd, rest, _ = _resolve(_tokens('nocontact bundle --out case.zip --frobnicate  # comment'))
    assert "--frobnicate" in rest and "--frobnicate" not in _options(cmd)
    assert _segments("```sh\nnocontact verify  # ok\n# or: nocontact boundary set --at x\n```\n"
                     "Use `nocontact recover` then.") == [
        "nocontact verify  # ok", "nocontact boundary set --at x", "nocontact recover"]


# ---- docs/vault-format.md ----------------------------------------------------------------------

def _journal_kinds_written() -> set[str]:
    kinds: set[str] = set()
    for path in (ROOT / "src" / "nocontact").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        kinds.update(re.findall(r"append_journal\(\s*\"([a-z_]+)\"", text))
        if "_journaled_insert(" in text:
            kinds.update(re.findall(r"\),\s*\"([a-z_]+)\"\)\s*$", text, flags=re.MULTILINE))
    return kinds


def test_every_journal_kind_written_is_documented() -> None:
    """Each journal entry kind the code appends has its own paragraph in docs/vault-format.md."""
    kinds = _journal_kinds_written()
    assert {"init", "import", "manual_entry", "checkin", "helper_added", "export", "backup"} <= kinds
    doc = (DOCS / "vault-format.md").read_text(encoding="utf-8")
    missing = sorted(k for k in kinds if f"**{k}**" not in doc)
    assert not missing, f"journal kinds missing from docs/vault-format.md: {missing}"


def test_every_migration_is_documented() -> None:
    """Each named migration, and each table it creates, is described in docs/vault-format.md."""
    from nocontact.vault.schema import MIGRATIONS

    doc = (DOCS / "vault-format.md").read_text(encoding="utf-8")
    for name, sql in MIGRATIONS:
        assert f"`{name}`" in doc, name
        for table in re.findall(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)", sql):
            assert f"`{table}`" in doc, f"table {table} of {name}"
        for index in re.findall(r"CREATE INDEX (?:IF NOT EXISTS )?(\w+)", sql):
            assert f"`{index}`" in doc, f"index {index} of {name}"


# ---- docs/evidence-bundle.md, checked by its own recipe ------------------------------------------

@pytest.fixture(scope="module")
def small_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from nocontact.bundle import BundleOptions, build_bundle
    from nocontact.vault.store import Vault
    from tests.vault.helpers import import_paths, samples, with_case

    base = tmp_path_factory.mktemp("bundle-doc")
    files = samples(base / "exports")
    vault, _ = Vault.create(base / "vault", "pw", fast_kdf=True)
    with vault:
        with_case(vault)
        import_paths(vault, files["calls-20260421093015.xml"], files["sms-20260421093015.xml"])
        out = base / "case.zip"
        build_bundle(vault, out, BundleOptions(include_report=False))
    return out


def test_bundle_members_are_the_documented_ones(small_bundle: Path) -> None:
    """Every member of a real bundle is one docs/evidence-bundle.md describes, and the fixed ones are there."""
    doc = (DOCS / "evidence-bundle.md").read_text(encoding="utf-8")
    names = zipfile.ZipFile(small_bundle).namelist()
    fixed = {"events.jsonl", "events.csv", "events.content.jsonl", "journal.jsonl", "verify.py", "README.txt",
             "MANIFEST.sha256", "MANIFEST.json", "signature.json"}
    assert fixed <= set(names)
    for name in names:
        documented = name if name in fixed else name.split("/", 1)[0] + "/"
        assert f"`{documented}" in doc, f"bundle member {name} is not described"


def test_bundle_checks_by_the_documented_hand_recipe(small_bundle: Path) -> None:
    """The manifest hashes, both signed messages and the journal chain verify as the document says."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    zf = zipfile.ZipFile(small_bundle)
    manifest_bytes = zf.read("MANIFEST.json")
    manifest = json.loads(manifest_bytes)
    sig = json.loads(zf.read("signature.json"))
    assert manifest["format"] == "nocontact-bundle" and manifest["version"] == 1
    for name, meta in manifest["files"].items():
        data = zf.read(name)
        assert hashlib.sha256(data).hexdigest() == meta["sha256"] and len(data) == meta["size"], name
    sums = {line.split("  ", 1)[1]: line.split("  ", 1)[0]
            for line in zf.read("MANIFEST.sha256").decode().splitlines()}
    assert sums == {k: v["sha256"] for k, v in manifest["files"].items() if k != "MANIFEST.sha256"}
    public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(sig["public_key_hex"]))
    digest = hashlib.sha256(manifest_bytes).hexdigest()
    assert digest == sig["manifest_sha256"]
    assert hashlib.sha256(bytes.fromhex(sig["public_key_hex"])).hexdigest() == sig["public_key_sha256"]
    public.verify(bytes.fromhex(sig["manifest_signature_hex"]),
                  f"nocontact bundle manifest v1\n{manifest['vault_id']}\n{digest}\n".encode("ascii"))
    head = manifest["journal_head"]
    assert (sig["head_seq"], sig["head"]) == (head["seq"], head["hash"])
    public.verify(bytes.fromhex(sig["head_signature_hex"]),
                  f"nocontact journal head v1\n{manifest['vault_id']}\n{head['seq']}\n{head['hash']}\n".encode("ascii"))
    prev = "0" * 64
    lines = zf.read("journal.jsonl").decode("utf-8").splitlines()
    for n, line in enumerate(lines, start=1):
        row = json.loads(line)
        canon = json.dumps(row["entry"], sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        assert row["entry"]["seq"] == n and row["prev_hash"] == prev
        assert hashlib.sha256(bytes.fromhex(prev) + canon).hexdigest() == row["hash"]
        prev = row["hash"]
    assert (len(lines), prev) == (head["seq"], head["hash"])
    first = json.loads(lines[0])["entry"]
    assert first["kind"] == "init" and first["body"]["vault_id"] == manifest["vault_id"]
    assert bytes.fromhex(sig["public_key_hex"]) == __import__("base64").b64decode(
        first["body"]["identity_public_key"])
    for line in zf.read("events.content.jsonl").decode("utf-8").splitlines():
        row = json.loads(line)
        canon = json.dumps(row["content"], sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        assert hashlib.sha256(canon).hexdigest() == row["content_hash"]
