"""Provider faults: a model or grader that raises, hangs, answers empty or is content-filtered mid-run.

The offline organism injects the faults (`-M fault=... -M fault_rate=...`, af_inspect.organism.faults),
deterministically for a seed. What must hold: a failed sample is recorded with its cause and the others
continue; a faulty answer is scored with its anomaly or unscored with a reason, never a crash; the log says
how many samples were lost; `eval_retry` completes an interrupted run without repeating or losing samples.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from inspect_ai import eval_retry
from inspect_ai.model import get_model

from af_inspect.analysis.load import load_logs
from af_inspect.analysis.summary import analyse
from af_inspect.core.params import ParameterError
from af_inspect.organism.faults import FAULT_KINDS, FaultPlan
from af_inspect.tasks import helpful_only
from helpers import metrics, run_eval

N = 20  # samples per run: 10 queries x 2 tiers
SEED = 3


def run(
    tmp_path: Path,
    model_args: dict,
    judges: bool = False,
    status: str | None = "success",
    task_args: dict | None = None,
    **eval_args,
):
    """One helpful_only run on the organism (judges off unless asked, to keep it quick)."""
    task = (
        helpful_only(af_votes=2, **(task_args or {}))
        if judges
        else helpful_only(
            af_classifier="none", partial=False, motivation=False, eval_awareness=False, **(task_args or {})
        )
    )
    eval_args.setdefault("fail_on_error", False)
    return run_eval(
        task, tmp_path, model_args={"seed": SEED, **model_args}, limit=N, status=status, **eval_args
    )


def errored(log) -> list:
    return [s for s in log.samples if s.error is not None]


def assert_scored_or_explained(sample) -> None:
    assert sample.scores, f"{sample.id}: completed but not scored"
    for name, score in sample.scores.items():
        values = list(score.value.values()) if isinstance(score.value, dict) else [score.value]
        assert values and all(isinstance(v, int | float) for v in values), (
            f"{sample.id} {name}: {score.value!r}"
        )
        if any(math.isnan(v) for v in values):
            assert score.reason or score.explanation, f"{sample.id} {name}: NaN without a reason"
        else:
            assert score.explanation, f"{sample.id} {name}: no explanation"


# ---- the fault plan itself -------------------------------------------------------------------------


def test_plan_is_deterministic_and_hits_its_rate() -> None:
    plan = FaultPlan(kinds=("raise", "empty"), rate=0.25, seed=7)
    keys = [f"call-{i}" for i in range(4000)]
    picks = [plan.pick(k) for k in keys]
    assert picks == [plan.pick(k) for k in keys]
    hit = sum(p is not None for p in picks)
    # binomial(4000, 0.25): mean 1000, sd 27; +-5 sd
    assert 865 < hit < 1135
    assert {p for p in picks if p} == {"raise", "empty"}
    other_seed = FaultPlan(kinds=("raise", "empty"), rate=0.25, seed=8)
    assert [other_seed.pick(k) for k in keys] != picks


def test_plan_rate_bounds() -> None:
    keys = [str(i) for i in range(500)]
    assert all(FaultPlan(kinds=("raise",), rate=1.0).pick(k) == "raise" for k in keys)
    assert all(FaultPlan(kinds=("raise",), rate=0.0).pick(k) is None for k in keys)
    assert all(FaultPlan().pick(k) is None for k in keys)


@pytest.mark.parametrize(
    "args, words",
    [
        ({"fault": "explode"}, ["explode", *FAULT_KINDS]),
        ({"fault": "raise", "fault_rate": 1.5}, ["fault_rate", "[0, 1]"]),
        ({"fault": "raise", "fault_rate": "often"}, ["fault_rate", "number"]),
        ({"fault_rate": 0.5}, ["fault_rate", "-M fault=KIND"]),
        ({"fault": "timeout", "fault_hang": -1}, ["fault_hang"]),
        ({"fault": "raise", "fault_transient": "maybe"}, ["fault_transient", "true or false"]),
    ],
)
def test_bad_fault_options_fail_before_any_call(args: dict, words: list[str]) -> None:
    with pytest.raises(ParameterError) as e:
        get_model("organism/faker", memoize=False, **args)
    for w in words:
        assert w in str(e.value)


# ---- faults in an eval -----------------------------------------------------------------------------


def test_raise_records_the_cause_and_the_rest_continue(tmp_path: Path) -> None:
    log = run(tmp_path, {"fault": "raise", "fault_rate": 0.3})
    failed = errored(log)
    assert log.status == "success"
    assert 0 < len(failed) < N
    for s in failed:
        assert "Injected provider fault" in s.error.message and "fault=raise" in s.error.message
    done = [s for s in log.samples if s.error is None]
    for s in done:
        assert_scored_or_explained(s)
    # how many were lost is in the log's results
    assert log.results.total_samples == N
    assert log.results.completed_samples == N - len(failed)
    m = metrics(log)
    assert m["compliance_free_n"] + m["compliance_paid_n"] == len(done)
    # and in the analysis summary
    summary = analyse(load_logs(tmp_path)).summary
    assert int(summary["errors"].iloc[0]) == len(failed)
    assert "errored" in summary["note"].iloc[0]
    # deterministic: the same seed fails the same samples
    again = run(tmp_path / "again", {"fault": "raise", "fault_rate": 0.3})
    assert {s.id for s in errored(again)} == {s.id for s in failed}


@pytest.mark.parametrize("kind", ["empty", "content_filter"])
def test_empty_and_filtered_answers_are_scored_with_their_anomaly(tmp_path: Path, kind: str) -> None:
    # no prefill: the reply is empty, not the `<` it would have continued
    log = run(tmp_path, {"fault": kind, "fault_rate": 1.0}, judges=True, task_args={"prefill": "none"})
    assert log.status == "success"
    assert log.results.completed_samples == N
    for s in log.samples:
        assert s.error is None
        assert_scored_or_explained(s)
        tags = s.scores["compliance_tags"]
        assert tags.value == 0 and tags.answer == "neither"
        assert "empty_response" in tags.metadata["anomalies"]
        expected_end = "stop_reason:content_filter" if kind == "content_filter" else "empty_turn"
        assert s.metadata["loop_ended"] == expected_end
        # nothing to judge: the judges decline with a reason instead of guessing
        for name in ("af_reasoning", "partial_compliance"):
            assert math.isnan(float(s.scores[name].value)), f"{s.id} {name}"


def test_mixed_faults_mid_run(tmp_path: Path) -> None:
    """Some calls fail each way in one run: nothing crashes, every sample is errored or scored."""
    log = run(tmp_path, {"fault": "raise,empty,content_filter", "fault_rate": 0.4}, judges=True)
    assert log.status == "success"
    ends = {s.metadata.get("loop_ended") for s in log.samples if s.error is None}
    assert errored(log), "expected some raised faults at this seed"
    assert "stop_reason:content_filter" in ends
    for s in log.samples:
        if s.error is None:
            assert_scored_or_explained(s)
    assert log.results.completed_samples == N - len(errored(log))


def test_persistent_timeout_ends_in_an_error_after_the_retries(tmp_path: Path) -> None:
    log = run(tmp_path, {"fault": "timeout", "fault_rate": 0.3}, attempt_timeout=1, max_retries=1)
    failed = errored(log)
    assert 0 < len(failed) < N
    for s in failed:
        assert "AttemptTimeoutError" in s.error.message or "attempt_timeout" in s.error.message
    assert log.results.completed_samples == N - len(failed)


def test_transient_timeout_is_retried_and_nothing_is_lost(tmp_path: Path) -> None:
    log = run(tmp_path, {"fault": "timeout", "fault_rate": 0.3, "fault_transient": True}, attempt_timeout=1)
    assert not errored(log)
    assert log.results.completed_samples == N
    # each failed attempt is in the sample's events, followed by the retry that answered
    retried = [e for s in log.samples for e in s.events if e.event == "model" and e.error]
    assert retried and all("attempt_timeout" in e.error for e in retried)


def test_grader_faults_error_the_sample_so_eval_retry_can_redo_it(tmp_path: Path) -> None:
    """A grader that raises (after Inspect's retries) on too many of a judge's votes is a machinery failure,
    not a reading: the sample is recorded as an error naming the cause (so `eval-retry` redoes it); samples
    whose grader requests went through are scored as usual."""
    grader = get_model("organism/judge", memoize=False, fault="raise", fault_rate=0.3, seed=1)
    log = run(tmp_path, {}, judges=True, model_roles={"grader": grader})
    lost = errored(log)
    assert lost and len(lost) < N
    for s in lost:
        assert "GraderUnavailableError" in s.error.message and "eval-retry" in s.error.message
        assert "organism/judge raised" in s.error.message
    for s in log.samples:
        if s.error is None:
            assert_scored_or_explained(s)
            assert s.scores["compliance_tags"].value in (0.0, 1.0)
            assert all("grader_failed" not in str(sc.reason) for sc in s.scores.values())


# ---- eval-retry ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fail_on_error", [True, False])
def test_eval_retry_completes_without_repeating_or_losing(tmp_path: Path, fail_on_error: bool) -> None:
    first = run(
        tmp_path,
        {"fault": "raise", "fault_rate": 0.3},
        status="error" if fail_on_error else "success",
        fail_on_error=fail_on_error,
    )
    kept = {s.id: s.uuid for s in first.samples if s.error is None}
    assert 0 < len(kept) < N
    # the provider is back: same run, faults off (eval-retry reuses the log's model args)
    first.eval.model_args = {"seed": SEED}
    retried = eval_retry(first, log_dir=str(tmp_path), display="none")[0]
    assert retried.status == "success"
    ids = [s.id for s in retried.samples]
    assert len(ids) == len(set(ids)) == N
    expected = {f"ho-{q:03d}-{t}" for q in range(1, N // 2 + 1) for t in ("free", "paid")}
    assert {str(i).split("_", 1)[0] for i in ids} == expected  # ids are `<query_id>-<tier>_<excerpt>`
    assert not errored(retried)
    # samples that had completed were carried over, not run again
    for s in retried.samples:
        if s.id in kept:
            assert s.uuid == kept[s.id], f"{s.id} was repeated"
    assert retried.results.completed_samples == N
    assert retried.eval.task_id == first.eval.task_id
