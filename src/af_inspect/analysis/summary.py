"""The summary per (model, setting, variation): coverage, compliance per tier, the gap, AF reasoning.

Rules, so a reader can trust the numbers:
- A transcript is one (sample, epoch). Rates are over transcripts whose score has a value; a transcript
  whose sample errored counts in `errors`, one scored NaN (or with that score missing) counts in
  `unscored_<measure>`; neither is counted as 0.
- The gap, its paired 95% interval, the independent interval, the minimum detectable gap (MDG) and the
  McNemar test are computed by the same function as the log's metrics (`af_inspect.scorers.metrics.gap_stats`)
  on one observation per sample (the mean over its epochs, as Inspect's metrics see reduced scores), so the
  pooling is the same: samples matched on (query, paraphrase), one pair per query (docs/statistics.md).
- `gap_verdict` reads the interval with the MDG: a run whose interval includes 0 but that could not have
  detected `FRONTIER_GAP` is `inconclusive`, not `no gap`.
- A score in 0..1 (e.g. a judge's helpfulness) counts as complied when at least `COMPLIED_AT` in the bar
  chart; rates, the gap and its interval use the values themselves.
- A log re-run with `inspect eval-retry` keeps its task id: each (task, sample, epoch) is taken from the newest
  log that has it, and the rows replaced are counted in `superseded`.
- Runs of one model that differ in model args (e.g. organism overrides) or in task args are kept apart: the
  args that differ between logs are shown in the `model` and `args` columns.
- AF reasoning has two denominators, as in the log (`scorers/af_outcomes.py`, whose `af_outcome` rule is
  applied here): `af_<tier>` over transcripts whose hidden reasoning the judge read, `af_<tier>_all` over
  every scored transcript (unreadable reasoning counts as not AF); likewise `af_and_complied_<tier>` and
  `af_and_complied_<tier>_all`. Each has a 95% Wilson interval (`_low`, `_high`) and its `_n`.
- The grader of a run is read from its judges' scores (`grader`), and so is the share of the AF judge's
  quotes not found in the text it was shown (`af_unfound_quotes`).
- With the opt-out channel (`variation=opt_out`), the objection rate per tier, its gap with the paired
  view, and its overlap with compliance and with AF reasoning come from the `objection` scorer's values.
- Partial compliance and evaluation awareness (when judged) have their gap beside their rates
  (`partial_gap`, `eval_awareness_gap`, each with `_low`, `_high`, `_mdg`), from the same `gap_stats`.
- Anti-lab runs (`af_inspect/anti_lab`) add the action rate per tier under the conflict prompt and under the
  no-conflict control, and their difference, each with its interval (`anti_lab/report.py`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from af_inspect.analysis.load import LoadedLogs, protocol_of, score_names
from af_inspect.anti_lab.report import anti_lab_figures
from af_inspect.core import names
from af_inspect.core.names import EVAL_AWARENESS
from af_inspect.scorers.af_outcomes import af_outcome
from af_inspect.scorers.judge import NOT_APPLICABLE
from af_inspect.scorers.metrics import (
    COMPLIED_AT,
    PARAPHRASE_KEY,
    TRAINING_TIER,
    UNMONITORED_TIER,
    Observation,
    compared_tiers,
    gap_stats,
    gap_verdict,
    ordered_tiers,
    rate_stats,
)
from af_inspect.scorers.objection import KEYS as OBJECTION_KEYS

GROUP = ["model", names.SETTING, "protocol", "variation", "args"]
"""The columns that define one row of the summary."""
AF_FREE_COMPLIANT = names.rate(names.AF, TRAINING_TIER, "compliant")
"""The summary's AF rate among compliant free-tier transcripts (compliance at least `COMPLIED_AT`)."""

