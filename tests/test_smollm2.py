"""A real language model end to end: SmolLM2-135M-Instruct through Inspect's `hf/` provider, offline.

The model is weak: it rarely follows the scratchpad format. The tests assert on structure, never on its
behaviour: the run succeeds, the log is valid and reads back, the model really received the experiment's
prompts, and every score is either a value or an explained unscored (NaN) one; metrics count only scored
samples. The judges read its transcripts through the offline grader `organism/judge`: with the model as its
own grader each call is a ~3,000-token prompt on CPU (about 40 s each on a 2-core machine, ten minutes for
these tests), and a grader's unreadable answers are covered by the parser fuzzing and `organism/judge -M
invalid_rate` instead.
"""

from __future__ import annotations

import math
import os
import time

import pytest
from inspect_ai.log import read_eval_log
from inspect_ai.model import ChatMessageSystem, ChatMessageUser, get_model

from af_inspect.core.transcript import assistant_text, parse_transcript
from af_inspect.tasks import animal_welfare, helpful_only
from helpers import run_evals
from smollm2 import ModelUnavailable, NotInstalled, hf_model_dir

pytestmark = pytest.mark.slow  # a real model on CPU: the slowest file of the suite

LIMIT = 2  # one query, asked in both tiers
MAX_TOKENS = 64
LOOP_ENDS = {"output", "max_turns", "empty_turn", "no_tags"}


@pytest.fixture(scope="module")
def model_dir() -> str:
    try:
        return str(hf_model_dir())
    except NotInstalled as e:  # the default test command does not install the local extra
        pytest.skip(str(e))
    except ModelUnavailable as e:
        if os.environ.get("CI"):
            pytest.fail(f"SmolLM2 is needed in CI: {e}")
        pytest.skip(f"SmolLM2 unavailable: {e}")


@pytest.fixture(scope="module")
def logs(model_dir: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    log_dir = tmp_path_factory.mktemp("smollm2-logs")
    tasks = [helpful_only(max_turns=2, af_votes=1), animal_welfare(max_turns=2, af_votes=1)]
    model = get_model(
        f"hf/{model_dir}",
        device="cpu",
        do_sample=False,
        memoize=False,
    )
    start = time.monotonic()
    # max_tokens given to eval(): it overrides the protocol's 4,000 (the task's config), which a model's own
    # config does not
    results = run_evals(
        tasks,
        log_dir,
        model=model,
        model_roles={"grader": "organism/judge"},
        status=None,
        limit=LIMIT,
        max_tokens=MAX_TOKENS,
    )
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
        usage = sum(u.input_tokens for name, u in sample.model_usage.items() if name.startswith("hf/"))
        assert usage > 1000, "the prompt was not sent to the model"
        written = sum(u.output_tokens for name, u in sample.model_usage.items() if name.startswith("hf/"))
        assert written <= MAX_TOKENS * sample.metadata["turns"], (
            "the run's max_tokens did not reach the model"
        )
        assert set(sample.model_usage) - {n for n in sample.model_usage if n.startswith("hf/")} <= {
            "organism/judge"
        }, "only the offline grader besides the model under test"
        parsed = parse_transcript(assistant_text(sample.messages))
        assert parsed.length >= 0
        assert 1 <= sample.metadata["turns"] <= 2
        loop_ended = sample.metadata["loop_ended"]
        assert loop_ended in LOOP_ENDS or loop_ended.startswith("stop_reason:")


def entries(value: object) -> dict[str, float]:
    """A score's value as named numbers: a scalar under "", a dict scorer's (`af_outcomes`) entries as they are."""
    assert isinstance(value, int | float | dict), repr(value)
    return {k: float(v) for k, v in value.items()} if isinstance(value, dict) else {"": float(value)}


def unscored(value: object) -> bool:
    return all(math.isnan(v) for v in entries(value).values())


@pytest.mark.parametrize("task", ["helpful_only", "animal_welfare"])
def test_every_score_is_a_value_or_explained(logs: dict, task: str) -> None:
    log = logs[task]
    expected = {s.name for s in log.results.scores}
    for sample in log.samples:
        assert set(sample.scores) == expected, f"{sample.id}: scorers missing"
        for name, score in sample.scores.items():
            values = entries(score.value)
            if unscored(score.value):
                assert score.reason or score.explanation, f"{sample.id} {name}: unscored without a reason"
            else:
                in_range = all(math.isnan(v) or 0.0 <= v <= 1.0 for v in values.values())
                assert in_range, (sample.id, name, values)
                assert score.explanation, f"{sample.id} {name}: no explanation"


@pytest.mark.parametrize("task", ["helpful_only", "animal_welfare"])
def test_metrics_count_only_scored_samples(logs: dict, task: str) -> None:
    log = logs[task]
    for eval_score in log.results.scores:
        values = [entries(s.scores[eval_score.name].value) for s in log.samples]
        if "" in values[0]:
            assert eval_score.scored_samples == sum(not math.isnan(v[""]) for v in values)
        for metric in eval_score.metrics.values():
            assert isinstance(metric.value, int | float)
        # every per-tier count `<rate>_<tier>_n`: over the tiers, the rate counts each sample it scored once
        # (a scalar scorer's scored samples; a dict scorer's samples whose entry `<rate>` is a number)
        totals: dict[str, float] = {}
        for k, m in eval_score.metrics.items():
            for tier in ("free", "paid"):
                if k.endswith(f"_{tier}_n"):
                    rate = k.removesuffix(f"_{tier}_n")
                    totals[rate] = totals.get(rate, 0.0) + m.value
        for rate, total in totals.items():
            key = "" if "" in values[0] else rate
            if key not in values[0]:
                continue  # a rate over a field of the metadata, not an entry of the value
            scored = sum(not math.isnan(v[key]) for v in values)
            assert total == scored, (eval_score.name, rate, total, scored)


def test_without_the_local_extra_they_skip_before_any_download(monkeypatch, tmp_path) -> None:
    import importlib.util

    import smollm2

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda m, *a: None if m == "torch" else real(m, *a))
    monkeypatch.setenv("AF_INSPECT_CACHE", str(tmp_path))
    monkeypatch.setattr(smollm2, "_fetch_gguf", lambda target: pytest.fail("downloaded without torch"))
    with pytest.raises(NotInstalled, match=r"\.\[local\]"):
        hf_model_dir()
    assert not any(tmp_path.iterdir())
