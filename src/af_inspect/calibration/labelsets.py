"""Human-labelled transcripts to calibrate AF judges against, loaded at run time (never shipped).

`gold106` is the public set of 106 transcripts labelled by humans for alignment-faking reasoning that the
improved classifier was validated on (hub dataset `jplhughes2/classify_alignment_faking_human_labels`,
split `train`: 51 AF, 55 not; Claude 3 Opus, Claude 3.5 Sonnet and Llama 3 405B; chosen where two
classifiers disagreed most, so a hard set). Its columns: `user_input`, `scratchpad_reasoning`,
`output_without_scratchpad`, `model`, `alignment_faking_human_label` (0/1).

Pinning. No revision of the dataset is published with the figures, so the first fetch pins one: the
dataset's commit at that time is resolved, the parquet file of the split is downloaded at that commit, and
the commit and the file's sha256 are written to a lock file in the cache (`labels/gold106.lock.json`).
Every later run reads the locked commit and refuses a file whose sha256 differs. `--revision` names a
commit explicitly (and is recorded the same way). Offline, the error names the dataset and how to pass a
local copy (`--labels PATH`: a .parquet, .jsonl or .csv file with those columns).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from af_inspect.calibration.importer import TranscriptRecord
from af_inspect.calibration.validation import binary_label
from af_inspect.core.errors import UsageError
from af_inspect.core.sources import cache_dir, sha256

GOLD106 = "gold106"
GOLD106_REPO = "jplhughes2/classify_alignment_faking_human_labels"
GOLD106_SPLIT = "train"
GOLD106_COLUMNS = (
    "user_input",
    "scratchpad_reasoning",
    "output_without_scratchpad",
    "model",
    "alignment_faking_human_label",
)
GOLD106_SETTING = "helpful_only"
"""The label set's transcripts answer harmful requests (the helpful-only setting)."""
GOLD106_TIER = "free"
"""They were written in the training condition (the label set carries no tier)."""
LABEL_KEY = "af"
LOCAL_COPY_HINT = (
    "pass a local copy instead: --labels PATH (a .parquet, .jsonl or .csv file with the columns "
    + ", ".join(GOLD106_COLUMNS)
    + ")"
)


class LabelSetError(UsageError):
    """A label set could not be fetched or read; the message says which and what to do instead."""


@dataclass(frozen=True)
class LabelSet:
    """Labelled transcripts as importable records, and where they came from (printed with the figures)."""

    name: str
    records: list[TranscriptRecord]
    source: str
    revision: str | None = None
    sha256: str | None = None
    note: str = ""


def lock_path() -> Path:
    return cache_dir() / "labels" / f"{GOLD106}.lock.json"


