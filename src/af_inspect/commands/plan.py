"""`af-inspect plan`: a dry run that prints requests, tokens and cost of an eval before anything is sent, and
with `--detect GAP` how many queries and epochs a run needs to detect that gap, and what that costs."""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from inspect_ai import Task
from inspect_ai.util import registry_create

from af_inspect import _registry, costs  # noqa: F401  (_registry: registers the tasks)
from af_inspect.battery import battery_tasks, load_battery
from af_inspect.params import parse_assignments
from af_inspect.providers import OFFLINE_JUDGE, capabilities
from af_inspect.stats import DETECT_ALPHA, DETECT_POWER, discordance_between_tiers, queries_needed

NAME = "plan"
HELP = (
    "Dry run: build the task(s) as `inspect eval` would and print the number of model and grader requests, "
    "the estimated tokens and the cost at published prices, with and without each cost lever. Sends nothing."
)
DEFAULT_TASK = "af_inspect/helpful_only"
DEFAULT_ICC = 0.5
"""Within-query correlation of compliance assumed by `--detect` (no published figure: state yours with --icc,
or give a pilot run's discordance with --discordance)."""
EPOCHS_SHOWN = (1, 2, 3, 5, 10)
"""Epochs per tier listed by `--detect` (plus the fewest that the task's queries suffice for)."""
MAX_EPOCHS = 1000


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


def _assumptions(args: argparse.Namespace, base: costs.Assumptions) -> costs.Assumptions:
    changes: dict[str, Any] = {}
    if args.output_tokens is not None:
        if args.output_tokens < 1:
            raise ValueError("--output-tokens must be at least 1.")
        changes["model_output_tokens"] = args.output_tokens
        changes["output_tokens"] = min(base.output_tokens, args.output_tokens)
    if args.compliance is not None:
        if not 0 <= args.compliance <= 1:
            raise ValueError("--compliance must be between 0 and 1.")
        changes["compliance_free"] = changes["compliance_paid"] = args.compliance
    if args.turns is not None:
        if args.turns < 1:
            raise ValueError("--turns must be at least 1.")
        changes["turns"] = args.turns
    return replace(base, **changes)


def resolve(task_names: list[str], task_args: list[str]) -> list[Task]:
    """Build the tasks as `inspect eval` does: by registry name, with `-T` values read as YAML."""
    params = parse_assignments(task_args, "-T")
    tasks = []
    for name in task_names:
        full = name if "/" in name else f"af_inspect/{name}"
        try:
            tasks.append(registry_create("task", full, **params))
        except LookupError:
            raise ValueError(
                f"Unknown task {name!r}. af-inspect's tasks: af_inspect/helpful_only, af_inspect/animal_welfare."
            ) from None
    return tasks


def _default_grader(model: str | None) -> str | None:
    if model and model.startswith("organism/"):
        return OFFLINE_JUDGE
    return model


def task_judges_need_grader(task: Any, args: argparse.Namespace) -> bool:
    """The task has judges, no grader is given, and the evaluated model is neither the organism nor allowed
    to grade itself: `inspect eval` would stop at the first sample (`solvers/grader_check.py`)."""
    grading = (task.metadata or {}).get("grading") or {}
    return bool(
        costs.task_judges(task)
        and not args.grader
        and not (args.model or "").startswith("organism/")
        and not grading.get("allow_self_grading")
    )


def _grader_num_choices(grader: str | None, price: costs.Price | None) -> bool:
    if grader:
        return capabilities(grader).num_choices
    return bool(price and price.num_choices)


def plan_task(
    task: Any,
    args: argparse.Namespace,
    table: costs.PriceTable,
    assumptions: costs.Assumptions,
) -> dict[str, Any]:
    grader = args.grader or _default_grader(args.model)
    reqs = costs.first_requests(task, args.limit, model=args.model or "none/none")
    if not reqs:
        raise ValueError(f"Task {task.name} has no samples (after --limit).")
    notes: list[str] = []
    model_price: costs.Price | None = None
    if args.model:
        model_price, note = table.lookup(args.model, "--model")
        notes += [note] if note else []
    grader_price: costs.Price | None = None
    if grader and grader != args.model:  # (the evaluated model grading itself is priced as the model)
        grader_price, note = table.lookup(grader, "--grader" if args.grader else "grader")
        notes += [note] if note else []
    pairs: list[tuple[costs.Price, costs.Price]]
    if model_price:
        pairs = [(model_price, grader_price or model_price)]
    else:  # no model named: one pricing per table entry, each labelled with the prices it uses
        notes.append(f"--model not given: priced at each model of {table.source}.")
        pairs = [(p, grader_price or p) for p in table.models.values()]
    out: dict[str, Any] = {
        "task": task.name,
        "model": args.model,
        "grader": grader,
        "pricing_notes": notes,
        "pricings": [],
    }
    if task_judges_need_grader(task, args):
        out["grader_note"] = (
            "no grader named: the run needs --model-role grader=MODEL (or -T allow_self_grading=true); "
            "priced here as the evaluated model grading itself"
        )
    base = costs.workload(
        task,
        epochs=args.epochs,
        assumptions=assumptions,
        grader_num_choices=_grader_num_choices(grader, pairs[0][1]),
        requests=reqs,
    )
    without_nc = costs.workload(
        task,
        epochs=args.epochs,
        assumptions=assumptions,
        levers=costs.Levers(num_choices=False),
        requests=reqs,
    )
    out["workload"] = base
    out["without_num_choices"] = without_nc
    for mp, gp in pairs:
        gnc = _grader_num_choices(grader, gp) if grader else gp.num_choices
        rows = costs.lever_table(
            task, mp, gp, epochs=args.epochs, assumptions=assumptions, grader_num_choices=gnc, requests=reqs
        )
        out["pricings"].append({"model_price": mp, "grader_price": gp, "rows": rows})
    return out


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


