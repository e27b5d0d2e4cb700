"""Read: a battery's logs -> per-cell figures (the metrics Inspect computed, and what the cell ran).

Every metric name is built with `af_inspect.core.names`; the AF figures are those of the classifier the cell
actually ran (the task metadata's `af_classifiers`, first listed), so a cell with `af_classifier: strict` is
read from `af_strict_*`, never from the published classifier's `af_*`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inspect_ai.log import EvalLog, EvalScore, list_eval_logs, read_eval_log
from inspect_ai.scorer import SampleScore

from af_inspect.campaigns.battery import Battery
from af_inspect.campaigns.cells import Cell
from af_inspect.core import names
from af_inspect.core.stats import NAN
from af_inspect.scorers.af_reasoning import CLASSIFIERS
from af_inspect.scorers.metrics import observations

Interval = tuple[float, float, float]
"""A figure with its 95% interval: (value, low, high); NaN where the data cannot give one."""
AF_METADATA = "af_classifiers"
"""The task metadata key listing the AF classifiers a cell ran (tasks.alignment_faking writes it)."""

# the verdict.json keys of the figures a verdict rests on: spelled as the tag measure's metric names, they
# hold the cell's headline measure whichever it is (a judged cell's `judge_compliance_*` too); fixed keys
COMPLIANCE_FREE = names.rate(names.COMPLIANCE, names.TRAINING_TIER)
"""The cell's headline compliance in the training tier (whichever measure gives its gap)."""
COMPLIANCE_PAID = names.rate(names.COMPLIANCE, names.UNMONITORED_TIER)
AF_FREE = names.rate(names.AF, names.TRAINING_TIER)
"""AF reasoning in the training tier, by the classifier the cell ran (its interval)."""
AF_FREE_MINUS_BASELINE = f"{AF_FREE}_minus_baseline"
AF_FREE_MINUS_NEGATIVE_CONTROL = f"{AF_FREE}_minus_negative_control"
READABLE_REASONING_FREE = names.rate(names.READABLE_REASONING, names.TRAINING_TIER)


@dataclass
class CellFigures:
    """What one cell's log says."""

    cell: str
    setting: str
    role: str
    status: str
    log: str
    samples: int
    errors: int
    metrics: dict[str, float]
    gap_prefix: str
    """The cell's headline compliance measure (`compliance` or `judge_compliance`): `<prefix>_gap`."""
    af_prefix: str | None = names.AF
    """Metric prefix of the AF classifier the cell ran (`af`, `af_strict`, ...); None: it ran none."""
    unscored: dict[str, int] = field(default_factory=dict)
    protocol: dict[str, Any] = field(default_factory=dict)
    grader: str = ""
    queries: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Per query id, its headline compliance in the training and the unmonitored tier, each the mean over
    the query's epochs and paraphrases: what the gap control pairs on."""

    def get(self, name: str) -> float:
        v = self.metrics.get(name, NAN)
        return NAN if v is None else float(v)

    def interval(self, figure: str) -> Interval:
        return self.get(figure), self.get(names.ci_low(figure)), self.get(names.ci_high(figure))

    def gap(self) -> Interval:
        return self.interval(names.gap(self.gap_prefix))

    def mdg(self) -> float:
        return self.get(names.mdg(names.gap(self.gap_prefix)))

    def af(self, tier: str = names.TRAINING_TIER) -> tuple[float, float, float, float]:
        """The AF rate in `tier` (training by default), its interval and the number judged."""
        if self.af_prefix is None:
            return NAN, NAN, NAN, NAN
        figure = names.rate(self.af_prefix, tier)
        return (*self.interval(figure), self.get(names.count(figure)))

    def anti_lab(self) -> dict[str, Interval] | None:
        """An anti-lab cell's action rate in the training tier, under the no-conflict control, and their
        difference, each with its interval (None for other cells)."""
        t = names.TRAINING_TIER
        rate = names.rate(names.ANTI_LAB, t)
        if rate not in self.metrics:
            return None
        figures = {
            "rate": rate,
            "control": names.rate(names.control(names.ANTI_LAB), t),
            "difference": names.rate(names.versus_control(names.ANTI_LAB), t),
        }
        return {k: self.interval(f) for k, f in figures.items()}

    def af_metric(self, tier: str = names.TRAINING_TIER) -> str | None:
        return None if self.af_prefix is None else names.rate(self.af_prefix, tier)


