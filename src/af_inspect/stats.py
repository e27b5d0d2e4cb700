"""The statistics af-inspect reports, in pure Python: Wilson, Newcombe, exact McNemar.

Metrics run inside every eval, where importing statsmodels would pull scipy, pandas and numpy into the
process for a handful of formulas (docs/performance.md). The tests check each function against statsmodels,
which stays the reference.
"""

from __future__ import annotations

import math
from statistics import NormalDist

NAN = float("nan")


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
    return center - half, center + half


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
    `confint_proportions_2indep(method="newcomb", compare="diff")`)."""
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
