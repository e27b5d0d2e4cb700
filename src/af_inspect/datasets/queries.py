"""Query datasets: the shipped files, pinned published sources fetched at run time, and user files.

Every query carries a stable id; `paired_samples` turns each into one sample per tier sharing that id, whose
input is the tier-tagged user turn the model receives (the bare query stays in the metadata).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspect_ai.dataset import MemoryDataset, Sample

from af_inspect.core import names
from af_inspect.core.errors import UsageError
from af_inspect.core.params import ParameterError
from af_inspect.core.sources import SourceError, fetch_pinned
from af_inspect.prompts.render import UserTurnFormat
from af_inspect.settings import setting_spec

REMOTE_SOURCES: dict[str, dict[str, str]] = {
    # AdvBench (Zou et al., 2023), 520 harmful behaviours; pinned to a commit of llm-attacks/llm-attacks.
    "advbench": {
        "url": "https://raw.githubusercontent.com/llm-attacks/llm-attacks/"
        "098262edf85f807224e70ecd87b9d83716bf6b73/data/advbench/harmful_behaviors.csv",
        "format": "csv",
        "column": "goal",
        "prefix": "advbench",
    },
    # LLM-LAT/harmful-dataset (used by the published helpful-only replications), pinned revision.
    "llm_lat": {
        "url": "https://huggingface.co/datasets/LLM-LAT/harmful-dataset/resolve/"
        "8bfba31bc6d93a5b71808fee5275ef4b6330ed91/data/train-00000-of-00001.parquet",
        "format": "parquet",
        "column": "prompt",
        "prefix": "llm_lat",
    },
}
BUILTIN = "builtin"


class DatasetError(UsageError):
    """A dataset cannot be loaded; the message names the file (and line) or source to fix."""


@dataclass(frozen=True)
class Query:
    id: str
    query: str
    category: str | None = None
    source: str = BUILTIN


def dataset_choices() -> list[str]:
    return [BUILTIN, *REMOTE_SOURCES, "PATH (.jsonl or .csv)"]


def builtin_path(setting: str) -> Path:
    return setting_spec(setting).queries


def load_queries(dataset: str, setting: str) -> list[Query]:
    """Load queries for a setting from `builtin`, a pinned published source, or a file path."""
    if dataset == BUILTIN:
        path = builtin_path(setting)
        if not path.exists():
            raise DatasetError(f"No built-in query set for setting {setting!r} ({path}).")
        return read_query_file(path, source=BUILTIN)
    if dataset in REMOTE_SOURCES:
        return fetch_remote(dataset)
    path = Path(dataset).expanduser()
    if path.suffix.lower() in (".jsonl", ".csv", ".json") or path.exists():
        return read_query_file(path, source=str(path))
    raise ParameterError(f"Unknown dataset {dataset!r}. Valid values: {', '.join(dataset_choices())}.")


def read_query_file(path: Path, source: str) -> list[Query]:
    """Read a JSONL (`id`, `query`, optional `category`) or CSV file; bad rows name file and line."""
    if not path.exists():
        raise DatasetError(f"Dataset file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise DatasetError(f"Dataset file {path} cannot be read: {e}") from None
    if path.suffix.lower() == ".csv":
        queries = _read_csv(text, path, source)
    else:
        queries = _read_jsonl(text, path, source)
    if not queries:
        raise DatasetError(f"Dataset file {path} has no queries.")
    return queries


def _read_jsonl(text: str, path: Path, source: str) -> list[Query]:
    queries: list[Query] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise DatasetError(f"{path}:{lineno}: not valid JSON ({e.msg}).") from None
        if not isinstance(row, dict):
            raise DatasetError(f"{path}:{lineno}: expected a JSON object, got {type(row).__name__}.")
        text_field = row.get("query", row.get("prompt", row.get("goal")))
        if not isinstance(text_field, str) or not text_field.strip():
            raise DatasetError(f"{path}:{lineno}: missing a non-empty 'query' field.")
        qid = str(row["id"]) if row.get("id") not in (None, "") else _content_id(text_field)
        if qid in seen:
            raise DatasetError(f"{path}:{lineno}: duplicate id {qid!r} (first seen on line {seen[qid]}).")
        seen[qid] = lineno
        category = row.get("category")
        queries.append(Query(qid, text_field.strip(), str(category) if category else None, source))
    return queries


def _read_csv(text: str, path: Path, source: str) -> list[Query]:
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    column = next((c for c in ("query", "prompt", "goal", "behavior") if c in fields), None)
    if column is None:
        raise DatasetError(
            f"{path}:1: no query column; expected one of query, prompt, goal, behavior "
            f"(found: {', '.join(fields) or 'nothing'})."
        )
    queries: list[Query] = []
    seen: dict[str, int] = {}
    for lineno, raw in enumerate(reader, start=2):
        row = {str(k).strip().lower(): v for k, v in raw.items() if k is not None}
        value = (row.get(column) or "").strip()
        if not value:
            raise DatasetError(f"{path}:{lineno}: empty '{column}' value.")
        qid = (row.get("id") or "").strip() or _content_id(value)
        if qid in seen:
            raise DatasetError(f"{path}:{lineno}: duplicate id {qid!r} (first seen on line {seen[qid]}).")
        seen[qid] = lineno
        queries.append(Query(qid, value, (row.get("category") or "").strip() or None, source))
    return queries


def _content_id(text: str) -> str:
    """A stable id from the query text, for sources that give none."""
    return "q-" + hashlib.sha256(text.strip().encode("utf-8")).hexdigest()[:12]


def fetch_remote(name: str) -> list[Query]:
    """A pinned published dataset, fetched once and cached (`af_inspect.core.sources`)."""
    spec = REMOTE_SOURCES[name]
    try:
        payload = fetch_pinned(
            spec["url"],
            f"dataset {name!r}",
            "-T dataset=builtin, or a local file: -T dataset=PATH.jsonl|.csv",
        ).data
    except SourceError as e:
        raise DatasetError(str(e)) from None
    if spec["format"] == "csv":
        rows = list(csv.DictReader(io.StringIO(payload.decode("utf-8"))))
        texts = [r[spec["column"]] for r in rows]
    else:
        import pandas as pd  # here, not at the top: only this source needs it, and it is slow to import

        texts = list(pd.read_parquet(io.BytesIO(payload))[spec["column"]])
    return [
        Query(f"{spec['prefix']}-{i:04d}", str(t).strip(), None, name)
        for i, t in enumerate(texts)
        if str(t).strip()
    ]


EXCERPT_WORDS, EXCERPT_CHARS = 6, 40
"""The excerpt in a sample id: at most this many words and characters of the query."""


def sample_id(query_id: str, tier: str, query: str) -> str:
    """`ho-001-free_write-step-by-step-instructions-for`: the pair's key, then the query's first words as a
    lower-case slug (letters, digits and hyphens: safe in a log's file names and in `--sample-id` lists)."""
    words = re.findall(r"[a-z0-9]+", query.lower())[:EXCERPT_WORDS]
    slug = "-".join(words)[:EXCERPT_CHARS].rstrip("-")
    return f"{query_id}-{tier}" + (f"_{slug}" if slug else "")


def paired_samples(
    queries: list[Query],
    tiers: list[str],
    setting: str,
    user_turn: UserTurnFormat,
    accept_reject_suffix: bool,
    metadata: dict[str, Any] | None = None,
    paraphrases: list[str] | None = None,
) -> MemoryDataset:
    """One sample per (query, tier), id `<query_id>-<tier>_<excerpt>` (the query's first words, so that
    Inspect's sample list, whose input column shows the tier-tagged turn, tells the rows apart), input the
    user turn for that tier.

    Metadata: `query_id`, `query` (the bare query, which judges read), `tier`, `category`, `setting`,
    `query_source`, and `metadata` (added to every sample). With several `paraphrases`, the i-th query's
    samples (both tiers) get the (i mod N)-th, named in `paraphrase`.
    """
    samples = [
        Sample(
            id=sample_id(q.id, tier, q.query),
            input=user_turn.render(q.query, tier, accept_reject_suffix),
            metadata={
                names.QUERY_ID: q.id,
                names.QUERY: q.query,
                names.TIER: tier,
                names.CATEGORY: q.category,
                names.SETTING: setting,
                names.QUERY_SOURCE: q.source,
                **(
                    {names.PARAPHRASE: paraphrases[i % len(paraphrases)]}
                    if paraphrases and len(paraphrases) > 1
                    else {}
                ),
                **(metadata or {}),
            },
        )
        for i, q in enumerate(queries)
        for tier in tiers
    ]
    return MemoryDataset(samples, name=f"{setting}-queries")


def task_dataset(
    dataset: str,
    setting: str,
    n_queries: int | None,
    tiers: list[str],
    user_turn: UserTurnFormat,
    accept_reject_suffix: bool,
    metadata: dict[str, Any] | None = None,
    paraphrases: list[str] | None = None,
) -> tuple[MemoryDataset, int]:
    """A task's samples: the first `n_queries` queries of `dataset`, each asked in every tier
    (`paired_samples`), and how many queries that is. An empty selection is an error, not an empty run."""
    queries = load_queries(dataset, setting)[:n_queries]
    if not queries:
        raise DatasetError(f"Dataset {dataset!r} has no queries.")
    return (
        paired_samples(queries, tiers, setting, user_turn, accept_reject_suffix, metadata, paraphrases),
        len(queries),
    )
