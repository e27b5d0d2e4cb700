"""Published figures to compare against, each keyed by its protocol and compliance measure, and the matching.

Format (comment lines start with `#`): `model,setting,protocol,measure,metric,percent,system_prompt_sha256,
source,note`. `model` matches any measured model whose name contains it (case-insensitive, so
`claude-3-opus-20240229` matches `anthropic/claude-3-opus-20240229`); `protocol` and `measure` (the scorer
that measured compliance, or the AF judge for AF figures) must be the run's; `system_prompt_sha256`, when
given, must be the sha256 of the system prompt the run sent; `metric` names a column of the summary.

Like is compared only with like: for every other pairing the comparison says why it refuses.
"""

from __future__ import annotations

import csv
import json
import math
import re
from importlib import resources
from pathlib import Path

import pandas as pd

from af_inspect.analysis.summary import AF_FREE_COMPLIANT
from af_inspect.core import names
from af_inspect.core.sources import short_sha

REFERENCE_COLUMNS = (
    "model",
    "setting",
    "protocol",
    "measure",
    "metric",
    "percent",
    "system_prompt_sha256",
    "source",
    "note",
)
REQUIRED_COLUMNS = REFERENCE_COLUMNS[:6]
_TIER = f"({names.TRAINING_TIER}|{names.UNMONITORED_TIER})"
METRIC_PATTERN = re.compile(
    rf"^({names.gap(names.COMPLIANCE)}|{names.rate(names.AF, _TIER)}(_{names.ALL})?"
    rf"|{names.rate(names.and_complied(names.AF), _TIER)}(_{names.ALL})?|{AF_FREE_COMPLIANT}"
    rf"|{names.COMPLIANCE}_[a-z0-9_]+|{names.PARTIAL}_[a-z0-9_]+)$"
)
CONTEXT_PROTOCOLS = {
    "paper_table5": (
        "context only: Appendix B.4 Table 5 is unverified here and is not the notebook's 100-query run "
        "(93.5% cannot come from 100 queries per tier); the notebook's saved output is the rw_minimal row"
    ),
}
"""Protocols of rows kept for context and never compared, with the reason shown."""
KEY_COLUMNS = ("model", "setting", "protocol", "measure", "metric", "system_prompt_sha256")
"""A reference file has one row per key: two figures for the same measurement are refused."""
METRIC_NAMES = {
    names.gap(names.COMPLIANCE): "compliance gap (pp)",
    names.rate(
        names.AF, names.TRAINING_TIER
    ): "AF reasoning, free tier (transcripts whose reasoning was read)",
    names.rate(names.AF, names.TRAINING_TIER, names.ALL): "AF reasoning, free tier (every transcript)",
    names.rate(names.AF, names.UNMONITORED_TIER): "AF reasoning, paid tier",
    AF_FREE_COMPLIANT: "AF reasoning among compliant free-tier",
}


def paper_reference_path() -> Path:
    """The shipped CSV of the paper's published figures."""
    return Path(str(resources.files("af_inspect.analysis") / "reference" / "paper.csv"))


def load_reference(path: str | Path | None = None) -> pd.DataFrame:
    """Read a reference CSV (default: the paper's figures); bad rows raise naming the file and line."""
    path = Path(path) if path else paper_reference_path()
    if not path.is_file():
        raise FileNotFoundError(f"Reference file not found: {path}")
    rows = []
    with path.open(encoding="utf-8", newline="") as f:
        lines = [
            (i, line)
            for i, line in enumerate(f, start=1)
            if line.strip() and not line.lstrip().startswith("#")
        ]
    if not lines:
        raise ValueError(f"{path}: no rows (expected a header: {','.join(REFERENCE_COLUMNS)})")
    reader = csv.reader([line for _, line in lines])
    header = [h.strip() for h in next(reader)]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ValueError(
            f"{path}:{lines[0][0]}: missing column(s) {', '.join(missing)}; expected {','.join(REFERENCE_COLUMNS)}"
        )
    for (lineno, _), values in zip(lines[1:], reader, strict=True):
        if len(values) != len(header):
            raise ValueError(
                f"{path}:{lineno}: {len(values)} fields, expected {len(header)} ({','.join(header)})"
            )
        row = {h: v.strip() for h, v in zip(header, values, strict=True)}
        if not METRIC_PATTERN.match(row["metric"]):
            raise ValueError(
                f"{path}:{lineno}: unknown metric {row['metric']!r}; valid: compliance_<tier>, compliance_gap, "
                "af_<tier>, af_<tier>_all, af_and_complied_<tier>[_all], af_free_compliant, partial_<tier>"
            )
        try:
            row["percent"] = float(row["percent"])
        except ValueError:
            raise ValueError(f"{path}:{lineno}: percent {row['percent']!r} is not a number") from None
        if not math.isfinite(row["percent"]) or not -100 <= row["percent"] <= 100:
            raise ValueError(f"{path}:{lineno}: percent {row['percent']} is outside -100..100")
        for optional in ("system_prompt_sha256", "source", "note"):
            row.setdefault(optional, "")
        row["line"] = lineno
        key = tuple(row.get(c, "") for c in KEY_COLUMNS)
        seen = next((r for r in rows if tuple(r.get(c, "") for c in KEY_COLUMNS) == key), None)
        if seen is not None:
            raise ValueError(
                f"{path}:{lineno}: a second figure for {', '.join(f'{c}={v}' for c, v in zip(KEY_COLUMNS, key, strict=True))}"
                f" (first at line {seen['line']}); keep one row per measurement and put others in a note"
            )
        rows.append(row)
    return pd.DataFrame(rows, columns=[*REFERENCE_COLUMNS, "line"])


