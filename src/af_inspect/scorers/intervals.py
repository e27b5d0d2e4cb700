"""The three statistics the metrics report, in pure Python: Wilson, Newcombe and exact McNemar.

They run inside every eval (Inspect computes metrics during and after the run), where importing
statsmodels would pull scipy, pandas and numpy into the process: over 100,000 more objects for the garbage
collector to scan on every full collection, and a second or two of imports, for three formulas. The tests
check these against statsmodels (`tests/test_metrics.py`), which stays the reference for the analysis.
"""

from __future__ import annotations

import math
from statistics import NormalDist


def _z(alpha: float) -> float:
    return NormalDist().inv_cdf(1 - alpha / 2)


def wilson_interval(successes: float, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval for a proportion (statsmodels' `proportion_confint(method="wilson")`).

    `successes` may be fractional (a mean of values in [0, 1] times n), as statsmodels allows.
    """
    if n <= 0:
        return float("nan"), float("nan")
    z = _z(alpha)
    p = successes / n
    denom = 1 + z * z / n
    center = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return center - half, center + half


def newcombe_difference(x1: float, n1: int, x2: float, n2: int, alpha: float = 0.05) -> tuple[float, float]:
    """Newcombe's hybrid score interval for p1 - p2 (statsmodels' `confint_proportions_2indep`,
    `method="newcomb", compare="diff"`)."""
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
