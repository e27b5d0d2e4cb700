"""Logs -> tidy tables: one row per transcript (`load_transcripts`) and one row per log (`load_logs`).

Both read through `inspect_ai.analysis` (`samples_df`, `evals_df`) from sample summaries, so a large folder
is read without loading every message. Every score found becomes columns, whatever the scorer:
`score_<name>` (the value; NaN when unscored or missing), `score_<name>_answer`, `_explanation`, `_reason`,
and one `score_<name>_<key>` per scalar entry of the score's metadata (e.g. `score_af_reasoning_yes_fraction`).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from inspect_ai.analysis import (
    EvalColumn,
    EvalInfo,
    EvalModel,
    EvalResults,
    EvalTask,
    SampleColumn,
    evals_df,
    samples_df,
)
from inspect_ai.log import list_eval_logs, read_eval_log

from af_inspect.core import names

DEFAULT_VARIATION = "none"
"""The variation of a run whose prompt is its protocol's, unchanged."""
DEFAULT_PROTOCOL = "af_inspect"
"""The protocol of logs that record none (task version 1)."""

_SECRET_HINTS = ("key", "token", "secret", "password")
_EVAL_FIELDS = {
    "eval_id",
    "run_id",
    "task_id",
    "log",
    "created",
    "task_name",
    "task_version",
    "model",
    "status",
}


def _json(x: Any) -> str:
    return json.dumps(x if x is not None else {}, sort_keys=True, default=str)


def _model_args(log: Any) -> str:
    args = {
        k: v for k, v in (log.eval.model_args or {}).items() if not any(h in k.lower() for h in _SECRET_HINTS)
    }
    return _json(args)


def _expected(log: Any) -> int:
    """Transcripts the run was asked for: selected samples x epochs."""
    ds = log.eval.dataset
    n = len(ds.sample_ids) if ds.sample_ids else (ds.samples or 0)
    return int(n) * int(log.eval.config.epochs or 1)


EVAL_COLUMNS: list[EvalColumn] = [
    *[c for c in [*EvalInfo, *EvalTask, *EvalModel, *EvalResults] if c.name in _EVAL_FIELDS],
    EvalColumn("error_message", path="error.message"),
    EvalColumn("task_metadata", path=lambda log: _json(log.eval.metadata)),
    EvalColumn("task_args", path=lambda log: _json(log.eval.task_args)),
    EvalColumn("model_args", path=_model_args),
    EvalColumn("expected", path=_expected),
    EvalColumn("epochs", path=lambda log: int(log.eval.config.epochs or 1)),
]
"""Per-log columns, also copied onto every transcript row."""


def _flat_scores(sample: Any) -> dict[str, Any]:
    """Each score's value, answer, explanation, reason and scalar metadata as flat columns."""
    out: dict[str, Any] = {}
    for name, score in (sample.scores or {}).items():
        value = score.value
        if isinstance(value, dict):
            for k, v in value.items():
                out[f"{name}_{k}"] = _scalar(v)
        else:
            out[name] = _scalar(value)
        for part in ("answer", "explanation", "reason"):
            text = getattr(score, part, None)
            if text is not None:
                out[f"{name}_{part}"] = str(text)
        for k, v in (score.metadata or {}).items():
            if isinstance(v, str | int | float | bool) and f"{name}_{k}" not in out:
                out[f"{name}_{k}"] = v
    return out


def _scalar(v: Any) -> Any:
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, int | float):
        return float(v)
    if v is None:
        return math.nan
    return str(v)


SAMPLE_COLUMNS: list[SampleColumn] = [
    SampleColumn("id", path="id", required=True, type=str),
    SampleColumn("epoch", path="epoch", required=True),
    SampleColumn("metadata_*", path="metadata"),
    SampleColumn("error", path="error", default=""),
    SampleColumn("limit", path="limit"),
    SampleColumn("total_time", path="total_time"),
    SampleColumn("message_count", path="message_count", default=None),
    SampleColumn("scorers", path=lambda s: ",".join(s.scores or {}), full=False),
    SampleColumn("score_*", path=_flat_scores, full=False),
]
"""Per-transcript columns (read from sample summaries, never the full messages)."""


@dataclass
class LoadedLogs:
    """What a log folder holds: transcripts, logs, and the files that could not be read."""

    transcripts: pd.DataFrame
    logs: pd.DataFrame
    unreadable: dict[str, str] = field(default_factory=dict)
    column_errors: list[str] = field(default_factory=list)


def find_log_files(path: str | os.PathLike[str]) -> list[str]:
    """Every Inspect log (.eval / .json) under a folder, or the one file given."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"No such log file or folder: {p}")
    if p.is_file():
        return [str(p)]
    return sorted(_local(info.name) for info in list_eval_logs(str(p), recursive=True))


def _local(uri: str) -> str:
    return uri.removeprefix("file://") if uri.startswith("file://") else uri


def _readable(paths: list[str]) -> tuple[list[str], dict[str, str]]:
    good, bad = [], {}
    for p in paths:
        try:
            read_eval_log(p, header_only=True)
            good.append(p)
        except Exception as e:  # noqa: BLE001 - any unreadable file is reported, not fatal
            bad[p] = f"{type(e).__name__}: {e}"
    return good, bad


def protocol_of(task_metadata: dict[str, Any]) -> dict[str, Any]:
    """The protocol record of a run (`tasks.py`), or the default protocol's name for older logs."""
    record = task_metadata.get("protocol")
    return record if isinstance(record, dict) else {"name": DEFAULT_PROTOCOL}


