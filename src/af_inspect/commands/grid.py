"""`af-inspect grid`: run settings x variations x models as one resumable Inspect eval set."""

from __future__ import annotations

import argparse
from typing import Any

from af_inspect.campaigns.cells import DEFAULT_COLUMN, cell_tasks, grid_cells
from af_inspect.core.params import parse_assignments
from af_inspect.settings import setting_names

NAME = "grid"
HELP = "Run settings x variations x models as one resumable eval set (stable task names)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        help="Setting (repeatable; default: every setting of the registry).",
    )
    parser.add_argument(
        "--variation",
        action="append",
        default=[],
        help="A grid column (repeatable): 'default', a variation, 'a,b' (combined) or FILE.yaml:NAME. "
        "Default: default only.",
    )
    parser.add_argument("--model", action="append", default=[], help="Model (repeatable).")
    parser.add_argument("--log-dir", help="Log directory of the eval set (rerun with it to resume).")
    parser.add_argument(
        "-T",
        dest="task_args",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="Task parameter for every cell (e.g. -T dataset=builtin -T scratchpad=false).",
    )
    parser.add_argument(
        "-M",
        dest="model_args",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="Model argument (e.g. -M seed=3).",
    )
    parser.add_argument(
        "--model-role",
        action="append",
        default=[],
        metavar="ROLE=MODEL",
        help="Model role, e.g. grader=openai/gpt-4o.",
    )
    parser.add_argument("--limit", type=int, help="Queries x tiers per task (Inspect's --limit).")
    parser.add_argument("--epochs", type=int, help="Epochs per sample.")
    parser.add_argument("--max-samples", type=int, help="Samples run in parallel per task.")
    parser.add_argument("--max-tasks", type=int, help="Tasks run in parallel.")
    parser.add_argument(
        "--max-retries",
        type=int,
        help="Retries of a failed model request (Inspect's --max-retries; default: without limit).",
    )
    parser.add_argument(
        "--timeout",
        type=int,
        help="Seconds a model request may take, retries included (Inspect's --timeout).",
    )
    parser.add_argument(
        "--retry-attempts",
        type=int,
        help="Times the eval set reruns a task that errored (Inspect's eval-set --retry-attempts; default 10).",
    )
    parser.add_argument("--model-base-url", help="Base URL of the model's API (Inspect's --model-base-url).")
    parser.add_argument("--dry-run", action="store_true", help="Only list the task names the grid would run.")


def run(args: argparse.Namespace) -> int:
    settings = args.setting or setting_names()
    # -T values stay text where the task expects text (yaml would turn 'false' into a bool, which is fine)
    cells = grid_cells(settings, args.variation or [DEFAULT_COLUMN], parse_assignments(args.task_args, "-T"))
    if args.dry_run:
        for cell in cells:
            print(cell.name)
        return 0
    if not args.model or not args.log_dir:
        raise ValueError("--model (at least one) and --log-dir are required to run the grid.")
    from inspect_ai import eval_set

    kwargs: dict[str, Any] = {
        k: v
        for k, v in {
            "limit": args.limit,
            "epochs": args.epochs,
            "max_samples": args.max_samples,
            "max_tasks": args.max_tasks,
            "max_retries": args.max_retries,
            "timeout": args.timeout,
            "retry_attempts": args.retry_attempts,
            "model_base_url": args.model_base_url,
        }.items()
        if v is not None
    }
    if args.model_role:
        kwargs["model_roles"] = {
            k: str(v) for k, v in parse_assignments(args.model_role, "--model-role").items()
        }
    tasks = cell_tasks(cells)
    success, logs = eval_set(
        tasks,
        model=args.model,
        log_dir=args.log_dir,
        model_args=parse_assignments(args.model_args, "-M"),
        **kwargs,
    )
    for log in logs:
        print(f"{log.status:<9} {log.eval.task:<45} {log.eval.model}  {log.location}")
        if log.status == "error" and log.error:
            print(f"          error: {log.error.message.strip().splitlines()[-1]}")
    # non-zero when any cell did not finish (error or cancelled): unlike `inspect eval`, which exits 0
    return 0 if success else 1
