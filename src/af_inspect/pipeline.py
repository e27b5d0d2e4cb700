"""Assemble a setting's Task: queries -> paired samples -> system prompt -> tier turn -> loop -> scorers.

Task modules (`af_inspect.tasks.*`) only declare parameters and call `build_task`; every parameter is
checked here, before any model call, so a bad value fails fast with the valid ones named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from inspect_ai import Task
from inspect_ai.model import GenerateConfig
from inspect_ai.scorer import Scorer

from af_inspect import __version__
from af_inspect.datasets.queries import DatasetError, load_queries, paired_samples
from af_inspect.params import ParameterError, as_bool, as_list, as_positive_int
from af_inspect.prompts.build import build_system_prompt
from af_inspect.scorers.select import select_scorers
from af_inspect.solvers import af_conversation

TASK_VERSION = "1.0.0"
TIER_CHOICES = ("both", "all")
"""`tier` values that mean every tier the prompt defines (free and paid; free, pro and paid with the
`three_tiers` variation). A single tier name or a comma-separated list picks some of them."""


def resolve_tiers(tier: str, available: list[str]) -> list[str]:
    """`both`/`all` -> every tier the prompt defines; else the named tiers (comma-separated), checked."""
    if str(tier).strip() in TIER_CHOICES:
        return list(available)
    chosen = as_list(tier)
    bad = [t for t in chosen if t not in available]
    if bad or not chosen:
        raise ParameterError(
            f"Unknown value {tier!r} for parameter 'tier'. Valid values: {', '.join([*TIER_CHOICES, *available])}"
            " (or a comma-separated list of tiers)."
        )
    return [t for t in available if t in chosen]


@dataclass
class TaskOptions:
    """Every user-facing parameter of a setting's task, validated."""

    setting: str
    dataset: str = "builtin"
    tier: str = "both"
    accept_reject_suffix: bool = True
    max_turns: int = 4
    system_prompt: str | None = None
    # prompt: built and validated in prompts/build.py
    scratchpad: bool = True
    situational_info: str = "prompt"
    variation: str | None = None
    salient_facts: str | None = None
    # scoring: validated in scorers/select.py (None = the setting's default)
    compliance: str | None = None
    af_classifier: str = "improved"
    af_votes: int = 20
    af_threshold: float = 0.5
    partial: bool = True
    motivation: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def build_task(opts: TaskOptions, scorers: list[Scorer] | None = None) -> Task:
    """Build the Task for one setting from validated options."""
    suffix = as_bool("accept_reject_suffix", opts.accept_reject_suffix)
    max_turns = as_positive_int("max_turns", opts.max_turns)

    opts.scratchpad = as_bool("scratchpad", opts.scratchpad)
    prompt = build_system_prompt(opts)
    tiers = resolve_tiers(opts.tier, prompt.user_turn.tiers)
    task_scorers = scorers if scorers is not None else select_scorers(opts)

    queries = load_queries(opts.dataset, opts.setting)
    if not queries:
        raise DatasetError(f"Dataset {opts.dataset!r} has no queries.")
    dataset = paired_samples(queries, tiers, opts.setting, metadata={"scratchpad": opts.scratchpad})

    return Task(
        dataset=dataset,
        # one solver step, not three: Inspect records each step as events (solvers/conversation.py)
        solver=af_conversation(
            prompt.text, accept_reject_suffix=suffix, turn_format=prompt.user_turn, max_turns=max_turns
        ),
        scorer=task_scorers,
        name=f"{opts.setting}+{prompt.label}" if prompt.label else None,
        version=TASK_VERSION,
        # explicit (Inspect's default is the same): the system prompt is a cacheable prefix shared by every
        # request; `--cache-prompt false` still turns it off (see docs/performance.md)
        config=GenerateConfig(cache_prompt=True),
        metadata={
            "setting": opts.setting,
            "af_inspect_version": __version__,
            "dataset": opts.dataset,
            "tiers": tiers,
            "system_prompt_source": prompt.source,
            **prompt.metadata,
            "n_queries": len(queries),
            **opts.extra,
        },
    )
