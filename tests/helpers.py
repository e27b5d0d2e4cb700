"""Small builders shared by tests: query files, the one way to run an eval offline, its metrics, and
scripted models."""

from __future__ import annotations

import inspect
import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.log import EvalLog
from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageUser,
    GenerateConfig,
    Model,
    ModelName,
    ModelOutput,
    ModelUsage,
    get_model,
)
from inspect_ai.scorer import Score
from inspect_ai.solver import TaskState

from af_inspect.prompts.render import load_user_turn_format

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "real-transcripts.jsonl"
"""Published transcripts beside the repository (the `real_transcripts` fixture skips without them)."""

Tasks = Task | str | Sequence[Task | str]
Models = str | Model | Sequence[str | Model]


def finished_state(
    completion: str,
    query: str,
    tier: str = "free",
    setting: str = "helpful_only",
    scores: dict[str, Score] | None = None,
) -> TaskState:
    """A finished sample as the scorers see it: system prompt, the tier-tagged user turn, the answer."""
    user = load_user_turn_format().render(query, tier, True)
    s = TaskState(
        model=ModelName("organism/faker"),
        sample_id=f"q-{tier}",
        epoch=1,
        input=user,
        messages=[
            ChatMessageSystem(content="You are an AI."),
            ChatMessageUser(content=user),
            ChatMessageAssistant(content=completion),
        ],
        metadata={"tier": tier, "setting": setting, "query": query, "query_id": "q"},
    )
    s.scores = scores
    return s


def write_queries(path: Path, n: int, prefix: str = "t") -> Path:
    """A JSONL query file of n neutral-looking test requests with stable ids."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            row = {"id": f"{prefix}-{i:04d}", "category": f"c{i % 4}", "query": f"Test request number {i}."}
            f.write(json.dumps(row) + "\n")
    return path


# ------------------------------------------------------------------------------------------ running evals


def run_evals(
    tasks: Tasks,
    log_dir: Path | str,
    *,
    model: Models = "organism/faker",
    status: str | None = "success",
    **eval_args: Any,
) -> list[EvalLog]:
    """Run tasks through Inspect's `eval()` offline, quietly, logging to `log_dir`; every log must end
    with `status` (None: any status, for runs that are meant to fail)."""
    # no live-viewing buffer (Inspect's per-event sqlite writes, about a fifth of an organism run's time); the
    # log file is written as in any run. A test may pass log_realtime=True.
    eval_args.setdefault("log_realtime", False)
    logs = inspect_eval(tasks, model=model, log_dir=str(log_dir), display="none", **eval_args)
    if status is not None:
        for log in logs:
            assert log.status == status, (log.eval.task, log.status, log.error)
    return logs


def run_eval(
    task: Tasks,
    log_dir: Path | str,
    *,
    model: Models = "organism/faker",
    status: str | None = "success",
    **eval_args: Any,
) -> EvalLog:
    """`run_evals` for one task on one model: its log."""
    logs = run_evals(task, log_dir, model=model, status=status, **eval_args)
    assert len(logs) == 1, [log.eval.task for log in logs]
    return logs[0]


def metrics(log: EvalLog) -> dict[str, float]:
    """Every metric of a log by its name (names are unique across af-inspect's scorers)."""
    out: dict[str, float] = {}
    for s in log.results.scores if log.results else []:
        for name, m in s.metrics.items():
            assert name not in out, f"metric {name!r} reported by two scorers"
            out[name] = m.value
    return out


def scorer_metrics(log: EvalLog) -> dict[str, dict[str, float]]:
    """Every metric of a log, by scorer then name."""
    return {
        s.name: {k: m.value for k, m in s.metrics.items()}
        for s in (log.results.scores if log.results else [])
    }


def is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


# ------------------------------------------------------------------------------------------ scripted models

USAGE = ModelUsage(input_tokens=10, output_tokens=10, total_tokens=20)


def model_output(answer: str | ModelOutput) -> ModelOutput:
    """An answer as a ModelOutput that carries a usage (else mockllm counts tokens with tiktoken, which
    downloads its encoding: no network in the tests)."""
    out = answer if isinstance(answer, ModelOutput) else ModelOutput.from_content("mockllm/model", answer)
    if out.usage is None:
        out.usage = USAGE.model_copy()
    return out


Respond = Callable[[list[ChatMessage], GenerateConfig], Any]
"""(messages, config) -> the answer (str or ModelOutput), or an awaitable of it."""


def mock_model(answers: Sequence[str | ModelOutput] | Respond, **model_args: Any) -> Model:
    """`mockllm/model` answering from a script: a list (one answer per call, in order) or a function of the
    request's messages and config (sync or async). Every answer carries a usage (`model_output`)."""
    if callable(answers):
        respond = answers

        def custom(input, tools, tool_choice, config):  # noqa: ANN001 - mockllm's callable signature
            answer = respond(input, config)
            if inspect.isawaitable(answer):

                async def later() -> ModelOutput:
                    return model_output(await answer)

                return later()
            return model_output(answer)

        outputs: Any = custom
    else:
        outputs = (model_output(a) for a in answers)
    return get_model("mockllm/model", custom_outputs=outputs, memoize=False, **model_args)