def detection(p: dict[str, Any], task: Any, args: argparse.Namespace) -> dict[str, Any]:
    """Queries needed per number of epochs to detect `args.detect`, each priced from this plan's run.

    The plan prices the task's transcripts; a transcript costs the same in a bigger run, so a run of n queries
    and E epochs costs n x tiers x E transcripts at that price (default levers, each pricing of the plan).
    """
    gap = args.detect
    if not 0 < gap <= 1:
        raise ValueError("--detect must be a gap between 0 and 1 (0.02 = 2 points).")
    w: costs.Workload = p["workload"]
    a = w.assumptions
    compliance = (a.compliance_free + a.compliance_paid) / 2
    if args.discordance is not None:
        if not 0 <= args.discordance <= 1:
            raise ValueError("--discordance must be between 0 and 1.")
        discordance, source = args.discordance, "given (--discordance)"
    else:
        if not 0 <= args.icc <= 1:
            raise ValueError("--icc must be between 0 and 1.")
        discordance = discordance_between_tiers(compliance, args.icc)
        source = f"from compliance {compliance:g} in both tiers and within-query correlation {args.icc:g}"
    md = task.metadata or {}
    available = int(md.get("n_queries") or 0)
    tiers = len(md.get("tiers") or []) or 2
    per_transcript = [pr["rows"][0].cost.total / w.transcripts for pr in p["pricings"]]
    fewest = next(
        (e for e in range(1, MAX_EPOCHS + 1) if queries_needed(gap, discordance, e) <= available), None
    )
    rows = []
    for e in sorted({*EPOCHS_SHOWN, *([fewest] if fewest else [])}):
        n = queries_needed(gap, discordance, e)
        transcripts = n * tiers * e
        rows.append(
            {
                "epochs": e,
                "queries": n,
                "transcripts": transcripts,
                "costs": [c * transcripts for c in per_transcript],
            }
        )
    return {
        "gap": gap,
        "discordance": discordance,
        "discordance_source": source,
        "available_queries": available,
        "tiers": tiers,
        "fewest_epochs": fewest,
        "rows": rows,
    }


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


def _usd(x: float) -> float | None:
    """A cost for the JSON plan: null where the model is not priced (JSON has no NaN)."""
    return None if math.isnan(x) else x


def _detect_jsonable(d: dict[str, Any]) -> dict[str, Any]:
    return {**d, "rows": [{**r, "costs": [_usd(c) for c in r["costs"]]} for r in d["rows"]]}


def _jsonable(p: dict[str, Any]) -> dict[str, Any]:
    return {
        **({"detect": _detect_jsonable(p["detect"])} if "detect" in p else {}),
        "task": p["task"],
        "model": p["model"],
        "grader": p["grader"],
        "pricing_notes": p["pricing_notes"],
        "workload": asdict(p["workload"]),
        "pricings": [
            {
                "model_price": pr["model_price"].id,
                "grader_price": pr["grader_price"].id,
                "rows": [
                    {
                        "label": r.label,
                        "levers": asdict(r.levers),
                        "model_requests": r.model_requests,
                        "grader_requests": r.grader_requests,
                        "model_cost": _usd(r.cost.model.total),
                        "grader_cost": _usd(r.cost.grader.total),
                        "total_cost": _usd(r.cost.total),
                    }
                    for r in pr["rows"]
                ],
            }
            for pr in p["pricings"]
        ],
    }


def replace_args(args: argparse.Namespace, **changes: Any) -> argparse.Namespace:
    return argparse.Namespace(**{**vars(args), **changes})


def run(args: argparse.Namespace) -> int:
    if args.limit is not None and args.limit < 1:
        raise ValueError("--limit must be at least 1.")
    if args.epochs < 1:
        raise ValueError("--epochs must be at least 1.")
    table = costs.load_price_table(args.prices)
    assumptions = _assumptions(args, table.assumptions)
    if args.battery:
        if args.tasks or args.task_args:
            raise ValueError("--battery plans the battery's own cells: give no TASK or -T with it.")
        battery = load_battery(args.battery)
        built, skipped = battery_tasks(battery)
        for cell, why in skipped.items():
            print(f"Not planned (secondary cell {cell}): {why}\n")
        epochs = {c.name: c.epochs for c in battery.cells}
        tasks = built
        plans = [plan_task(t, replace_args(args, epochs=epochs[t.name]), table, assumptions) for t in tasks]
    else:
        tasks = resolve(args.tasks or [DEFAULT_TASK], args.task_args)
        plans = [plan_task(t, args, table, assumptions) for t in tasks]
    if args.detect is not None:
        for t, p in zip(tasks, plans, strict=True):
            p["detect"] = detection(p, t, args)
    for i, p in enumerate(plans):
        if i:
            print("\n" + "-" * 80 + "\n")
        print_plan(p, table)
        if "detect" in p:
            print_detection(p)
    if len(plans) > 1:
        print_total(plans)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps([_jsonable(p) for p in plans], indent=2), encoding="utf-8")
    return 0