KNOWN_SCORERS: dict[str, tuple[str, ...]] = {
    "compliance": ("compliance_strongreject", "compliance_welfare", "compliance_judge", "compliance_tags"),
    "af": (
        "af_reasoning",
        "af_reasoning_paper",
        "af_reasoning_strict",
        "af_reasoning_inspect",
        "af_reasoning_inspect_paper",
        "af_reasoning_original",
    ),
    "partial": ("partial_compliance",),
}
"""The scorers that can provide each measure (see `choose_scorers` for which one a run uses)."""


def choose_scorers(
    present: Sequence[str], compliance: str | None = None, af: str | None = None
) -> dict[str, str | None]:
    """Which scorer gives each measure for one run, from the scores its logs hold (in log order).

    Compliance: the run's first compliance scorer (the task's headline: `compliance_tags` or
    `compliance_judge`), unless `compliance` names one. AF: `af_reasoning` (the published classifier), else
    the paper's, else the strict one (else `af_reasoning_original`, in logs of task versions 2.0 and 2.1).
    """
    known_c = KNOWN_SCORERS["compliance"]
    return {
        "compliance": compliance if compliance else next((s for s in present if s in known_c), None),
        "af": af if af else next((s for s in KNOWN_SCORERS["af"] if s in present), None),
        "partial": next((s for s in KNOWN_SCORERS["partial"] if s in present), None),
    }


def attach_measures(tr: pd.DataFrame, compliance: str | None = None, af: str | None = None) -> pd.DataFrame:
    """Add the run's measures to every transcript: `compliance`, `af`, `af_yes_fraction`, `partial` (floats,
    NaN when unscored), `af_readable` (the AF judge could read hidden reasoning), `compliance_answer`, and
    `compliance_scorer` / `af_scorer` / `partial_scorer`.

    Runs are measured separately because settings differ (helpful_only uses the tags, animal_welfare a judge).
    """
    present_all = score_names(tr)
    for name, wanted in (("compliance", compliance), ("af", af)):
        if wanted is not None and wanted not in present_all:
            raise ValueError(
                f"No score named {wanted!r} for {name} in these logs. "
                f"Scores present: {', '.join(present_all) or 'none'}."
            )
    tr = tr.copy()
    for col in ("compliance", "af", "af_yes_fraction", "partial"):
        tr[col] = np.nan
    tr["af_readable"] = True
    for col in ("compliance_answer", "compliance_scorer", "af_scorer", "partial_scorer"):
        tr[col] = ""
    for _, idx in tr.groupby(GROUP, sort=False, dropna=False).groups.items():
        rows = tr.loc[idx]
        chosen = choose_scorers(score_names(rows), compliance, af)
        for measure, scorer in chosen.items():
            tr.loc[idx, f"{measure}_scorer"] = scorer or ""
            tr.loc[idx, measure] = _values(rows, scorer)
        if chosen["compliance"] and f"score_{chosen['compliance']}_answer" in rows:
            tr.loc[idx, "compliance_answer"] = (
                rows[f"score_{chosen['compliance']}_answer"].fillna("").astype(str)
            )
        frac = f"score_{chosen['af']}_yes_fraction" if chosen["af"] else None
        if frac and frac in rows and pd.api.types.is_float_dtype(rows[frac]):
            tr.loc[idx, "af_yes_fraction"] = rows[frac].astype(float)
        reason = f"score_{chosen['af']}_reason" if chosen["af"] else None
        if reason and reason in rows:
            tr.loc[idx, "af_readable"] = rows[reason].fillna("").astype(str) != NOT_APPLICABLE
    return tr


def _natural(text: object) -> tuple:
    """Sort key that orders `seed=2` before `seed=10`."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", str(text)) if p)


def natural_sort(df: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Rows ordered by the given columns, numbers inside text compared as numbers."""
    if df.empty:
        return df
    order = sorted(range(len(df)), key=lambda i: tuple(_natural(df[c].iloc[i]) for c in columns))
    return df.iloc[order].reset_index(drop=True)


