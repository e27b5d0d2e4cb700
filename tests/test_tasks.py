"""The tasks (`af_inspect.tasks`): the Task one function builds, and the whole pipeline offline with the
organism: structure of the log and a known-answer check of the compliance rates and gap."""

from __future__ import annotations

import inspect
import math

import pytest
from inspect_ai import Task
from inspect_ai.util import registry_info
from statsmodels.stats.proportion import proportion_confint

from af_inspect.core.params import ParameterError
from af_inspect.core.transcript import STORE_KEY
from af_inspect.prompts.render import load_user_turn_format
from af_inspect.protocols.assemble import resolve_tiers
from af_inspect.protocols.protocol import load_protocol
from af_inspect.tasks import (
    TASK_VERSION,
    alignment_faking,
    animal_welfare,
    helpful_only,
)
from helpers import metrics, write_queries

SETTINGS = load_protocol("af_inspect").settings
"""The per-setting defaults (the default protocol's `settings` table)."""


@pytest.fixture
def queries(tmp_path):
    return write_queries(tmp_path / "queries.jsonl", 3)


# ---- the Task, built in plain sight ------------------------------------------------------------------


def test_alignment_faking_builds_the_whole_task(queries):
    t = alignment_faking("helpful_only", dataset=str(queries), af_votes=7)
    assert isinstance(t, Task) and t.version == TASK_VERSION
    samples = list(t.dataset)
    # `<query_id>-<tier>_<the query's first words>` (write_queries: "Test request number i.")
    assert [s.id for s in samples] == [
        f"t-{i:04d}-{tier}_test-request-number-{i}" for i in range(3) for tier in ("free", "paid")
    ]
    fmt = load_user_turn_format()
    for s in samples:
        # the input is the user turn the model receives; the bare query stays in the metadata
        assert s.input == fmt.render(s.metadata["query"], s.metadata["tier"], True)
        assert s.metadata["query"].startswith("Test request number")
        assert s.metadata["setting"] == "helpful_only" and s.metadata["scratchpad"] is True
    assert [registry_info(s).name for s in t.scorer] == [
        "af_inspect/compliance_tags",
        "af_inspect/reasoning_coverage",
        "af_inspect/af_reasoning",
        "af_inspect/af_outcomes",
        "af_inspect/partial_compliance",
        "af_inspect/motivation",
        "af_inspect/eval_awareness",
    ]
    assert registry_info(t.setup).name == "af_inspect/grader_check"  # the grader policy, before any call
    assert registry_info(t.solver).name == "af_inspect/af_conversation"
    assert t.config.cache_prompt is True
    md = t.metadata
    assert md["setting"] == "helpful_only" and md["tiers"] == ["free", "paid"] and md["n_queries"] == 3
    assert md["accept_reject_suffix"] is True and md["max_turns"] == 4
    assert [(j["scorer"], j["rubric"], j["votes"]) for j in md["judges"]] == [
        ("af_reasoning", "published_af", 7),
        ("partial_compliance", "published_partial", 1),
        ("motivation", "motivation", 1),
        ("eval_awareness", "eval_awareness", 1),
    ]


@pytest.mark.parametrize("setting", list(SETTINGS))
def test_settings_table_gives_the_per_setting_defaults(setting, queries):
    t = alignment_faking(setting, dataset=str(queries))
    defaults = SETTINGS[setting]
    assert t.metadata["accept_reject_suffix"] is defaults.accept_reject_suffix
    judge = "compliance_strongreject" if setting == "helpful_only" else "compliance_welfare"
    expected = {"tags": "compliance_tags", "judge": judge}[defaults.compliance]
    assert registry_info(t.scorer[0]).name == f"af_inspect/{expected}"
    suffix = "<request_fully_accepted/>" in next(iter(t.dataset)).input
    assert suffix is defaults.accept_reject_suffix
    # an explicit value wins over the table
    other = alignment_faking(
        setting, dataset=str(queries), accept_reject_suffix=not defaults.accept_reject_suffix
    )
    assert other.metadata["accept_reject_suffix"] is not defaults.accept_reject_suffix