def variation_of(task_name: str, task_metadata: dict[str, Any], task_args: dict[str, Any]) -> str:
    """A run's variation: what differs from its protocol's prompt (`none` when nothing does).

    Read from the task metadata's `prompt_label` (e.g. `cut_rlhf+no_scratchpad`); for older logs from the
    task name (`<setting>+<label>`), else the metadata's `variations`, else the `variation` task arg; a run
    whose system prompt came from a user's file under the default protocol is `file:<name>`.
    """
    if "prompt_label" in task_metadata:
        label = str(task_metadata["prompt_label"] or "")
        source = str(task_metadata.get("system_prompt_source") or "")
        own_file = bool(source) and not source.startswith("builtin")
        if not label and own_file and protocol_of(task_metadata).get("name") == DEFAULT_PROTOCOL:
            return f"file:{Path(source).name}"
        return label or DEFAULT_VARIATION
    setting = str(task_metadata.get(names.SETTING) or "")
    if setting and task_name.startswith(f"{setting}+"):
        return task_name[len(setting) + 1 :]
    v = task_metadata.get("variations") or task_metadata.get("variation") or task_args.get("variation")
    if isinstance(v, list | tuple):
        v = "+".join(str(x) for x in v)
    if v:
        return str(v)
    source = str(task_metadata.get("system_prompt_source") or "")
    if source and not source.startswith("builtin"):
        return f"file:{Path(source).name}"
    return DEFAULT_VARIATION


def _derive(df: pd.DataFrame) -> pd.DataFrame:
    """Setting, protocol and variation of each row, from its task's name, metadata and args."""
    if df.empty:
        return df
    meta = [json.loads(x) for x in df["task_metadata"]]
    args = [json.loads(x) for x in df["task_args"]]
    tasks = df["task_name"].astype(str)
    df[names.SETTING] = [m.get(names.SETTING) or n.split("+")[0] for m, n in zip(meta, tasks, strict=True)]
    df["protocol"] = [str(protocol_of(m).get("name")) for m in meta]
    df["variation"] = [variation_of(n, m, a) for n, m, a in zip(tasks, meta, args, strict=True)]
    return df


def _numeric_scores(df: pd.DataFrame) -> pd.DataFrame:
    """Score columns whose values are all numbers (or missing) become float, missing = NaN."""
    for col in [c for c in df.columns if c.startswith("score_")]:
        values = [
            None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v
            for v in df[col]
        ]
        if all(v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in values):
            df[col] = pd.Series(
                [math.nan if v is None else float(v) for v in values], index=df.index, dtype=float
            )
    return df


def load_logs(path: str | os.PathLike[str], progress: bool = False) -> LoadedLogs:
    """Read a log folder (or one log) into a transcript table and a per-log table.

    Files that are not readable Inspect logs are listed in `unreadable`, not raised; logs that were
    cancelled, errored or are still running are kept with their status and expected sample count.
    """
    files = find_log_files(path)
    try:
        logs = evals_df(files, columns=EVAL_COLUMNS, quiet=not progress) if files else None
        unreadable: dict[str, str] = {}
    except Exception:  # noqa: BLE001 - fall back to checking each file
        files, unreadable = _readable(files)
        logs = evals_df(files, columns=EVAL_COLUMNS, quiet=not progress) if files else None
    if logs is None or logs.empty:
        return LoadedLogs(pd.DataFrame(), pd.DataFrame(), unreadable)

    # newest run first: where two logs hold the same sample run (same uuid, as after `inspect eval-retry`
    # copies completed samples), samples_df keeps the first one it reads
    files = [_local(str(x)) for x in logs.sort_values("created", ascending=False, kind="stable")["log"]]
    samples, errors = samples_df(
        files, columns=[*EVAL_COLUMNS, *SAMPLE_COLUMNS], strict=False, quiet=not progress
    )
    logs = _derive(logs.reset_index(drop=True))
    samples = _derive(samples.reset_index(drop=True))
    if not samples.empty:
        samples = samples.rename(
            columns={
                "sample_id": "sample_uuid",
                f"metadata_{names.TIER}": names.TIER,
                f"metadata_{names.QUERY_ID}": names.QUERY_ID,
            }
        )
        samples["error"] = samples["error"].fillna("").astype(str)
        samples = _numeric_scores(samples)
        for col in (names.TIER, names.QUERY_ID):
            if col not in samples:
                samples[col] = None
    return LoadedLogs(samples, logs, unreadable, [str(e) for e in errors])


def score_names(transcripts: pd.DataFrame) -> list[str]:
    """Names of the scorers that scored at least one transcript, in first-seen order."""
    seen: dict[str, None] = {}
    for row in transcripts.get("scorers", pd.Series(dtype=str)).dropna():
        for name in str(row).split(","):
            if name:
                seen[name] = None
    return list(seen)
