"""Run `inspect` and `af-inspect` as a person does, in a subprocess, with the installed package.

The suite runs after `pip install -e ".[dev]"` (`.ci/run`), so the installed package is this checkout. `src`
is deliberately not put on PYTHONPATH: the editable install leaves `src/af_inspect.egg-info` beside the
package, which would then shadow the install's metadata, and Inspect, which names a package's tasks
`af_inspect/...` only for a package installed in site-packages or editable (PEP 610 `direct_url.json`),
would no longer find `af_inspect/helpful_only`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


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
    """`program` is `inspect` or `af-inspect`, run by this interpreter."""
    module = {"inspect": "inspect_ai", "af-inspect": "af_inspect.cli"}[program]
    full_env = {
        **os.environ,
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
