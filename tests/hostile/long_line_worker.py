"""Run in a subprocess by the hostile tests: import an mbox holding one enormous line, generated
lazily (nothing of that size ever exists on disk or in memory before the import reads it), into
a fresh vault, and print what happened and the peak memory as JSON on the last line.

Usage: python -m tests.hostile.long_line_worker VAULT_DIR LINE_BYTES
"""

from __future__ import annotations

import io
import json
import resource
import sys
from pathlib import Path
from typing import BinaryIO, cast

HEADER = (b"From 1779873633236952867@xxx Mon Oct 16 01:29:30 +0000 2023\n"
          b"From: Casey Drummond <casey.drummond@example.com>\nTo: robin@example.org\n"
          b"Date: Mon, 16 Oct 2023 01:29:30 +0000\nMessage-ID: <long-line@example.com>\n"
          b"Subject: one line\n\n")


class _Lazy(io.RawIOBase):
    """HEADER, then ``line`` bytes of 'A' with no line break, then one line break: made as read."""

    def __init__(self, line: int) -> None:
        self._pos = 0
        self._total = len(HEADER) + line + 1
        self._line = line

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        n = min(len(b), self._total - self._pos)
        if n <= 0:
            return 0
        out = bytearray()
        p = self._pos
        if p < len(HEADER):
            out += HEADER[p:p + n]
        rest = n - len(out)
        line_end = len(HEADER) + self._line
        take = max(0, min(rest, line_end - (p + len(out))))
        out += b"A" * take
        if len(out) < n:
            out += b"\n"
        b[:len(out)] = out
        self._pos += len(out)
        return len(out)


class LongLineSource:
    """A Source whose bytes are generated on every open(); no local file."""

    def __init__(self, line: int) -> None:
        self.line = line
        self.display = "Takeout/Mail/All mail Including Spam and Trash.mbox"
        self.name = "All mail Including Spam and Trash.mbox"
        self.size = len(HEADER) + line + 1

    def open(self) -> BinaryIO:
        return cast(BinaryIO, io.BufferedReader(_Lazy(self.line), 1 << 16))

    def head(self, n: int = 8192) -> bytes:
        with self.open() as f:
            return f.read(n)

    def related(self, relpath: str) -> None:
        return None

    def local_path(self) -> None:
        return None


def main(vault_dir: str, line: int) -> dict[str, object]:
    from fuzz.targets import CONTEXT

    from nocontact.importers import by_name
    from nocontact.vault.importing import ImportFailed, import_source
    from nocontact.vault.store import Vault
    from nocontact.vault.verify import verify_vault
    from tests.fuzz.vault_state import state

    vault, _ = Vault.create(Path(vault_dir), "correct horse", fast_kdf=True)
    out: dict[str, object] = {}
    with vault:
        before = state(vault)
        try:
            s = import_source(vault, LongLineSource(line), by_name("gmail_takeout_mbox"), CONTEXT,
                              keep_unrelated=True)
            out.update(outcome="committed", problems=s.problems, added=s.added)
        except ImportFailed as e:
            out.update(outcome="failed", message=str(e))
        out.update(unchanged=state(vault) == before, events=state(vault).events, verify_ok=verify_vault(vault).ok)
    out["peak_rss_mb"] = _peak_rss_mb()
    return out


def _peak_rss_mb() -> float:
    """This process image's peak RSS (VmHWM). Not ``ru_maxrss``: Linux carries that over from the
    parent across fork and exec, so under pytest it reports the test runner's own size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]))))