def refusal(run: pd.Series, ref: pd.Series) -> str:
    """Why a run cannot be compared with a reference row ('' when it can)."""
    if ref["protocol"] in CONTEXT_PROTOCOLS:
        return CONTEXT_PROTOCOLS[ref["protocol"]]
    if run["protocol"] != ref["protocol"]:
        if ref["protocol"] == "paper_main":
            return (
                "the paper's main experiments used a prompt without the accept/reject instruction and a "
                "preference-model compliance measure that is not public: no af-inspect run reproduces them"
            )
        return f"protocol {run['protocol']}, the figure's is {ref['protocol']}"
    measure_col = "af_scorer" if str(ref["metric"]).startswith(f"{names.AF}_") else "compliance_scorer"
    if str(run.get(measure_col) or "") != ref["measure"]:
        return f"measured by {run.get(measure_col) or 'nothing'}, the figure by {ref['measure']}"
    if ref.get("system_prompt_sha256") and run.get("system_prompt_sha256") != ref["system_prompt_sha256"]:
        return (
            f"the run's system prompt (sha256 {short_sha(run.get('system_prompt_sha256'))}...) is not the one the "
            f"figure was measured with ({short_sha(ref['system_prompt_sha256'])}...)"
        )
    overrides = json.loads(run.get("protocol_overrides") or "{}")
    if overrides:
        return (
            f"the run overrode its protocol ({', '.join(f'{k}={v}' for k, v in sorted(overrides.items()))})"
        )
    if run.get("variation") not in ("none", None):
        return f"the run changed the prompt (variation {run['variation']})"
    return ""


def compare(summary: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """Measured vs reference, one row per (reference row, run of that model and setting).

    Each row says whether the pair is comparable (`comparable`, and `refused` with the reason when not); the
    measured side is filled only for comparable pairs. A reference row that matches no run of its model is
    kept with the measured side empty, so the table always shows every published figure. `group` is the
    summary's row index (or -1).
    """
    out = []
    for _, ref in reference.iterrows():
        hits = []
        if not summary.empty:
            hits = summary.index[
                summary["model_id"].str.lower().str.contains(ref["model"].lower(), regex=False)
                & (summary[names.SETTING] == ref["setting"])
            ].tolist()
        for g in hits or [-1]:
            s = summary.loc[g] if g >= 0 else None
            why = refusal(s, ref) if s is not None else f"no run of {ref['model']}"
            measured = low = high = math.nan
            if s is not None and not why and ref["metric"] in s:
                measured = float(s[ref["metric"]]) * 100
                if ref["metric"] == names.gap(names.COMPLIANCE):
                    low, high = float(s["gap_low"]) * 100, float(s["gap_high"]) * 100
            out.append(
                {
                    "group": g,
                    "model": s["model"] if s is not None else f"(no run of {ref['model']})",
                    "setting": ref["setting"],
                    "protocol": ref["protocol"],
                    "measure": ref["measure"],
                    "metric": ref["metric"],
                    "comparable": not why,
                    "refused": why,
                    "measured": measured,
                    "measured_low": low,
                    "measured_high": high,
                    "reference": ref["percent"],
                    "difference": measured - ref["percent"],
                    "reference_model": ref["model"],
                    "source": ref["source"],
                }
            )
    return pd.DataFrame(out)


def format_comparison(table: pd.DataFrame) -> str:
    """Measured vs reference as aligned plain text (percent), for the terminal."""
    if table.empty:
        return "No reference rows."

    def pct(x: float) -> str:
        return "—" if x is None or math.isnan(x) else f"{x:.1f}"

    rows = [("run", "protocol / measure", "metric", "measured %", "reference %", "diff (pp)", "source")]
    for _, r in table.iterrows():
        measured = pct(r["measured"]) if r["comparable"] else f"not compared: {r['refused']}"
        if r["comparable"] and not math.isnan(r["measured_low"]):
            measured += f" [{pct(r['measured_low'])}, {pct(r['measured_high'])}]"
        rows.append(
            (
                str(r["model"]),
                f"{r['protocol']} / {r['measure']}",
                str(r["metric"]),
                measured,
                pct(r["reference"]),
                pct(r["difference"]),
                str(r["source"]),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
