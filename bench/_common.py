"""Helpers every benchmark shares: peak memory of a child run, and running a phase as a child.

Each phase runs in its own process so its peak memory is its own; VmHWM is reset by exec,
whereas ru_maxrss keeps the parent's peak across fork+exec on Linux.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

__all__ = ["peak_rss_mb", "run_child"]


def peak_rss_mb() -> float:
    """Peak RSS of this process image in MB (VmHWM; ru_maxrss where /proc is missing)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(script: str, mode: str, *args: object) -> dict[str, Any]:
    """Run ``script --child MODE ARGS...`` and return the JSON object on its last line of output."""
    out = subprocess.run([sys.executable, script, "--child", mode, *map(str, args)],
                         check=False, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"the {mode} run failed:\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result
