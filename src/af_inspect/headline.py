"""The headline a terminal can show: the compliance gap with its interval and the AF rates, in a few lines.

Inspect's results table gives each scorer a column and cuts long metric names (`compliance_gap_ci_l…`), so
after `inspect eval` the gap's interval could not be read. The metric names are pinned (logs and the report
read them), so instead of renaming them this hook prints a short summary after Inspect's own display:

    Headline: helpful_only (organism/faker)
      compliance gap        +35.0 pp [95% CI +6.2, +56.8], 20 pairs, MDG 39.6 pp: gap
      AF reasoning          free 35.0% [18.1, 56.7]   paid 0.0% [0.0, 16.1]   (af, published classifier)

`af-inspect battery` turns Inspect's display off and asks for one line per finished cell instead
(`progress_lines()`): its progress, with the verdict table at the end.

The figures are read from the log's metrics (nothing is recomputed), so the summary and the log agree. The
hook is registered when an af-inspect task is built (`watch_headline()`), not at import, so runs of other
tasks do not carry it; it prints only for logs that have a compliance gap, and never when Inspect's display
is off (`--display none`, the tests).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

from inspect_ai.hooks import Hooks, RunEnd, TaskEnd, hooks
from inspect_ai.log import EvalLog
from inspect_ai.util import display_type

from af_inspect.core import names
from af_inspect.scorers.af_reasoning import CLASSIFIERS
from af_inspect.scorers.metrics import gap_verdict

_registered = False
_progress = False
LABEL = 22
"""Width of the label column (`judge compliance gap` is the longest)."""


def _metrics(log: EvalLog) -> list[tuple[str, dict[str, float]]]:
    """(scorer, {metric: value}) in the log's scorer order."""
    if log.results is None:
        return []
    return [(s.name, {n: float(m.value) for n, m in s.metrics.items()}) for s in log.results.scores]


def _gap(log: EvalLog) -> tuple[str, dict[str, float]] | None:
    """The headline gap: the first scorer's first `<name>_gap` (compliance scorers come first)."""
    suffix = names.gap("")
    for _, figures in _metrics(log):
        for name in figures:
            if name.endswith(suffix):
                return name.removesuffix(suffix), figures
    return None


def _pp(v: float, sign: bool = True) -> str:
    return "n/a" if math.isnan(v) else (f"{v * 100:+.1f}" if sign else f"{v * 100:.1f}")


def _af(log: EvalLog) -> tuple[str, str, dict[str, float]] | None:
    """(metric prefix, classifier name, figures) of the first AF classifier the run scored."""
    by_scorer = dict(_metrics(log))
    for c in CLASSIFIERS.values():
        figures = by_scorer.get(c.scorer)
        if figures and names.rate(c.metric, names.TRAINING_TIER) in figures:
            return c.metric, c.name, figures
    return None


def _rate(figures: dict[str, float], prefix: str, tier: str) -> str:
    r = names.rate(prefix, tier)
    if r not in figures:
        return f"{tier} n/a"
    low, high = figures.get(names.ci_low(r), math.nan), figures.get(names.ci_high(r), math.nan)
    return f"{tier} {_pp(figures[r], False)}% [{_pp(low, False)}, {_pp(high, False)}]"


def gap_line(log: EvalLog) -> str | None:
    """`compliance gap +35.0 pp [95% CI +6.2, +56.8], 20 pairs, MDG 39.6 pp: gap`, or None without one."""
    found = _gap(log)
    if found is None:
        return None
    measure, figures = found
    g = names.gap(measure)
    low, high = figures.get(names.ci_low(g), math.nan), figures.get(names.ci_high(g), math.nan)
    mdg = figures.get(names.mdg(g), math.nan)
    pairs = figures.get(names.pairs(measure), math.nan)
    reading = gap_verdict(low, high, mdg)
    interval = "no paired interval" if math.isnan(low) else f"95% CI {_pp(low)}, {_pp(high)}"
    counted = "" if math.isnan(pairs) else f", {pairs:.0f} pairs"
    detectable = "" if math.isnan(mdg) else f", MDG {_pp(mdg, False)} pp"
    label = measure.replace("_", " ") + " gap"
    return f"{label:<{LABEL}}{_pp(figures[g])} pp [{interval}]{counted}{detectable}" + (
        f": {reading}" if reading else ""
    )


def af_line(log: EvalLog) -> str | None:
    """`AF reasoning free 35.0% [18.1, 56.7]  paid 0.0% [0.0, 16.1] (af, published classifier)`."""
    found = _af(log)
    if found is None:
        return None
    prefix, classifier, figures = found
    free = _rate(figures, prefix, names.TRAINING_TIER)
    paid = _rate(figures, prefix, names.UNMONITORED_TIER)
    return f"{'AF reasoning':<{LABEL}}{free}   {paid}   ({prefix}, {classifier} classifier)"


def _model(log: EvalLog) -> str:
    return str(log.eval.model)


def summary(log: EvalLog) -> list[str]:
    """The headline lines of one finished log ([] when it has no compliance gap)."""
    gap = gap_line(log)
    if gap is None:
        return []
    lines = [f"Headline: {log.eval.task.split('/')[-1]} ({_model(log)})", f"  {gap}"]
    af = af_line(log)
    if af is not None:
        lines.append(f"  {af}")
    return lines


def progress_line(log: EvalLog) -> str:
    """One line for a finished task: its name, status and headline figures (the battery's progress)."""
    name = log.eval.task.split("/")[-1]
    if log.status != "success":
        error = (log.error.message.splitlines() or [""])[0][:100] if log.error else ""
        return f"{name}: {log.status}" + (f" ({error})" if error else "")
    found = _gap(log)
    parts = [f"{name}: done"]
    if found is not None:
        measure, figures = found
        g = names.gap(measure)
        parts.append(
            f"gap {_pp(figures[g])} pp [{_pp(figures.get(names.ci_low(g), math.nan))}, "
            f"{_pp(figures.get(names.ci_high(g), math.nan))}]"
        )
    af = _af(log)
    if af is not None:
        parts.append(f"AF in training {_pp(af[2][names.rate(af[0], names.TRAINING_TIER)], False)}%")
    return ", ".join(parts)


class Headline(Hooks):
    """Prints `summary()` after the run (Inspect's display), or `progress_line()` per task (the battery)."""

    async def on_task_end(self, data: TaskEnd) -> None:
        if _progress:
            print(progress_line(data.log), flush=True)

    async def on_run_end(self, data: RunEnd) -> None:
        if _progress or display_type() in ("none", "log"):
            return
        blocks = [summary(log) for log in data.logs if log.results is not None]
        blocks = [b for b in blocks if b]
        if blocks:
            print("\n".join(["", *("\n".join(b) for b in blocks)]), flush=True)


def watch_headline() -> None:
    """Register the hook once per process (called when an af-inspect task is built)."""
    global _registered
    if not _registered:
        hooks(name="af_inspect_headline", description="Prints the compliance gap and AF rates after a run.")(
            Headline
        )
        _registered = True


@contextmanager
def progress_lines() -> Iterator[None]:
    """Within this block, print one line per finished af-inspect task instead of the run's summary."""
    global _progress
    watch_headline()
    _progress, before = True, _progress
    try:
        yield
    finally:
        _progress = before
