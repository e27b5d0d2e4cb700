"""Deprecated: the grid is now a set of cells on the battery's engine, `af_inspect.campaigns.cells`.

Each function here warns once per call and forwards to its replacement:

- `grid_cells(settings, variations)` -> `af_inspect.campaigns.cells.grid_cells`
- `battery(settings, variations, **task_args)` -> `cell_tasks(grid_cells(settings, variations, task_args))`
- `run_battery(...)` -> `inspect_ai.eval_set(cell_tasks(grid_cells(...)), model=..., log_dir=...)`
- `task_name(setting, args)` -> `af_inspect.campaigns.cells.cell_name`
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from inspect_ai import Task

from af_inspect.campaigns import cells


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"af_inspect.grid.{old} is deprecated: use {new}.", DeprecationWarning, stacklevel=3)


def task_name(setting: str, args: dict[str, Any]) -> str:
    """Deprecated: `af_inspect.campaigns.cells.cell_name`."""
    _deprecated("task_name", "af_inspect.campaigns.cells.cell_name")
    return cells.cell_name(setting, args)


def grid_cells(settings: Sequence[str], variations: Sequence[cells.Column]) -> list[cells.Cell]:
    """Deprecated: `af_inspect.campaigns.cells.grid_cells`."""
    _deprecated("grid_cells", "af_inspect.campaigns.cells.grid_cells")
    return cells.grid_cells(settings, variations)


def battery(
    settings: Sequence[str] = ("helpful_only", "animal_welfare"),
    variations: Sequence[cells.Column] = (cells.DEFAULT_COLUMN,),
    **task_args: Any,
) -> list[Task]:
    """Deprecated: `af_inspect.campaigns.cells.cell_tasks(af_inspect.campaigns.cells.grid_cells(settings, variations, task_args))`."""
    _deprecated(
        "battery", "af_inspect.campaigns.cells.cell_tasks(af_inspect.campaigns.cells.grid_cells(...))"
    )
    return cells.cell_tasks(cells.grid_cells(settings, variations, task_args))


def run_battery(
    settings: Sequence[str],
    variations: Sequence[cells.Column],
    models: Sequence[str],
    log_dir: str,
    task_args: dict[str, Any] | None = None,
    **eval_set_args: Any,
) -> tuple[bool, list[Any]]:
    """Deprecated: `inspect_ai.eval_set(af_inspect.campaigns.cells.cell_tasks(af_inspect.campaigns.cells.grid_cells(...)), ...)`."""
    _deprecated(
        "run_battery",
        "inspect_ai.eval_set(af_inspect.campaigns.cells.cell_tasks(af_inspect.campaigns.cells.grid_cells(...)))",
    )
    from inspect_ai import eval_set

    tasks = cells.cell_tasks(cells.grid_cells(settings, variations, task_args))
    return eval_set(tasks, model=list(models), log_dir=log_dir, **eval_set_args)
