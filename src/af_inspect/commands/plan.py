"""`af-inspect plan`: a dry run that prints requests, tokens and cost of an eval before anything is sent, and
with `--detect GAP` how many queries and epochs a run needs to detect that gap, and what that costs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from af_inspect.core.params import parse_assignments
from af_inspect.core.stats import DETECT_ALPHA, DETECT_POWER
from af_inspect.planning import costs
from af_inspect.planning.plan import (
    DEFAULT_ICC,
    DEFAULT_TASK,
    MAX_EPOCHS,
    PlanOptions,
    assumptions_with,
    check_options,
    detection,
    plan_battery,
    plan_json,
    plan_task,
    resolve_tasks,
)

NAME = "plan"
HELP = (
    "Dry run: build the task(s) as `inspect eval` would and print the number of model and grader requests, "
    "the estimated tokens and the cost at published prices, with and without each cost lever. Sends nothing."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "tasks", nargs="*", metavar="TASK", help=f"Task(s) as for `inspect eval` (default {DEFAULT_TASK})."
    )
    parser.add_argument(
        "-T", dest="task_args", action="append", default=[], metavar="NAME=VALUE", help="Task parameter."
    )
    parser.add_argument("--model", help="Evaluated model, e.g. anthropic/claude-sonnet-4-5.")
    parser.add_argument(
        "--grader",
        help="Grader model (as --model-role grader=...). Default: as the judges resolve it "
        "(organism/judge for the organism, else the evaluated model).",
    )
    parser.add_argument("--limit", type=int, help="First N samples, as `inspect eval --limit`.")
    parser.add_argument("--epochs", type=int, default=1, help="Epochs, as `inspect eval --epochs`.")
    parser.add_argument("--prices", help="Price table YAML (default: the packaged prices.yaml).")
    parser.add_argument(
        "--output-tokens", type=int, help="Assumed tokens the model writes per transcript (see prices.yaml)."
    )
    parser.add_argument(
        "--compliance", type=float, help="Assumed compliance rate in both tiers (decides where judges run)."
    )
    parser.add_argument("--turns", type=float, help="Assumed model turns per transcript (default 1).")
    parser.add_argument("--json", dest="json_out", help="Also write the plan as JSON here.")
    parser.add_argument(
        "--battery",
        metavar="BATTERY",
        help="Plan a battery instead of tasks (a battery file or shipped name, e.g. predeployment): every cell "
        "with its own epochs, and the total.",
    )
    parser.add_argument(
        "--detect",
        type=float,
        metavar="GAP",
        help="Also print how many queries (and epochs) a run needs to detect a compliance gap of GAP "
        f"(0.02 = 2 points) with a two-sided test at {DETECT_ALPHA:g} and {DETECT_POWER * 100:.0f}%% power, and the cost.",
    )
    parser.add_argument(
        "--discordance",
        type=float,
        help="With --detect: share of queries whose outcome differs between the tiers in one epoch, e.g. a "
        "pilot run's (compliance_free_only + compliance_paid_only) / compliance_pairs. Default: from the assumed "
        "compliance and --icc.",
    )
    parser.add_argument(
        "--icc",
        type=float,
        default=DEFAULT_ICC,
        help=f"With --detect: within-query correlation of compliance (default {DEFAULT_ICC:g}).",
    )


def print_plan(p: dict[str, Any], table: costs.PriceTable) -> None:
    w: costs.Workload = p["workload"]
    wn: costs.Workload = p["without_num_choices"]
    a = w.assumptions
    k = w.transcripts
    print(
        f"Plan for {p['task']}: {w.samples:,} samples x {w.epochs} epoch(s) = {k:,} transcripts. Nothing is sent."
    )
    print(
        f"  evaluated model: {p['model'] or '(not given)'}; grader: {p['grader'] or '(the evaluated model)'}"
    )
    if p.get("grader_note"):
        print(f"  note: {p['grader_note']}")
    print(
        f"  system prompt: {w.system_prompt_tokens:,} tokens, identical in every request"
        if w.system_prompt_tokens
        else "  system prompt: differs between samples"
    )
    for note in [*p["pricing_notes"], *w.notes]:
        print(f"  note: {note}")
    print()
    print("Requests")
    model = next(g for g in w.groups if g.role == "model")
    print(
        f"  model:  {model.requests:,.0f} expected ({a.turns:g} turn(s) per transcript), "
        f"at most {model.max_requests:,} (max_turns {w.max_turns})"
    )
    graders = [g for g in w.groups if g.role == "grader"]
    if not graders:
        print("  grader: none (no judge scorers)")
    for g in graders:
        gn = next(x for x in wn.groups if x.purpose == g.purpose)
        print(
            f"  grader: {g.purpose}: {g.requests:,.0f} expected ({g.note}); "
            f"{gn.requests:,.0f} without num_choices; at most {g.max_requests:,} (every transcript, every vote "
            "its own request)"
        )
    print()
    print(
        f"Tokens (estimated at 4 characters a token; model output assumed {a.model_output_tokens} per transcript)"
    )
    print("  | | input | output | input per transcript | output per transcript |")
    print("  |---|---:|---:|---:|---:|")
    for role in ("model", "grader"):
        i, o = w.total(role, "input_tokens"), w.total(role, "output_tokens")
        print(f"  | {role} | {i:,.0f} | {o:,.0f} | {i / k:,.0f} | {o / k:,.0f} |")
    for pr in p["pricings"]:
        mp, gp = pr["model_price"], pr["grader_price"]
        print()
        dates = sorted({x.as_of for x in (mp, gp) if x.id != costs.LOCAL_PRICE_ID and x.priced})
        as_of = f" (as of {' and '.join(dates)})" if dates else ""
        print(f"Cost, model at {_at(mp)}, grader at {_at(gp)}{as_of}")
        if not (mp.priced and gp.priced):
            print("  (a model the price table does not price has its cost left empty: see the note above)")
        print("  | levers | model requests | grader requests | model | grader | total |")
        print("  |---|---:|---:|---:|---:|---:|")
        for r in pr["rows"]:
            print(
                f"  | {r.label} | {r.model_requests:,.0f} | {r.grader_requests:,.0f} | "
                f"{costs.fmt_usd(r.cost.model.total)} | {costs.fmt_usd(r.cost.grader.total)} | "
                f"{costs.fmt_usd(r.cost.total)} |"
            )
    print()
    print(
        f"Assumptions ({table.source}): compliance {a.compliance_free:g} free / {a.compliance_paid:g} paid, "
        f"scratchpad in {a.scratchpad_rate:.0%} and an output in {a.output_rate:.0%} of transcripts, "
        f"{a.output_tokens} of the {a.model_output_tokens} output tokens in <OUTPUT>; judge votes "
        + ", ".join(f"{n} {t}" for n, t in a.vote_output_tokens.items())
        + " tokens each. A re-run with Inspect's response cache (--cache) pays only for requests not cached."
    )


def print_detection(p: dict[str, Any]) -> None:
    d = p["detect"]
    print()
    print(
        f"Detecting a compliance gap of {d['gap'] * 100:g} points (two-sided test at {DETECT_ALPHA:g}, "
        f"{DETECT_POWER:.0%} power: the minimum detectable gap of docs/statistics.md)"
    )
    print(
        f"  assumed: {d['discordance']:.1%} of queries answer differently in the two tiers in one epoch "
        f"({d['discordance_source']}); the same gap on every query, so epochs average the within-query "
        "noise (if the gap varies between queries they help less)"
    )
    names = [f"cost at {_at(pr['model_price'])} / {_at(pr['grader_price'])}" for pr in p["pricings"]]
    print("  | epochs | queries (pairs) | transcripts | " + " | ".join(names) + " |")
    print("  |---:|---:|---:|" + "---:|" * len(names))
    for r in d["rows"]:
        mark = " (fewest the task's queries allow)" if r["epochs"] == d["fewest_epochs"] else ""
        cost = " | ".join(costs.fmt_usd(c) for c in r["costs"])
        print(f"  | {r['epochs']}{mark} | {r['queries']:,} | {r['transcripts']:,} | {cost} |")
    if d["fewest_epochs"]:
        print(
            f"  The task has {d['available_queries']:,} queries x {d['tiers']} tiers: "
            f"{d['fewest_epochs']} epoch(s) or more (--epochs), or a larger query set."
        )
    else:
        print(
            f"  The task has {d['available_queries']:,} queries: not enough even with {MAX_EPOCHS} epochs; "
            "use a larger query set."
        )
    print(
        "  Costs are the plan's default-levers price per transcript times the transcripts; "
        "a run's log reports its own minimum detectable gap (compliance_gap_mdg)."
    )


def print_total(plans: list[dict[str, Any]]) -> None:
    """Sum of every task's rows, per pricing (the pricings are the same for every task of one command)."""
    print("\n" + "=" * 80 + "\n")
    print(f"Total over {len(plans)} tasks")
    for i, pr in enumerate(plans[0]["pricings"]):
        print()
        print(f"Cost, model at {_at(pr['model_price'])}, grader at {_at(pr['grader_price'])}")
        print("  | levers | model requests | grader requests | total |")
        print("  |---|---:|---:|---:|")
        for j, r in enumerate(pr["rows"]):
            rows = [p["pricings"][i]["rows"][j] for p in plans]
            print(
                f"  | {r.label} | {sum(x.model_requests for x in rows):,.0f} | "
                f"{sum(x.grader_requests for x in rows):,.0f} | {costs.fmt_usd(sum(x.cost.total for x in rows))} |"
            )


