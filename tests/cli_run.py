"""Run `inspect` and `af-inspect` as a person does, in a subprocess, against this checkout's source."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        """What the terminal shows: both streams."""
        return self.out + self.err


def run_cli(
    program: str, *args: str, cwd: Path | None = None, timeout: float = 240, env: dict[str, str] | None = None
) -> Run:
    """`program` is `inspect` or `af-inspect`; run with this checkout's `src` first on the path."""
    module = {"inspect": "inspect_ai", "af-inspect": "af_inspect.cli"}[program]
    full_env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
        "COLUMNS": "120",
        **(env or {}),
    }
    p = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return Run(p.returncode, p.stdout, p.stderr)
