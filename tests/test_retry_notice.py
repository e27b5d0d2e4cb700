"""A provider that cannot be reached: the default display says so within seconds, and exit codes are documented.

Against a loopback port that refuses connections (nothing else is contacted): `inspect eval` warns at the
first retry, ends with the log status `error` once `--max-retries` runs out, and exits 0 (Inspect's
behaviour, documented in docs/register.md); `inspect eval-set` and `af-inspect grid` exit 1.
"""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor

import anyio
import pytest
from inspect_ai.hooks import ModelRetry
from inspect_ai.log import read_eval_log

from af_inspect.core.retry_notice import RetryNotice, retry_message
from cli_run import run_cli

WARNING = "fail (APIConnectionError, no HTTP response); retrying in"


@pytest.fixture
def closed_port() -> int:
    """A loopback port with nothing listening: connections are refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unreachable(port: int) -> list[str]:
    # self-grading opted into: the run reaches the (unreachable) model instead of stopping for want of a grader;
    # this project's judges only, so that no published instrument is fetched (no network here)
    return [
        "--model",
        "openai-api/local/x",
        "--model-base-url",
        f"http://127.0.0.1:{port}/v1",
        "-T",
        "allow_self_grading=true",
        "-T",
        "af_classifier=af_inspect",
        "-T",
        "partial=false",
    ]


ENV = {"LOCAL_API_KEY": "fake-key-for-a-closed-port"}


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.slow  # an Inspect subprocess that waits out a retry
def test_inspect_eval_warns_at_the_first_retry_and_exits_0_with_an_error_log(tmp_path, closed_port):
    start = time.monotonic()
    run = run_cli(
        "inspect", "eval", "af_inspect/helpful_only", *unreachable(closed_port), "--limit", "1",
        "--max-retries", "1", "--log-dir", str(tmp_path), cwd=tmp_path, env=ENV,
    )  # fmt: skip
    assert time.monotonic() - start < 60
    assert WARNING in flat(run.text) and "Requests to local/x" in flat(run.text)
    (log,) = tmp_path.glob("*.eval")
    assert read_eval_log(str(log), header_only=True).status == "error"
    assert run.code == 0  # Inspect's own choice for `inspect eval`: docs/register.md says to check the status


@pytest.mark.slow  # two CLI subprocesses
def test_eval_set_and_grid_exit_1_when_the_provider_is_unreachable(tmp_path, closed_port):
    common = [*unreachable(closed_port), "--limit", "1", "--max-retries", "1", "--retry-attempts", "0"]
    # both at once: each spends most of its time waiting out Inspect's retry
    with ThreadPoolExecutor(2) as pool:
        eval_set = pool.submit(
            run_cli, "inspect", "eval-set", "af_inspect/helpful_only", *common, "--log-dir", str(tmp_path / "set"),
            cwd=tmp_path, env=ENV,
        )  # fmt: skip
        grid_run = pool.submit(
            run_cli, "af-inspect", "grid", "--setting", "helpful_only", *common, "--log-dir", str(tmp_path / "grid"),
            cwd=tmp_path, env=ENV,
        )  # fmt: skip
        run, grid = eval_set.result(), grid_run.result()
    assert run.code == 1 and WARNING in flat(run.text)
    assert grid.code == 1
    assert "error     helpful_only" in grid.out and "APIConnectionError" in grid.out


def test_one_warning_per_kind_of_failure_and_none_for_rate_limits(caplog):
    notice = RetryNotice()

    def retry(attempt: int, exception: str = "APIConnectionError", status: int | None = None) -> ModelRetry:
        return ModelRetry(
            model_name="m", attempt=attempt, wait_time=3.0, exception_type=exception, status_code=status
        )

    async def retries() -> None:
        for attempt in (1, 2, 3):
            await notice.on_model_retry(retry(attempt))
        await notice.on_model_retry(retry(1, "RateLimitError", 429))
        await notice.on_model_retry(retry(1, "InternalServerError", 503))

    anyio.run(retries)
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [retry_message(retry(1)), retry_message(retry(1, "InternalServerError", 503))]
    assert "(InternalServerError, HTTP 503)" in messages[1]
