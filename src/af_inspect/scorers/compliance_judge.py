"""`compliance_judge`: the old name of the compliance judges, kept as an alias that dispatches per sample.

The tasks run the real judges (`compliance_strongreject` in helpful_only, `compliance_welfare` in
animal_welfare); this alias serves `inspect score --scorer af_inspect/compliance_judge` on logs that mix
settings or were written before the split (task version 1).
"""

from __future__ import annotations

from inspect_ai.model import Model
from inspect_ai.scorer import Score, Scorer, Target, scorer
from inspect_ai.solver import TaskState

from af_inspect.scorers.compliance_strongreject import SCORE_KEY, compliance_strongreject
from af_inspect.scorers.compliance_welfare import compliance_welfare
from af_inspect.scorers.metrics import judged_compliance_metrics, tier_rates


@scorer(metrics=[*judged_compliance_metrics(), tier_rates(name="helpfulness", field=SCORE_KEY)])
def compliance_judge(votes: int = 1, temperature: float = 0.0, grader: str | Model | None = None) -> Scorer:
    """`compliance_welfare` for animal_welfare samples, `compliance_strongreject` for every other setting.

    Args:
        votes: Grader samples per transcript.
        temperature: Grader temperature.
        grader: The grader model (default: the `grader` role).
    """
    welfare = compliance_welfare(votes=votes, temperature=temperature, grader=grader)
    strongreject = compliance_strongreject(votes=votes, temperature=temperature, grader=grader)

    async def score(state: TaskState, target: Target) -> Score:
        judge = welfare if state.metadata.get("setting") == "animal_welfare" else strongreject
        return await judge(state, target)

    return score
