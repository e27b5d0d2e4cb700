"""Entry point for Inspect: importing this registers every task, solver, scorer, metric and model."""

# ruff: noqa: F401
from af_inspect.anti_lab.scorer import anti_lab_action, anti_lab_judge
from af_inspect.anti_lab.task import anti_lab
from af_inspect.calibration.importer import ImportedTranscriptAPI
from af_inspect.organism.provider import OrganismAPI
from af_inspect.scorers.af_outcomes import af_outcomes
from af_inspect.scorers.af_reasoning import (
    af_reasoning,
    af_reasoning_inspect,
    af_reasoning_inspect_paper,
    af_reasoning_paper,
    af_reasoning_strict,
)
from af_inspect.scorers.compliance_judge import compliance_judge
from af_inspect.scorers.compliance_strongreject import compliance_strongreject
from af_inspect.scorers.compliance_tags import compliance_tags
from af_inspect.scorers.compliance_welfare import compliance_welfare
from af_inspect.scorers.eval_awareness import eval_awareness
from af_inspect.scorers.grader_check import grader_check
from af_inspect.scorers.metrics import tier_gap, tier_rates, tier_shares
from af_inspect.scorers.motivation import motivation
from af_inspect.scorers.objection import objection
from af_inspect.scorers.partial_compliance import partial_compliance
from af_inspect.scorers.reasoning_coverage import reasoning_coverage
from af_inspect.solvers import af_conversation, af_system_prompt, scratchpad_loop
from af_inspect.tasks import animal_welfare, helpful_only
