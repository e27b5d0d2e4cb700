"""Which scorers a task runs, and the description of each judge among them (recorded in the task metadata).

Order matters: compliance scorers come first (the first scorer's first metric is the task's headline
compliance gap, and later judges read each sample's first compliance score), then the judges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from inspect_ai.scorer import Scorer

from af_inspect.scorers.af_reasoning import af_reasoning, af_reasoning_original
from af_inspect.scorers.compliance_strongreject import compliance_strongreject
from af_inspect.scorers.compliance_tags import compliance_tags
from af_inspect.scorers.compliance_welfare import compliance_welfare
from af_inspect.scorers.judge import JudgeSpec, spec_of
from af_inspect.scorers.motivation import motivation
from af_inspect.scorers.partial_compliance import partial_compliance
from af_inspect.scorers.reasoning_coverage import reasoning_coverage

Compliance = Literal["tags", "judge", "both"]
AFClassifier = Literal["improved", "original", "both", "none"]


@dataclass(frozen=True)
class Selection:
    """The task's scorers, in order, and the judges among them (the grader-calling ones)."""

    scorers: list[Scorer]
    judges: list[JudgeSpec]


def select_scorers(
    setting: str,
    compliance: Compliance,
    af_classifier: AFClassifier,
    af_votes: int,
    af_threshold: float,
    partial: bool,
    motivation_judge: bool,
    scratchpad: bool,
) -> Selection:
    """The scorers for a task from its (already validated) parameters.

    The AF judge runs as `af_classifier` says (the task defaults it to `none` without a scratchpad); the
    motivation judge is left out without a scratchpad. Both call the grader only for transcripts with
    hidden reasoning (tagged or native).
    """
    scorers: list[Scorer] = []
    if compliance in ("tags", "both"):
        scorers.append(compliance_tags())
    if compliance in ("judge", "both"):
        scorers.append(compliance_welfare() if setting == "animal_welfare" else compliance_strongreject())
    if af_classifier != "none":
        scorers.append(reasoning_coverage())
    if af_classifier in ("improved", "both"):
        scorers.append(af_reasoning(classifier="improved", votes=af_votes, threshold=af_threshold))
    if af_classifier in ("original", "both"):
        scorers.append(af_reasoning_original(votes=af_votes, threshold=af_threshold))
    if partial:
        scorers.append(partial_compliance())
    if scratchpad and motivation_judge:
        scorers.append(motivation())
    return Selection(scorers, [spec for s in scorers if (spec := spec_of(s)) is not None])
