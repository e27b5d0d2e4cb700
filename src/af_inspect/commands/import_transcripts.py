"""`af-inspect import FILE.jsonl -o out.eval`: external transcripts as an Inspect log, ready to re-score."""

from __future__ import annotations

import argparse
from collections import Counter

from af_inspect.calibration.importer import import_transcripts, write_log
from af_inspect.core import names

NAME = "import"
HELP = "Import transcripts (JSONL records) into an Inspect .eval log that af_inspect scorers can re-score."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="JSONL file, one record a line (see docs/import_validate.md).")
    parser.add_argument("-o", "--output", required=True, help="Log to write (.eval, or .json).")
    parser.add_argument("--model", help="Model name for records that have no 'model' field.")
    parser.add_argument("--setting", help="Setting for records that have no 'setting' field.")
    parser.add_argument(
        "--accept-reject-suffix",
        action="store_true",
        help="Append the <request_fully_accepted/>/<rejected/> instruction to each user turn, recording "
        "that the transcripts were produced with it (the tag check compliance_tags only means something then).",
    )


def run(args: argparse.Namespace) -> int:
    log = import_transcripts(
        args.file,
        model=args.model,
        setting=args.setting,
        accept_reject_suffix=args.accept_reject_suffix,
    )
    path = write_log(log, args.output)
    samples = log.samples or []
    tiers = Counter(s.metadata[names.TIER] for s in samples)
    print(
        f"Imported {len(samples)} transcripts ({', '.join(f'{t}: {n}' for t, n in sorted(tiers.items()))}) "
        f"as {log.eval.model} -> {path}"
    )
    print(f"Re-score with: inspect score {path} --scorer af_inspect/compliance_tags")
    return 0
