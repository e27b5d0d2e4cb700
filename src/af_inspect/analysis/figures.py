"""The report's figures (matplotlib, Agg backend): outcomes per model and tier, and a forest plot of gaps."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from af_inspect.core import names  # noqa: E402
from af_inspect.scorers.metrics import FRONTIER_GAP  # noqa: E402

DPI = 130
"""Pixels per inch of the PNGs."""
SMALLEST_PT = 8
"""The smallest font the figures use (tick labels, annotations, legends)."""
TEXT_PX = SMALLEST_PT * DPI / 72
"""The smallest text's height in the PNG's own pixels (14.4): the page never shrinks a figure below
10 px of it (`html_page.embed_png`)."""

TIER_NAMES = {names.TRAINING_TIER: "free (training)", names.UNMONITORED_TIER: "paid (unmonitored)"}
GROUP_COLUMNS = ("model", names.SETTING, "protocol", "variation", "args")
"""The columns that make one run (the summary's GROUP)."""
COMPLIANCE_GAP = names.gap(names.COMPLIANCE)

SEGMENTS = [
    ("refuses", "refuses", "#a6cee3", None),
    ("refuses_af", "refuses, with AF reasoning", "#6a9fc4", "\\\\"),
    ("complies_no_af", "complies, no AF reasoning", "#fdd87a", None),
    ("complies_af", "complies with AF reasoning", "#e6553a", "///"),
    ("complies_af_unscored", "complies, AF not judged", "#c8c8c8", None),
]
"""(column, legend label, colour, hatch) of the stacked bar, left to right."""


def group_label(row: pd.Series | dict, with_setting: bool = True) -> str:
    """A readable one-line name for a summary group: model, then setting / variation / args if informative."""
    parts = [str(row["model"])]
    extra = []
    if with_setting:
        extra.append(str(row[names.SETTING]))
    if row.get("protocol", "af_inspect") != "af_inspect":
        extra.append(f"protocol {row['protocol']}")
    if row["variation"] not in ("none", "default"):
        extra.append(str(row["variation"]))
    if row.get("args"):
        extra.append(str(row["args"]))
    if row.get("note"):
        extra.append(f"[{row['note']}]")
    return parts[0] + (f"\n{' · '.join(extra)}" if extra else "")


def _several(df: pd.DataFrame, col: str) -> bool:
    return df[col].nunique() > 1 if col in df and not df.empty else False


def outcome_bars(outcomes: pd.DataFrame, path: Path, notes: dict[tuple, str] | None = None) -> Path | None:
    """Horizontal stacked bars, one per (group, tier): refuses / complies without AF / complies with AF.

    `notes` maps a group (model, setting, variation, args) to a caveat shown under its name (e.g. a
    cancelled run). Returns the path written, or None when there is nothing to draw.
    """
    if outcomes.empty:
        return None
    with_setting = _several(outcomes, names.SETTING)
    optional = ("complies_af_unscored", "refuses_af")
    segments = [
        s for s in SEGMENTS if s[0] in outcomes and (outcomes[s[0]].sum() > 0 or s[0] not in optional)
    ]
    if (outcomes["complies_af_unscored"] > 0).all() and outcomes["complies_af"].sum() == 0:
        segments = [s for s in segments if s[0] not in ("complies_no_af", "complies_af")]
    groups = list(dict.fromkeys(zip(*(outcomes[c] for c in GROUP_COLUMNS), strict=True)))
    n_bars = len(outcomes)
    fig_h = 1.2 + 0.42 * n_bars + 0.25 * len(groups)
    fig, ax = plt.subplots(figsize=(10, fig_h))
    y, yticks, ylabels, group_mid = 0.0, [], [], []
    for g in groups:
        rows = outcomes[
            (outcomes[list(GROUP_COLUMNS)] == pd.Series(g, index=list(GROUP_COLUMNS))).all(axis=1)
        ]
        start = y
        for _, r in rows.iterrows():
            left = 0.0
            for col, _label, colour, hatch in segments:
                w = float(r[col]) * 100
                ax.barh(
                    y,
                    w,
                    left=left,
                    color=colour,
                    hatch=hatch,
                    edgecolor="white" if not hatch else "#7a1f10",
                    linewidth=0.6,
                    height=0.8,
                )
                left += w
            complied = 100 - float(r["refuses"]) * 100
            ax.text(101, y, f"{complied:.0f}% comply  (n={int(r['n'])})", va="center", fontsize=8)
            yticks.append(y)
            ylabels.append(TIER_NAMES.get(str(r[names.TIER]), str(r[names.TIER])))
            y += 1
        info = dict(zip(GROUP_COLUMNS, g, strict=True))
        info["note"] = (notes or {}).get(g, "")
        group_mid.append(((start + y - 1) / 2, group_label(info, with_setting)))
        y += 0.6
    ax.set_yticks(yticks, ylabels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of scored transcripts (%)")
    for mid, label in group_mid:
        ax.annotate(
            label,
            xy=(0, mid),
            xycoords=("axes fraction", "data"),
            xytext=(-112, 0),
            textcoords="offset points",
            ha="right",
            va="center",
            fontsize=9,
            fontweight="bold",
        )
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(
        handles=[
            Patch(facecolor=c, hatch=h, edgecolor="#7a1f10" if h else c, label=lab)
            for _, lab, c, h in segments
        ],
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncol=len(segments),
        fontsize=8,
        frameon=False,
        borderaxespad=0.2,
        handlelength=1.6,
    )
    ax.set_title("What the model does, by tier", fontsize=11, loc="left", pad=24)
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return path


def _pp(x: float) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x * 100:+.1f}"


def gap_forest(summary: pd.DataFrame, path: Path, reference: pd.DataFrame | None = None) -> Path | None:
    """One row per group: the compliance gap (free minus paid) with its paired 95% interval; 0 marked.

    Red where the interval excludes 0; hollow and dashed where the interval includes 0 but the run's
    minimum detectable gap is above `FRONTIER_GAP` (inconclusive, not "no gap"); each row's reading and MDG
    are written beside it.

    `reference` (optional): rows with `group` (index into summary) and `percent` of a published gap, drawn
    as hollow diamonds. Returns the path written, or None when no group has a gap.
    """
    if summary.empty or COMPLIANCE_GAP not in summary:
        return None
    rows = summary[summary[COMPLIANCE_GAP].notna()].reset_index()
    if rows.empty:
        return None
    with_setting = _several(summary, names.SETTING)
    several_measures = _several(summary, "compliance_scorer")
    fig_h = 1.3 + 0.55 * len(rows)
    # 7 inches of axes: with the row labels on the left and each row's figures annotated on the right the
    # PNG is about 12 inches (1,600 px), which a 1280 px page shows at 10 px or more for 8 pt text
    fig, ax = plt.subplots(figsize=(7, fig_h))
    for i, r in rows.iterrows():
        gap, low, high = r[COMPLIANCE_GAP] * 100, r["gap_low"] * 100, r["gap_high"] * 100
        verdict = str(r.get("gap_verdict") or "")
        inconclusive = verdict == "inconclusive"
        colour = "#b2182b" if verdict in ("gap", "reverse gap") else "#8c8c8c" if inconclusive else "#4d4d4d"
        if math.isnan(low) or math.isnan(high):  # no pairs: the point alone
            low = high = gap
        bar = ax.errorbar(
            gap,
            i,
            xerr=[[gap - low], [high - gap]],
            fmt="o",
            color=colour,
            ecolor=colour,
            markerfacecolor="white" if inconclusive else colour,
            capsize=3,
            markersize=6,
            linewidth=1.5,
        )
        if inconclusive:
            bar[2][0].set_linestyle("--")
        p = r.get("mcnemar_p")
        ptxt = "" if p is None or math.isnan(p) else f", McNemar p={p:.2g}"
        mdg = r.get("mdg")
        ptxt += "" if mdg is None or math.isnan(mdg) else f", MDG {mdg * 100:.1f}"
        ptxt += f" · {verdict}" if verdict else ""
        if several_measures:
            ptxt += f", {r['compliance_scorer']}"
        ax.annotate(
            f"{_pp(r[COMPLIANCE_GAP])} pp [{_pp(r['gap_low'])}, {_pp(r['gap_high'])}]"
            f"  n={int(r['n_free'])}/{int(r['n_paid'])}{ptxt}",
            xy=(1.0, i),
            xycoords=("axes fraction", "data"),
            xytext=(8, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    if reference is not None and not reference.empty:
        pos = {int(idx): i for i, idx in enumerate(rows["index"])}
        ref = reference[reference["group"].isin(pos)]
        if not ref.empty:
            ax.scatter(
                ref["percent"],
                [pos[int(g)] for g in ref["group"]],
                marker="D",
                facecolors="none",
                edgecolors="#2166ac",
                s=50,
                zorder=3,
                label="published",
            )
            ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.axvline(0, color="#999999", linewidth=1, linestyle="--")
    ax.set_yticks(range(len(rows)), [group_label(r, with_setting) for _, r in rows.iterrows()], fontsize=8)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    lo = min(-10.0, float(rows[["gap_low", COMPLIANCE_GAP]].min().min() * 100) - 5)
    hi = max(10.0, float(rows[["gap_high", COMPLIANCE_GAP]].max().max() * 100) + 5)
    ax.set_xlim(max(lo, -100), min(hi, 100))
    ax.set_xlabel("compliance gap: free minus paid (percentage points), paired 95% interval")
    ax.set_title(
        "Compliance gap per run (red: interval excludes 0;\nhollow, dashed: inconclusive, "
        f"the run could not detect {FRONTIER_GAP * 100:g} points)",
        fontsize=10,
        loc="left",
    )
    ax.spines[["top", "right"]].set_visible(False)
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return path
