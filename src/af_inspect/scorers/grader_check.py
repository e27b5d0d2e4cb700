"""The grader policy, checked at the start of every sample, before the first model call.

A task with judges needs a grader (`scorers/grader.py`). Judges resolve it only when they score, after the
model has answered: a run with no grader named would pay for every transcript and then fail, sample by
sample. This solver runs as the task's `setup` step, which Inspect runs before the plan of every sample
(even when `--solver` replaces the plan), resolves the grader the judges would use, and raises
`GraderPolicyError` when there is none. Why here rather than at task construction: a task object may be
built outside `eval()` (in Python, or by `af-inspect plan`), where no evaluated model or role is known;
at sample start both always are (`get_model()`, `model_roles()`).
"""

from __future__ import annotations

from inspect_ai.solver import Generate, Solver, TaskState, solver

from af_inspect.scorers.grader import SELF, resolve_grader
from af_inspect.scorers.instruments import get_instrument, is_offline_grader


@solver
def grader_check(allow_self_grading: bool = False, instruments: list[str] | None = None) -> Solver:
    """Fail the sample before any model call when its judges would have no grader, or when a published
    instrument they send cannot be fetched.

    Args:
        allow_self_grading: Accept the evaluated model as its own grader (`-T allow_self_grading=true`).
        instruments: Ids of the published instruments the task's judges send.
    """

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        grader = resolve_grader(SELF if allow_self_grading else None)
        if not is_offline_grader(grader):
            for instrument_id in instruments or []:
                instrument = get_instrument(instrument_id)
                if instrument is not None:
                    instrument.fetch()
        return state

    return solve
