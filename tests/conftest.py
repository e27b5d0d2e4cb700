"""Shared fixtures. Tests are offline: no network, no API keys."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "real-transcripts.jsonl"

# Keep Inspect from reaching out or writing into the user's log dir during tests.
os.environ.setdefault("INSPECT_LOG_DIR", str(Path(__file__).resolve().parent / ".logs"))


@pytest.fixture(scope="session")
def real_transcripts() -> list[dict]:
    """The 201 real transcripts in ../shared/data (read from there, never copied into the repo)."""
    if not SHARED_DATA.exists():
        pytest.skip(f"real transcripts not found at {SHARED_DATA} (../shared is not beside the repo)")
    with SHARED_DATA.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
