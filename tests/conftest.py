"""Shared fixtures. Tests are offline: no network, no API keys.

The tests mirror the package (`tests/scorers/`, `tests/organism/`, ...) in folders without `__init__.py`,
imported with pytest's `--import-mode=importlib` (pyproject.toml). Helper modules are imported by name:
`helpers`, `smollm2` and `analysis_logs` from tests/, `bare_task` from bench/; both folders go on sys.path
here, before any test module is collected.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from inspect_ai.model import get_model

TESTS = Path(__file__).resolve().parent
for folder in (TESTS, TESTS.parent / "bench"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

# Keep Inspect from writing into the user's log dir during tests.
os.environ.setdefault("INSPECT_LOG_DIR", str(TESTS / ".logs"))

import helpers  # noqa: E402  (needs the sys.path entry above)

SLOW_FILES = {"test_recorded_metrics.py"}
"""Test files marked `slow` here rather than in the file: the recorded-figures regression is left untouched."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in SLOW_FILES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def real_transcripts() -> list[dict]:
    """The 201 real transcripts in ../shared/data (read from there, never copied into the repo)."""
    if not helpers.SHARED_DATA.exists():
        pytest.skip(f"real transcripts not found at {helpers.SHARED_DATA} (../shared is not beside the repo)")
    with helpers.SHARED_DATA.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture
def run_eval(tmp_path: Path) -> Callable[..., helpers.EvalLog]:
    """`run_eval(task, model="organism/faker", **eval_args)`: `helpers.run_eval` with this test's log dir.

    Module-scoped fixtures and runs of several tasks call `helpers.run_eval` / `helpers.run_evals` with a
    log dir of their own.
    """

    def run(task: helpers.Tasks, model: helpers.Models = "organism/faker", **eval_args) -> helpers.EvalLog:
        return helpers.run_eval(task, tmp_path / "logs", model=model, **eval_args)

    return run


@pytest.fixture
def offline_token_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    """mockllm fills in the usage of its default answers by counting tokens with tiktoken, which downloads
    its encoding (no network here): count with af-inspect's offline estimate instead. For evals whose
    mockllm answers are not scripted (`helpers.mock_model` scripts carry a usage), e.g.
    `pytest_inspect_evals.metrics.run_metrics`."""
    from af_inspect.core.tokens import estimate_tokens

    async def count_text_tokens(self, text: str) -> int:  # noqa: ANN001
        return estimate_tokens(text)

    mockllm_api = type(get_model("mockllm/model").api)
    monkeypatch.setattr(mockllm_api, "count_text_tokens", count_text_tokens)


@pytest.fixture(autouse=True)
def _sources_cache(tmp_path_factory, monkeypatch):
    """Published sources fetched by a test (from a local stand-in server) are cached in a temporary folder,
    never in the user's cache, where a stand-in would then be served as the real file."""
    import af_inspect.core.sources

    folder = tmp_path_factory.mktemp("sources-cache")
    monkeypatch.setattr(af_inspect.core.sources, "cache_dir", lambda: folder)
