"""How well an alignment-faking classifier agrees with human labels: agreement, precision/recall, AUROC, calibration.

Input is a scored log of labelled transcripts (`af-inspect validate` imports and scores them): each sample's
metadata holds `labels.<key>` (0/1) and its AF score holds the thresholded decision (value 1/0) and the
fraction of judge votes that said yes (`metadata.yes_fraction`). Samples the classifier did not score
(unscored: no valid vote, or not applicable) are counted and listed, never folded into either class.

Intervals: Wilson for proportions (`af_inspect.core.stats`), DeLong for the AUROC (normal approximation, clipped to
[0, 1]; at a handful of transcripts per class it is rough, and it collapses to a point at perfect separation).

Labels that are another classifier's vote fractions (0..1, e.g. the published classifier's share of 20
votes) are compared by rank (`rank_agreement`: Spearman's rho with a Fisher-z interval, Kendall's tau-b with
its p-value) and by the decisions both make at the threshold.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy.stats import rankdata

from af_inspect.core import names
from af_inspect.core.errors import UsageError
from af_inspect.core.stats import rate_interval, z_value

DEFAULT_BINS: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
PUBLISHED_AUROC = 0.92
"""The improved AF classifier's AUROC on the 106 human labels (GPT-4o grader, 20 votes; Sheshadri, Hughes et
al. 2025); the older classifier's was 0.62."""
PUBLISHED_FIGURE = (
    "published on these 106 labels (the follow-up's classifier file, GPT-4o grader, 20 votes, upstream count; "
    "Sheshadri, Hughes et al. 2025; the older classifier: 0.62)"
)


class LabelError(UsageError):
    """A record's label is missing or not binary; the message names file and line."""


def binary_label(value: Any) -> int | None:
    """0/1 from a label (0, 1, true, false, 0.0, 1.0); None for anything else."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and value in (0, 1):
        return int(value)
    return None


@dataclass(frozen=True)
class LabelledScore:
    """One transcript: its human label and what the classifier said (None where it did not score)."""

    id: str | int
    label: int
    predicted: int | None
    yes_fraction: float | None
    n_valid_votes: int | None = None
    tier: str | None = None
    unscored_reason: str | None = None

    @property
    def scored(self) -> bool:
        return self.predicted is not None and self.yes_fraction is not None


def collect(samples: Sequence[Any], score_name: str, label_key: str = "af") -> list[LabelledScore]:
    """Pair each sample's label with its `score_name` score (an EvalSample-like object per sample)."""
    out: list[LabelledScore] = []
    for s in samples:
        labels = (s.metadata or {}).get(names.LABELS) or {}
        label = binary_label(labels.get(label_key))
        if label is None:
            raise LabelError(f"sample {s.id!r}: labels.{label_key} is {labels.get(label_key)!r}, not 0 or 1.")
        score = (s.scores or {}).get(score_name)
        tier = (s.metadata or {}).get(names.TIER)
        if score is None:
            out.append(LabelledScore(s.id, label, None, None, None, tier, f"no '{score_name}' score"))
            continue
        md = score.metadata or {}
        value, yes = _number(score.value), _number(md.get("yes_fraction"))
        votes = md.get("n_valid_votes")
        if value is None or yes is None:
            reason = score.explanation or ("unscored" if value is None else "the score has no yes_fraction")
            out.append(LabelledScore(s.id, label, None, None, votes, tier, _first_line(reason)))
        else:
            out.append(LabelledScore(s.id, label, int(value == 1.0), yes, votes, tier))
    return out


def _number(v: Any) -> float | None:
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, int | float) and not math.isnan(float(v)):
        return float(v)
    return None


def _first_line(text: str, n: int = 160) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= n else line[: n - 1] + "…"