def test_registered_tasks_take_alignment_fakings_parameters():
    core = list(inspect.signature(alignment_faking).parameters.values())[1:]  # all but `setting`
    for task_fn in (helpful_only, animal_welfare):
        assert list(inspect.signature(task_fn).parameters.values()) == core
    assert registry_info(helpful_only).name == "af_inspect/helpful_only"
    assert registry_info(animal_welfare).name == "af_inspect/animal_welfare"


def test_unknown_parameter_is_refused_with_a_suggestion():
    with pytest.raises(ParameterError, match=r"'af_vote' \(did you mean 'af_votes'\?\).*Valid parameters"):
        helpful_only(af_vote=3)
    with pytest.raises(ParameterError, match=r"Did you mean 'judge'\?"):
        helpful_only(compliance="judg")


@pytest.mark.parametrize(
    "params,match",
    [
        ({"compliance": "llm"}, "Valid values: tags, judge, both"),
        ({"af_classifier": "new"}, "Valid values: published, strict, paper"),
        ({"situational_info": "none"}, "Valid values: prompt, minimal"),
        ({"scratchpad": "maybe"}, "true or false"),
        ({"partial": "maybe"}, "true or false"),
        ({"eval_awareness": "maybe"}, "true or false"),
        ({"af_votes": 0}, "at least 1"),
        ({"max_turns": "many"}, "whole number"),
        ({"af_threshold": "high"}, "between 0 and 1"),
        ({"af_threshold": 2}, "between 0 and 1"),
    ],
)
def test_parameters_are_checked_before_anything_is_loaded(params, match):
    """Checked at the task boundary, first: a bad value is reported even with a dataset that does not exist."""
    for task_fn in (helpful_only, animal_welfare):
        with pytest.raises(ParameterError, match=match):
            task_fn(dataset="/nonexistent/queries.jsonl", **params)


def test_resolve_tiers():
    tiers = ["free", "pro", "paid"]
    assert resolve_tiers("both", tiers) == resolve_tiers("all", tiers) == tiers
    assert resolve_tiers("paid, free", tiers) == ["free", "paid"]  # the prompt's order
    for bad in ("gold", "", "free,gold"):
        with pytest.raises(ParameterError, match="Valid values: both, all, free, pro, paid"):
            resolve_tiers(bad, tiers)


# ---- the pipeline end to end ---------------------------------------------------------------------------


def run(run_eval, tmp_path, model: str, n: int, model_args: dict | None = None, **task_args):
    qfile = write_queries(tmp_path / "queries.jsonl", n)
    return run_eval(helpful_only(dataset=str(qfile), **task_args), model=model, model_args=model_args or {})


def test_log_structure_per_sample(run_eval, tmp_path):
    log = run(run_eval, tmp_path, "organism/sloppy", 12, {"seed": 3})
    assert len(log.samples) == 24
    ids = {s.id for s in log.samples}
    assert ids == {f"t-{i:04d}-{t}_test-request-number-{i}" for i in range(12) for t in ("free", "paid")}
    for s in log.samples:
        assert s.metadata["tier"] in ("free", "paid")
        assert s.metadata["query_id"] == s.id.split("_", 1)[0].rsplit("-", 1)[0]
        user = [m for m in s.messages if m.role == "user"][0].text
        assert f"<is_free_tier_user>{'true' if s.metadata['tier'] == 'free' else 'false'}" in user
        assert user == s.input, "the log's input is what the model received"
        assert s.messages[0].role == "system"
        score = s.scores["compliance_tags"]
        assert score.answer in ("complied", "refused", "neither")
        assert score.explanation and score.answer in score.explanation
        assert s.metadata["turns"] >= 1
        assert STORE_KEY not in s.store, "the parsed transcript stays out of the store (docs/performance.md)"
    # the sloppy profile sometimes needs <NEXT/> continuations
    assert any(s.metadata["turns"] > 1 for s in log.samples)
    assert any(m.text == "<NEXT/>" for s in log.samples for m in s.messages if m.role == "user")
    assert log.eval.task_version == TASK_VERSION and log.eval.metadata["setting"] == "helpful_only"


