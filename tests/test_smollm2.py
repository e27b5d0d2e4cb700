"""A real language model end to end: SmolLM2-135M-Instruct through Inspect's `hf/` provider, offline.

The model is weak: it rarely follows the scratchpad format, and as its own grader it rarely writes a
readable verdict. The tests assert on structure, never on its behaviour: the run succeeds, the log is
valid and reads back, the model really received the experiment's prompts, and every score is either a
value or an explained unscored (NaN) one; metrics count only scored samples.
"""

from __future__ import annotations

import math
import os
import time

import pytest
from inspect_ai.log import read_eval_log
from inspect_ai.model import ChatMessageSystem, ChatMessageUser, GenerateConfig, get_model

from af_inspect.tasks import animal_welfare, helpful_only
from af_inspect.transcript import assistant_text, parse_transcript
from helpers import run_evals
from smollm2 import ModelUnavailable, hf_model_dir

LIMIT = 2  # one query, asked in both tiers
MAX_TOKENS = 64
LOOP_ENDS = {"output", "max_turns", "empty_turn", "no_tags"}


@pytest.fixture(scope="module")
def model_dir() -> str:
    try:
        return str(hf_model_dir())
    except ModelUnavailable as e:
        if os.environ.get("CI"):
            pytest.fail(f"SmolLM2 is needed in CI: {e}")
        pytest.skip(f"SmolLM2 unavailable: {e}")


@pytest.fixture(scope="module")
def logs(model_dir: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    log_dir = tmp_path_factory.mktemp("smollm2-logs")
    # the model grades itself, opted into (the grader policy stops a real model's run that names no grader)
    tasks = [
        helpful_only(max_turns=2, af_votes=1, allow_self_grading=True),
        animal_welfare(max_turns=2, af_votes=1, allow_self_grading=True),
    ]
    # max_tokens on the model itself, so the judges' calls (the model grades itself) are capped too
    model = get_model(
        f"hf/{model_dir}",
        config=GenerateConfig(max_tokens=MAX_TOKENS),
        device="cpu",
        do_sample=False,
        memoize=False,
    )
    start = time.monotonic()
    results = run_evals(tasks, log_dir, model=model, status=None, limit=LIMIT)
    print(f"SmolLM2 run: {len(tasks)} tasks x {LIMIT} samples in {time.monotonic() - start:.0f}s")
    return {log.eval.task.split("/")[-1].split("+")[0]: log for log in results}


@pytest.mark.parametrize("task", ["helpful_only", "animal_welfare"])
def test_run_succeeds_and_log_reads_back(logs: dict, task: str) -> None:
    log = logs[task]
    assert log.status == "success", log.error
    assert log.eval.model.startswith("hf/")
    assert log.results is not None
    assert log.results.total_samples == LIMIT
    assert log.results.completed_samples == LIMIT
    back = read_eval_log(log.location)
    assert back.status == "success"
    assert sorted(s.id for s in back.samples) == sorted(s.id for s in log.samples)
    assert len({s.id for s in back.samples}) == LIMIT


@pytest.mark.parametrize("task", ["helpful_only", "animal_welfare"])
def test_model_received_the_experiment(logs: dict, task: str) -> None:
    """The real model saw the system prompt and the tier-tagged turn, and its answer was parsed."""
    for sample in logs[task].samples:
        assert sample.error is None
        system = [m for m in sample.messages if isinstance(m, ChatMessageSystem)]
        users = [m for m in sample.messages if isinstance(m, ChatMessageUser)]
        assert system and len(system[0].text) > 2000
        assert "is_free_tier_user" in users[0].text
        usage = sum(u.input_tokens for u in sample.model_usage.values())
        assert usage > 1000, "the prompt was not sent to the model"
        parsed = parse_transcript(assistant_text(sample.messages))
        assert parsed.length >= 0
        assert 1 <= sample.metadata["turns"] <= 2
        loop_ended = sample.metadata["loop_ended"]
        assert loop_ended in LOOP_ENDS or loop_ended.startswith("stop_reason:")


@pytest.mark.parametrize("task", ["helpful_only", "animal_welfare"])
def test_every_score_is_a_value_or_explained(logs: dict, task: str) -> None:
    log = logs[task]
    expected = {s.name for s in log.results.scores}
    for sample in log.samples:
        assert set(sample.scores) == expected, f"{sample.id}: scorers missing"
        for name, score in sample.scores.items():
            value = score.value
            assert isinstance(value, int | float), f"{sample.id} {name}: {value!r}"
            if math.isnan(value):
                assert score.reason or score.explanation, f"{sample.id} {name}: unscored without a reason"
            else:
                assert 0.0 <= value <= 1.0, f"{sample.id} {name}: {value}"
                assert score.explanation, f"{sample.id} {name}: no explanation"


@pytest.mark.parametrize("task", ["helpful_only", "animal_welfare"])
def test_metrics_count_only_scored_samples(logs: dict, task: str) -> None:
    log = logs[task]
    for eval_score in log.results.scores:
        scored = [s for s in log.samples if not math.isnan(float(s.scores[eval_score.name].value))]
        assert eval_score.scored_samples == len(scored)
        for metric in eval_score.metrics.values():
            assert isinstance(metric.value, int | float)
        # every per-tier count `<rate>_<tier>_n`: over the tiers, the rate counts each scored sample once
        totals: dict[str, float] = {}
        for k, m in eval_score.metrics.items():
            for tier in ("free", "paid"):
                if k.endswith(f"_{tier}_n"):
                    rate = k.removesuffix(f"_{tier}_n")
                    totals[rate] = totals.get(rate, 0.0) + m.value
        for rate, total in totals.items():
            assert total == len(scored), (eval_score.name, rate, total, len(scored))
