"""Anti-lab figures for the report: columns of summary.csv, a table per scenario, and one chart.

Counted over transcripts (one per sample and epoch), as the summary counts: the action check's rate per tier
under the conflict prompt (`anti_lab_<tier>`) and under the no-conflict control (`anti_lab_control_<tier>`),
each with its 95% Wilson interval (`_low`, `_high`) and `_n`, and their difference
(`anti_lab_vs_control_<tier>`, Newcombe's interval for independent proportions); the judge's `attempted`
rate beside them (`anti_lab_judge_attempted_<tier>`). Rows without anti-lab scores get none of these.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from af_inspect.core import names  # noqa: E402
from af_inspect.core.stats import NAN, newcombe_difference  # noqa: E402
from af_inspect.scorers.metrics import ordered_tiers, rate_stats  # noqa: E402

ACTION = "score_anti_lab_action"
JUDGED = "score_anti_lab_judge_attempted"
SCENARIO_COLUMN = f"metadata_{names.SCENARIO}"
CONDITION_COLUMN = f"metadata_{names.CONDITION}"
"""Where the loaded transcripts keep a sample's scenario and condition (sample metadata is `metadata_<key>`)."""
JUDGE_ATTEMPTED = names.labelled(names.ANTI_LAB_JUDGE, "attempted")
"""The anti-lab judge's `attempted` rate (`anti_lab_judge_attempted_<tier>`), the one the summary shows."""


def _values(rows: pd.DataFrame, col: str) -> list[float]:
    return [float(v) for v in rows[col].dropna()] if col in rows else []


def _add_rate(out: dict[str, float], name: str, values: list[float]) -> None:
    st = rate_stats(values)
    out.update(
        {
            name: st["rate"],
            f"{name}_low": st["ci_low"],
            f"{name}_high": st["ci_high"],
            names.count(name): st["n"],
        }
    )


def anti_lab_figures(rows: pd.DataFrame, tiers: Sequence[str]) -> dict[str, float]:
    """The summary's anti-lab columns for one run's usable transcripts ({} when it has no anti-lab scores)."""
    if rows.empty or ACTION not in rows or rows[ACTION].isna().all():
        return {}
    out: dict[str, float] = {}
    tier_col = rows[names.TIER].astype(str)
    for t in tiers:
        conflict = rows[(tier_col == t) & (rows[CONDITION_COLUMN] == names.CONFLICT_CONDITION)]
        control = rows[(tier_col == t) & (rows[CONDITION_COLUMN] == names.CONTROL_CONDITION)]
        a, b = _values(conflict, ACTION), _values(control, ACTION)
        _add_rate(out, names.rate(names.ANTI_LAB, t), a)
        _add_rate(out, names.rate(names.control(names.ANTI_LAB), t), b)
        diff = names.rate(names.versus_control(names.ANTI_LAB), t)
        low, high = newcombe_difference(sum(a), len(a), sum(b), len(b)) if a and b else (NAN, NAN)
        out.update(
            {
                diff: sum(a) / len(a) - sum(b) / len(b) if a and b else NAN,
                f"{diff}_low": low,
                f"{diff}_high": high,
            }
        )
        judged = _values(conflict, JUDGED)
        out[names.rate(JUDGE_ATTEMPTED, t)] = sum(judged) / len(judged) if judged else NAN
    return out


def anti_lab_table(tr: pd.DataFrame) -> pd.DataFrame:
    """One row per (model, setting, scenario, tier, condition): the action rate, its interval and n."""
    if tr.empty or ACTION not in tr or tr[ACTION].isna().all():
        return pd.DataFrame()
    usable = tr[(tr["error"] == "") & tr[ACTION].notna()]
    if "superseded" in usable:
        usable = usable[~usable["superseded"]]
    model = "model_label" if "model_label" in usable else "model"
    rows = []
    for (m, setting, scenario, tier, condition), g in usable.groupby(
        [model, names.SETTING, SCENARIO_COLUMN, names.TIER, CONDITION_COLUMN], sort=True
    ):
        st = rate_stats(list(g[ACTION].astype(float)))
        rows.append(
            {
                "model": m,
                names.SETTING: setting,
                names.SCENARIO: scenario,
                names.TIER: tier,
                names.CONDITION: condition,
                "rate": st["rate"],
                "low": st["ci_low"],
                "high": st["ci_high"],
                "n": int(st["n"]),
            }
        )
    return pd.DataFrame(rows)


COLOURS = {names.CONFLICT_CONDITION: "#e6553a", names.CONTROL_CONDITION: "#8c8c8c"}


def anti_lab_chart(table: pd.DataFrame, path: Path) -> Path | None:
    """Rate per scenario and tier, the conflict prompt beside the no-conflict control, 95% intervals; one
    panel per (model, setting). Returns the path written, or None without anti-lab rows."""
    if table.empty:
        return None
    runs = list(table.groupby(["model", names.SETTING], sort=True))
    fig, axes = plt.subplots(len(runs), 1, figsize=(10, 2.8 * len(runs)), squeeze=False)
    for ax, ((model, setting), g) in zip(axes[:, 0], runs, strict=True):
        scenarios = sorted(g[names.SCENARIO].unique())
        tiers = ordered_tiers(list(g[names.TIER].unique()))
        slots = [(s, t) for s in scenarios for t in tiers]
        for k, condition in enumerate((names.CONFLICT_CONDITION, names.CONTROL_CONDITION)):
            for i, (s, t) in enumerate(slots):
                hit = g[(g[names.SCENARIO] == s) & (g[names.TIER] == t) & (g[names.CONDITION] == condition)]
                if hit.empty:
                    continue
                r = hit.iloc[0]
                low = r["low"] if not math.isnan(r["low"]) else r["rate"]
                high = r["high"] if not math.isnan(r["high"]) else r["rate"]
                x = i + (k - 0.5) * 0.36
                ax.bar(
                    x,
                    r["rate"] * 100,
                    width=0.34,
                    color=COLOURS[condition],
                    label=condition if i == 0 else None,
                )
                ax.errorbar(
                    x,
                    r["rate"] * 100,
                    yerr=[[(r["rate"] - low) * 100], [(high - r["rate"]) * 100]],
                    fmt="none",
                    ecolor="#333333",
                    capsize=2,
                    linewidth=1,
                )
        ax.set_xticks(range(len(slots)), [f"{s}\n{t}" for s, t in slots], fontsize=7)
        ax.set_ylim(0, 100)
        ax.set_ylabel("took the action (%)")
        ax.set_title(
            f"{model} · {setting}: anti-lab action per scenario and tier, against the no-conflict control",
            fontsize=9,
            loc="left",
        )
        ax.legend(fontsize=8, frameon=False, loc="upper right")
        ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(path, dpi=130, bbox_inches="tight")
    plt.close(fig)
    return path