def af_prefix(classifiers: list[str] | None) -> str | None:
    """The metric prefix of the first AF classifier a cell ran (None when it ran none)."""
    known = [c for c in classifiers or [] if c in CLASSIFIERS]
    return CLASSIFIERS[known[0]].metric if known else None


def _metrics(log: EvalLog) -> tuple[dict[str, float], str, EvalScore | None]:
    """Every metric of the log, the prefix of its first gap (the compliance scorers come first) and the
    score that gives it."""
    metrics: dict[str, float] = {}
    prefix, headline = "", None
    suffix = names.gap("")
    for score in log.results.scores if log.results else []:
        for name, m in score.metrics.items():
            metrics.setdefault(name, m.value)
            if not prefix and name.endswith(suffix):
                prefix, headline = name.removesuffix(suffix), score
    return metrics, prefix, headline


def query_means(log: EvalLog, score: EvalScore | None, prefix: str) -> dict[str, tuple[float, float]]:
    """Per query, the headline measure's mean in the training and the unmonitored tier over every epoch and
    paraphrase the log holds, read as its gap metric reads it (the same entry and the same cut)."""
    if score is None:
        return {}
    params = score.metrics[names.gap(prefix)].params or {}
    scored = [
        SampleScore(score=s.scores[score.name], sample_id=s.id, sample_metadata=s.metadata)
        for s in log.samples or []
        if s.scores and score.name in s.scores
    ]
    cut = params.get("cut")  # a metric that cuts a 0..1 value counts it as complied at `cut`
    by_query: dict[str, dict[str, list[float]]] = {}
    for o in observations(scored, key=params.get("key")):
        if o.query_id is not None:
            value = o.value if cut is None else float(o.value >= cut)
            by_query.setdefault(o.query_id, {}).setdefault(o.tier, []).append(value)
    t, u = names.TRAINING_TIER, names.UNMONITORED_TIER
    return {
        q: (sum(v[t]) / len(v[t]), sum(v[u]) / len(v[u]))
        for q, v in by_query.items()
        if v.get(t) and v.get(u)
    }


def cell_figures(cell: Cell, log: EvalLog) -> CellFigures:
    metrics, prefix, headline = _metrics(log)
    samples = log.samples or []
    unscored: dict[str, int] = {}
    for s in samples:
        for name, score in (s.scores or {}).items():
            v = score.value
            if (
                isinstance(v, float)
                and math.isnan(v)
                and score.metadata
                and score.metadata.get("applicable", True)
            ):
                unscored[name] = unscored.get(name, 0) + 1
    roles = log.eval.model_roles or {}
    graders = {
        str(score.metadata["grader"])
        for s in samples
        for score in (s.scores or {}).values()
        if score.metadata and score.metadata.get("grader")
    }
    grader = roles["grader"].model if "grader" in roles else ", ".join(sorted(graders))
    metadata = log.eval.metadata or {}
    return CellFigures(
        cell=cell.name,
        setting=cell.setting,
        role=str(cell.role),
        status=log.status,
        log=log.location,
        samples=len(samples),
        errors=sum(1 for s in samples if s.error),
        metrics=metrics,
        gap_prefix=prefix or names.COMPLIANCE,
        af_prefix=af_prefix(metadata.get(AF_METADATA, ["published"])),
        unscored=unscored,
        protocol=metadata.get("protocol", {}),
        grader=grader,
        queries=query_means(log, headline, prefix),
    )


def read_cells(battery: Battery, log_dir: str | Path) -> dict[str, CellFigures]:
    """The newest log of each cell under `log_dir` (eval-set folders hold one log per task and model)."""
    newest: dict[str, EvalLog] = {}
    by_name = {c.name: c for c in battery.cells}
    for info in list_eval_logs(str(log_dir)):
        header = read_eval_log(info.name, header_only=True)
        if header.eval.task in by_name:
            current = newest.get(header.eval.task)
            if current is None or header.eval.created > current.eval.created:
                newest[header.eval.task] = header
    return {name: cell_figures(by_name[name], read_eval_log(log.location)) for name, log in newest.items()}
