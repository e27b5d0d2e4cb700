"""Which model grades: a judge's own `grader` argument, else the `grader` role, else a deliberate default.

Resolved inside `score()` (roles exist only while a task runs, or while `inspect score` rescoring):

1. a model passed to the judge (`af_reasoning(grader="openai/gpt-4o")`), as inspect_evals scorers take one;
2. `--model-role grader=<model>` (or `model_roles={"grader": ...}` in `eval()`);
3. when the evaluated model is the offline organism (`organism/<profile>`), `organism/judge`, so offline runs
   stay offline and self-consistent;
4. otherwise the evaluated model grades its own transcripts, with a warning recommending a separate
   grader: a model judging itself is convenient for a first look, not for published figures.
"""

from __future__ import annotations

import logging

from inspect_ai.model import Model, ModelName, get_model, model_roles

from af_inspect.errors import UsageError

logger = logging.getLogger(__name__)

OFFLINE_JUDGE = "organism/judge"
_warned: set[str] = set()


def _role_assigned() -> bool:
    try:
        return model_roles().get("grader") is not None
    except LookupError:  # no task context (e.g. called outside an eval)
        return False


def resolve_grader(grader: str | Model | None = None) -> Model:
    """The grader for this sample (see the module docstring for the order).

    Only ever called from inside a judge's `score()` (`scorers/judge.py`), where roles and the evaluated
    model are set: inspect-evals-lint cannot follow the call, hence the ignore comments below.
    """
    if grader is not None:
        return get_model(grader)  # inspect-evals-lint: ignore[IEBP001] -- runs in score()
    evaluated = get_model()  # inspect-evals-lint: ignore[IEBP001] -- runs in score()
    if _role_assigned():
        default: str | Model = evaluated  # unused: the role is assigned
    elif ModelName(evaluated).api == "organism":
        default = OFFLINE_JUDGE
    elif ModelName(evaluated).api == "imported":  # an imported log's model wrote its transcripts elsewhere
        raise UsageError(
            "This log was imported (model imported/...): its model cannot grade. "
            "Pass a grader: --model-role grader=MODEL (e.g. openai/gpt-4o, or organism/judge offline)."
        )
    else:
        default = evaluated
        name = str(evaluated)
        if name not in _warned:
            _warned.add(name)
            logger.warning(
                "No grader model given: the af-inspect judges use the evaluated model %s to grade its own "
                "transcripts. For real measurements pass a separate grader, e.g. "
                "--model-role grader=openai/gpt-4o.",
                name,
            )
    return get_model(role="grader", default=default)  # inspect-evals-lint: ignore[IEBP001] -- runs in score()