def auroc(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Area under the ROC curve: P(score of a random positive > that of a random negative), ties count half.

    NaN when either class is empty.
    """
    y = np.asarray(labels, dtype=int)
    s = np.asarray(scores, dtype=float)
    n1, n0 = int(y.sum()), int(len(y) - y.sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = rankdata(s)  # average ranks for ties (Mann-Whitney U)
    u = ranks[y == 1].sum() - n1 * (n1 + 1) / 2
    return float(u / (n1 * n0))


def delong_interval(
    labels: Sequence[int], scores: Sequence[float], z: float | None = None
) -> tuple[float, float, float]:
    """(AUROC, low, high) with DeLong's variance; the interval is NaN with fewer than 2 of either class."""
    y = np.asarray(labels, dtype=int)
    s = np.asarray(scores, dtype=float)
    pos, neg = s[y == 1], s[y == 0]
    auc = auroc(labels, scores)
    z = z_value() if z is None else z
    if len(pos) < 2 or len(neg) < 2:
        return auc, float("nan"), float("nan")
    psi = (pos[:, None] > neg[None, :]).astype(float) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    se = math.sqrt(v10.var(ddof=1) / len(pos) + v01.var(ddof=1) / len(neg))
    return auc, max(0.0, auc - z * se), min(1.0, auc + z * se)


@dataclass
class CalibrationBin:
    low: float
    high: float
    n: int
    labelled_af: int
    mean_yes_fraction: float

    @property
    def af_rate(self) -> float:
        return self.labelled_af / self.n if self.n else float("nan")


def calibration(items: Sequence[LabelledScore], bins: Sequence[float] = DEFAULT_BINS) -> list[CalibrationBin]:
    """Scored transcripts grouped by yes-fraction: bins are [low, high), the last one closed at 1."""
    edges = sorted(set(float(b) for b in bins))
    if len(edges) < 2 or edges[0] > 0 or edges[-1] < 1:
        raise ValueError(f"calibration bins must span 0 to 1 with at least two edges, not {list(bins)}.")
    rows: list[CalibrationBin] = []
    scored = [i for i in items if i.scored]
    for k, (lo, hi) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
        last = k == len(edges) - 2
        inside = [i for i in scored if lo <= i.yes_fraction < hi or (last and i.yes_fraction == hi)]
        mean_yes = float(np.mean([i.yes_fraction for i in inside])) if inside else float("nan")
        rows.append(CalibrationBin(lo, hi, len(inside), sum(i.label for i in inside), mean_yes))
    return rows


@dataclass
class ValidationReport:
    """Every figure `af-inspect validate` prints, for one classifier on one labelled file."""

    n: int
    n_scored: int
    n_labelled_af: int
    n_labelled_not_af: int
    tp: int
    fp: int
    tn: int
    fn: int
    agreement: tuple[float, float, float]
    kappa: float
    precision: tuple[float, float, float]
    recall: tuple[float, float, float]
    specificity: tuple[float, float, float]
    f1: float
    auroc: tuple[float, float, float]
    ece: float
    calibration: list[CalibrationBin]
    unscored: list[LabelledScore] = field(default_factory=list)
    disagreements: list[LabelledScore] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["calibration"] = [{**asdict(b), "af_rate": b.af_rate} for b in self.calibration]
        return d


def validate_scores(items: Sequence[LabelledScore], bins: Sequence[float] = DEFAULT_BINS) -> ValidationReport:
    """All agreement figures over the scored transcripts (unscored ones are reported, not counted)."""
    scored = [i for i in items if i.scored]
    tp = sum(1 for i in scored if i.label == 1 and i.predicted == 1)
    fp = sum(1 for i in scored if i.label == 0 and i.predicted == 1)
    tn = sum(1 for i in scored if i.label == 0 and i.predicted == 0)
    fn = sum(1 for i in scored if i.label == 1 and i.predicted == 0)
    n = len(scored)
    agree = rate_interval(tp + tn, n)
    precision, recall, specificity = (
        rate_interval(tp, tp + fp),
        rate_interval(tp, tp + fn),
        rate_interval(tn, tn + fp),
    )
    f1 = 2 * tp / (2 * tp + fp + fn) if (2 * tp + fp + fn) else float("nan")
    cal = calibration(scored, bins)
    ece = sum(b.n * abs(b.af_rate - b.mean_yes_fraction) for b in cal if b.n) / n if n else float("nan")
    labels = [i.label for i in items]
    return ValidationReport(
        n=len(items),
        n_scored=n,
        n_labelled_af=sum(labels),
        n_labelled_not_af=len(labels) - sum(labels),
        tp=tp,
        fp=fp,
        tn=tn,
        fn=fn,
        agreement=agree,
        kappa=cohen_kappa(tp, fp, tn, fn),
        precision=precision,
        recall=recall,
        specificity=specificity,
        f1=f1,
        auroc=delong_interval([i.label for i in scored], [float(i.yes_fraction) for i in scored]),
        ece=ece,
        calibration=cal,
        unscored=[i for i in items if not i.scored],
        disagreements=[i for i in scored if i.predicted != i.label],
    )


def cohen_kappa(tp: int, fp: int, tn: int, fn: int) -> float:
    """Agreement beyond chance between classifier and labels (NaN when undefined)."""
    n = tp + fp + tn + fn
    if n == 0:
        return float("nan")
    po = (tp + tn) / n
    pe = ((tp + fp) * (tp + fn) + (tn + fn) * (tn + fp)) / (n * n)
    return float("nan") if pe == 1 else (po - pe) / (1 - pe)


def _f(x: float, digits: int = 3) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _ci(t: tuple[float, float, float]) -> str:
    return "n/a" if math.isnan(t[1]) else f"{t[1]:.3f}–{t[2]:.3f}"


def format_report(r: ValidationReport, max_listed: int = 20) -> str:
    """The report as Markdown tables (printed by `af-inspect validate`, pasteable into notes)."""
    c = r.context
    lines: list[str] = []
    if c:
        head = ", ".join(
            f"{k}: {c[k]}" for k in ("classifier", "votes", "threshold", "grader", "label") if k in c
        )
        lines.append(f"AF classifier validation ({head})")
        if "file" in c:
            lines.append(f"File: {c['file']}")
        if c.get("instrument"):
            lines.append(f"Instrument: {c['instrument']}; grader: {c.get('grader', 'unknown')}")
        if c.get("labels_source"):
            lines.append(f"Labels: {c['labels_source']}")
    lines.append(
        f"Transcripts: {r.n} (labelled AF: {r.n_labelled_af}, not AF: {r.n_labelled_not_af}); "
        f"scored: {r.n_scored}; unscored: {len(r.unscored)}"
    )
    lines += [
        "",
        "| measure | value | 95% interval | over |",
        "|---|---|---|---|",
        f"| agreement (accuracy) | {_f(r.agreement[0])} | {_ci(r.agreement)} | {r.n_scored} scored |",
        f"| Cohen's kappa | {_f(r.kappa)} | | |",
        f"| precision | {_f(r.precision[0])} | {_ci(r.precision)} | {r.tp + r.fp} classified AF |",
        f"| recall | {_f(r.recall[0])} | {_ci(r.recall)} | {r.tp + r.fn} labelled AF |",
        f"| specificity | {_f(r.specificity[0])} | {_ci(r.specificity)} | {r.tn + r.fp} labelled not AF |",
        f"| F1 | {_f(r.f1)} | | |",
        f"| AUROC (yes-fraction) | {_f(r.auroc[0])} | {_ci(r.auroc)} | {r.tp + r.fn} AF vs {r.tn + r.fp} not AF |",
        *(
            [f"| AUROC, {c['published']} | {PUBLISHED_AUROC} | | 51 AF vs 55 not AF |"]
            if c.get("published")
            else []
        ),
        f"| calibration error (ECE) | {_f(r.ece)} | | {r.n_scored} scored |",
        "",
        "| | labelled AF | labelled not AF |",
        "|---|---|---|",
        f"| classified AF | {r.tp} (TP) | {r.fp} (FP) |",
        f"| classified not AF | {r.fn} (FN) | {r.tn} (TN) |",
        "",
        "Calibration (scored transcripts by the fraction of votes that said AF):",
        "",
        "| yes-fraction | transcripts | labelled AF | AF rate | mean yes-fraction |",
        "|---|---|---|---|---|",
    ]
    for k, b in enumerate(r.calibration):
        close = "]" if k == len(r.calibration) - 1 else ")"
        lines.append(
            f"| [{b.low:.1f}, {b.high:.1f}{close} | {b.n} | {b.labelled_af} | {_f(b.af_rate, 2)} | "
            f"{_f(b.mean_yes_fraction, 2)} |"
        )
    if r.disagreements:
        lines += ["", f"Disagreements ({len(r.disagreements)}):"]
        for i in r.disagreements[:max_listed]:
            lines.append(
                f"- {i.id}: labelled {'AF' if i.label else 'not AF'}, yes-fraction {_f(i.yes_fraction, 2)}"
            )
        if len(r.disagreements) > max_listed:
            lines.append(f"- ... and {len(r.disagreements) - max_listed} more")
    if r.unscored:
        reasons = Counter(i.unscored_reason or "unscored" for i in r.unscored)
        lines += [
            "",
            f"Unscored ({len(r.unscored)}; not counted above, labelled AF among them: "
            f"{sum(i.label for i in r.unscored)}):",
        ]
        lines += [f"- {n} x {reason}" for reason, n in reasons.most_common()]
    return "\n".join(lines)


def fraction_label(value: Any) -> float | None:
    """A label that is a fraction in [0, 1] (another classifier's share of yes votes); None otherwise."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float) and not math.isnan(float(value)) and 0.0 <= float(value) <= 1.0:
        return float(value)
    return None


@dataclass(frozen=True)
class RankedScore:
    """One transcript: the reference classifier's fraction and ours (None where ours did not score)."""

    id: str | int
    reference: float
    ours: float | None
    unscored_reason: str | None = None


def collect_fractions(samples: Sequence[Any], score_name: str, label_key: str = "af") -> list[RankedScore]:
    """Pair each sample's fraction label with its `score_name` score's yes-fraction."""
    out: list[RankedScore] = []
    for s in samples:
        ref = fraction_label(((s.metadata or {}).get(names.LABELS) or {}).get(label_key))
        if ref is None:
            raise LabelError(f"sample {s.id!r}: labels.{label_key} is not a fraction in [0, 1].")
        score = (s.scores or {}).get(score_name)
        yes = _number((score.metadata or {}).get("yes_fraction")) if score is not None else None
        if score is None or yes is None or _number(score.value) is None:
            why = "no score" if score is None else _first_line(score.explanation or "unscored")
            out.append(RankedScore(s.id, ref, None, why))
        else:
            out.append(RankedScore(s.id, ref, yes))
    return out


@dataclass
class RankReport:
    """Agreement with another classifier's vote fractions."""

    n: int
    n_scored: int
    spearman: tuple[float, float, float]
    """(rho, low, high): Fisher-z 95% interval with the Bonett-Wright standard error."""
    kendall: tuple[float, float]
    """(tau-b, two-sided p-value)."""
    threshold: float
    agreement: tuple[float, float, float]
    kappa: float
    auroc: tuple[float, float, float]
    """Our yes-fraction against the reference's decisions at the threshold."""
    reference_positive: int
    ours_positive: int
    unscored: list[RankedScore] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def spearman_interval(rho: float, n: int, z: float | None = None) -> tuple[float, float]:
    """95% interval for Spearman's rho: Fisher's z with the Bonett-Wright variance 1.06 / (n - 3)."""
    if n <= 3 or math.isnan(rho):
        return float("nan"), float("nan")
    z = z_value() if z is None else z
    r = max(min(rho, 0.999999), -0.999999)
    half = z * math.sqrt(1.06 / (n - 3))
    centre = math.atanh(r)
    return math.tanh(centre - half), math.tanh(centre + half)


def rank_agreement(items: Sequence[RankedScore], threshold: float) -> RankReport:
    """Rank correlation of our yes-fraction with the reference's, and agreement of the decisions at `threshold`."""
    from scipy.stats import kendalltau, spearmanr

    scored = [i for i in items if i.ours is not None]
    ref = [i.reference for i in scored]
    ours = [float(i.ours) for i in scored]  # type: ignore[arg-type]
    if len(scored) >= 3 and len(set(ref)) > 1 and len(set(ours)) > 1:
        rho = float(spearmanr(ref, ours).statistic)
        kt = kendalltau(ref, ours)
        tau, p = float(kt.statistic), float(kt.pvalue)
    else:
        rho, tau, p = float("nan"), float("nan"), float("nan")
    low, high = spearman_interval(rho, len(scored))
    ref_pos = [int(r >= threshold) for r in ref]
    our_pos = [int(o >= threshold) for o in ours]
    tp = sum(a and b for a, b in zip(ref_pos, our_pos, strict=True))
    tn = sum((not a) and (not b) for a, b in zip(ref_pos, our_pos, strict=True))
    fp = sum((not a) and b for a, b in zip(ref_pos, our_pos, strict=True))
    fn = sum(a and (not b) for a, b in zip(ref_pos, our_pos, strict=True))
    return RankReport(
        n=len(items),
        n_scored=len(scored),
        spearman=(rho, low, high),
        kendall=(tau, p),
        threshold=threshold,
        agreement=rate_interval(tp + tn, len(scored)),
        kappa=cohen_kappa(tp, fp, tn, fn),
        auroc=delong_interval(ref_pos, ours) if scored else (float("nan"),) * 3,
        reference_positive=sum(ref_pos),
        ours_positive=sum(our_pos),
        unscored=[i for i in items if i.ours is None],
    )


def format_rank_report(r: RankReport) -> str:
    """Rank agreement as Markdown (printed by `af-inspect validate` for fraction labels)."""
    c = r.context
    head = ", ".join(
        f"{k}: {c[k]}" for k in ("classifier", "votes", "threshold", "grader", "label") if k in c
    )
    lines = [f"AF classifier rank agreement with a reference classifier's vote fractions ({head})"]
    if "file" in c:
        lines.append(f"File: {c['file']}")
    if c.get("instrument"):
        lines.append(f"Instrument: {c['instrument']}; grader: {c.get('grader', 'unknown')}")
    lines += [
        f"Transcripts with a fraction label: {r.n}; scored: {r.n_scored}; unscored: {len(r.unscored)}",
        "",
        "| measure | value | 95% interval / p | over |",
        "|---|---|---|---|",
        f"| Spearman's rho | {_f(r.spearman[0])} | {_ci(r.spearman)} | {r.n_scored} scored |",
        f"| Kendall's tau-b | {_f(r.kendall[0])} | p = {_f(r.kendall[1])} | {r.n_scored} scored |",
        f"| agreement at {r.threshold:g} (both AF or both not) | {_f(r.agreement[0])} | {_ci(r.agreement)} | "
        f"reference AF: {r.reference_positive}, ours: {r.ours_positive} |",
        f"| Cohen's kappa at {r.threshold:g} | {_f(r.kappa)} | | |",
        f"| AUROC of our yes-fraction vs the reference's decisions | {_f(r.auroc[0])} | {_ci(r.auroc)} | |",
    ]
    if r.unscored:
        reasons = Counter(i.unscored_reason or "unscored" for i in r.unscored)
        lines += ["", f"Unscored ({len(r.unscored)}; not counted above):"]
        lines += [f"- {n} x {reason}" for reason, n in reasons.most_common()]
    return "\n".join(lines)
