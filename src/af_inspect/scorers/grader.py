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
(`scorers/grader_check.py`), so a run without a grader fails before it spends anything.
"""

from __future__ import annotations

import logging

from inspect_ai.model import Model, ModelName, get_model, model_roles

from af_inspect.core.errors import UsageError
from af_inspect.core.providers import capabilities

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


ROLE_FLAG = "--model-role grader=MODEL"
"""How a grader is named to `inspect eval` (commands with a `--grader` option pass theirs)."""


def no_grader_message(evaluated: str, flag: str = ROLE_FLAG) -> str:
    return (
        f"Name a grader for {evaluated}: {flag} (the judges must not be the model under test; e.g. "
        "openai/gpt-4o, which the published figures used), or give the scorer a grader (-S grader=MODEL). To "
        "let the evaluated model grade its own transcripts, opt in with -T allow_self_grading=true (or "
        "-S grader=self when rescoring)."
    )


def grader_for(
    evaluated: str, named: str | None = None, allow_self_grading: bool = False, flag: str = ROLE_FLAG
) -> str:
    """The grader rule, in one place (the judges at score time and every command before a run call it): the
    named grader; else the provider's own default grader (`providers.py`: `organism/judge` for the offline organism); else the evaluated model itself when
    self-grading was opted into; else `GraderPolicyError` naming `flag`. An imported log's model never grades.
    """
    if named:
        return named
    provider = capabilities(evaluated)
    if provider.grader:  # the offline organism is graded by the offline judge
        return provider.grader
    if not provider.can_grade:  # an imported log's model wrote its transcripts elsewhere and cannot grade
        raise GraderPolicyError(
            "This log was imported (model imported/...): its model cannot grade. "
            f"Pass a grader: {flag} (e.g. openai/gpt-4o, or organism/judge offline)."
        )
    if allow_self_grading:
        return evaluated
    raise GraderPolicyError(no_grader_message(evaluated, flag))


def resolve_grader(grader: str | Model | None = None) -> Model:
    """The grader for this sample (see the module docstring for the order; the rule is `grader_for`).

    Called from inside a judge's `score()` (`scorers/judge.py`) and from the task's setup step
    (`scorers/grader_check.py`), where roles and the evaluated model are set: inspect-evals-lint cannot
    follow the call, hence the ignore comments below.
    """
    if grader is not None and not (isinstance(grader, str) and grader == SELF):
        return get_model(grader)  # inspect-evals-lint: ignore[IEBP001] -- runs in score()
    evaluated = get_model()  # inspect-evals-lint: ignore[IEBP001] -- runs in score()
    if _role_assigned():
        return get_model(
            role="grader", default=evaluated
        )  # inspect-evals-lint: ignore[IEBP001] -- runs in score()
    name = str(ModelName(evaluated))
    chosen = grader_for(name, allow_self_grading=grader == SELF)
    if chosen != name:
        return get_model(chosen)  # inspect-evals-lint: ignore[IEBP001] -- runs in score()
    if name not in _warned:
        _warned.add(name)
        logger.warning(
            "Self-grading (allow_self_grading): %s grades its own transcripts. Figures from a model "
            "judging itself are not comparable with published ones, which used a separate grader.",
            name,
        )
    return evaluated
