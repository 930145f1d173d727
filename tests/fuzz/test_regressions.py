"""Every crash the fuzzer found, kept as a named test with its input under ``regressions/``.

A file ``regressions/<target>/<Exception>_<module>_<line>-<hash>`` is the input atheris saved for
that crash site (``python -m fuzz.run --replay <target> <file>`` shows it). Each input has two tests:
the importer contract (records, problems or a plain refusal), ``xfail(strict=True)`` until the
importer is fixed, and the vault's own promise, which must already hold: whatever escapes,
journal, events, sources and blobs are unchanged and the vault verifies.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzz.targets import run_target

from nocontact.vault.store import Vault
from tests.fuzz.vault_state import import_bytes, state, verified

HERE = Path(__file__).resolve().parent / "regressions"

#: signature prefix (the file name before the hash) -> what is wrong, for the xfail reason.
OPEN: dict[str, str] = {}


def _inputs() -> list[object]:
    out: list[object] = []
    for path in sorted(HERE.glob("*/*")):
        sig = path.name.rsplit("-", 1)[0]
        reason = OPEN.get(f"{path.parent.name}/{sig}") or OPEN.get(sig)
        out.append(pytest.param(path.parent.name, path, reason, id=f"{path.parent.name}/{path.name}"))
    return out


CASES = _inputs()


#: crash sites fixed since the fuzzer found them (their inputs stay as regression tests).
FIXED: dict[str, str] = {
    "OverflowError__email_message_184": "a Date beyond the calendar falls back to the From_ line or Received",
    "ValueError__email_message_228": "a charset name with a NUL is an unknown charset (a counted problem)",
    "OSError_sources_102": "FileSource.related treats an impossible name as absent",
    "OverflowError_google_voice_94": "a title time beyond the calendar is a counted problem",
    "RecursionError_google_voice_80": "_text walks the tree with an explicit stack",
    "DatabaseError_imessage_chatdb_138": "any damaged page met while reading is a plain SourceError",
    "DatabaseError_imessage_chatdb_309": "as above, for the chat table",
    "IndexError_sources_241": "a member with an empty name is refused by check_member",
    "UnicodeEncodeError_events_189": "the vault writer stores a lone surrogate as U+FFFD and counts a problem",
    "OverflowError_events_189": "the vault writer leaves a number beyond 64 bits empty and counts a problem",
    "error_whatsapp_602": "the WhatsApp zip sniffer treats a damaged zip as not its format",
    "EOFError_whatsapp_602": "as above, for a truncated member",
    "UnicodeDecodeError_whatsapp_597": "as above, for a member name that is not UTF-8",
    "TypeError_imessage_chatdb_328": "a chat_handle_join row with NULL ids joins nothing",
    "InvalidOperation__json_stream_125": "a JSON number the parser cannot hold is a plain 'damaged' refusal",
    "ValueError_sources_97": "FileSource.related treats a name holding a NUL as absent",
    "UnicodeDecodeError_imessage_chatdb_295": "SQLite's 'malformed schema' message quoting a name that is not UTF-8 "
                                              "is read as the DatabaseError it is: a plain 'damaged' refusal",
}


def test_every_saved_crash_has_a_stated_cause() -> None:
    """Each saved input names a known crash site (open or fixed), so a new file without an entry is noticed."""
    for p in HERE.glob("*/*"):
        sig = p.name.rsplit("-", 1)[0]
        assert sig in OPEN.keys() | FIXED.keys() or f"{p.parent.name}/{sig}" in OPEN, p


@pytest.mark.parametrize(("target", "path", "reason"), CASES)
def test_crash_input_ends_in_records_problems_or_a_plain_refusal(target: str, path: Path, reason: str | None,
                                                                 request: pytest.FixtureRequest) -> None:
    """The input that once crashed now ends like any other input: read, counted, or refused in words."""
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
    out = run_target(target, path.read_bytes())
    assert out.refused is None or len(out.refused) > 20


@pytest.mark.parametrize(("target", "path", "reason"), CASES)
def test_crash_input_leaves_the_vault_unchanged(target: str, path: Path, reason: str | None,
                                                tmp_path: Path) -> None:
    """Even while the importer still crashes on it, the failed import leaves the vault as it was."""
    vault, _ = Vault.create(tmp_path / "vault", "correct horse", fast_kdf=True)
    with vault:
        before = state(vault)
        try:
            result = import_bytes(vault, tmp_path / "in", target, path.read_bytes())
        except Exception:  # noqa: BLE001 - the crash itself is the other test's business
            assert state(vault) == before
        else:
            if not result.summaries:
                assert state(vault) == before
        assert verified(vault)