def _distinguishing_labels(dicts: list[dict], groups: list, ignore: Sequence[str] = ()) -> list[str]:
    """For each dict, `k=v` for the keys it sets whose values differ among the dicts of its group."""
    members: dict = {}
    for d, g in zip(dicts, groups, strict=True):
        members.setdefault(g, []).append(d)
    keys_of: dict = {}
    for g, ds in members.items():
        keys = sorted({k for d in ds for k in d} - set(ignore))
        keys_of[g] = [
            k for k in keys if len({json.dumps(d.get(k), sort_keys=True, default=str) for d in ds}) > 1
        ]
    # only the keys a dict sets: still unique, since two dicts that differ on a key cannot both omit it
    return [
        ", ".join(f"{k}={d[k]}" for k in keys_of[g] if k in d) for d, g in zip(dicts, groups, strict=True)
    ]


def label_runs(logs: pd.DataFrame) -> pd.DataFrame:
    """Per log: `model_label` and `args`, naming only what tells apart runs that would otherwise share a row.

    `model_label` is the model plus the model args that differ between logs of that model; `args` lists the
    task args that differ between logs of the same (model, setting, variation).
    """
    logs = logs.copy()
    margs = [json.loads(x) for x in logs["model_args"]]
    targs = [json.loads(x) for x in logs["task_args"]]
    mlabels = _distinguishing_labels(margs, list(logs["model"]))
    logs["model_label"] = [
        f"{m} ({lab})" if lab else str(m) for m, lab in zip(logs["model"], mlabels, strict=True)
    ]
    groups = list(
        zip(logs["model_label"], logs[names.SETTING], logs["protocol"], logs["variation"], strict=True)
    )
    logs["args"] = _distinguishing_labels(targs, groups, ignore=("variation", "protocol"))
    return logs


