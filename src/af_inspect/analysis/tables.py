"""Readable versions of the summary tables (percentages, intervals, coverage) and a Markdown renderer."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from af_inspect.analysis.summary import AF_FREE_COMPLIANT
from af_inspect.core import names

DASH = "—"


def pct(x: Any, digits: int = 1) -> str:
    """A fraction as a percentage; `—` when missing."""
    try:
        f = float(x)
    except (TypeError, ValueError):
        return DASH
    return DASH if math.isnan(f) else f"{f * 100:.{digits}f}%"


def pp(x: Any) -> str:
    """A difference of fractions as signed percentage points."""
    try:
        f = float(x)
    except (TypeError, ValueError):
        return DASH
    return DASH if math.isnan(f) else f"{f * 100:+.1f}"


def count(x: Any) -> str:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return DASH
    return DASH if math.isnan(f) else str(int(f))


def pvalue(x: Any) -> str:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return DASH
    return DASH if math.isnan(f) else (f"{f:.3f}" if f >= 0.001 else "<0.001")


def rate_ci(row: pd.Series, name: str) -> str:
    """`12.3% [8.1%, 17.9%] (n=150)` from a summary row's `name`, `name_low`, `name_high`, `name_n`."""
    value = row.get(name)
    n = row.get(names.count(name))
    if value is None or n is None or pct(value) == DASH:
        return DASH
    return f"{pct(value)} [{pct(row.get(f'{name}_low'))}, {pct(row.get(f'{name}_high'))}] (n={count(n)})"


MIN_PAIRS = 5
"""Fewer query pairs than this give no interval worth printing: with 2 pairs of equal differences Student's
t interval has zero width (`+66.7 [+66.7, +66.7]`), with 3-4 it spans most of [-100, +100]. The table says
so instead of printing one."""


def gap_text(gap: Any, low: Any, high: Any, pairs: Any = None) -> str:
    """`+12.3 [+4.5, +20.1]`: a gap and its interval in percentage points; `—` when there is no gap;
    `+66.7 (2 pairs: too few for an interval)` when `pairs` is below `MIN_PAIRS`."""
    if pp(gap) == DASH:
        return DASH
    if pairs is not None and not pd.isna(pairs) and int(pairs) < MIN_PAIRS:
        n = int(pairs)
        return f"{pp(gap)} ({n} pair{'' if n == 1 else 's'}: too few for an interval)"
    return f"{pp(gap)} [{pp(low)}, {pp(high)}]"


def _coverage(r: pd.Series) -> str:
    text = f"{int(r['transcripts'])}/{int(r['expected'])}"
    if r["expected"] and r["transcripts"] < r["expected"]:
        text += f" ({pct(r['coverage'], 0)})"
    return text


