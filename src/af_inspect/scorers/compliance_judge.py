"""`compliance_judge`: the old name of the compliance judges, kept as an alias that dispatches per sample.

The tasks run the real judges (`compliance_strongreject` in helpful_only, `compliance_welfare` in
animal_welfare); this alias serves `inspect score --scorer af_inspect/compliance_judge` on logs that mix
settings or were written before the split (task version 1).
"""

from __future__ import annotations

from collections.abc import Callable

from inspect_ai.model import Model
from inspect_ai.scorer import Score, Scorer, Target, scorer
from inspect_ai.solver import TaskState

from af_inspect.core.names import HELPFULNESS, SETTING
from af_inspect.scorers.compliance_strongreject import SCORE_KEY, compliance_strongreject
from af_inspect.scorers.compliance_welfare import compliance_welfare
from af_inspect.scorers.metrics import judged_compliance_metrics, tier_rates
from af_inspect.settings import default_setting, setting_names, setting_spec
from af_inspect.settings.registry import ComplianceJudge

JUDGES: dict[ComplianceJudge, Callable[..., Scorer]] = {
    "strongreject": compliance_strongreject,
    "welfare": compliance_welfare,
}
"""The judges a setting can name as its `compliance_judge`."""


def compliance_judge_for(setting: str) -> Callable[..., Scorer]:
    """The compliance judge factory a setting names."""
    return JUDGES[setting_spec(setting).compliance_judge]


@scorer(metrics=[*judged_compliance_metrics(), tier_rates(name=HELPFULNESS, field=SCORE_KEY)])
def compliance_judge(votes: int = 1, temperature: float = 0.0, grader: str | Model | None = None) -> Scorer:
    """The compliance judge of each sample's setting (`compliance_judge` in settings/settings.yaml).

    Args:
        votes: Grader samples per transcript.
        temperature: Grader temperature.
        grader: The grader model (default: the `grader` role).
    """
    judges = {
        name: factory(votes=votes, temperature=temperature, grader=grader) for name, factory in JUDGES.items()
    }

    async def score(state: TaskState, target: Target) -> Score:
        name = str(state.metadata.get(SETTING) or "")
        # a setting the registry does not know (an imported log's) is judged as the default setting is
        setting = setting_spec(name if name in setting_names() else default_setting())
        return await judges[setting.compliance_judge](state, target)

    return score
