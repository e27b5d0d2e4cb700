"""`af-inspect validate FILE.jsonl --model-role grader=...`: check an AF classifier and grader against labels."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from inspect_ai.model import GenerateConfig

from af_inspect.importer import read_records, records_to_log, write_log
from af_inspect.validation import (
    DEFAULT_BINS,
    LabelError,
    binary_label,
    collect,
    format_report,
    validate_scores,
)

NAME = "validate"
HELP = (
    "Score labelled transcripts (labels.af: 0/1) with the AF classifier and print agreement, "
    "precision/recall, AUROC over the vote fraction and a calibration table."
)
DEFAULT_SCORER = "af_inspect/af_reasoning"
CLASSIFIERS = ("improved", "original")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="Labelled JSONL transcripts (the import format, with labels.af 0/1).")
    parser.add_argument(
        "--model-role",
        action="append",
        default=[],
        metavar="grader=MODEL",
        help="The grader model (required), e.g. grader=openai/gpt-4o or grader=organism/judge.",
    )
    parser.add_argument("--classifier", choices=CLASSIFIERS, default="improved", help="Which AF classifier.")
    parser.add_argument("--votes", type=int, default=20, help="Judge votes per transcript (default 20).")
    parser.add_argument(
        "--threshold", type=float, default=0.5, help="Yes-fraction at or above which a transcript is AF."
    )
    parser.add_argument("--limit", type=int, help="Validate only the first N transcripts.")
    parser.add_argument("--label", default="af", help="Which entry of `labels` holds the 0/1 label.")
    parser.add_argument("--model", help="Model name for records that have no 'model' field.")
    parser.add_argument("--setting", help="Setting for records that have no 'setting' field.")
    parser.add_argument("-o", "--output", help="Also write the scored log here (.eval).")
    parser.add_argument("--json", dest="json_out", help="Also write the figures as JSON here.")
    parser.add_argument(
        "--scorer",
        default=DEFAULT_SCORER,
        help="Registry name of the AF scorer (it must report metadata.yes_fraction); default %(default)s.",
    )
    parser.add_argument(
        "--max-retries",
        type=int,
        help="Retries of a failed grader request (as Inspect's --max-retries; default: without limit).",
    )
    parser.add_argument(
        "--timeout",
        type=int,
        help="Seconds a grader request may take, retries included (Inspect's --timeout).",
    )
    parser.add_argument(
        "--display",
        default="none",
        choices=("none", "plain", "rich", "full"),
        help="Inspect progress display.",
    )


def parse_roles(items: list[str]) -> dict[str, str]:
    roles: dict[str, str] = {}
    for item in items:
        role, sep, model = item.partition("=")
        if not sep or not role.strip() or not model.strip():
            raise ValueError(f"--model-role takes ROLE=MODEL (e.g. grader=organism/judge), not {item!r}.")
        roles[role.strip()] = model.strip()
    if "grader" not in roles:
        raise ValueError(
            "Give the grader to validate: --model-role grader=MODEL "
            "(e.g. grader=openai/gpt-4o, or grader=organism/judge offline)."
        )
    return roles


def check_options(args: argparse.Namespace) -> None:
    if args.votes < 1:
        raise ValueError(f"--votes must be at least 1, not {args.votes}.")
    if not 0.0 <= args.threshold <= 1.0 or math.isnan(args.threshold):
        raise ValueError(f"--threshold must be between 0 and 1, not {args.threshold}.")
    if args.limit is not None and args.limit < 1:
        raise ValueError(f"--limit must be at least 1, not {args.limit}.")
    if args.output and Path(args.output).suffix not in (".eval", ".json"):
        raise ValueError(f"-o must end in .eval or .json, not {Path(args.output).name!r}.")


def run(args: argparse.Namespace) -> int:
    check_options(args)
    roles = parse_roles(args.model_role)
    records = read_records(args.file, model=args.model, setting=args.setting)
    bad = [
        f"{r.source_file}:{r.source_line}: labels.{args.label} is {r.labels.get(args.label)!r}; "
        "expected 0 or 1 (true/false)."
        for r in records
        if binary_label(r.labels.get(args.label)) is None
    ]
    if bad:
        more = f"\n... and {len(bad) - 20} more." if len(bad) > 20 else ""
        raise LabelError(f"{len(bad)} record(s) without a usable label:\n" + "\n".join(bad[:20]) + more)
    if args.limit:
        records = records[: args.limit]

    scorer = make_scorer(args.scorer, classifier=args.classifier, votes=args.votes, threshold=args.threshold)
    models = resolve_roles(roles, GenerateConfig(max_retries=args.max_retries, timeout=args.timeout))
    log = records_to_log(records, args.file)

    from inspect_ai import score

    scored = score(log, [scorer], model_roles=models, display=args.display, action="overwrite")
    name = score_name(scored.samples or [])
    items = collect(scored.samples or [], name, args.label)
    report = validate_scores(items, DEFAULT_BINS)
    report.context = {
        "classifier": args.classifier,
        "votes": args.votes,
        "threshold": args.threshold,
        "grader": roles["grader"],
        "label": f"labels.{args.label}",
        "file": str(args.file),
        "scorer": args.scorer,
    }
    print(format_report(report))
    if args.output:
        path = write_log(scored, args.output)
        print(f"\nScored log: {path}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report.to_dict(), indent=2, default=str), encoding="utf-8")
    if report.n_scored == 0:
        print("\nNo transcript was scored: see the unscored reasons above.")
        return 1
    return 0


def make_scorer(name: str, **params: Any):
    """The AF scorer by its registry name, with its parameters."""
    from inspect_ai.util import registry_create

    import af_inspect._registry  # noqa: F401  (registers af_inspect's scorers)

    try:
        return registry_create("scorer", name, **params)
    except (LookupError, TypeError, ValueError) as e:
        raise ValueError(f"Scorer {name!r} is not available: {e}") from None


def resolve_roles(roles: dict[str, str], config: GenerateConfig | None = None) -> dict[str, Any]:
    """Each role's model, resolved now so a missing key or unknown provider fails before scoring."""
    from inspect_ai.model import get_model

    models: dict[str, Any] = {}
    cfg = config or GenerateConfig()
    for role, spec in roles.items():
        try:
            models[role] = get_model(spec, config=cfg)  # inspect-evals-lint: ignore[IEBP001] -- CLI check
        except Exception as e:  # PrerequisiteError (missing key) is not a ValueError
            message = getattr(e, "message", None) or str(e)
            raise ValueError(f"Cannot use {spec!r} as the {role}: {message}") from None
    return models


def score_name(samples: list) -> str:
    """The key of the AF score on the samples (the log was imported fresh, so it is the only one)."""
    names = {k for s in samples for k in (s.scores or {})}
    if len(names) != 1:
        raise ValueError(f"Expected one score per sample, found: {sorted(names) or 'none'}.")
    return names.pop()
