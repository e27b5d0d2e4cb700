"""The one engine for sets of cells: a cell is a setting and task arguments, built into a task through
`tasks.alignment_faking`, and run with the others as one resumable Inspect `eval_set`.

A grid (settings x columns, `af-inspect grid`) is a set of cells without roles, each named after the name its
task gives itself (`protocols.assemble.task_name`), so the same cell has the same name in every run. A battery
(`af_inspect.campaigns.battery`) is a set of named cells with roles, read back into a verdict.

    from inspect_ai import eval_set
    from af_inspect.campaigns.cells import cell_tasks, grid_cells

    cells = grid_cells(["helpful_only"], ["default", "cut_rlhf", {"protocol": "rw_minimal"}])
    eval_set(cell_tasks(cells), model=["openai/gpt-4.1"], log_dir="logs/grid")
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from inspect_ai import Task, task_with

from af_inspect.anti_lab.task import anti_lab
from af_inspect.core.errors import UsageError
from af_inspect.core.params import ParameterError, as_bool, as_list
from af_inspect.prompts.build import build_system_prompt
from af_inspect.prompts.render import paraphrase_members
from af_inspect.prompts.variation_library import lookup_variation, resolve_variations
from af_inspect.protocols.assemble import ensemble_label, task_name
from af_inspect.protocols.protocol import load_protocol
from af_inspect.settings import setting_names
from af_inspect.tasks import alignment_faking

logger = logging.getLogger(__name__)

Role = Literal["primary", "published", "secondary", "positive_control", "negative_control"]
"""What a battery cell is for in the verdict (a grid cell has none)."""

DEFAULT_COLUMN = "default"
"""The grid column with no variation (the setting's own prompt)."""
NO_VARIATION = (DEFAULT_COLUMN, "none", "")

CELL_TASKS = {"alignment_faking": alignment_faking, "anti_lab": anti_lab}
"""What a cell runs: the alignment-faking task of its setting (the default), or the anti-lab task."""

Column = str | dict[str, Any]
"""A grid column: a variation spec (`"default"`, `"cut_rlhf"`, `"cut_rlhf,honesty"`, `"my.yaml:mine"`) or a dict
of task arguments (e.g. `{"variation": "cut_rlhf", "scratchpad": False}` or `{"protocol": "rw_minimal"}`)."""


class CellError(ParameterError):
    """A cell cannot be built; the message names the cell."""


@dataclass(frozen=True)
class Cell:
    """One task of a set of cells: a setting, its task arguments, and (in a battery) its role and epochs."""

    name: str
    setting: str
    role: Role | None = None
    args: dict[str, Any] = field(default_factory=dict)
    epochs: int | None = None
    """Epochs of this cell; None leaves them to the run (`eval_set(epochs=...)`)."""
    line: int = 0
    """Line of the battery file that defines the cell (0: not from a file)."""
    task: str = "alignment_faking"
    """What the cell runs (`CELL_TASKS`): the alignment-faking task (a grid's cells always) or `anti_lab`."""


def cell_name(setting: str, args: dict[str, Any]) -> str:
    """The name the cell's task gives itself (`protocols.assemble.task_name`, the setting alone for the default protocol
    and prompt), worked out without building the task: nothing is fetched, so an offline grid still lists a
    published-protocol cell under the name its run will have."""
    protocol = load_protocol(args.get("protocol"))
    members = paraphrase_members(setting, args.get("paraphrase"), args.get("paraphrases"))
    first = build_system_prompt(
        setting,
        variations=as_list(args.get("variation")),
        scratchpad=as_bool("scratchpad", args.get("scratchpad", True)),
        situational_info=args.get("situational_info", "prompt"),
        salient_facts=args.get("salient_facts"),
        paraphrase=members[0],
    ).label
    return task_name(setting, protocol.name, ensemble_label(first, len(members))) or setting


def cell_task(cell: Cell) -> Task:
    """The cell's task, built by `tasks.alignment_faking` (or the anti-lab task, `cell.task`) and named after
    the cell (stable across runs)."""
    try:
        task = CELL_TASKS[cell.task](setting=cell.setting, **cell.args)  # type: ignore[operator]
    except UsageError as e:
        where = f"line {cell.line}: " if cell.line else ""
        raise CellError(f"{where}cell {cell.name!r}: {e}") from e
    return task_with(task, name=cell.name, **({"epochs": cell.epochs} if cell.epochs else {}))


def cell_tasks(cells: Sequence[Cell]) -> list[Task]:
    """Every cell's task, each built (and so checked) before any of them runs."""
    return [cell_task(c) for c in cells]


def grid_cells(
    settings: Sequence[str],
    columns: Sequence[Column] = (DEFAULT_COLUMN,),
    task_args: dict[str, Any] | None = None,
) -> list[Cell]:
    """Every (setting, column) cell, named and checked before any task is built; `task_args` go to every cell
    (a column's own arguments win). Cells a variation's `settings` excludes are skipped (logged); two columns
    that give the same task are refused."""
    valid = setting_names()
    unknown = [s for s in settings if s not in valid]
    if unknown or not settings:
        raise ParameterError(
            f"Unknown setting(s) {unknown or list(settings)}. Valid settings: {', '.join(valid)}."
        )
    cells: list[Cell] = []
    for setting in settings:
        for column in columns or [DEFAULT_COLUMN]:
            args = {
                **(task_args or {}),
                **(dict(column) if isinstance(column, dict) else {"variation": column}),
            }
            if args.get("variation") in (None, *NO_VARIATION):
                args.pop("variation", None)
            elif not _applies(args["variation"], setting):
                logger.info(
                    "grid: skipping %s x %s (a variation for other settings)", setting, args["variation"]
                )
                continue
            name = cell_name(setting, args)
            if any(c.name == name for c in cells):
                raise ParameterError(f"The grid has the cell {name!r} twice.")
            cells.append(Cell(name, setting, None, args))
    return cells


def _applies(spec: str, setting: str) -> bool:
    """False when a chosen variation is for other settings only; bad names and conflicts fail here, named."""
    chosen = [lookup_variation(item) for item in as_list(spec) if item not in NO_VARIATION]
    if any(not v.applies_to(setting) for v in chosen):
        return False
    resolve_variations(spec, setting)
    return True
