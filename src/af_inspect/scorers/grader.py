"""Which model grades: a judge's own `grader` argument, else the `grader` role, else a deliberate default.

Resolved inside `score()` (roles exist only while a task runs, or while `inspect score` rescoring):

1. a model passed to the judge (`af_reasoning(grader="openai/gpt-4o")`), as inspect_evals scorers take one;
2. `--model-role grader=<model>` (or `model_roles={"grader": ...}` in `eval()`);
3. when the evaluated model is the offline organism (`organism/<profile>`), `organism/judge`, so offline runs
   stay offline and self-consistent;
4. when self-grading was opted into (`-T allow_self_grading=true`: the task passes `grader="self"`), the
   evaluated model grades its own transcripts, with a warning;
5. otherwise nothing grades: `GraderPolicyError`, naming `--model-role grader=...`. In animal welfare a
   model grading itself would score its own headline compliance; published figures used a separate grader.

The task checks the same policy at the start of every sample, before the first model call
(`solvers/grader_check.py`), so a run without a grader fails before it spends anything.
"""

from __future__ import annotations

import logging

from inspect_ai.model import Model, ModelName, get_model, model_roles

from af_inspect.errors import UsageError
from af_inspect.providers import capabilities

logger = logging.getLogger(__name__)

SELF = "self"
"""The `grader` value that opts into self-grading (what `-T allow_self_grading=true` passes to the judges)."""
_warned: set[str] = set()


class GraderPolicyError(UsageError):
    """No grader was named for a model that may not grade itself."""


def _role_assigned() -> bool:
    try:
        return model_roles().get("grader") is not None
    except LookupError:  # no task context (e.g. called outside an eval)
        return False


def no_grader_message(evaluated: str) -> str:
    return (
        f"No grader named for {evaluated}: af-inspect's judges need one. Pass --model-role grader=MODEL "
        "(e.g. grader=openai/gpt-4o; the published figures used GPT-4o), or give the scorer a grader "
        "(-S grader=MODEL). To let the evaluated model grade its own transcripts, opt in with "
        "-T allow_self_grading=true (or -S grader=self when rescoring)."
    )


def resolve_grader(grader: str | Model | None = None) -> Model:
    """The grader for this sample (see the module docstring for the order).

    Called from inside a judge's `score()` (`scorers/judge.py`) and from the task's setup step
    (`solvers/grader_check.py`), where roles and the evaluated model are set: inspect-evals-lint cannot
    follow the call, hence the ignore comments below.
    """
    if grader is not None and not (isinstance(grader, str) and grader == SELF):
        return get_model(grader)  # inspect-evals-lint: ignore[IEBP001] -- runs in score()
    evaluated = get_model()  # inspect-evals-lint: ignore[IEBP001] -- runs in score()
    provider = capabilities(ModelName(evaluated).api)
    if _role_assigned():
        default: str | Model = evaluated  # unused: the role is assigned
    elif provider.grader:
        default = provider.grader
    elif not provider.can_grade:  # an imported log's model wrote its transcripts elsewhere and cannot grade
        raise GraderPolicyError(
            "This log was imported (model imported/...): its model cannot grade. "
            "Pass a grader: --model-role grader=MODEL (e.g. openai/gpt-4o, or organism/judge offline)."
        )
    elif grader != SELF:
        raise GraderPolicyError(no_grader_message(str(evaluated)))
    else:
        default = evaluated
        name = str(evaluated)
        if name not in _warned:
            _warned.add(name)
            logger.warning(
                "Self-grading (allow_self_grading): %s grades its own transcripts. Figures from a model "
                "judging itself are not comparable with published ones, which used a separate grader.",
                name,
            )
    return get_model(role="grader", default=default)  # inspect-evals-lint: ignore[IEBP001] -- runs in score()
