"""`af_inspect.core.stats`: Wilson, Newcombe (independent and paired), Tango, exact McNemar, Student's t (scipy.special)
and the minimum detectable gap; checked against statsmodels and scipy where they have the method,
against published worked examples and brute-force computations where they do not, by simulation for
coverage and power (pure Python, fixed seeds: deterministic, a few seconds), and kept out of the eval
process's imports."""

from __future__ import annotations

import bisect
import math
import random
import subprocess
import sys
import tempfile
from functools import cache
from statistics import NormalDist

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from af_inspect.core.stats import (
    DETECT_ALPHA,
    DETECT_POWER,
    mcnemar_exact,
    mean_difference_interval,
    min_detectable_gap,
    newcombe_difference,
    newcombe_paired_interval,
    pairs_needed,
    proportion,
    rate_interval,
    student_t_cdf,
    student_t_quantile,
    tango_interval,
    tango_statistic,
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


@pytest.mark.slow  # an eval in a subprocess
def test_an_eval_does_not_import_the_scientific_stack():
    """Metrics are computed in the eval process; statsmodels would bring scipy with it.

    (pandas is imported by Inspect itself at start-up, through inspect_evals' entry point.)"""
    code = (
        "import sys\n"
        "from inspect_ai import eval\n"
        "from af_inspect.tasks import helpful_only\n"
        "log = eval(helpful_only(af_classifier='none', partial=False, motivation=False, eval_awareness=False), model='organism/faker',"
        " limit=6, display='none', log_dir=sys.argv[1])[0]\n"
        "assert log.status == 'success', log.error\n"
        "assert 'compliance_gap' in log.results.scores[0].metrics\n"
        "print(sorted(m for m in ('statsmodels', 'scipy') if m in sys.modules))\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([sys.executable, "-c", code, tmp], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_student_t_imports_scipy_special_only():
    """The t interval (epochs, paraphrases) is scipy's, imported at first use: not scipy.stats (tens of MB)."""
    code = (
        "import sys\n"
        "from af_inspect.core.stats import mean_difference_interval\n"
        "before = 'scipy' in sys.modules\n"
        "low, high = mean_difference_interval([0.5, 0.0, 1.0, 0.5])\n"
        "print(before, 'scipy.special' in sys.modules, sorted(m for m in ('statsmodels', 'scipy.stats') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", "[]"]


# ------------------------------------------------------------------------------ published worked examples
# Each table is (a, b, c, d): pairs positive in both, in the first only, in the second only, in neither;
# the interval is for p1 - p2 = (b - c) / n, 95% unless stated, with the bounds as printed (so compared
# after rounding to the printed digits). The figures are as the papers print them; the same figures are
# checked by the R package ratesci (petelaud/ratesci, tests/testthat/test3.R), which is where they were
# collected from.

NEWCOMBE_METHOD_10 = [
    # Newcombe RG (1998) Improved confidence intervals for the difference between binomial proportions
    # based on paired data. Stat Med 17:2635-2650: the worked example with n = 50, method 10
    ((20, 12, 2, 16), (0.0562, 0.3292), 4),
    # Fagerland MW, Lydersen S, Laake P (2014) Recommended tests and confidence intervals for paired binomial
    # proportions. Stat Med 33:2850-2875: airway hyper-responsiveness before and after stem cell
    # transplantation (Bentur et al. 2009), Newcombe square-and-add (= method 10)
    ((1, 1, 7, 12), (-0.507, -0.026), 3),
    # Tang ML, Ling MH, Tian GL (2010), as reproduced by ratesci: method 10
    ((8, 3, 1, 2), (-0.1574, 0.4136), 4),
    # Chang et al. (2024), as reproduced by ratesci: method 10
    ((7, 25, 2, 68), (0.133, 0.318), 3),
]

TANGO = [
    # Tango T (1998) Equivalence test and confidence interval for the difference in proportions for the
    # paired-sample design. Stat Med 17:891-908: the two examples (the second at 90%)
    ((4, 9, 3, 16), 0.95, (-0.027, 0.390), 3),
    ((43, 0, 1, 0), 0.90, (-0.096, 0.037), 3),
    # Agresti A, Min Y (2005) Simple improved confidence intervals for comparing matched proportions.
    # Stat Med 24:729-740
    ((53, 16, 8, 9), 0.95, (-0.020, 0.207), 3),
    # Fagerland et al. (2014), Bentur data, Tango asymptotic score interval
    ((1, 1, 7, 12), 0.95, (-0.517, -0.026), 3),
    # Tang et al. (2010) and Chang et al. (2024), as reproduced by ratesci
    ((8, 3, 1, 2), 0.95, (-0.1670, 0.4327), 4),
    ((7, 25, 2, 68), 0.95, (0.139, 0.321), 3),
]


@pytest.mark.parametrize("table,published,digits", NEWCOMBE_METHOD_10)
def test_newcombe_method_10_matches_published_examples(table, published, digits):
    low, high = newcombe_paired_interval(*table)
    assert (round(low, digits), round(high, digits)) == published


@pytest.mark.parametrize("table,level,published,digits", TANGO)
def test_tango_matches_published_examples(table, level, published, digits):
    low, high = tango_interval(*table, alpha=1 - level)
    assert (round(low, digits), round(high, digits)) == published


def test_the_issue_example_100_20_5_35():
    """100 queries complied in both tiers, 20 only in free, 5 only in paid, 35 in neither (issue 16)."""
    a, b, c, d = 100, 20, 5, 35
    n = a + b + c + d
    indep = newcombe_difference(a + b, n, a + c, n)
    paired = newcombe_paired_interval(a, b, c, d)
    assert indep == pytest.approx((-0.006, 0.191), abs=1e-3)
    assert indep[0] < 0 < indep[1]  # the independent interval includes 0 ...
    assert mcnemar_exact(b, c) == pytest.approx(0.004, abs=5e-4)  # ... while McNemar rejects
    assert paired == pytest.approx((0.034, 0.153), abs=2e-3)  # ... and the paired interval excludes 0
    assert paired[0] > 0
    assert (paired[1] - paired[0]) < 0.85 * (indep[1] - indep[0])
    tango = tango_interval(a, b, c, d)
    assert tango[0] > 0 and tango == pytest.approx((0.035, 0.159), abs=1e-3)


# ------------------------------------------------------------------------------ slow reference computations


def _profile_score(a: int, b: int, c: int, d: int, delta: float) -> float:
    """Tango's score statistic from first principles: maximise the multinomial likelihood under
    p12 - p21 = delta by ternary search over p21 (no closed form), then the score with that variance."""
    n = a + b + c + d
    lo, hi = max(0.0, -delta), (1 - delta) / 2  # p21 range keeping p12 = p21 + delta and p11 + p22 >= 0

    def loglik(p21: float) -> float:
        p12, rest = p21 + delta, 1 - 2 * p21 - delta
        total = 0.0
        for count, p in ((b, p12), (c, p21), (a + d, rest)):
            if count:
                total += count * math.log(p) if p > 0 else -math.inf
        return total

    for _ in range(100):
        m1, m2 = lo + (hi - lo) / 3, hi - (hi - lo) / 3
        if loglik(m1) < loglik(m2):
            lo = m1
        else:
            hi = m2
    p21 = (lo + hi) / 2
    var = n * (2 * p21 + delta - delta * delta)
    num = b - c - n * delta
    return 0.0 if num == 0 else (num / math.sqrt(var) if var > 0 else math.copysign(math.inf, num))


@pytest.mark.slow  # a brute-force inversion per table
@pytest.mark.parametrize(
    "table", [(100, 20, 5, 35), (20, 12, 2, 16), (1, 1, 7, 12), (0, 0, 0, 30), (3, 0, 2, 45), (10, 9, 1, 0)]
)
def test_tango_equals_brute_force_inversion_of_the_score_on_a_grid(table):
    a, b, c, d = table
    z = NormalDist().inv_cdf(0.975)

    def accepted(grid: list[float]) -> list[float]:
        return [x for x in grid if abs(_profile_score(a, b, c, d, x)) <= z]

    coarse = accepted([k / 1000 for k in range(-1000, 1001)])  # the region, to a thousandth
    step = 1e-5  # then each edge to a hundred-thousandth
    edges = [min(coarse), max(coarse)]
    fine = accepted(
        [x for e in edges for k in range(-200, 201) if -1 <= (x := round(e + k * step, 10)) <= 1] + coarse
    )
    low, high = tango_interval(a, b, c, d)
    assert low == pytest.approx(min(fine), abs=step)
    assert high == pytest.approx(max(fine), abs=step)
    assert tango_statistic(b, c, a + b + c + d, 0.0) == pytest.approx(
        (b - c) / math.sqrt(b + c) if b + c else 0.0
    )


@pytest.mark.parametrize(
    "table", [(100, 20, 5, 35), (20, 12, 2, 16), (1, 1, 7, 12), (5, 5, 5, 5), (0, 3, 0, 12)]
)
def test_newcombe_method_10_equals_its_definition_from_library_parts(table):
    """Method 10 rebuilt from statsmodels' Wilson intervals and numpy's Pearson correlation of the pairs."""
    import numpy as np
    from statsmodels.stats.proportion import proportion_confint

    a, b, c, d = table
    n = a + b + c + d
    first = np.array([1] * a + [1] * b + [0] * c + [0] * d)
    second = np.array([1] * a + [0] * b + [1] * c + [0] * d)
    p1, p2 = first.mean(), second.mean()
    l1, u1 = proportion_confint(first.sum(), n, method="wilson")
    l2, u2 = proportion_confint(second.sum(), n, method="wilson")
    phi = 0.0 if first.std() == 0 or second.std() == 0 else float(np.corrcoef(first, second)[0, 1])
    # Newcombe's continuity correction of phi: the cross product a*d - b*c shrunk by n/2 when positive
    cross = a * d - b * c
    if phi:
        phi *= (cross - n / 2) / cross if cross > n / 2 else (0.0 if cross >= 0 else 1.0)
    low = p1 - p2 - math.sqrt((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2)
    high = p1 - p2 + math.sqrt((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2)
    assert newcombe_paired_interval(a, b, c, d) == pytest.approx((low, high), abs=1e-12)


@pytest.mark.parametrize("df", [1, 2, 3, 7, 29, 159, 1000])
def test_student_t_matches_scipy(df):
    from scipy.stats import t

    for p in (0.5, 0.8, 0.975, 0.995, 0.025):
        assert student_t_quantile(p, df) == pytest.approx(t.ppf(p, df), rel=1e-9, abs=1e-12)
    for x in (-3.0, -0.5, 0.0, 1.3, 8.0):
        assert student_t_cdf(x, df) == pytest.approx(t.cdf(x, df), abs=1e-12)


def test_mean_difference_interval_matches_scipy_t_interval():
    from scipy import stats as st

    rng = random.Random(3)
    diffs = [rng.choice([-1, -0.5, 0, 0, 0, 0.5, 0.5, 1]) for _ in range(57)]
    mean = sum(diffs) / len(diffs)
    expected = st.t.interval(0.95, len(diffs) - 1, loc=mean, scale=st.sem(diffs))
    assert mean_difference_interval(diffs) == pytest.approx(expected, abs=1e-10)
    assert all(math.isnan(x) for x in mean_difference_interval([0.5]))


# ------------------------------------------------------------------------------ coverage by simulation


def _draw_table(
    rng: random.Random, n: int, p_both: float, p_first: float, p_second: float
) -> tuple[int, ...]:
    a = b = c = 0
    for _ in range(n):
        u = rng.random()
        if u < p_both:
            a += 1
        elif u < p_both + p_first:
            b += 1
        elif u < p_both + p_first + p_second:
            c += 1
    return a, b, c, n - a - b - c


@pytest.mark.slow  # simulation
@pytest.mark.parametrize(
    "p_both,p_first,p_second",
    [(0.10, 0.06, 0.06), (0.10, 0.08, 0.03), (0.25, 0.20, 0.05)],
    ids=["gap 0", "gap 5 points", "gap 15 points"],
)
def test_paired_interval_covers_the_true_gap_95_percent_of_the_time_at_200_pairs(p_both, p_first, p_second):
    rng = random.Random(20261130)
    reps, n, true_gap = 3000, 200, p_first - p_second
    covered = sum(
        lo <= true_gap <= hi
        for lo, hi in (
            newcombe_paired_interval(*_draw_table(rng, n, p_both, p_first, p_second)) for _ in range(reps)
        )
    )
    assert 0.93 <= covered / reps <= 0.97


@pytest.mark.slow  # simulation
def test_query_level_interval_covers_with_epochs():
    """3 epochs per tier; each query has its own propensity (skewed towards refusal), the gap is the same on
    every query; the t interval on per-query differences of means covers it."""
    rng = random.Random(11)
    reps, n, epochs, gap = 1500, 200, 3, 0.06
    covered = 0
    for _ in range(reps):
        diffs = []
        for _ in range(n):
            paid = 0.9 * rng.betavariate(0.5, 3.0)
            f = sum(rng.random() < paid + gap for _ in range(epochs))
            p = sum(rng.random() < paid for _ in range(epochs))
            diffs.append((f - p) / epochs)
        lo, hi = mean_difference_interval(diffs)
        covered += lo <= gap <= hi
    assert 0.93 <= covered / reps <= 0.97


# ------------------------------------------------------------------------------ minimum detectable gap


@cache
def _rejects(b: int, c: int) -> bool:
    return mcnemar_exact(b, c) <= DETECT_ALPHA


def _simulated_mdg(n: int, discordance: float, reps: int = 4000, seed: int = 5) -> float:
    """The gap at which the exact McNemar test rejects in DETECT_POWER of simulated runs of n pairs, found by
    bisection with common random numbers (each run's n uniforms sorted once; a pair is first-only below
    p_first, second-only up to p_first + p_second). Discordance is held as in `min_detectable_gap`: the
    observed one, but at least the gap."""
    rng = random.Random(seed)
    runs = [sorted(rng.random() for _ in range(n)) for _ in range(reps)]

    def power(gap: float) -> float:
        psi = max(discordance, gap)
        p_first, p_second = (psi + gap) / 2, (psi - gap) / 2
        hits = 0
        for u in runs:
            b = bisect.bisect_left(u, p_first)
            c = bisect.bisect_left(u, p_first + p_second) - b
            hits += _rejects(b, c)
        return hits / reps

    lo, hi = 0.0, 1.0
    for _ in range(14):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if power(mid) < DETECT_POWER else (lo, mid)
    return (lo + hi) / 2


@pytest.mark.slow  # simulation
@pytest.mark.parametrize("n,discordance", [(200, 0.0), (200, 0.10), (160, 0.03), (400, 0.25), (100, 0.3)])
def test_mdg_matches_a_brute_force_power_simulation_within_one_point(n, discordance):
    mdg = min_detectable_gap(n, discordance)
    assert abs(mdg - _simulated_mdg(n, discordance)) < 0.01


def test_mdg_and_pairs_needed_are_inverses():
    for gap, psi in [(0.02, 0.05), (0.02, 0.0), (0.05, 0.2), (0.1, 0.3)]:
        n = pairs_needed(gap, psi)
        assert min_detectable_gap(n, psi) <= gap < min_detectable_gap(n - 1, psi)
    assert math.isnan(min_detectable_gap(0, 0.1))
    assert math.isnan(min_detectable_gap(3, 0.5))  # no gap up to 1 is detectable with 3 pairs
    # with 0/1 pairs a gap needs at least as much discordance as the gap; query means need only gap**2
    assert min_detectable_gap(200, 0.02, binary=False) < min_detectable_gap(200, 0.02)
