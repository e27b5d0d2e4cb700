"""Turn transcripts written elsewhere (JSONL records) into an Inspect `.eval` log that af_inspect scorers read.

One record per line: `id`, `model`, `setting`, `tier` (`free`|`paid`), `user_input`, `completion`, optional
`labels` (object), `system_prompt`, `query_id`; any other field is kept in the sample's metadata. Each record
becomes a sample shaped like one the tasks produce: the tier-tagged user turn (af_inspect's user-turn format),
the completion as the assistant turn, the tier and query id in metadata, and the parsed transcript in the
store (`af_inspect:transcript`), so `inspect score LOG --scorer af_inspect/<scorer>` works on it.

The log's model is `imported/<model>`: a provider registered here that never generates, so Inspect can
rebuild the log's model offline when re-scoring (a judge is given with `--model-role grader=...`).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from inspect_ai.log import (
    EvalConfig,
    EvalDataset,
    EvalLog,
    EvalPlan,
    EvalPlanStep,
    EvalResults,
    EvalSample,
    EvalSpec,
    EvalStats,
    write_eval_log,
)
from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageUser,
    GenerateConfig,
    ModelAPI,
    ModelOutput,
    modelapi,
)
from inspect_ai.tool import ToolChoice, ToolInfo

from af_inspect.core import names
from af_inspect.core.errors import UsageError
from af_inspect.core.transcript import STORE_KEY, parse_transcript
from af_inspect.core.version import __version__
from af_inspect.prompts.render import UserTurnFormat, load_user_turn_format

TIERS = ("free", "paid")
REQUIRED_FIELDS = ("id", "tier", "user_input", "completion")
DEFAULTABLE_FIELDS = ("model", "setting")
OPTIONAL_FIELDS = ("labels", "system_prompt", "query_id")
RESERVED_METADATA = (
    names.TIER,
    names.QUERY_ID,
    names.QUERY,
    names.SETTING,
    "model",  # the imported record's own model field (a file-format field, kept as the record names it)
    names.LABELS,
    names.SOURCE_FILE,
    names.SOURCE_LINE,
)
"""The sample-metadata keys `record_to_sample` writes: a record's extra field may not take one."""
IMPORT_TASK = "imported_transcripts"
IMPORT_FORMAT_VERSION = "1"
MIXED_MODELS = "mixed"
MAX_REPORTED_ERRORS = 20


class TranscriptImportError(UsageError):
    """A transcript file cannot be imported; the message names the file and line of every bad record."""


@dataclass(frozen=True)
class TranscriptRecord:
    """One validated record, with where it came from."""

    id: str | int
    model: str
    setting: str
    tier: str
    user_input: str
    completion: str
    labels: dict[str, Any] = field(default_factory=dict)
    system_prompt: str | None = None
    query_id: str | int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    source_file: str = ""
    source_line: int = 0


def read_records(
    path: str | Path, model: str | None = None, setting: str | None = None
) -> list[TranscriptRecord]:
    """Read and validate a JSONL transcript file; every bad line is reported as `file:line: reason`.

    Args:
        path: The JSONL file.
        model: Model name for records that have no `model` field.
        setting: Setting for records that have no `setting` field.
    """
    p = Path(path).expanduser()
    if not p.is_file():
        raise TranscriptImportError(f"Transcript file not found: {p}")
    try:
        text = p.read_text(encoding="utf-8-sig")  # tolerate a byte-order mark
    except (OSError, UnicodeDecodeError) as e:
        raise TranscriptImportError(f"Transcript file {p} cannot be read: {e}") from None

    records: list[TranscriptRecord] = []
    errors: list[str] = []
    first_line: dict[str, int] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = parse_record(line, source_file=str(p), source_line=lineno, model=model, setting=setting)
        except TranscriptImportError as e:
            errors.append(f"{p}:{lineno}: {e}")
            continue
        key = str(rec.id)
        if key in first_line:
            errors.append(f"{p}:{lineno}: duplicate id {rec.id!r} (first seen on line {first_line[key]}).")
            continue
        first_line[key] = lineno
        records.append(rec)
    if errors:
        shown = errors[:MAX_REPORTED_ERRORS]
        more = len(errors) - len(shown)
        tail = f"\n... and {more} more bad records." if more else ""
        noun = "record" if len(errors) == 1 else "records"
        raise TranscriptImportError(f"{len(errors)} bad {noun} in {p}:\n" + "\n".join(shown) + tail)
    if not records:
        raise TranscriptImportError(f"Transcript file {p} has no records.")
    return records


