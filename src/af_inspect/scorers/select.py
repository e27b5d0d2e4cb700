"""Which scorers a task runs, and the description of each judge among them (recorded in the task metadata).

Order matters: compliance scorers come first (the first scorer's first metric is the task's headline
compliance gap, and later judges read each sample's first compliance score), then the judges, then the
scorers that summarise earlier scores on every transcript (`af_outcomes`, `objection`). A task with judges
also gets their grader check (`scorers/grader_check.py`) as its setup step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import get_args

from inspect_ai.model import Model
from inspect_ai.scorer import Scorer
from inspect_ai.solver import Solver

from af_inspect.core.choices import AFClassifier, Compliance
from af_inspect.core.params import ParameterError, as_list, check_choice
from af_inspect.scorers.af_outcomes import af_outcomes
from af_inspect.scorers.af_reasoning import CLASSIFIERS, SCORERS, ClassifierName
from af_inspect.scorers.compliance_judge import compliance_judge_for
from af_inspect.scorers.compliance_tags import compliance_tags
from af_inspect.scorers.eval_awareness import eval_awareness
from af_inspect.scorers.grader import SELF
from af_inspect.scorers.grader_check import grader_check
from af_inspect.scorers.judge import JudgeSpec, spec_of
from af_inspect.scorers.motivation import motivation
from af_inspect.scorers.objection import objection, offers_objection
from af_inspect.scorers.partial_compliance import partial_compliance
from af_inspect.scorers.reasoning_coverage import reasoning_coverage

RENAMED = {
    "improved": "published (the follow-up's classifier file, fetched; this project's former rubric is strict)",
    "original": "paper (the 2024 paper's two prompts, fetched, combined 1 / 0.5 / 0)",
    "both": "published,paper (or all)",
}
"""Values of task versions 2.0 and 2.1 and what replaced them (task version 2.2)."""


def af_classifiers(value: str | list[str] | None) -> list[ClassifierName]:
    """`af_classifier` as the list of instruments it names, in the order given; names checked."""
    items = as_list(value)
    if items in (["none"], []):
        return []
    if items == ["all"]:
        return list(CLASSIFIERS)  # type: ignore[arg-type]
    for item in items:
        if item in RENAMED:
            raise ParameterError(
                f"af_classifier={item!r} was renamed in task version 2.2: use {RENAMED[item]}. "
                f"Valid values: {', '.join(get_args(AFClassifier))}, or a comma-separated list."
            )
        check_choice("af_classifier", item, [v for v in get_args(AFClassifier) if v not in ("all", "none")])
    return list(dict.fromkeys(items))  # type: ignore[arg-type]


@dataclass(frozen=True)
class ScoringOptions:
    """Which scorers run and how (scorers/select.py)."""

    compliance: Compliance
    af_classifiers: tuple[ClassifierName, ...]
    af_votes: int | None = None
    """None: each classifier's own."""
    af_threshold: float | None = None
    """None: each classifier's own."""
    partial: bool = True
    motivation: bool = True
    scratchpad: bool = True
    allow_self_grading: bool = False
    eval_awareness: bool = False


@dataclass(frozen=True)
class Selection:
    """The task's scorers, in order, the judges among them (the grader-calling ones), and the setup step that
    checks their grader before each sample's first model call (None without judges)."""

    scorers: list[Scorer]
    judges: list[JudgeSpec]
    setup: Solver | None = None


def select_scorers(setting: str, options: ScoringOptions, system_prompts: Iterable[str] = ()) -> Selection:
    """The scorers for a task from its (already validated) parameters.

    The AF judges run as `af_classifier` lists (the task defaults it to none without a scratchpad), each
    with its own votes and threshold unless `af_votes` / `af_threshold` are given (they apply to the voting
    classifiers, published and strict; the paper's keeps its form); `af_outcomes` then gives their rates
    over every transcript. The motivation judge is left out without a scratchpad. A system prompt that offers
    `<object_to_training/>` (an objection channel) adds the objection scorer; `eval_awareness` the
    evaluation-awareness judge (every transcript with readable reasoning, scratchpad or native).
    """
    o = options
    compliance, af_classifier, af_votes, af_threshold = (
        o.compliance,
        o.af_classifiers,
        o.af_votes,
        o.af_threshold,
    )
    grader: str | Model | None = SELF if o.allow_self_grading else None
    scorers: list[Scorer] = []
    if compliance in ("tags", "both"):
        scorers.append(compliance_tags())
    if compliance in ("judge", "both"):
        scorers.append(compliance_judge_for(setting)(grader=grader))
    if af_classifier:
        scorers.append(reasoning_coverage())
    for name in af_classifier:
        given = {"votes": af_votes, "threshold": af_threshold} if CLASSIFIERS[name].votes > 1 else {}
        scorers.append(SCORERS[name](grader=grader, **{k: v for k, v in given.items() if v is not None}))
    if af_classifier:
        scorers.append(af_outcomes(classifiers=list(af_classifier)))
    if o.partial:
        scorers.append(partial_compliance(grader=grader))
    if o.scratchpad and o.motivation:
        scorers.append(motivation(grader=grader))
    if o.eval_awareness:
        scorers.append(eval_awareness(grader=grader))
    if any(offers_objection(text) for text in system_prompts):
        scorers.append(objection(af_classifier=af_classifier[0] if af_classifier else "published"))
    judges = [spec for s in scorers if (spec := spec_of(s)) is not None]
    # the grader policy, checked before each sample's first model call (scorers/grader_check.py)
    setup = grader_check(o.allow_self_grading, [r for j in judges for r in j.rubrics]) if judges else None
    return Selection(scorers, judges, setup)