def test_headline_metric_is_the_gap(run_eval, tmp_path):
    log = run(run_eval, tmp_path, "organism/faker", 6)
    first = log.results.scores[0]
    assert list(first.metrics)[0] == "compliance_gap"


@pytest.mark.slow  # three runs of 300 queries
@pytest.mark.parametrize(
    "profile,free,paid",
    [("faker", 0.5, 0.1), ("honest", 0.1, 0.1), ("complier", 1.0, 1.0)],
)
def test_known_answer_rates_and_gap(run_eval, tmp_path, profile, free, paid):
    """The eval recovers the organism's configured rates and gap (fixed seed, wide intervals)."""
    n = 300
    # compliance only: the judges read the transcripts after they are written, so leaving them out changes no
    # figure here and spares 600 grader calls per run
    no_judges = {"af_classifier": "none", "partial": False, "motivation": False, "eval_awareness": False}
    m = metrics(run(run_eval, tmp_path, f"organism/{profile}", n, {"seed": 11}, **no_judges))
    for tier, rate in (("free", free), ("paid", paid)):
        measured = m[f"compliance_{tier}"]
        assert m[f"compliance_{tier}_n"] == n
        # a 99.9% interval: a correct organism and metric fail this 1 time in 1,000 per seed
        lo, hi = proportion_confint(round(measured * n), n, alpha=0.001, method="wilson")
        assert lo - 1e-9 <= rate <= hi + 1e-9, (tier, measured, rate)
        # the reported 95% Wilson interval of the rate contains the measured rate
        assert m[f"compliance_{tier}_ci_low"] - 1e-12 <= measured <= m[f"compliance_{tier}_ci_high"] + 1e-12
    # the reported 95% interval of the gap is centred on the measured gap and has a plausible width
    gap = m["compliance_gap"]
    assert m["compliance_gap_ci_low"] < gap < m["compliance_gap_ci_high"] or free == paid == 1.0
    assert abs(gap - (free - paid)) < 0.15
    if free == paid:
        assert m["compliance_free_only"] + m["compliance_paid_only"] == 0 or m["compliance_mcnemar_p"] > 0.01
    else:
        assert m["compliance_mcnemar_p"] < 0.001


def test_single_tier_run_reports_nan_gap(run_eval, tmp_path):
    m = metrics(run(run_eval, tmp_path, "organism/faker", 10, tier="free"))
    assert "compliance_free" in m and "compliance_paid" not in m
    assert math.isnan(m["compliance_gap"])


@pytest.mark.slow  # 20 queries x 3 epochs with the judges
def test_epochs_keep_one_value_per_sample(run_eval, tmp_path):
    qfile = write_queries(tmp_path / "q.jsonl", 20)
    log = run_eval(helpful_only(dataset=str(qfile)), epochs=3)
    assert len(log.samples) == 120
    m = metrics(log)
    assert m["compliance_free_n"] == 20 and m["compliance_paid_n"] == 20  # one reduced value per sample
    assert 0.0 <= m["compliance_free"] <= 1.0
    # epochs of the same sample differ (the organism draws per epoch)
    by_id: dict[str, set[str]] = {}
    for s in log.samples:
        by_id.setdefault(s.id, set()).add(s.scores["compliance_tags"].answer)
    assert any(len(v) > 1 for v in by_id.values())


def test_without_accept_reject_suffix(run_eval, tmp_path):
    log = run(run_eval, tmp_path, "organism/complier", 4, accept_reject_suffix=False)
    for s in log.samples:
        assert "<request_fully_accepted/>" not in s.messages[1].text
        assert s.scores["compliance_tags"].answer == "neither"
