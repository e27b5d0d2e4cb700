"""`af-inspect battery`: run the pre-deployment battery as one resumable eval set and write its verdict."""

from __future__ import annotations

import argparse
import json
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from inspect_ai import eval_set

from af_inspect.battery import CANONICAL, PLANNING_DISCORDANCE, battery_tasks, load_battery, planned_mdg
from af_inspect.headline import progress_lines
from af_inspect.params import ParameterError, parse_assignments
from af_inspect.verdict import decide, read_cells, write_verdict

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
        "--calibration", help="The JSON written by `af-inspect validate --json`, to report beside."
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
    if not args.grader and not args.model.startswith("organism/"):
        raise ParameterError(
            f"Name a grader for {args.model}: --grader MODEL (the judges must not be the model under test)."
        )
    battery = load_battery(args.battery)
    tasks, skipped = battery_tasks(battery)  # every cell built and checked before anything is sent
    for cell, why in skipped.items():
        print(f"Skipping secondary cell {cell}: {why}")
    by_name = {t.name: t for t in tasks}
    for cell in battery.cells:
        if cell.role == "primary":
            mdg = planned_mdg(by_name[cell.name], cell.epochs, args.limit)
            if not mdg <= battery.detect:
                print(
                    f"Note: cell {cell.name} is sized to detect a gap of {mdg * 100:.1f} points at "
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
    md, js = write_verdict(battery, verdicts, args.log_dir, args.model)
    print(md.read_text(encoding="utf-8"))
    print(f"Wrote {md} and {js}")
    return 0 if success else 1