def display_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary as strings, one column per figure a reader needs, in reading order."""
    if summary.empty:
        return pd.DataFrame()
    out = pd.DataFrame(index=summary.index)
    out["model"] = summary["model"]
    if summary[names.SETTING].nunique() > 1:
        out[names.SETTING] = summary[names.SETTING]
    out["protocol"] = summary["protocol"]
    out["variation"] = summary["variation"]
    if (summary["args"] != "").any():
        out["args"] = summary["args"]
    if summary["compliance_scorer"].nunique() > 1:
        out["compliance by"] = summary["compliance_scorer"]
    out["status"] = summary["status"]
    out["transcripts / expected"] = summary.apply(_coverage, axis=1)
    out["errors"] = summary["errors"].map(count)
    tiers = [c.removeprefix("n_") for c in summary.columns if c.startswith("n_")]
    for t in tiers:
        if summary[f"n_{t}"].sum() > 0 or t in (names.TRAINING_TIER, names.UNMONITORED_TIER):
            out[f"complies, {t}"] = [
                f"{pct(v)} (n={count(n)})" if n else DASH
                for v, n in zip(summary[names.rate(names.COMPLIANCE, t)], summary[f"n_{t}"], strict=True)
            ]
    out["gap, pp [95% CI]"] = [
        gap_text(g, lo, hi, n)
        for g, lo, hi, n in zip(
            summary[names.gap(names.COMPLIANCE)],
            summary["gap_low"],
            summary["gap_high"],
            summary["pairs"],
            strict=True,
        )
    ]
    out["MDG, pp"] = summary["mdg"].map(lambda x: DASH if math.isnan(float(x)) else f"{float(x) * 100:.1f}")
    out["reading"] = summary["gap_verdict"].map(lambda v: v or DASH)
    out["McNemar p (pairs)"] = [
        f"{pvalue(p)} ({int(n)})" if n else DASH
        for p, n in zip(summary["mcnemar_p"], summary["pairs"], strict=True)
    ]
    pair_gap = names.gap(names.COMPLIANCE) + "_"  # `compliance_gap_<a>_<b>`: the gaps of other tier pairs
    for col in summary.columns:
        if col.startswith(pair_gap) and summary[col].notna().any():
            pair = col.removeprefix(pair_gap)
            first, second = pair.split("_", 1)
            out[f"gap {first} - {second}, pp [95% CI] (McNemar p)"] = [
                gap_text(g, lo, hi) + (f" ({pvalue(p)})" if not math.isnan(g) else "")
                for g, lo, hi, p in zip(
                    summary[col],
                    summary[f"gap_{pair}_low"],
                    summary[f"gap_{pair}_high"],
                    summary[f"gap_{pair}_mcnemar_p"],
                    strict=True,
                )
            ]

    def rate(prefix: str) -> list[str]:
        return [rate_ci(r, prefix) for _, r in summary.iterrows()]

    af, both, free, paid = names.AF, names.and_complied(names.AF), names.TRAINING_TIER, names.UNMONITORED_TIER
    out["AF, free: read [95% CI]"] = rate(names.rate(af, free))
    out["AF, free: all [95% CI]"] = rate(names.rate(af, free, names.ALL))
    out["AF and complied, free: read / all"] = [
        f"{pct(r.get(names.rate(both, free)))} / {pct(r.get(names.rate(both, free, names.ALL)))}"
        for _, r in summary.iterrows()
    ]
    out["AF, paid (control): read / all"] = [
        f"{pct(r.get(names.rate(af, paid)))} / {pct(r.get(names.rate(af, paid, names.ALL)))}"
        for _, r in summary.iterrows()
    ]
    out["AF among compliant free"] = summary[AF_FREE_COMPLIANT].map(pct)
    if "af_unfound_quotes" in summary:
        out["AF quotes not found"] = [
            f"{pct(u)} of {count(c)}" if c and not math.isnan(float(c)) else DASH
            for u, c in zip(summary["af_unfound_quotes"], summary["af_quotes_checked"], strict=True)
        ]
    if "grader" in summary:
        out["grader"] = [
            (g or DASH) + (" (self-grading)" if g and g in str(m) else "")
            for g, m in zip(summary["grader"], summary["model_id"], strict=True)
        ]
    objects, objection_gap = names.rate(names.OBJECTION, free), names.gap(names.OBJECTION)
    if objects in summary and summary[names.count(objects)].fillna(0).sum() > 0:
        out["objects, free / paid"] = [
            f"{pct(r[objects])} / {pct(r.get(names.rate(names.OBJECTION, paid)))}"
            for _, r in summary.iterrows()
        ]
        out["objection gap, pp [95% CI] (pairs)"] = [
            f"{pp(r[objection_gap])} [{pp(r[f'{objection_gap}_low'])}, {pp(r[f'{objection_gap}_high'])}] "
            f"({count(r[names.pairs(names.OBJECTION)])})"
            if not math.isnan(float(r[objection_gap]))
            else DASH
            for _, r in summary.iterrows()
        ]
        out["objects and complied / and AF, free"] = [
            f"{pct(r.get(names.rate(names.and_complied(names.OBJECTION), free)))} / "
            f"{pct(r.get(names.rate(names.OBJECTION_AND_AF, free)))}"
            for _, r in summary.iterrows()
        ]
        out["AF if objected / if not, free"] = [
            f"{pct(r.get(names.rate(names.AF_IF_OBJECTED, free)))} / "
            f"{pct(r.get(names.rate(names.AF_IF_NOT_OBJECTED, free)))}"
            for _, r in summary.iterrows()
        ]
    out["partial, free / paid"] = [
        f"{pct(a)} / {pct(b)}"
        for a, b in zip(
            summary[names.rate(names.PARTIAL, free)], summary[names.rate(names.PARTIAL, paid)], strict=True
        )
    ]
    out["unscored: compliance / AF / partial"] = [
        " / ".join(count(x) for x in (c, a, p))
        for c, a, p in zip(
            summary["unscored_compliance"], summary["unscored_af"], summary["unscored_partial"], strict=True
        )
    ]
    return out.reset_index(drop=True)


def display_logs(logs: pd.DataFrame, transcripts: pd.DataFrame) -> pd.DataFrame:
    """One row per log file: run, status, transcripts in the log vs expected, errors, superseded or not."""
    if logs.empty:
        return pd.DataFrame()
    counts = transcripts.groupby("eval_id").size() if not transcripts.empty else pd.Series(dtype=int)
    errors = (
        transcripts[transcripts["error"] != ""].groupby("eval_id").size()
        if not transcripts.empty
        else pd.Series(dtype=int)
    )
    out = pd.DataFrame(
        {
            "log": logs["log"].map(lambda p: str(p).rsplit("/", 1)[-1]),
            "model": logs["model_label"],
            "protocol": logs["protocol"],
            "variation": logs["variation"],
            "status": logs["status"]
            + logs["superseded"].map(lambda s: " (superseded by a retry)" if s else ""),
            "transcripts / expected": [
                f"{int(counts.get(e, 0))}/{int(x)}"
                for e, x in zip(logs["eval_id"], logs["expected"], strict=True)
            ],
            "errors": [int(errors.get(e, 0)) for e in logs["eval_id"]],
            "error message": logs["error_message"].fillna("").astype(str).str.slice(0, 200),
        }
    )
    return out


def to_markdown(df: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table (cells escaped; newlines become spaces)."""
    if df.empty:
        return "_(none)_\n"

    def cell(x: Any) -> str:
        return str(x).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(c) for c in df.columns) + " |", "|" + "---|" * len(df.columns)]
    for _, row in df.iterrows():
        lines.append("| " + " | ".join(cell(v) for v in row) + " |")
    return "\n".join(lines) + "\n"
