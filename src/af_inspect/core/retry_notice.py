"""Say, in Inspect's default display, that a provider's requests are failing and why, within seconds.

Inspect retries a failed model request without limit by default, with waits growing from 3 s towards 30
minutes, and logs each retry below the default display level. Against a provider that cannot be reached
(a wrong `--model-base-url`, no network, a proxy) a run therefore showed nothing for minutes. af-inspect keeps
Inspect's retry policy (a long run should ride out a rate limit or a short outage; `--max-retries` and
`--timeout` bound it) and adds this hook: at the first retry of each kind of failure (model, exception type,
HTTP status) it logs one warning naming the model, the failure and the way out. Rate limits (HTTP 429) are
left to Inspect, whose footer counts them.

The hook is registered when af-inspect's first solver or judge is built (`watch_retries()`), not at import:
Inspect lists the hooks present at start-up in every run's output, and runs of other tasks should not
carry it.
"""

from __future__ import annotations

import logging

from inspect_ai.hooks import Hooks, ModelRetry, RunStart, hooks

logger = logging.getLogger(__name__)

_registered = False


class RetryNotice(Hooks):
    """One warning per (model, exception type, HTTP status) and run, at its first retry."""

    def __init__(self) -> None:
        self._seen: set[tuple[str, str | None, int | None]] = set()

    async def on_run_start(self, data: RunStart) -> None:
        self._seen.clear()

    async def on_model_retry(self, data: ModelRetry) -> None:
        if data.status_code == 429:
            return
        key = (data.model_name, data.exception_type, data.status_code)
        if key in self._seen:
            return
        self._seen.add(key)
        logger.warning(retry_message(data))


def retry_message(data: ModelRetry) -> str:
    """The warning for the first retry of one kind of failure."""
    status = f"HTTP {data.status_code}" if data.status_code else "no HTTP response"
    return (
        f"Requests to {data.model_name} fail ({data.exception_type or 'error'}, {status}); retrying in "
        f"{data.wait_time:.0f} s, without limit unless --max-retries or --timeout is set. Provider "
        "unreachable? Check --model-base-url, the network and the API key; Ctrl-C stops the run, "
        "--max-retries 3 ends such a run within a minute."
    )


def watch_retries() -> None:
    """Register the hook once per process (called by af-inspect's solver and judge factories)."""
    global _registered
    if not _registered:
        hooks(name="af_inspect_retry_notice", description="Warns when a provider's requests keep failing.")(
            RetryNotice
        )
        _registered = True
