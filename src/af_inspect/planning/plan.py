"""A run's plan before anything is sent: requests, tokens and cost per task (and per battery cell), and with a
gap to detect, the queries and epochs that need and what they cost. `af-inspect plan` prints what this returns.

Why a module of its own: the battery, the command and a lab's own scripts plan the same way, and the grader
a plan prices is the grader the run will use (`scorers.grader.grader_for`), not a second copy of the rule.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

from inspect_ai import Task
from inspect_ai.util import registry_create

from af_inspect import tasks as _tasks  # noqa: F401  (registers the tasks, by their decorators)
from af_inspect.anti_lab import task as _anti_lab_task  # noqa: F401
from af_inspect.campaigns.battery import battery_tasks, load_battery
from af_inspect.core.providers import capabilities
from af_inspect.core.stats import discordance_between_tiers, queries_needed
from af_inspect.planning import costs
from af_inspect.scorers.grader import GraderPolicyError, grader_for

DEFAULT_TASK = "af_inspect/helpful_only"
DEFAULT_ICC = 0.5
"""Within-query correlation of compliance assumed when detecting a gap (no published figure: state yours, or
give a pilot run's discordance)."""
EPOCHS_SHOWN = (1, 2, 3, 5, 10)
"""Epochs per tier listed for a gap to detect (plus the fewest that the task's queries suffice for)."""
MAX_EPOCHS = 1000


@dataclass(frozen=True)
class PlanOptions:
    """What the run will be: the evaluated model, the grader named for it, and its size."""

    model: str | None = None
    grader: str | None = None
    limit: int | None = None
    epochs: int = 1


def check_options(options: PlanOptions) -> None:
    if options.limit is not None and options.limit < 1:
        raise ValueError("--limit must be at least 1.")
    if options.epochs < 1:
        raise ValueError("--epochs must be at least 1.")


def assumptions_with(
    base: costs.Assumptions,
    output_tokens: int | None = None,
    compliance: float | None = None,
    turns: float | None = None,
) -> costs.Assumptions:
    """The price table's assumptions with the ones given instead, each checked."""
    changes: dict[str, Any] = {}
    if output_tokens is not None:
        if output_tokens < 1:
            raise ValueError("--output-tokens must be at least 1.")
        changes["model_output_tokens"] = output_tokens
        changes["output_tokens"] = min(base.output_tokens, output_tokens)
    if compliance is not None:
        if not 0 <= compliance <= 1:
            raise ValueError("--compliance must be between 0 and 1.")
        changes["compliance_free"] = changes["compliance_paid"] = compliance
    if turns is not None:
        if turns < 1:
            raise ValueError("--turns must be at least 1.")
        changes["turns"] = turns
    return replace(base, **changes)


def resolve_tasks(task_names: list[str], params: dict[str, Any]) -> list[Task]:
    """Build the tasks as `inspect eval` does: by registry name, with the `-T` values given."""
    tasks = []
    for name in task_names or [DEFAULT_TASK]:
        full = name if "/" in name else f"af_inspect/{name}"
        try:
            tasks.append(registry_create("task", full, **params))
        except LookupError:
            raise ValueError(
                f"Unknown task {name!r}. af-inspect's tasks: af_inspect/helpful_only, af_inspect/animal_welfare."
            ) from None
    return tasks


def planned_grader(task: Task, options: PlanOptions) -> tuple[str | None, str | None]:
    """The grader the run would use (`grader_for`) and, when it would have none, a note: the plan then prices
    the evaluated model grading itself, and the run would stop at its first sample."""
    if not options.model:
        return options.grader, None
    allow_self = bool(((task.metadata or {}).get("grading") or {}).get("allow_self_grading"))
    try:
        return grader_for(options.model, options.grader, allow_self), None
    except GraderPolicyError:
        if not costs.task_judges(task):
            return options.model, None
        return options.model, (
            "no grader named: the run needs --model-role grader=MODEL (or -T allow_self_grading=true); "
            "priced here as the evaluated model grading itself"
        )


def _grader_num_choices(grader: str | None, price: costs.Price | None) -> bool:
    if grader:
        return capabilities(grader).num_choices
    return bool(price and price.num_choices)


def plan_task(
    task: Task, options: PlanOptions, table: costs.PriceTable, assumptions: costs.Assumptions
) -> dict[str, Any]:
    """The task's workload (with and without num_choices) and its cost per pricing, with the notes that say
    which prices were used."""
    grader, grader_note = planned_grader(task, options)
    reqs = costs.first_requests(task, options.limit, model=options.model or "none/none")
    if not reqs:
        raise ValueError(f"Task {task.name} has no samples (after --limit).")
    notes: list[str] = []
    model_price: costs.Price | None = None
    if options.model:
        model_price, note = table.lookup(options.model, "--model")
        notes += [note] if note else []
    grader_price: costs.Price | None = None
    if grader and grader != options.model:  # (the evaluated model grading itself is priced as the model)
        grader_price, note = table.lookup(grader, "--grader" if options.grader else "grader")
        notes += [note] if note else []
    pairs: list[tuple[costs.Price, costs.Price]]
    if model_price:
        pairs = [(model_price, grader_price or model_price)]
    else:  # no model named: one pricing per table entry, each labelled with the prices it uses
        notes.append(f"--model not given: priced at each model of {table.source}.")
        pairs = [(p, grader_price or p) for p in table.models.values()]
    out: dict[str, Any] = {
        "task": task.name,
        "model": options.model,
        "grader": grader,
        "pricing_notes": notes,
        "pricings": [],
    }
    if grader_note:
        out["grader_note"] = grader_note
    base = costs.workload(
        task,
        epochs=options.epochs,
        assumptions=assumptions,
        grader_num_choices=_grader_num_choices(grader, pairs[0][1]),
        requests=reqs,
    )
    without_nc = costs.workload(
        task,
        epochs=options.epochs,
        assumptions=assumptions,
        levers=costs.Levers(num_choices=False),
        requests=reqs,
    )
    out["workload"] = base
    out["without_num_choices"] = without_nc
    for mp, gp in pairs:
        gnc = _grader_num_choices(grader, gp) if grader else gp.num_choices
        rows = costs.lever_table(
            task,
            mp,
            gp,
            epochs=options.epochs,
            assumptions=assumptions,
            grader_num_choices=gnc,
            requests=reqs,
        )
        out["pricings"].append({"model_price": mp, "grader_price": gp, "rows": rows})
    return out


def plan_battery(
    ref: str, options: PlanOptions, table: costs.PriceTable, assumptions: costs.Assumptions
) -> tuple[list[Task], list[dict[str, Any]], dict[str, str]]:
    """Every cell of a battery planned with its own epochs; and the cells left out (a published file that
    cannot be fetched), with why."""
    battery = load_battery(ref)
    tasks, skipped = battery_tasks(battery)
    epochs = {c.name: c.epochs or 1 for c in battery.cells}
    plans = [plan_task(t, replace(options, epochs=epochs[t.name]), table, assumptions) for t in tasks]
    return tasks, plans, skipped


def detection(
    plan: dict[str, Any], task: Task, gap: float, discordance: float | None = None, icc: float = DEFAULT_ICC
) -> dict[str, Any]:
    """Queries needed per number of epochs to detect `gap`, each priced from this plan's run.

    The plan prices the task's transcripts; a transcript costs the same in a bigger run, so a run of n queries
    and E epochs costs n x tiers x E transcripts at that price (default levers, each pricing of the plan).
    """
    if not 0 < gap <= 1:
        raise ValueError("--detect must be a gap between 0 and 1 (0.02 = 2 points).")
    w: costs.Workload = plan["workload"]
    a = w.assumptions
    compliance = (a.compliance_free + a.compliance_paid) / 2
    if discordance is not None:
        if not 0 <= discordance <= 1:
            raise ValueError("--discordance must be between 0 and 1.")
        source = "given (--discordance)"
    else:
        if not 0 <= icc <= 1:
            raise ValueError("--icc must be between 0 and 1.")
        discordance = discordance_between_tiers(compliance, icc)
        source = f"from compliance {compliance:g} in both tiers and within-query correlation {icc:g}"
    md = task.metadata or {}
    available = int(md.get("n_queries") or 0)
    tiers = len(md.get("tiers") or []) or 2
    per_transcript = [pr["rows"][0].cost.total / w.transcripts for pr in plan["pricings"]]
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


def _usd(x: float) -> float | None:
    """A cost for the JSON plan: null where the model is not priced (JSON has no NaN)."""
    return None if math.isnan(x) else x


def plan_json(p: dict[str, Any]) -> dict[str, Any]:
    """A plan as strict JSON (prices by id; a cost the price table cannot give is null)."""
    detect = p.get("detect")
    return {
        **(
            {
                "detect": {
                    **detect,
                    "rows": [{**r, "costs": [_usd(c) for c in r["costs"]]} for r in detect["rows"]],
                }
            }
            if detect
            else {}
        ),
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
