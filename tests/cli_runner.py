"""Running the ``nocontact`` command in process, as a person would type it."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import pytest

from nocontact.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str


def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str,
        stdin: str | None = None) -> Result:
    monkeypatch.setattr(sys, "argv", ["nocontact", *args])
    if stdin is not None:
        import io

        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = 0
    try:
        main()
    except SystemExit as e:
        code = int(e.code or 0)
    cap = capsys.readouterr()
    return Result(code, cap.out, cap.err)