def parse_record(
    line: str,
    source_file: str = "",
    source_line: int = 0,
    model: str | None = None,
    setting: str | None = None,
) -> TranscriptRecord:
    """Validate one JSONL line; raises `TranscriptImportError` with the reason (no file/line prefix)."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as e:
        raise TranscriptImportError(f"not valid JSON ({e.msg} at column {e.colno}).") from None
    if not isinstance(row, dict):
        raise TranscriptImportError(f"expected a JSON object, got {type(row).__name__}.")

    defaults = {"model": model, "setting": setting}
    missing = [f for f in REQUIRED_FIELDS if f not in row]
    missing += [f for f in DEFAULTABLE_FIELDS if row.get(f) in (None, "") and not defaults[f]]
    if missing:
        hint = ""
        if any(f in DEFAULTABLE_FIELDS for f in missing):
            hint = " (model and setting may instead be given with --model / --setting)"
        raise TranscriptImportError(f"missing field(s): {', '.join(missing)}{hint}.")

    rid = row["id"]
    if isinstance(rid, bool) or not isinstance(rid, str | int) or str(rid).strip() == "":
        raise TranscriptImportError(f"'id' must be a non-empty string or integer, not {rid!r}.")
    tier = row["tier"]
    if tier not in TIERS:
        raise TranscriptImportError(f"unknown tier {tier!r}. Valid tiers: {', '.join(TIERS)}.")
    user_input = row["user_input"]
    if not isinstance(user_input, str) or not user_input.strip():
        raise TranscriptImportError("'user_input' must be a non-empty string.")
    completion = row["completion"]
    if not isinstance(completion, str):
        raise TranscriptImportError(
            f"'completion' must be a string (an empty string for an empty answer), not {type(completion).__name__}."
        )
    values: dict[str, str] = {}
    for name in DEFAULTABLE_FIELDS:
        value = row.get(name)
        value = defaults[name] if value in (None, "") else value
        if not isinstance(value, str) or not value.strip():
            raise TranscriptImportError(f"'{name}' must be a non-empty string, not {value!r}.")
        values[name] = value.strip()
    labels = row.get("labels")
    if labels is None:
        labels = {}
    if not isinstance(labels, dict):
        raise TranscriptImportError(f"'labels' must be a JSON object, not {type(labels).__name__}.")
    system_prompt = row.get("system_prompt")
    if system_prompt is not None and not isinstance(system_prompt, str):
        raise TranscriptImportError("'system_prompt' must be a string when given.")
    query_id = row.get("query_id")
    if query_id is not None and (isinstance(query_id, bool) or not isinstance(query_id, str | int)):
        raise TranscriptImportError(f"'query_id' must be a string or integer when given, not {query_id!r}.")

    known = set(REQUIRED_FIELDS) | set(DEFAULTABLE_FIELDS) | set(OPTIONAL_FIELDS)
    extra = {k: v for k, v in row.items() if k not in known}
    clash = [k for k in extra if k in RESERVED_METADATA]
    if clash:
        raise TranscriptImportError(
            f"field(s) {', '.join(clash)} are reserved for the sample metadata the importer writes."
        )
    return TranscriptRecord(
        id=rid,
        model=values["model"],
        setting=values["setting"],
        tier=tier,
        user_input=user_input,
        completion=completion,
        labels=labels,
        system_prompt=system_prompt if system_prompt and system_prompt.strip() else None,
        query_id=query_id if query_id not in (None, "") else None,
        extra=extra,
        source_file=source_file,
        source_line=source_line,
    )


def record_to_sample(
    rec: TranscriptRecord,
    turn_format: UserTurnFormat | None = None,
    accept_reject_suffix: bool = False,
) -> EvalSample:
    """One record as a scored-ready sample: messages, metadata (labels kept) and the parsed transcript."""
    fmt = turn_format or load_user_turn_format()
    messages: list[ChatMessage] = []
    if rec.system_prompt is not None:
        messages.append(ChatMessageSystem(content=rec.system_prompt))
    user_turn = fmt.render(rec.user_input, rec.tier, accept_reject_suffix)
    messages.append(ChatMessageUser(content=user_turn))
    messages.append(ChatMessageAssistant(content=rec.completion, model=rec.model, source="generate"))
    metadata: dict[str, Any] = {
        names.TIER: rec.tier,
        names.QUERY_ID: rec.query_id if rec.query_id is not None else rec.id,
        names.QUERY: rec.user_input,
        names.SETTING: rec.setting,
        "model": rec.model,
        names.LABELS: rec.labels,
        names.SOURCE_FILE: rec.source_file,
        names.SOURCE_LINE: rec.source_line,
        **rec.extra,
    }
    return EvalSample(
        id=rec.id,
        epoch=1,
        input=user_turn,
        target="",
        messages=messages,
        output=ModelOutput.from_content(model=rec.model, content=rec.completion),
        metadata=metadata,
        store={STORE_KEY: parse_transcript(rec.completion).model_dump()},
        uuid=uuid.uuid4().hex,
    )


def records_to_log(
    records: list[TranscriptRecord],
    source: str | Path,
    accept_reject_suffix: bool = False,
) -> EvalLog:
    """A complete, successful EvalLog holding the records as samples (no scores yet)."""
    if not records:
        raise TranscriptImportError(f"{source}: no records to import.")
    fmt = load_user_turn_format()
    samples = [record_to_sample(r, fmt, accept_reject_suffix) for r in records]
    models = sorted({r.model for r in records})
    settings = sorted({r.setting for r in records})
    now = datetime.now(timezone.utc).isoformat()
    source_path = Path(source).expanduser()
    digest = hashlib.sha256(source_path.read_bytes()).hexdigest() if source_path.is_file() else None
    task_args = {"file": str(source_path), "accept_reject_suffix": accept_reject_suffix}
    spec = EvalSpec(
        eval_id=uuid.uuid4().hex,
        run_id=uuid.uuid4().hex,
        created=now,
        task=IMPORT_TASK,
        task_id=uuid.uuid4().hex,
        task_version=IMPORT_FORMAT_VERSION,
        task_args=task_args,
        task_args_passed=task_args,
        tags=["imported"],
        dataset=EvalDataset(
            name=source_path.stem,
            location=str(source_path),
            samples=len(samples),
            sample_ids=[s.id for s in samples],
            shuffled=False,
        ),
        model=imported_model_name(models),
        config=EvalConfig(epochs=1, log_samples=True),
        packages={"inspect_ai": _inspect_version(), "af-inspect": __version__},
        metadata={
            "imported_from": str(source_path),
            "imported_sha256": digest,
            "af_inspect_version": __version__,
            "models": models,
            "settings": settings,
            names.SETTING: settings[0] if len(settings) == 1 else None,
            "tiers": sorted({r.tier for r in records}, key=TIERS.index),
            "n_records": len(records),
            "accept_reject_suffix": accept_reject_suffix,
        },
    )
    return EvalLog(
        status="success",
        eval=spec,
        plan=EvalPlan(steps=[EvalPlanStep(solver="af_inspect/import", params={"file": str(source_path)})]),
        results=EvalResults(total_samples=len(samples), completed_samples=len(samples)),
        stats=EvalStats(started_at=now, completed_at=now),
        samples=samples,
    )


def import_transcripts(
    path: str | Path,
    model: str | None = None,
    setting: str | None = None,
    accept_reject_suffix: bool = False,
) -> EvalLog:
    """Read, validate and convert a JSONL transcript file into an in-memory EvalLog."""
    records = read_records(path, model=model, setting=setting)
    return records_to_log(records, path, accept_reject_suffix=accept_reject_suffix)


def write_log(log: EvalLog, out: str | Path) -> Path:
    """Write the log (`.eval` or `.json`, from the extension) and return its path."""
    p = Path(out).expanduser()
    if p.suffix not in (".eval", ".json"):
        raise TranscriptImportError(f"Output must end in .eval or .json, not {p.name!r}.")
    p.parent.mkdir(parents=True, exist_ok=True)
    write_eval_log(log, str(p))
    return p


def imported_model_name(models: list[str]) -> str:
    """`imported/<model>` for one model, `imported/mixed` for several (each sample's model is in metadata)."""
    return f"imported/{models[0] if len(models) == 1 else MIXED_MODELS}"


def _inspect_version() -> str:
    from importlib.metadata import version

    return version("inspect_ai")


@modelapi(name="imported")
class ImportedTranscriptAPI(ModelAPI):
    """The model of an imported log: it wrote the transcripts elsewhere and cannot generate here.

    It exists so Inspect can rebuild an imported log's model offline when re-scoring; a scorer that needs
    a model must be given one (`--model-role grader=...`).
    """

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = GenerateConfig(),
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, [], config)

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        raise RuntimeError(
            f"imported/{self.model_name} holds transcripts imported from a file and cannot generate. "
            "Give the scorer a model, e.g. `--model-role grader=organism/judge` (or `--model ...`)."
        )
