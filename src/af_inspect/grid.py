"""A battery of settings x variations as Inspect tasks with stable names, for `inspect_ai.eval_set`.

    from inspect_ai import eval_set
    from af_inspect.grid import battery

    tasks = battery(["helpful_only", "animal_welfare"], ["default", "cut_rlhf", "honesty,cut_examples"])
    eval_set(tasks, model=["anthropic/claude-sonnet-4-5", "openai/gpt-4.1"], log_dir="logs/grid")

`eval_set` runs every task on every model and, run again with the same log dir, resumes: finished tasks
are skipped, unfinished ones pick up their missing samples. Task names are `<setting>` for the default
prompt and `<setting>+<variation>[+<variation>...][+no_scratchpad][+minimal]` otherwise, so the same cell
has the same name in every run and every lab's pipeline (`af-inspect grid` does the same from the shell).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from inspect_ai import Task, task_with

from af_inspect.params import ParameterError, as_bool, as_list
from af_inspect.prompts.build import build_system_prompt
from af_inspect.tasks import animal_welfare, helpful_only
from af_inspect.variations import Variation, lookup_variation, resolve_variations

logger = logging.getLogger(__name__)

SETTINGS: dict[str, Callable[..., Task]] = {"helpful_only": helpful_only, "animal_welfare": animal_welfare}
DEFAULT = "default"

Cell = str | dict[str, Any]
"""A grid column: a variation spec (`"default"`, `"cut_rlhf"`, `"cut_rlhf,honesty"`, `"my.yaml:mine"`) or a
dict of task arguments for that column (e.g. `{"variation": "cut_rlhf", "scratchpad": False}`)."""


@dataclass(frozen=True)
class GridCell:
    """One task of the battery: a setting and the task arguments that vary."""

    setting: str
    args: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return task_name(self.setting, self.args)


def task_name(setting: str, args: dict[str, Any]) -> str:
    """The stable task name of a cell (the name the task gives itself; `<setting>` for the default prompt)."""
    label = build_system_prompt(
        setting,
        variations=as_list(args.get("variation")),
        scratchpad=as_bool("scratchpad", args.get("scratchpad", True)),
        situational_info=args.get("situational_info", "prompt"),
        salient_facts=args.get("salient_facts"),
    ).label
    return f"{setting}+{label}" if label else setting


def grid_cells(settings: Sequence[str], variations: Sequence[Cell]) -> list[GridCell]:
    """Every (setting, variation) cell, checked before any task is built; cells a variation's `settings`
    excludes are skipped (logged), duplicates are refused."""
    unknown = [s for s in settings if s not in SETTINGS]
    if unknown or not settings:
        raise ParameterError(
            f"Unknown setting(s) {unknown or settings}. Valid settings: {', '.join(SETTINGS)}."
        )
    cells: list[GridCell] = []
    seen: dict[str, GridCell] = {}
    for setting in settings:
        for column in variations or [DEFAULT]:
            args = dict(column) if isinstance(column, dict) else {"variation": column}
            if args.get("variation") in (None, "", DEFAULT):
                args.pop("variation", None)
            else:
                spec = args["variation"]
                chosen = [_lookup_only(item) for item in as_list(spec)]
                excluded = [v for v in chosen if v is not None and not v.applies_to(setting)]
                if excluded:
                    logger.info(
                        "grid: skipping %s x %s (variation for %s only)", setting, spec, excluded[0].settings
                    )
                    continue
                resolve_variations(spec, setting)  # conflicts and bad names fail here, naming the reason
            cell = GridCell(setting, args)
            if cell.name in seen:
                raise ParameterError(f"The grid has the cell {cell.name!r} twice.")
            seen[cell.name] = cell
            cells.append(cell)
    return cells


def _lookup_only(item: str) -> Variation | None:
    return None if item in (DEFAULT, "none") else lookup_variation(item)


def battery(
    settings: Sequence[str] = ("helpful_only", "animal_welfare"),
    variations: Sequence[Cell] = (DEFAULT,),
    **task_args: Any,
) -> list[Task]:
    """One Task per (setting, variation), named stably; `task_args` go to every task (e.g. dataset, tier).

    Args:
        settings: Settings to run (`helpful_only`, `animal_welfare`).
        variations: Grid columns: variation specs, or dicts of task arguments (see `Cell`).
        **task_args: Task parameters shared by every cell (a cell's own arguments win).
    """
    tasks = []
    for cell in grid_cells(settings, variations):
        t = SETTINGS[cell.setting](**{**task_args, **cell.args})
        tasks.append(task_with(t, name=cell.name))
    return tasks


def run_battery(
    settings: Sequence[str],
    variations: Sequence[Cell],
    models: Sequence[str],
    log_dir: str,
    task_args: dict[str, Any] | None = None,
    **eval_set_args: Any,
) -> tuple[bool, list[Any]]:
    """`battery(...)` x models through `inspect_ai.eval_set` (resumable: rerun with the same log_dir)."""
    from inspect_ai import eval_set

    tasks = battery(settings, variations, **(task_args or {}))
    return eval_set(tasks, model=list(models), log_dir=log_dir, **eval_set_args)
