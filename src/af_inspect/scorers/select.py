"""Which scorers a task runs, from its validated options."""

from __future__ import annotations

from typing import TYPE_CHECKING

from inspect_ai.scorer import Scorer

from af_inspect.scorers.compliance_tags import compliance_tags

if TYPE_CHECKING:
    from af_inspect.pipeline import TaskOptions


def select_scorers(opts: TaskOptions) -> list[Scorer]:
    """The scorers for a task; the first one's first metric is the task's headline figure."""
    return [compliance_tags()]
