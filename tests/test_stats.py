"""`af_inspect.stats`: the pure-Python Wilson, Newcombe and exact McNemar figures, checked against statsmodels
(the reference), and kept out of the eval process's imports."""

from __future__ import annotations

import math
import subprocess
import sys
import tempfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from af_inspect.stats import (
    mcnemar_exact,
    newcombe_difference,
    proportion,
    rate_interval,
    wilson_interval,
    z_value,
)


@pytest.mark.parametrize("x,n", [(0, 10), (10, 10), (3, 10), (0.5, 1), (137, 320), (12.25, 40), (1, 1000)])
def test_wilson_interval_matches_statsmodels(x, n):
    for alpha in (0.05, 0.01):
        expected = proportion_confint(x, n, alpha=alpha, method="wilson")
        assert wilson_interval(x, n, alpha) == pytest.approx(expected, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 5000), share=st.floats(0, 1), alpha=st.sampled_from([0.1, 0.05, 0.01, 0.001]))
def test_wilson_interval_matches_statsmodels_everywhere(n, share, alpha):
    x = round(share * n, 3)  # fractional successes too: a mean of epoch values times n
    expected = proportion_confint(x, n, alpha=alpha, method="wilson")
    assert wilson_interval(x, n, alpha) == pytest.approx(expected, abs=1e-12)


def test_z_value():
    assert z_value() == pytest.approx(1.959963984540054, abs=1e-12)
    assert z_value(0.01) == pytest.approx(2.5758293035489, abs=1e-12)


@pytest.mark.parametrize("x,n", [(3, 10), (0, 7), (12.25, 40)])
def test_rate_interval_and_proportion(x, n):
    rate, low, high = rate_interval(x, n)
    assert rate == pytest.approx(x / n) and (low, high) == pytest.approx(wilson_interval(x, n), abs=1e-15)
    values = [1.0] * int(x) + ([x - int(x)] if x != int(x) else []) + [0.0] * (n - math.ceil(x))
    assert len(values) == n
    assert proportion(values) == pytest.approx((rate, low, high), abs=1e-12)


def test_no_data_is_nan_not_zero():
    for got in (wilson_interval(0, 0), rate_interval(0, 0), proportion([])):
        assert all(math.isnan(v) for v in got)


@pytest.mark.parametrize(
    "x1,n1,x2,n2", [(5, 10, 0, 10), (0, 20, 0, 20), (20, 20, 0, 20), (45, 160, 4, 160), (7.5, 30, 9, 31)]
)
def test_newcombe_difference_matches_statsmodels(x1, n1, x2, n2):
    expected = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff", alpha=0.05)
    assert newcombe_difference(x1, n1, x2, n2) == pytest.approx(expected, abs=1e-12)


def test_interval_narrows_with_more_samples_and_is_not_degenerate_at_zero():
    lo1, hi1 = newcombe_difference(5, 10, 0, 10)
    lo2, hi2 = newcombe_difference(50, 100, 0, 100)
    assert (hi2 - lo2) < (hi1 - lo1)
    lo, hi = newcombe_difference(0, 20, 0, 20)
    assert lo < 0 < hi


@pytest.mark.parametrize("b,c", [(0, 0), (3, 0), (0, 3), (5, 5), (12, 2), (40, 31), (200, 150)])
def test_mcnemar_exact_matches_statsmodels_and_scipy(b, c):
    expected = 1.0 if b + c == 0 else mcnemar([[0, b], [c, 0]], exact=True).pvalue
    assert mcnemar_exact(b, c) == pytest.approx(expected, rel=1e-9)
    if b + c:
        assert mcnemar_exact(b, c) == pytest.approx(
            min(1.0, binomtest(min(b, c), b + c, 0.5).pvalue), rel=1e-9
        )


def test_an_eval_does_not_import_the_scientific_stack():
    """Metrics are computed in the eval process; statsmodels would bring scipy with it.

    (pandas is imported by Inspect itself at start-up, through inspect_evals' entry point.)"""
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
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([sys.executable, "-c", code, tmp], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