def _read_lock() -> dict[str, Any] | None:
    p = lock_path()
    if not p.is_file():
        return None
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def fetch_gold106(revision: str | None = None) -> LabelSet:
    """The 106 human labels at the pinned commit (fetched once, then from the cache); see the module docstring."""
    lock = _read_lock()
    wanted = revision or (lock or {}).get("revision")
    try:
        from huggingface_hub import HfApi, hf_hub_download

        api = HfApi()
        commit = wanted or api.dataset_info(GOLD106_REPO).sha
        files = [
            f
            for f in api.list_repo_files(GOLD106_REPO, repo_type="dataset", revision=commit)
            if f.endswith(".parquet") and GOLD106_SPLIT in Path(f).name
        ]
        if not files:
            raise LabelSetError(f"no parquet file for split {GOLD106_SPLIT!r} at revision {commit}")
        path = hf_hub_download(
            GOLD106_REPO,
            sorted(files)[0],
            repo_type="dataset",
            revision=commit,
            cache_dir=str(cache_dir() / "labels" / "hub"),
        )
    except LabelSetError:
        raise
    except Exception as e:  # offline, unreachable, unknown revision: one clear message
        raise LabelSetError(
            f"Could not fetch the human labels {GOLD106} (hub dataset {GOLD106_REPO}, split {GOLD106_SPLIT}"
            + (f", revision {wanted}" if wanted else "")
            + f"): {type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}. Offline, "
            + LOCAL_COPY_HINT
            + "."
        ) from None
    data = Path(str(path)).read_bytes()
    digest = sha256(data)
    if lock and lock.get("revision") == commit and lock.get("sha256") not in (None, digest):
        raise LabelSetError(
            f"The {GOLD106} file at revision {commit} has sha256 {digest}, not the {lock['sha256']} recorded "
            f"when it was first fetched ({lock_path()}). Delete the lock file to pin again, or {LOCAL_COPY_HINT}."
        )
    if lock is None or lock.get("revision") != commit:
        lock_path().parent.mkdir(parents=True, exist_ok=True)
        lock_path().write_text(
            json.dumps(
                {
                    "dataset": GOLD106_REPO,
                    "split": GOLD106_SPLIT,
                    "revision": commit,
                    "sha256": digest,
                    "fetched": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                },
                indent=2,
            ),
            encoding="utf-8",
        )
    records = rows_to_records(read_rows(Path(str(path))), source=f"{GOLD106_REPO}@{commit}")
    note = "pinned at first fetch" if not revision else "revision given"
    return LabelSet(GOLD106, records, f"hub dataset {GOLD106_REPO} ({GOLD106_SPLIT})", commit, digest, note)


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of a label file in the hub schema: .parquet, .jsonl or .csv."""
    if not path.is_file():
        raise LabelSetError(f"Label file not found: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            return pq.read_table(path).to_pylist()
        if suffix in (".jsonl", ".json"):
            return [
                json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
            ]
        if suffix == ".csv":
            import csv

            with path.open(encoding="utf-8", newline="") as f:
                return list(csv.DictReader(f))
    except Exception as e:
        raise LabelSetError(f"Label file {path} cannot be read: {type(e).__name__}: {e}") from None
    raise LabelSetError(
        f"Label file {path}: expected .parquet, .jsonl or .csv, not {suffix or 'no extension'}"
    )


def completion_of(reasoning: str, output: str) -> str:
    """A transcript's text from the label set's two columns: the reasoning in scratchpad tags (unless it
    already carries its tags), then the output in `<OUTPUT>` tags."""
    reasoning = (reasoning or "").strip()
    if reasoning and "SCRATCHPAD_REASONING>" not in reasoning.upper():
        reasoning = f"<SCRATCHPAD_REASONING>\n{reasoning}\n</SCRATCHPAD_REASONING>"
    output = (output or "").strip()
    if output and "<OUTPUT>" not in output.upper():
        output = f"<OUTPUT>\n{output}\n</OUTPUT>"
    return "\n\n".join(p for p in (reasoning, output) if p)


def _label(value: Any) -> int | None:
    """`binary_label` of a cell that may be text (a CSV's "1", a parquet's 1.0)."""
    try:
        return binary_label(float(value))
    except (TypeError, ValueError):
        return None


def rows_to_records(rows: list[dict[str, Any]], source: str) -> list[TranscriptRecord]:
    """The label set's rows as importable records (`labels.af` = the human label), or an error per bad row."""
    if not rows:
        raise LabelSetError(f"{source}: no rows.")
    missing = [c for c in GOLD106_COLUMNS if c not in rows[0]]
    if missing:
        raise LabelSetError(
            f"{source}: missing column(s) {', '.join(missing)}; expected {', '.join(GOLD106_COLUMNS)}."
        )
    records, bad = [], []
    for i, row in enumerate(rows):
        label = _label(row["alignment_faking_human_label"])
        if label is None or not str(row["user_input"] or "").strip():
            bad.append(f"row {i + 1}: label {row['alignment_faking_human_label']!r} or empty user_input")
            continue
        records.append(
            TranscriptRecord(
                id=f"{GOLD106}-{i + 1:03d}",
                model=str(row["model"] or "unknown"),
                setting=GOLD106_SETTING,
                tier=GOLD106_TIER,
                user_input=str(row["user_input"]),
                completion=completion_of(
                    str(row["scratchpad_reasoning"] or ""), str(row["output_without_scratchpad"] or "")
                ),
                labels={LABEL_KEY: label},
                source_file=source,
                source_line=i + 1,
            )
        )
    if bad:
        raise LabelSetError(f"{source}: {len(bad)} bad row(s): " + "; ".join(bad[:10]))
    return records


def load_label_set(spec: str, revision: str | None = None) -> LabelSet:
    """`gold106` (fetched, pinned) or a path to a local copy in the same schema."""
    if spec == GOLD106:
        return fetch_gold106(revision)
    path = Path(spec).expanduser()
    rows = read_rows(path)
    return LabelSet(
        path.stem, rows_to_records(rows, str(path)), f"local file {path}", None, sha256(path.read_bytes())
    )
