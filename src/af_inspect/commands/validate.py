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

from af_inspect.calibration.importer import imported_model_name, read_records, records_to_log, write_log
from af_inspect.calibration.labelsets import GOLD106, load_label_set
from af_inspect.calibration.validation import (
    DEFAULT_BINS,
    PUBLISHED_FIGURE,
    LabelError,
    binary_label,
    collect,
    collect_fractions,
    format_rank_report,
    format_report,
    fraction_label,
    rank_agreement,
    validate_scores,
)
from af_inspect.scorers.af_reasoning import CLASSIFIERS
from af_inspect.scorers.grader import grader_for

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
    # the labelled transcripts are imported: their model never grades, so the rule asks for a grader
    roles["grader"] = grader_for(imported_model_name(["labelled"]), roles.get("grader"))
    return roles


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


def label_kind(values: list[Any]) -> str:
    """`binary` when every label is 0/1, `fraction` when every label is a number in [0, 1], else `mixed`."""
    if all(binary_label(v) is not None for v in values):
        return "binary"
    if all(fraction_label(v) is not None for v in values):
        return "fraction"
    return "mixed"


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
    missing = [r for r in records if r.labels.get(args.label) is None]
    if missing and args.skip_unlabelled:
        records = [r for r in records if r.labels.get(args.label) is not None]
        print(f"Left out {len(missing)} record(s) without labels.{args.label} (--skip-unlabelled).")
    kind = label_kind([r.labels.get(args.label) for r in records]) if records else "binary"
    if kind == "mixed" or not records:
        bad = [
            f"{r.source_file}:{r.source_line}: labels.{args.label} is {r.labels.get(args.label)!r}; "
            "expected 0 or 1 (true/false), or a fraction in [0, 1]."
            for r in records
            if fraction_label(r.labels.get(args.label)) is None
        ]
        more = f"\n... and {len(bad) - 20} more." if len(bad) > 20 else ""
        hint = "" if args.skip_unlabelled else " (--skip-unlabelled leaves out records without it)"
        raise LabelError(f"{len(bad)} record(s) without a usable label{hint}:\n" + "\n".join(bad[:20]) + more)
    if args.limit:
        records = records[: args.limit]

    scorer = make_scorer(args.scorer, votes=args.votes, threshold=args.threshold)
    models = resolve_roles(roles, GenerateConfig(max_retries=args.max_retries, timeout=args.timeout))
    log = records_to_log(records, origin)

    from inspect_ai import score

    scored = score(log, [scorer], model_roles=models, display=args.display, action="overwrite")
    name = score_name(scored.samples or [])
    instrument = instrument_line(scored.samples or [], name)
    context = {
        "classifier": args.classifier,
        "votes": args.votes,
        "threshold": args.threshold,
        "grader": roles["grader"],
        "label": f"labels.{args.label}",
        "file": str(args.labels or args.file),
        "scorer": args.scorer,
        "instrument": instrument,
        **source,
    }
    if kind == "fraction":
        ranked = rank_agreement(collect_fractions(scored.samples or [], name, args.label), args.threshold)
        ranked.context = context
        print(format_rank_report(ranked))
        report_dict, n_scored = ranked.to_dict(), ranked.n_scored
    else:
        items = collect(scored.samples or [], name, args.label)
        report = validate_scores(items, DEFAULT_BINS)
        # the published AUROC holds for the fetched file graded by GPT-4o, 20 votes, the upstream count only
        published = (
            args.labels == GOLD106
            and args.classifier == "published"
            and "gpt-4o" in roles["grader"].lower()
            and "sha256" in instrument
        )
        report.context = {**context, **({"published": PUBLISHED_FIGURE} if published else {})}
        print(format_report(report))
        report_dict, n_scored = report.to_dict(), report.n_scored
    if args.output:
        path = write_log(scored, args.output)
        print(f"\nScored log: {path}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report_dict, indent=2, default=str), encoding="utf-8")
    if n_scored == 0:
        print("\nNo transcript was scored: see the unscored reasons above.")
        return 1
    return 0


def instrument_line(samples: list, name: str) -> str:
    """What judged the transcripts: a fetched instrument with its sha256, or this project's rubric."""
    for sample in samples:
        md = (sample.scores or {}).get(name)
        md = md.metadata if md is not None else None
        if not md or "rubric" not in md:
            continue
        rec = md.get("instrument")
        rec = rec[0] if isinstance(rec, list) else rec
        if not rec:
            return f"{md['rubric']} (af-inspect's own rubric, not a published file)"
        if not rec.get("fetched"):
            return f"{rec['id']} ({rec['path']}): not fetched, the offline organism/judge answered by its id"
        return f"{rec['id']} ({rec['url']}, {rec['pin']}), sha256 {rec['sha256']}"
    return "unknown (no transcript was judged)"


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