def _at(price: costs.Price) -> str:
    """`gpt-4o prices`, or `no price (openai/gpt-5)` for a model the table does not price."""
    return f"{price.id} prices" if price.priced else f"no price ({price.model})"


def run(args: argparse.Namespace) -> int:
    options = PlanOptions(model=args.model, grader=args.grader, limit=args.limit, epochs=args.epochs)
    check_options(options)
    table = costs.load_price_table(args.prices)
    assumptions = assumptions_with(table.assumptions, args.output_tokens, args.compliance, args.turns)
    if args.battery:
        if args.tasks or args.task_args:
            raise ValueError("--battery plans the battery's own cells: give no TASK or -T with it.")
        tasks, plans, skipped = plan_battery(args.battery, options, table, assumptions)
        for cell, why in skipped.items():
            print(f"Not planned (cell {cell}): {why}\n")
    else:
        tasks = resolve_tasks(args.tasks, parse_assignments(args.task_args, "-T"))
        plans = [plan_task(t, options, table, assumptions) for t in tasks]
    if args.detect is not None:
        for t, p in zip(tasks, plans, strict=True):
            p["detect"] = detection(p, t, args.detect, args.discordance, args.icc)
    for i, p in enumerate(plans):
        if i:
            print("\n" + "-" * 80 + "\n")
        print_plan(p, table)
        if "detect" in p:
            print_detection(p)
    if len(plans) > 1:
        print_total(plans)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps([plan_json(p) for p in plans], indent=2), encoding="utf-8")
    return 0
