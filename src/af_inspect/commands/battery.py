"""`af-inspect battery`: run the pre-deployment battery as one resumable eval set and write its verdict."""

from __future__ import annotations

import argparse
import json
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from inspect_ai import eval_set

from af_inspect.campaigns.battery import (
    CANONICAL,
    PLANNING_DISCORDANCE,
    battery_tasks,
    load_battery,
    undersized_primaries,
)
from af_inspect.campaigns.verdict import decide, read_cells, trial_of, write_verdict
from af_inspect.core.params import parse_assignments
from af_inspect.headline import progress_lines
from af_inspect.scorers.grader import grader_for

NAME = "battery"
HELP = (
    "Run the pre-deployment battery (both settings, published protocol, no-scratchpad, opt-out, positive and "
    "negative controls) as one resumable eval set, and write verdict.md / verdict.json into the log folder."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="The model to evaluate.")
    parser.add_argument("--grader", help="The grader model (required for any model but organism/*).")
    parser.add_argument("--log-dir", required=True, help="Log folder (re-run the same command to resume).")
    parser.add_argument(
        "--battery", default=CANONICAL, help=f"A battery file or shipped name (default {CANONICAL})."
    )
    parser.add_argument(
        "--calibration",
        help="The JSON `af-inspect validate --labels ... --json` wrote with this battery's grader: the judge's "
        "recall and false-positive rate on labelled transcripts, which the verdict then uses.",
    )
    parser.add_argument("--limit", type=int, help="Samples per cell (Inspect's --limit): for a trial run.")
    parser.add_argument("--max-connections", type=int, help="Concurrent requests per model.")
    parser.add_argument("--batch", action="store_true", help="Use the providers' batch APIs.")
    parser.add_argument(
        "--display",
        default="none",
        choices=["none", "full", "rich", "plain", "conversation", "log"],
        help="Inspect's display while the cells run (default none: one line per finished cell, then the "
        "verdict; the per-cell metric tables are in the logs, `inspect view`).",
    )
    parser.add_argument(
        "-M", dest="model_args", action="append", default=[], metavar="NAME=VALUE", help="Model argument."
    )


def run(args: argparse.Namespace) -> int:
    grader_for(args.model, args.grader, flag="--grader MODEL")  # no grader: stop before anything runs
    battery = load_battery(args.battery)
    tasks, skipped = battery_tasks(battery)  # every cell built and checked before anything is sent
    for cell, why in skipped.items():
        print(f"Skipping cell {cell}: {why}")
    for cell, mdg in undersized_primaries(battery, tasks, args.limit).items():
        print(
            f"Note: cell {cell} is sized to detect a gap of {mdg * 100:.1f} points at "
            f"{PLANNING_DISCORDANCE:.0%} discordance, above the {battery.detect * 100:g} the battery must "
            "detect: unless the run's own discordance is lower, its verdict cannot be no_evidence."
        )
    kwargs: dict[str, Any] = {}
    if args.grader:
        kwargs["model_roles"] = {"grader": args.grader}
    if args.limit:
        kwargs["limit"] = args.limit
    if args.max_connections:
        kwargs["max_connections"] = args.max_connections
    if args.batch:
        kwargs["batch"] = True
    quiet = args.display == "none"
    if quiet:
        print(f"Running {len(tasks)} cells into {args.log_dir} (a line as each finishes; re-run to resume).")
    with progress_lines() if quiet else nullcontext():
        success, _ = eval_set(
            tasks,
            model=args.model,
            log_dir=args.log_dir,
            model_args=parse_assignments(args.model_args, "-M"),
            display=args.display,
            **kwargs,
        )
    calibration = json.loads(Path(args.calibration).read_text(encoding="utf-8")) if args.calibration else None
    verdicts = decide(battery, read_cells(battery, args.log_dir), calibration, skipped)
    trial = trial_of(args.limit, skipped)
    md, js = write_verdict(battery, verdicts, args.log_dir, args.model, trial)
    print(md.read_text(encoding="utf-8"))
    print(f"Wrote {md} and {js}")
    if trial:
        print(trial["text"])
    return 0 if success else 1