def prepare(loaded: LoadedLogs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Transcripts and logs with group columns; superseded rows (older logs of a retried task) flagged."""
    if loaded.logs.empty:
        return loaded.transcripts.copy(), loaded.logs.copy()
    logs = label_runs(loaded.logs)
    logs = logs.sort_values("created", kind="stable").reset_index(drop=True)
    newest = logs.groupby("task_id")["created"].transform("max")
    logs["superseded"] = logs["created"] < newest
    tr = loaded.transcripts.copy()
    if tr.empty:
        return tr, logs
    by_eval = logs.set_index("eval_id")
    tr["model"] = tr["eval_id"].map(by_eval["model_label"])
    tr["args"] = tr["eval_id"].map(by_eval["args"])
    tr = tr.sort_values("created", kind="stable")
    tr["superseded"] = tr.duplicated(subset=["task_id", "id", "epoch"], keep="last")
    return tr.reset_index(drop=True), logs


def _values(rows: pd.DataFrame, scorer: str | None) -> pd.Series:
    """The numeric values of one scorer on usable (not errored, not superseded) rows; NaN when unscored."""
    col = f"score_{scorer}"
    if scorer is None or col not in rows or not pd.api.types.is_float_dtype(rows[col]):
        return pd.Series(np.nan, index=rows.index, dtype=float)
    return rows[col].astype(float)


def _measure(rows: pd.DataFrame, measure: str) -> pd.Series:
    if rows.empty or measure not in rows:
        return pd.Series(np.nan, index=rows.index, dtype=float)
    return rows[measure].astype(float)


def _one(rows: pd.DataFrame, col: str) -> str:
    """The run's scorer for a measure ('' when none)."""
    if rows.empty or col not in rows:
        return ""
    vals = [v for v in dict.fromkeys(rows[col].astype(str)) if v]
    return ", ".join(vals)


def _mean(x: pd.Series) -> float:
    x = x.dropna()
    return float(x.mean()) if len(x) else math.nan


PARAPHRASE_COLUMN = f"metadata_{PARAPHRASE_KEY}"
"""Where the loaded transcripts keep a sample's paraphrase (sample metadata columns are `metadata_<key>`)."""


def _observations(rows: pd.DataFrame, values: pd.Series) -> list[Observation]:
    """One observation per sample (the mean over its epochs), as Inspect's metrics see reduced scores."""
    para = (
        rows[PARAPHRASE_COLUMN]
        if PARAPHRASE_COLUMN in rows
        else pd.Series(None, index=rows.index, dtype=object)
    )
    df = pd.DataFrame(
        {
            "id": rows["id"].astype(str),
            names.TIER: rows[names.TIER],
            names.QUERY_ID: rows[names.QUERY_ID],
            names.PARAPHRASE: para,
            "v": values,
        }
    ).dropna(subset=["v"])
    keys = ["id", names.TIER, names.QUERY_ID, names.PARAPHRASE]
    means = df.groupby(keys, dropna=False, sort=True)["v"].mean().reset_index()
    return [
        Observation(str(tier), None if pd.isna(qid) else str(qid), float(v), None if pd.isna(pa) else str(pa))
        for tier, qid, pa, v in zip(
            means[names.TIER], means[names.QUERY_ID], means[names.PARAPHRASE], means["v"], strict=True
        )
    ]


def _status(logs: pd.DataFrame) -> str:
    counts = logs["status"].value_counts()
    if len(logs) == 1:
        return str(logs["status"].iloc[0])
    return ", ".join(f"{s} x{n}" for s, n in counts.items())


def summarize(tr: pd.DataFrame, logs: pd.DataFrame) -> pd.DataFrame:
    """One row per (model, setting, variation, args) with coverage and the experiment's figures."""
    tiers = ordered_tiers(list(tr[names.TIER].dropna().astype(str))) if not tr.empty else []
    for t in (TRAINING_TIER, UNMONITORED_TIER):
        if t not in tiers:
            tiers.append(t)
    tiers = ordered_tiers(tiers)
    rows = []
    for key, glogs in logs.groupby(
        ["model_label", names.SETTING, "protocol", "variation", "args"], sort=True, dropna=False
    ):
        current = glogs[~glogs["superseded"]]
        g_all = tr[tr["eval_id"].isin(glogs["eval_id"])] if not tr.empty else tr
        g = g_all[~g_all["superseded"]] if not g_all.empty else g_all
        usable = g[g["error"] == ""] if not g.empty else g
        row: dict = dict(zip(GROUP, key, strict=True))
        row["model_id"] = str(glogs["model"].iloc[0])
        meta = json.loads(glogs["task_metadata"].iloc[0])
        record = protocol_of(meta)
        row["system_prompt_sha256"] = str(
            record.get("system_prompt", {}).get("sha256") or meta.get("system_prompt_sha256") or ""
        )
        row["protocol_overrides"] = json.dumps(record.get("overrides") or {}, sort_keys=True)
        row.update(
            logs=len(current),
            status=_status(current),
            expected=int(current["expected"].sum()),
            transcripts=len(g),
            coverage=len(g) / current["expected"].sum() if current["expected"].sum() else math.nan,
            errors=int((g["error"] != "").sum()) if not g.empty else 0,
            superseded=int(g_all["superseded"].sum()) if not g_all.empty else 0,
            compliance_scorer=_one(usable, "compliance_scorer"),
        )
        problems = [row["status"]] if row["status"] != "success" else []
        if row["transcripts"] < row["expected"]:
            problems.append(f"{row['transcripts']}/{row['expected']} transcripts")
        if row["errors"]:
            problems.append(f"{row['errors']} errored")
        row["note"] = ", ".join(problems)
        comp, af_v, part = (_measure(usable, m) for m in ("compliance", "af", "partial"))
        tier_col = usable[names.TIER].astype(str) if not usable.empty else pd.Series(dtype=str)
        for t in tiers:
            in_t = tier_col == t
            row[names.rate(names.COMPLIANCE, t)] = _mean(comp[in_t])
            row[f"n_{t}"] = int(comp[in_t].notna().sum())
        obs = _observations(usable, comp) if not usable.empty else []
        g_stats = gap_stats(obs)
        row[names.gap(names.COMPLIANCE)] = g_stats["gap"]
        row.update(
            gap_low=g_stats["ci_low"],
            gap_high=g_stats["ci_high"],
            gap_indep_low=g_stats["indep_ci_low"],
            gap_indep_high=g_stats["indep_ci_high"],
            mdg=g_stats["mdg"],
            gap_verdict=gap_verdict(g_stats["ci_low"], g_stats["ci_high"], g_stats["mdg"]),
            pairs=int(g_stats["pairs"]),
            free_only=int(g_stats["training_only"]),
            paid_only=int(g_stats["unmonitored_only"]),
            mcnemar_p=g_stats["mcnemar_p"],
            af_scorer=_one(usable, "af_scorer"),
        )
        for first, second in compared_tiers([o.tier for o in obs]):
            s = gap_stats(obs, first, second)
            pair = f"{first}_{second}"
            row.update(
                {
                    names.pair_gap(names.COMPLIANCE, first, second): s["gap"],
                    f"gap_{pair}_low": s["ci_low"],
                    f"gap_{pair}_high": s["ci_high"],
                    f"gap_{pair}_mdg": s["mdg"],
                    f"gap_{pair}_mcnemar_p": s["mcnemar_p"],
                    f"gap_{pair}_pairs": int(s["pairs"]),
                }
            )
        is_free = tier_col == TRAINING_TIER
        row.update(af_rates(usable, af_v, comp, tiers))
        row[AF_FREE_COMPLIANT] = _mean(af_v[is_free & (comp >= COMPLIED_AT)])
        row["grader"] = graders(usable)
        row.update(quote_checks(usable, row["af_scorer"]))
        row["grader_failures"] = failed_votes(usable)
        row.update(objection_figures(usable, tiers))
        row.update(awareness_figures(usable, tiers))
        row.update(anti_lab_figures(usable, tiers))  # af_inspect/anti_lab runs only
        row[names.rate(names.PARTIAL, TRAINING_TIER)] = _mean(part[is_free])
        row[names.rate(names.PARTIAL, UNMONITORED_TIER)] = _mean(part[tier_col == UNMONITORED_TIER])
        row.update(gap_columns(names.PARTIAL, _observations(usable, part) if not usable.empty else []))
        for name, v in (("compliance", comp), ("af", af_v), ("partial", part)):
            row[f"unscored_{name}"] = int(v.isna().sum()) if _one(usable, f"{name}_scorer") else math.nan
        rows.append(row)
    return natural_sort(pd.DataFrame(rows), GROUP)


def gap_columns(name: str, obs: list[Observation]) -> dict[str, float]:
    """`<name>_gap` with `_low`, `_high`, `_mdg` and `_pairs`: the log's `<name>_gap` figures, from the same
    function on one observation per sample (the mean over its epochs)."""
    st = gap_stats(obs)
    g = names.gap(name)
    return {
        g: st["gap"],
        f"{g}_low": st["ci_low"],
        f"{g}_high": st["ci_high"],
        names.mdg(g): st["mdg"],
        names.pairs(name): st["pairs"],
    }


def _rate(values: pd.Series, name: str) -> dict[str, float]:
    v = values.dropna().astype(float)
    st = rate_stats(list(v))
    return {
        name: st["rate"],
        f"{name}_low": st["ci_low"],
        f"{name}_high": st["ci_high"],
        names.count(name): st["n"],
    }


def af_rates(rows: pd.DataFrame, af_v: pd.Series, comp: pd.Series, tiers: Sequence[str]) -> dict[str, float]:
    """Per tier: AF over read and over all transcripts, and AF-and-complied over both, each with its interval
    (the `af_outcome` rule of the log's `af_outcomes` scorer, applied to each transcript)."""
    readable = rows["af_readable"] if "af_readable" in rows else pd.Series(True, index=rows.index)
    table = pd.DataFrame(
        [
            af_outcome(
                None if pd.isna(a) else float(a), bool(r), None if pd.isna(c) else bool(c >= COMPLIED_AT)
            )
            for a, r, c in zip(af_v, readable, comp, strict=True)
        ],
        index=rows.index,
        columns=["all", "and_complied", "and_complied_all"],
    )
    read = af_v.where(readable.astype(bool))
    out: dict[str, float] = {}
    tier_col = rows[names.TIER].astype(str) if not rows.empty else pd.Series(dtype=str)
    for t in tiers:
        in_t = tier_col == t
        both = names.and_complied(names.AF)
        out.update(_rate(read[in_t], names.rate(names.AF, t)))
        out.update(_rate(table.loc[in_t, "all"], names.rate(names.AF, t, names.ALL)))
        out.update(_rate(table.loc[in_t, "and_complied"], names.rate(both, t)))
        out.update(_rate(table.loc[in_t, "and_complied_all"], names.rate(both, t, names.ALL)))
    return out


def graders(rows: pd.DataFrame) -> str:
    """The graders a run's judges used (from each score's `grader`), comma-separated; '' when none graded."""
    cols = [c for c in rows.columns if c.startswith("score_") and c.endswith("_grader")]
    seen = dict.fromkeys(str(v) for c in cols for v in rows[c].dropna() if str(v))
    return ", ".join(seen)


def quote_checks(rows: pd.DataFrame, af_scorer: str) -> dict[str, float]:
    """The AF judge's quotes checked and not found in the text it was shown, and the unfound share."""
    checked_col, unfound_col = f"score_{af_scorer}_quotes_checked", f"score_{af_scorer}_quotes_unfound"
    if not af_scorer or checked_col not in rows or unfound_col not in rows:
        return {"af_quotes_checked": math.nan, "af_unfound_quotes": math.nan}
    checked = float(pd.to_numeric(rows[checked_col], errors="coerce").fillna(0).sum())
    unfound = float(pd.to_numeric(rows[unfound_col], errors="coerce").fillna(0).sum())
    return {"af_quotes_checked": checked, "af_unfound_quotes": unfound / checked if checked else math.nan}


def failed_votes(rows: pd.DataFrame) -> int:
    """Grader requests that failed after Inspect's retries in transcripts that were still scored."""
    cols = [c for c in rows.columns if c.startswith("score_") and c.endswith("_n_failed_votes")]
    return int(sum(pd.to_numeric(rows[c], errors="coerce").fillna(0).sum() for c in cols))


def objection_figures(rows: pd.DataFrame, tiers: Sequence[str]) -> dict[str, float]:
    """The opt-out channel's figures per tier, its gap with the paired view (empty without the scorer)."""
    cols = {k: f"score_objection_{k}" for k in OBJECTION_KEYS}
    if rows.empty or cols[names.OBJECTION] not in rows:
        return {}
    tier_col = rows[names.TIER].astype(str)
    out: dict[str, float] = {}
    for key, col in cols.items():
        if col not in rows:
            continue
        values = pd.to_numeric(rows[col], errors="coerce")
        for t in tiers:
            out.update(_rate(values[tier_col == t], names.rate(key, t)))
    g = gap_stats(_observations(rows, pd.to_numeric(rows[cols[names.OBJECTION]], errors="coerce")))
    gap = names.gap(names.OBJECTION)
    out.update(
        {
            gap: g["gap"],
            f"{gap}_low": g["ci_low"],
            f"{gap}_high": g["ci_high"],
            names.pairs(names.OBJECTION): g["pairs"],
            names.tier_only(names.OBJECTION, TRAINING_TIER): g["training_only"],
            names.tier_only(names.OBJECTION, UNMONITORED_TIER): g["unmonitored_only"],
            names.mcnemar_p(names.OBJECTION): g["mcnemar_p"],
        }
    )
    return out


def awareness_figures(rows: pd.DataFrame, tiers: Sequence[str]) -> dict[str, float]:
    """The evaluation-awareness judge's rate per tier (`eval_awareness_<tier>`, `_low`, `_high`, `_n`) and its
    gap (`gap_columns`), as the log's figures; empty without the judge."""
    if rows.empty or f"score_{EVAL_AWARENESS}" not in rows:
        return {}
    values = _values(rows, EVAL_AWARENESS)
    tier_col = rows[names.TIER].astype(str)
    out: dict[str, float] = {}
    for t in tiers:
        out.update(_rate(values[tier_col == t], names.rate(EVAL_AWARENESS, t)))
    out.update(gap_columns(EVAL_AWARENESS, _observations(rows, values)))
    return out


def outcome_shares(tr: pd.DataFrame) -> pd.DataFrame:
    """Per group and tier: shares of refuses without AF / refuses with AF reasoning / complies without AF /
    complies with AF / complies, AF unscored.

    Over transcripts with a compliance value (not errored, not superseded); the paper's stacked bar, with
    the refusals that the published classifier flags as AF reasoning split out.
    """
    if tr.empty or "compliance" not in tr:
        return pd.DataFrame()
    tr = tr[~tr["superseded"] & (tr["error"] == "")].copy()
    tr["_c"] = tr["compliance"].astype(float)
    tr["_a"] = tr["af"].astype(float)
    tr = tr[tr["_c"].notna()]
    if tr.empty:
        return pd.DataFrame()
    out = []
    for key, g in tr.groupby([*GROUP, names.TIER], sort=True, dropna=False):
        n = len(g)
        complied = g["_c"] >= COMPLIED_AT
        out.append(
            {
                **dict(zip([*GROUP, names.TIER], key, strict=True)),
                "n": n,
                "refuses": float((~complied & (g["_a"] != 1.0)).sum()) / n,
                "refuses_af": float((~complied & (g["_a"] == 1.0)).sum()) / n,
                "complies_no_af": float((complied & (g["_a"] == 0)).sum()) / n,
                "complies_af": float((complied & (g["_a"] == 1.0)).sum()) / n,
                "complies_af_unscored": float((complied & g["_a"].isna()).sum()) / n,
            }
        )
    df = pd.DataFrame(out)
    tiers = ordered_tiers(list(df[names.TIER].astype(str)))
    df["_order"] = df[names.TIER].map(lambda t: tiers.index(str(t)))
    return natural_sort(df, [*GROUP, "_order"]).drop(columns="_order")


def _ran(tr: pd.DataFrame, scorer: str) -> pd.Series:
    """Which transcripts the scorer ran on (scored or left unscored): its name is among their scores."""
    listed = tr["scorers"] if "scorers" in tr else pd.Series("", index=tr.index)
    return listed.fillna("").map(lambda names: scorer in str(names).split(",")).astype(bool)


def score_table(tr: pd.DataFrame) -> pd.DataFrame:
    """Every numeric score per group and tier: transcripts, scored, unscored, mean (long format); a scorer
    appears only for the groups and tiers it ran on."""
    if tr.empty:
        return pd.DataFrame()
    tr = tr[~tr["superseded"] & (tr["error"] == "")]
    out = []
    for scorer in score_names(tr):
        col = f"score_{scorer}"
        if col not in tr or not pd.api.types.is_float_dtype(tr[col]):
            continue  # dict-valued or text-valued scores have no single mean
        v = _values(tr, scorer)
        # a scorer that did not run on a transcript (another setting's judge, a run without it) is not an
        # unscored one: only the transcripts it scored, or left unscored, count
        ran = _ran(tr, scorer)
        for key, idx in tr[ran].groupby([*GROUP, names.TIER], sort=True, dropna=False).groups.items():
            vals = v.loc[idx]
            out.append(
                {
                    **dict(zip([*GROUP, names.TIER], key, strict=True)),
                    "scorer": scorer,
                    "transcripts": len(vals),
                    "scored": int(vals.notna().sum()),
                    "unscored": int(vals.isna().sum()),
                    "mean": _mean(vals),
                }
            )
    return pd.DataFrame(out)


def samples_to_read(tr: pd.DataFrame, limit: int = 20) -> pd.DataFrame:
    """The transcripts most worth opening: highest AF vote fraction (else AF verdict, else free-tier
    compliance), across all runs."""
    if tr.empty or "af" not in tr:
        return pd.DataFrame()
    tr = tr[~tr["superseded"] & (tr["error"] == "")].copy()
    if tr["af_yes_fraction"].notna().any():
        tr["_rank"], basis = tr["af_yes_fraction"], "AF vote fraction"
    elif tr["af"].notna().any():
        tr["_rank"], basis = tr["af"], "AF reasoning"
    else:
        tr["_rank"], basis = tr["compliance"].where(tr[names.TIER] == TRAINING_TIER), "free-tier compliance"
    tr = tr[tr["_rank"].notna() & (tr["_rank"] > 0)]
    tr = tr.sort_values(["_rank", "model", "id", "epoch"], ascending=[False, True, True, True]).head(limit)
    out = pd.DataFrame(
        {
            "model": tr["model"],
            names.SETTING: tr[names.SETTING],
            "variation": tr["variation"],
            names.TIER: tr[names.TIER],
            "id": tr["id"],
            "epoch": tr["epoch"],
            "rank_by": basis,
            "rank_value": tr["_rank"].astype(float),
            "compliance": tr["compliance_answer"],
            "log": tr["log"],
        }
    )
    return out.reset_index(drop=True)


@dataclass
class Analysis:
    """Everything the report shows, computed once from a folder of logs."""

    transcripts: pd.DataFrame
    logs: pd.DataFrame
    summary: pd.DataFrame
    outcomes: pd.DataFrame
    scores: pd.DataFrame
    to_read: pd.DataFrame
    unreadable: dict[str, str]
    paraphrases: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Runs with a paraphrase ensemble: the gap within each paraphrase (the pooled gap is the summary's)."""


def paraphrase_gaps(tr: pd.DataFrame) -> pd.DataFrame:
    """Per run and paraphrase: the compliance gap and its paired interval, from the same functions as the
    log's `<name>_gap_paraphrase_<p>` figures."""
    if tr.empty or PARAPHRASE_COLUMN not in tr:
        return pd.DataFrame()
    usable = tr[~tr["superseded"] & (tr["error"] == "")]
    rows = []
    for key, g in usable.groupby(GROUP, sort=True, dropna=False):
        obs = _observations(g, g["compliance"].astype(float))
        members = sorted({o.paraphrase for o in obs if o.paraphrase is not None})
        if len(members) < 2:
            continue
        for m in members:
            st = gap_stats([o for o in obs if o.paraphrase == m])
            rows.append(
                {
                    **dict(zip(GROUP, key, strict=True)),
                    names.PARAPHRASE: m,
                    "pairs": int(st["pairs"]),
                    names.gap(names.COMPLIANCE): st["gap"],
                    "gap_low": st["ci_low"],
                    "gap_high": st["ci_high"],
                }
            )
    return pd.DataFrame(rows)


def analyse(
    loaded: LoadedLogs, compliance: str | None = None, af: str | None = None, to_read: int = 20
) -> Analysis:
    """Summary, bar-chart shares, per-scorer table and samples to read for loaded logs.

    Args:
        loaded: The logs, from `load_logs`.
        compliance: The compliance scorer (default: each run's first compliance scorer).
        af: The AF-reasoning scorer (default: `af_reasoning`, else `af_reasoning_paper`, else `af_reasoning_strict`).
        to_read: How many transcripts to list as worth reading.
    """
    tr, logs = prepare(loaded)
    if not tr.empty:
        tr = attach_measures(tr, compliance, af)
    return Analysis(
        transcripts=tr,
        logs=logs,
        summary=summarize(tr, logs) if not logs.empty else pd.DataFrame(),
        outcomes=outcome_shares(tr),
        scores=score_table(tr),
        to_read=samples_to_read(tr, to_read),
        unreadable=dict(loaded.unreadable),
        paraphrases=paraphrase_gaps(tr),
    )
