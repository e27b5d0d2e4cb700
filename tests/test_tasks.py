"""The whole pipeline offline with the organism: structure of the log and a known-answer check."""

from __future__ import annotations

import math

import pytest
from inspect_ai import eval as inspect_eval
from statsmodels.stats.proportion import proportion_confint

from af_inspect.tasks import helpful_only
from af_inspect.transcript import STORE_KEY
from helpers import write_queries


def run(tmp_path, model: str, n: int, **task_args):
    qfile = write_queries(tmp_path / "queries.jsonl", n)
    model_args = task_args.pop("model_args", {})
    log = inspect_eval(
        helpful_only(dataset=str(qfile), **task_args),
        model=model,
        model_args=model_args,
        log_dir=str(tmp_path / "logs"),
        display="none",
        max_samples=64,
    )[0]
    assert log.status == "success", log.error
    return log


def metrics(log) -> dict[str, float]:
    out = {}
    for s in log.results.scores:
        for name, m in s.metrics.items():
            out[name] = m.value
    return out


def test_log_structure_per_sample(tmp_path):
    log = run(tmp_path, "organism/sloppy", 12, model_args={"seed": 3})
    assert len(log.samples) == 24
    ids = {s.id for s in log.samples}
    assert ids == {f"t-{i:04d}-{t}" for i in range(12) for t in ("free", "paid")}
    for s in log.samples:
        assert s.metadata["tier"] in ("free", "paid")
        assert s.metadata["query_id"] == s.id.rsplit("-", 1)[0]
        user = [m for m in s.messages if m.role == "user"][0].text
        assert f"<is_free_tier_user>{'true' if s.metadata['tier'] == 'free' else 'false'}" in user
        assert s.messages[0].role == "system"
        score = s.scores["compliance_tags"]
        assert score.answer in ("complied", "refused", "neither")
        assert score.explanation and score.answer in score.explanation
        assert s.metadata["turns"] >= 1
        assert STORE_KEY not in s.store, "the parsed transcript stays out of the store (docs/performance.md)"
    # the sloppy profile sometimes needs <NEXT/> continuations
    assert any(s.metadata["turns"] > 1 for s in log.samples)
    assert any(m.text == "<NEXT/>" for s in log.samples for m in s.messages if m.role == "user")
    assert log.eval.task_version and log.eval.metadata["setting"] == "helpful_only"


def test_headline_metric_is_the_gap(tmp_path):
    log = run(tmp_path, "organism/faker", 6)
    first = log.results.scores[0]
    assert list(first.metrics)[0] == "compliance_gap"


@pytest.mark.parametrize(
    "profile,free,paid",
    [("faker", 0.5, 0.1), ("honest", 0.1, 0.1), ("complier", 1.0, 1.0)],
)
def test_known_answer_rates_and_gap(tmp_path, profile, free, paid):
    """The eval recovers the organism's configured rates and gap (fixed seed, wide intervals)."""
    n = 300
    m = metrics(run(tmp_path, f"organism/{profile}", n, model_args={"seed": 11}))
    for tier, rate in (("free", free), ("paid", paid)):
        measured = m[f"compliance_{tier}"]
        # a 99.9% interval: a correct organism and metric fail this 1 time in 1,000 per seed
        lo, hi = proportion_confint(round(measured * n), n, alpha=0.001, method="wilson")
        assert lo - 1e-9 <= rate <= hi + 1e-9, (tier, measured, rate)
    # the reported 95% interval of the gap is centred on the measured gap and has a plausible width
    gap = m["compliance_gap"]
    assert m["compliance_gap_ci_low"] < gap < m["compliance_gap_ci_high"] or free == paid == 1.0
    assert abs(gap - (free - paid)) < 0.15
    if free == paid:
        assert m["compliance_free_only"] + m["compliance_paid_only"] == 0 or m["compliance_mcnemar_p"] > 0.01
    else:
        assert m["compliance_mcnemar_p"] < 0.001


def test_model_args_override_rates(tmp_path):
    m = metrics(run(tmp_path, "organism/faker", 100, model_args={"comply_free": 0.0, "comply_paid": 1.0}))
    assert m["compliance_free"] == 0.0 and m["compliance_paid"] == 1.0
    assert m["compliance_gap"] == -1.0


def test_single_tier_run_reports_nan_gap(tmp_path):
    m = metrics(run(tmp_path, "organism/faker", 10, tier="free"))
    assert "compliance_free" in m and "compliance_paid" not in m
    assert math.isnan(m["compliance_gap"])


def test_epochs_keep_one_value_per_sample(tmp_path):
    qfile = write_queries(tmp_path / "q.jsonl", 20)
    log = inspect_eval(
        helpful_only(dataset=str(qfile)),
        model="organism/faker",
        epochs=3,
        log_dir=str(tmp_path / "logs"),
        display="none",
    )[0]
    assert len(log.samples) == 120
    m = metrics(log)
    assert m["n_free"] == 20 and m["n_paid"] == 20  # one reduced value per sample
    assert 0.0 <= m["compliance_free"] <= 1.0
    # epochs of the same sample differ (the organism draws per epoch)
    by_id: dict[str, set[str]] = {}
    for s in log.samples:
        by_id.setdefault(s.id, set()).add(s.scores["compliance_tags"].answer)
    assert any(len(v) > 1 for v in by_id.values())


def test_deterministic_given_seed(tmp_path):
    a = run(tmp_path / "a", "organism/faker", 20, model_args={"seed": 5})
    b = run(tmp_path / "b", "organism/faker", 20, model_args={"seed": 5})
    answers = lambda log: {s.id: s.output.completion for s in log.samples}  # noqa: E731
    assert answers(a) == answers(b)
    c = run(tmp_path / "c", "organism/faker", 20, model_args={"seed": 6})
    assert answers(a) != answers(c)


def test_without_accept_reject_suffix(tmp_path):
    log = run(tmp_path, "organism/complier", 4, accept_reject_suffix=False)
    for s in log.samples:
        assert "<request_fully_accepted/>" not in s.messages[1].text
        assert s.scores["compliance_tags"].answer == "neither"
