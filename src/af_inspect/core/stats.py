"""The statistics af-inspect reports: Wilson, Newcombe (independent and paired), Tango, exact McNemar,
Student's t, and the minimum detectable gap.

Metrics run inside every eval, where importing statsmodels or scipy.stats would pull tens of MB of modules
into the process for a handful of formulas (docs/performance.md): the closed forms are written here, and
only Student's t (needed for epochs) calls scipy.special, imported when first used. The tests check each
function against statsmodels or scipy where they have it, and against published worked examples and
brute-force computations where they do not (docs/statistics.md says which, and why each method was chosen).
"""

from __future__ import annotations

import math
from statistics import NormalDist

NAN = float("nan")
DETECT_ALPHA = 0.05
"""Two-sided level of the test behind the minimum detectable gap (the intervals' 95%)."""
DETECT_POWER = 0.8
"""Power at which a gap counts as detectable."""


def z_value(alpha: float = 0.05) -> float:
    """The two-sided normal quantile for a (1 - alpha) interval (1.96 at alpha 0.05)."""
    return NormalDist().inv_cdf(1 - alpha / 2)


def wilson_interval(successes: float, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval for a proportion (statsmodels' `proportion_confint(method="wilson")`).

    `successes` may be fractional (a mean of values in [0, 1] times n), as statsmodels allows.
    """
    if n <= 0:
        return NAN, NAN
    z = z_value(alpha)
    p = successes / n
    denom = 1 + z * z / n
    center = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(max(0.0, p * (1 - p) / n + z * z / (4 * n * n))) / denom
    # at 0 and n the bound is exactly 0 or 1 (rounding would leave it a hair inside, excluding the estimate)
    return (0.0 if successes <= 0 else center - half), (1.0 if successes >= n else center + half)


def rate_interval(successes: float, n: int, alpha: float = 0.05) -> tuple[float, float, float]:
    """(rate, low, high) with the Wilson interval; NaNs when n is 0."""
    if n <= 0:
        return NAN, NAN, NAN
    low, high = wilson_interval(successes, n, alpha)
    return successes / n, low, high


def proportion(values: list[float], alpha: float = 0.05) -> tuple[float, float, float]:
    """(mean, low, high) of values in [0, 1], with the Wilson interval; NaNs when there are none."""
    return rate_interval(sum(values), len(values), alpha)


def newcombe_difference(x1: float, n1: int, x2: float, n2: int, alpha: float = 0.05) -> tuple[float, float]:
    """Newcombe's hybrid score interval for p1 - p2 of two independent proportions (statsmodels'
    `confint_proportions_2indep(method="newcomb", compare="diff")`).

    Kept for comparison: the tiers of a run are paired, so the gap's headline interval is paired
    (`newcombe_paired_interval`); this one ignores the pairing and is wider.
    """
    p1, p2 = x1 / n1, x2 / n2
    low1, high1 = wilson_interval(x1, n1, alpha)
    low2, high2 = wilson_interval(x2, n2, alpha)
    diff = p1 - p2
    low = diff - math.sqrt((p1 - low1) ** 2 + (high2 - p2) ** 2)
    high = diff + math.sqrt((high1 - p1) ** 2 + (p2 - low2) ** 2)
    return low, high


def mcnemar_exact(b: int, c: int) -> float:
    """Exact (binomial) McNemar p-value on the discordant counts `b` and `c`, two-sided, capped at 1."""
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return min(1.0, 2 * tail)


# ------------------------------------------------------------------------------------- paired 2x2 tables


def _phi_corrected(a: int, b: int, c: int, d: int) -> float:
    """Newcombe's (1998) correlation of the paired table, shrunk towards 0 by n/2 when positive (method 10)."""
    n = a + b + c + d
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    if margins == 0:
        return 0.0
    cross = a * d - b * c
    if cross > n / 2:
        cross -= n / 2
    elif cross >= 0:
        cross = 0.0
    return cross / math.sqrt(margins)


def newcombe_paired_interval(a: int, b: int, c: int, d: int, alpha: float = 0.05) -> tuple[float, float]:
    """Newcombe's (1998) method 10 for p1 - p2 = (b - c) / n of paired proportions.

    `a` pairs positive in both, `b` only in the first, `c` only in the second, `d` in neither. The Wilson
    intervals of the two margins are combined as for independent proportions, minus the covariance given
    by the continuity-corrected phi correlation: closed form, never outside [-1, 1].
    """
    n = a + b + c + d
    if n <= 0:
        return NAN, NAN
    p1, p2 = (a + b) / n, (a + c) / n
    low1, high1 = wilson_interval(a + b, n, alpha)
    low2, high2 = wilson_interval(a + c, n, alpha)
    phi = _phi_corrected(a, b, c, d)
    dl1, du1, dl2, du2 = p1 - low1, high1 - p1, p2 - low2, high2 - p2
    diff = p1 - p2
    low = diff - math.sqrt(max(0.0, dl1 * dl1 - 2 * phi * dl1 * du2 + du2 * du2))
    high = diff + math.sqrt(max(0.0, du1 * du1 - 2 * phi * du1 * dl2 + dl2 * dl2))
    return max(-1.0, low), min(1.0, high)


def tango_statistic(b: int, c: int, n: int, delta: float) -> float:
    """Tango's (1998) score statistic for H0: p1 - p2 = delta, from the discordant counts of n pairs.

    At delta 0 it is McNemar's (uncorrected) statistic (b - c) / sqrt(b + c), signed.
    """
    big_a = 2 * n
    big_b = -b - c + (2 * n - b + c) * delta
    big_c = -c * delta * (1 - delta)
    q21 = (math.sqrt(max(0.0, big_b * big_b - 4 * big_a * big_c)) - big_b) / (2 * big_a)
    variance = n * (2 * q21 + delta * (1 - delta))
    numerator = b - c - n * delta
    if variance <= 0:
        return 0.0 if numerator == 0 else math.copysign(math.inf, numerator)
    return numerator / math.sqrt(variance)


def tango_interval(a: int, b: int, c: int, d: int, alpha: float = 0.05) -> tuple[float, float]:
    """Tango's (1998) score interval for p1 - p2 of paired proportions: every delta whose score test
    `tango_statistic` does not reject, found by bisection (the statistic falls as delta grows).

    It excludes 0 exactly when McNemar's uncorrected asymptotic test rejects. Same table as
    `newcombe_paired_interval` (`a` and `d` do not enter).
    """
    n = a + b + c + d
    if n <= 0:
        return NAN, NAN
    z = z_value(alpha)
    estimate = (b - c) / n

    def solve(target: float, lo: float, hi: float) -> float:
        # the root of tango_statistic(delta) = target in [lo, hi], where the statistic goes from above to below
        for _ in range(80):
            mid = (lo + hi) / 2
            if tango_statistic(b, c, n, mid) > target:
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2

    low = -1.0 if tango_statistic(b, c, n, -1.0) <= z else solve(z, -1.0, estimate)
    high = 1.0 if tango_statistic(b, c, n, 1.0) >= -z else solve(-z, estimate, 1.0)
    return low, high


PAIRED_INTERVALS = {"newcombe": newcombe_paired_interval, "tango": tango_interval}
"""The paired-difference intervals by name, each taking the 2x2 table (a, b, c, d) and alpha."""


# ------------------------------------------------------------------ query-level differences (epochs)


def _betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta I_x(a, b) (scipy's `betainc`, imported on first use)."""
    from scipy.special import betainc

    return float(betainc(a, b, x))


def student_t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with `df` degrees of freedom."""
    tail = 0.5 * _betainc(df / 2, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def student_t_quantile(p: float, df: float) -> float:
    """The t with P(T <= t) = p (scipy's `stdtrit`, the inverse `scipy.stats.t.ppf` calls)."""
    if not 0 < p < 1:
        raise ValueError(f"p must be in (0, 1), got {p}")
    from scipy.special import stdtrit

    return float(stdtrit(df, p))


def mean_difference_interval(differences: list[float], alpha: float = 0.05) -> tuple[float, float]:
    """Student's t interval for the mean of per-query differences in [-1, 1] (clipped to [-1, 1]).

    For epochs and paraphrases: each query contributes one difference of means, so transcripts of one
    query never count as independent. NaNs with fewer than two queries.
    """
    n = len(differences)
    if n < 2:
        return NAN, NAN
    mean = sum(differences) / n
    var = sum((x - mean) ** 2 for x in differences) / (n - 1)
    half = student_t_quantile(1 - alpha / 2, n - 1) * math.sqrt(var / n)
    return max(-1.0, mean - half), min(1.0, mean + half)


# ---------------------------------------------------------------------------- minimum detectable gap


def _assumed_discordance(gap: float, discordance: float, binary: bool) -> float:
    """The second moment of the per-query difference assumed at `gap`: the one observed, but never less than
    a gap of that size requires (0/1 outcomes: discordance at least the gap; otherwise at least gap**2). With
    nothing discordant at all, the binary bound: the gap carried by pairs that all differ one way."""
    floor = gap if binary or discordance <= 0 else gap * gap
    return max(discordance, floor)


def _detection_margin(
    gap: float, n: float, discordance: float, binary: bool, alpha: float, power: float
) -> float:
    """sqrt(n) * gap minus what a two-sided level-alpha test needs to reach `power` (Connor 1987): positive
    when detectable. Variance of a pair's difference sqrt(m2) under H0, sqrt(m2 - gap**2) under H1."""
    m2 = _assumed_discordance(gap, discordance, binary)
    za, zb = z_value(alpha), NormalDist().inv_cdf(power)
    return math.sqrt(n) * gap - za * math.sqrt(m2) - zb * math.sqrt(max(0.0, m2 - gap * gap))


def min_detectable_gap(
    n_pairs: int,
    discordance: float,
    binary: bool = True,
    alpha: float = DETECT_ALPHA,
    power: float = DETECT_POWER,
) -> float:
    """The smallest gap a two-sided test at `alpha` detects with `power`, given the number of pairs and the
    observed discordance (share of pairs that differ; with epochs, the mean squared per-query difference).

    Connor's (1987) normal approximation to McNemar's test, holding the discordance fixed but never below
    what the gap needs (`_assumed_discordance`). NaN with no pairs, or when no gap up to 1 is detectable.
    """
    if n_pairs <= 0 or math.isnan(discordance):
        return NAN
    if _detection_margin(1.0, n_pairs, discordance, binary, alpha, power) <= 0:
        return NAN
    lo, hi = 1e-12, 1.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if _detection_margin(mid, n_pairs, discordance, binary, alpha, power) < 0:
            lo = mid
        else:
            hi = mid
    return hi


def pairs_needed(
    gap: float,
    discordance: float,
    binary: bool = True,
    alpha: float = DETECT_ALPHA,
    power: float = DETECT_POWER,
) -> int:
    """The fewest pairs whose `min_detectable_gap` is at most `gap` (the same equation, solved for n)."""
    if not 0 < gap <= 1:
        raise ValueError(f"gap must be in (0, 1], got {gap}")
    m2 = _assumed_discordance(gap, discordance, binary)
    za, zb = z_value(alpha), NormalDist().inv_cdf(power)
    n = math.ceil(((za * math.sqrt(m2) + zb * math.sqrt(max(0.0, m2 - gap * gap))) / gap) ** 2 - 1e-9)
    return max(1, n)


def discordance_between_tiers(compliance: float, icc: float) -> float:
    """Expected share of queries whose single transcripts differ between two tiers when there is no gap.

    Each query has its own propensity to comply (mean `compliance`); `icc` is the share of the variance of a
    transcript's outcome that is between queries (1: a query always gets the same answer; 0: no query
    differs from another). Two independent draws from one query then differ with probability
    2 p (1 - p) (1 - icc).
    """
    if not (0 <= compliance <= 1 and 0 <= icc <= 1):
        raise ValueError("compliance and icc must be in [0, 1]")
    return 2 * compliance * (1 - compliance) * (1 - icc)


def queries_needed(
    gap: float,
    discordance: float,
    epochs: int = 1,
    alpha: float = DETECT_ALPHA,
    power: float = DETECT_POWER,
) -> int:
    """Queries (pairs) a run with `epochs` per tier needs to detect `gap`, from the single-epoch discordance.

    Assumes the gap is the same on every query, so the discordance is within-query noise and a query's
    mean difference over `epochs` has 1/epochs of it; the test is `min_detectable_gap`'s (0/1 pairs with one
    epoch, query means with more). If the gap varies between queries, epochs help less than this says.
    """
    if epochs < 1:
        raise ValueError("epochs must be at least 1")
    return pairs_needed(gap, discordance / epochs, binary=epochs == 1, alpha=alpha, power=power)
