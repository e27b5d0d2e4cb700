"""`af-inspect validate FILE.jsonl | --labels gold106|PATH --model-role grader=...`: check an AF classifier and
its grader against labels.

Binary labels (0/1: human judgements, e.g. the public 106, fetched and pinned by `af_inspect.calibration.labelsets`) give
AUROC with its interval, precision, recall and agreement at the threshold, and a calibration table; with the
published classifier on `gold106` the published AUROC is printed beside ours. Labels that are another
classifier's vote fractions (0..1) give rank agreement (Spearman, Kendall) and agreement at the threshold.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from inspect_ai.model import GenerateConfig

from af_inspect.calibration.classifier_check import (
    check_classifier,
    grader_roles,
    make_scorer,
    resolve_roles,
    usable_records,
)
from af_inspect.calibration.importer import read_records, write_log
from af_inspect.calibration.labelsets import GOLD106, load_label_set
from af_inspect.calibration.validation import RankReport, format_rank_report, format_report
from af_inspect.scorers.af_reasoning import CLASSIFIERS

NAME = "validate"
HELP = (
    "Score labelled transcripts with an AF classifier and print AUROC, precision/recall, agreement at the "
    "threshold and a calibration table (0/1 labels, e.g. --labels gold106), or rank agreement (labels that "
    "are another classifier's vote fractions)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file",
        nargs="?",
        help="Labelled JSONL transcripts (the import format, with labels.<label> 0/1 or a fraction in 0..1).",
    )
    parser.add_argument(
        "--labels",
        metavar="gold106|PATH",
        help=f"A human label set instead of FILE: {GOLD106} (the public 106 labels, fetched at run time and "
        "pinned) or a local copy of it (.parquet, .jsonl or .csv in the same columns).",
    )
    parser.add_argument(
        "--revision", help=f"Hub revision (commit) of {GOLD106} (default: the one pinned at first fetch)."
    )
    parser.add_argument(
        "--model-role",
        action="append",
        default=[],
        metavar="grader=MODEL",
        help="The grader model (required), e.g. grader=openai/gpt-4o or grader=organism/judge.",
    )
    parser.add_argument(
        "--classifier",
        choices=list(CLASSIFIERS),
        default="published",
        help="Which AF classifier (default published).",
    )
    parser.add_argument(
        "--votes", type=int, help="Judge votes per transcript (default: the classifier's own)."
    )
    parser.add_argument(
        "--threshold",
        type=float,
        help="Yes-fraction at or above which a transcript is AF (default: the classifier's own; published 0.4).",
    )
    parser.add_argument(
        "--skip-unlabelled", action="store_true", help="Leave out records without the label (else an error)."
    )
    parser.add_argument("--limit", type=int, help="Validate only the first N transcripts.")
    parser.add_argument("--label", default="af", help="Which entry of `labels` holds the 0/1 label.")
    parser.add_argument("--model", help="Model name for records that have no 'model' field.")
    parser.add_argument("--setting", help="Setting for records that have no 'setting' field.")
    parser.add_argument("-o", "--output", help="Also write the scored log here (.eval).")
    parser.add_argument("--json", dest="json_out", help="Also write the figures as JSON here.")
    parser.add_argument(
        "--scorer",
        help="Registry name of the AF scorer (it must report metadata.yes_fraction); default: the classifier's.",
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
    return grader_roles(roles)


def check_options(args: argparse.Namespace) -> None:
    if bool(args.file) == bool(args.labels):
        raise ValueError(
            f"Give either a labelled FILE or --labels ({GOLD106} or a local copy of it), not both or neither."
        )
    c = CLASSIFIERS[args.classifier]
    args.votes = c.votes if args.votes is None else args.votes
    args.threshold = c.threshold if args.threshold is None else args.threshold
    args.scorer = args.scorer or f"af_inspect/{c.scorer}"
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
    source: dict[str, Any] = {}
    if args.labels:
        labels = load_label_set(args.labels, args.revision)
        records, origin = labels.records, labels.source
        args.label = "af"
        pin = f", revision {labels.revision} ({labels.note})" if labels.revision else ""
        source = {
            "labels_source": f"{labels.source}{pin}, sha256 {labels.sha256}",
            "revision": labels.revision,
            "sha256": labels.sha256,
        }
    else:
        records, origin = read_records(args.file, model=args.model, setting=args.setting), args.file
    records, left_out, kind = usable_records(records, args.label, args.skip_unlabelled)
    if left_out:
        print(f"Left out {left_out} record(s) without labels.{args.label} (--skip-unlabelled).")
    if args.limit:
        records = records[: args.limit]

    check = check_classifier(
        records,
        origin,
        kind=kind,
        label=args.label,
        scorer=make_scorer(args.scorer, votes=args.votes, threshold=args.threshold),
        models=resolve_roles(roles, GenerateConfig(max_retries=args.max_retries, timeout=args.timeout)),
        grader=roles["grader"],
        threshold=args.threshold,
        labels=args.labels,
        classifier=args.classifier,
        display=args.display,
        context={
            "classifier": args.classifier,
            "votes": args.votes,
            "threshold": args.threshold,
            "grader": roles["grader"],
            "label": f"labels.{args.label}",
            "file": str(args.labels or args.file),
            "scorer": args.scorer,
            **source,
        },
    )
    report = check.report
    print(format_rank_report(report) if isinstance(report, RankReport) else format_report(report))
    if args.output:
        path = write_log(check.scored, args.output)
        print(f"\nScored log: {path}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report.to_dict(), indent=2, default=str), encoding="utf-8")
    if check.n_scored == 0:
        print("\nNo transcript was scored: see the unscored reasons above.")
        return 1
    return 0
