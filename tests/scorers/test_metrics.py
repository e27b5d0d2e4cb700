"""Tier metrics on hand-built scores: rates, gap and interval, paired counts, edge cases."""

from __future__ import annotations

import math

import pytest
from inspect_ai.scorer import SampleScore, Score

from af_inspect.scorers.metrics import gap_interval, paired_tiers, rate_by_tier, tier_gap


def ss(qid: str, tier: str, value) -> SampleScore:
    return SampleScore(
        score=Score(value=value),
        sample_id=f"{qid}-{tier}",
        sample_metadata={"query_id": qid, "tier": tier},
    )


def build(free: list[int], paid: list[int]) -> list[SampleScore]:
    out = [ss(f"q{i}", "free", v) for i, v in enumerate(free)]
    out += [ss(f"q{i}", "paid", v) for i, v in enumerate(paid)]
    return out


def test_rates_and_gap_match_hand_counts():
    free = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0]  # 3/10
    paid = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]  # 1/10
    scores = build(free, paid)
    rates = rate_by_tier()(scores)
    assert rates["compliance_free"] == 0.3 and rates["compliance_paid"] == 0.1
    assert rates["n_free"] == 10 and rates["n_paid"] == 10
    gap = tier_gap()(scores)
    assert math.isclose(gap["compliance_gap"], 0.2)
    assert gap["compliance_gap_ci_low"] < 0.2 < gap["compliance_gap_ci_high"]
    assert -1 <= gap["compliance_gap_ci_low"] and gap["compliance_gap_ci_high"] <= 1


def test_interval_narrows_with_more_samples():
    _, lo1, hi1 = gap_interval([1.0] * 5 + [0.0] * 5, [0.0] * 10)
    _, lo2, hi2 = gap_interval([1.0] * 50 + [0.0] * 50, [0.0] * 100)
    assert (hi2 - lo2) < (hi1 - lo1)


def test_interval_is_not_degenerate_at_zero():
    gap, lo, hi = gap_interval([0.0] * 20, [0.0] * 20)
    assert gap == 0 and lo < 0 < hi


def test_paired_counts_and_mcnemar():
    # q0: both, q1..q6: free only, q7: paid only, q8,q9: neither
    free = [1, 1, 1, 1, 1, 1, 1, 0, 0, 0]
    paid = [1, 0, 0, 0, 0, 0, 0, 1, 0, 0]
    out = paired_tiers()(build(free, paid))
    assert out["compliance_pairs"] == 10
    assert out["compliance_free_only"] == 6 and out["compliance_paid_only"] == 1
    # exact binomial two-sided p for 6 vs 1 of 7 = 2 * P(X<=1 | n=7, p=.5) = 2 * 8/128
    assert math.isclose(out["compliance_mcnemar_p"], 0.125)


def test_free_tier_only_gives_nan_gap_not_zero():
    scores = [ss(f"q{i}", "free", 1) for i in range(5)]
    gap = tier_gap()(scores)
    assert math.isnan(gap["compliance_gap"])
    assert rate_by_tier()(scores) == {"compliance_free": 1.0, "n_free": 5.0}
    assert math.isnan(paired_tiers()(scores)["compliance_mcnemar_p"])


def test_unscored_and_epoch_means():
    scores = [ss("a", "free", 0.5), ss("a", "paid", 0.0), ss("b", "free", float("nan")), ss("b", "paid", 1.0)]
    rates = rate_by_tier()(scores)
    assert rates["compliance_free"] == 0.5 and rates["n_free"] == 1
    pairs = paired_tiers()(scores)
    assert pairs["compliance_pairs"] == 1 and pairs["compliance_free_only"] == 1


def test_dict_scores_by_key():
    scores = [SampleScore(score=Score(value={"x": 1.0}), sample_metadata={"tier": "free", "query_id": "a"})]
    assert rate_by_tier(name="x", key="x")(scores)["x_free"] == 1.0


# ------------------------------------------------------------------ pure-Python statistics vs statsmodels


@pytest.mark.parametrize("x,n", [(0, 10), (10, 10), (3, 10), (0.5, 1), (137, 320), (12.25, 40), (1, 1000)])
def test_wilson_interval_matches_statsmodels(x, n):
    from statsmodels.stats.proportion import proportion_confint

    from af_inspect.stats import wilson_interval

    for alpha in (0.05, 0.01):
        expected = proportion_confint(x, n, alpha=alpha, method="wilson")
        assert wilson_interval(x, n, alpha) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    "x1,n1,x2,n2", [(5, 10, 0, 10), (0, 20, 0, 20), (20, 20, 0, 20), (45, 160, 4, 160), (7.5, 30, 9, 31)]
)
def test_newcombe_difference_matches_statsmodels(x1, n1, x2, n2):
    from statsmodels.stats.proportion import confint_proportions_2indep

    from af_inspect.stats import newcombe_difference

    expected = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff", alpha=0.05)
    assert newcombe_difference(x1, n1, x2, n2) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("b,c", [(0, 0), (3, 0), (0, 3), (5, 5), (12, 2), (40, 31), (200, 150)])
def test_mcnemar_exact_matches_statsmodels(b, c):
    from statsmodels.stats.contingency_tables import mcnemar

    from af_inspect.stats import mcnemar_exact

    expected = 1.0 if b + c == 0 else mcnemar([[0, b], [c, 0]], exact=True).pvalue
    assert mcnemar_exact(b, c) == pytest.approx(expected, rel=1e-9)


def test_an_eval_does_not_import_the_scientific_stack():
    """Metrics are computed in the eval process; statsmodels would bring scipy with it.

    (pandas is imported by Inspect itself at start-up, through inspect_evals' entry point.)"""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from inspect_ai import eval\n"
        "from af_inspect.tasks import helpful_only\n"
        "log = eval(helpful_only(af_classifier='none', partial=False, motivation=False), model='organism/faker',"
        " limit=6, display='none', log_dir=sys.argv[1])[0]\n"
        "assert log.status == 'success', log.error\n"
        "assert 'compliance_gap' in log.results.scores[0].metrics\n"
        "print(sorted(m for m in ('statsmodels', 'scipy') if m in sys.modules))\n"
    )
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([sys.executable, "-c", code, tmp], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
