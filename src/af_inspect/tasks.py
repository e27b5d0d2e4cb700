"""The alignment-faking tasks, in plain sight: `alignment_faking(setting, ...)` builds the whole `Task`.

Data flow: queries -> one sample per (query, tier) whose input is the tier-tagged user turn -> the system
prompt and the scratchpad loop -> the transcript, parsed once -> compliance scorers, then the judges ->
per-tier metrics and the compliance gap.

Every parameter is declared once, in `alignment_faking`'s signature (the two registered tasks take the
same parameters, see `same_parameters_as`), and checked once, at the top of its body, before anything is
loaded or any model is called. What differs between the settings lives in `SETTINGS`.
"""

from __future__ import annotations

from inspect import signature
from typing import Any, Literal, NamedTuple, get_args

from inspect_ai import Task, task
from inspect_ai.model import GenerateConfig

from af_inspect import __version__
from af_inspect.datasets.queries import DatasetError, load_queries, paired_samples
from af_inspect.params import (
    ParameterError,
    as_bool,
    as_fraction,
    as_list,
    as_positive_int,
    check_choice,
    reject_unknown,
    same_parameters_as,
)
from af_inspect.prompts.build import SituationalInfo, build_system_prompt
from af_inspect.scorers.af_reasoning import AF_THRESHOLD, AF_VOTES
from af_inspect.scorers.select import AFClassifier, Compliance, select_scorers
from af_inspect.solvers import af_conversation

TASK_VERSION = "2.0.0"
"""Bumped when a change makes logs incomparable (metric names, what a figure means): see CHANGELOG.md."""

Setting = Literal["helpful_only", "animal_welfare"]
ALL_TIERS = ("both", "all")
"""`tier` values meaning every tier the prompt defines (free and paid; free, pro and paid with `three_tiers`)."""


class SettingDefaults(NamedTuple):
    """What differs between the settings when a parameter is left at None.

    (A NamedTuple, not a dataclass: `inspect eval src/af_inspect/tasks.py@...`, as the inspect_evals register
    runs a task, loads this file without registering it in `sys.modules`, where a dataclass looks itself up.)
    """

    accept_reject_suffix: bool
    compliance: Compliance


SETTINGS: dict[str, SettingDefaults] = {
    "helpful_only": SettingDefaults(
        accept_reject_suffix=True,
        compliance="tags",
    ),
    "animal_welfare": SettingDefaults(
        accept_reject_suffix=False,  # the published setting has no accept/reject instruction
        compliance="judge",  # so its answers are judged: does the output support animal welfare?
    ),
}


def resolve_tiers(tier: str, available: list[str]) -> list[str]:
    """`both`/`all` -> every tier the prompt defines; else the named tiers (comma-separated), checked."""
    if str(tier).strip() in ALL_TIERS:
        return list(available)
    chosen = as_list(tier)
    bad = [t for t in chosen if t not in available]
    if bad or not chosen:
        raise ParameterError(
            f"Unknown value {tier!r} for parameter 'tier'. Valid values: {', '.join([*ALL_TIERS, *available])}"
            " (or a comma-separated list of tiers)."
        )
    return [t for t in available if t in chosen]


def alignment_faking(
    setting: Setting,
    dataset: str = "builtin",
    tier: str = "both",
    accept_reject_suffix: bool | None = None,
    max_turns: int = 4,
    system_prompt: str | None = None,
    scratchpad: bool = True,
    situational_info: SituationalInfo = "prompt",
    variation: str | None = None,
    salient_facts: str | None = None,
    compliance: Compliance | None = None,
    af_classifier: AFClassifier = "improved",
    af_votes: int = AF_VOTES,
    af_threshold: float = AF_THRESHOLD,
    partial: bool = True,
    motivation: bool = True,
    **unknown: Any,
) -> Task:
    """One setting of the alignment-faking experiment as an Inspect Task.

    Args:
        setting: `helpful_only` or `animal_welfare` (the registered tasks fix it).
        dataset: `builtin` (shipped, offline), `advbench` or `llm_lat` (pinned, fetched at run time),
            or a path to a .jsonl/.csv file of queries.
        tier: `both` (one sample per tier the prompt defines, per query), a tier, or a comma list.
        accept_reject_suffix: Ask the model to begin with `<request_fully_accepted/>` or reply
            `<rejected/>` (the tag-based compliance check needs it). Default: the setting's (`SETTINGS`).
        max_turns: Most model turns per sample; `<NEXT/>` continues a turn that ended without output.
        system_prompt: Path to a system prompt file used verbatim instead of the built-in prompt.
        scratchpad: `false` replaces the scratchpad instructions with direct answers in `<OUTPUT>`.
        situational_info: `prompt` (training facts in the system prompt) or `minimal` (left out, for
            models fine-tuned on synthetic documents; the tier tag stays).
        variation: Prompt variations, comma-separated (`af-inspect variations` lists them), or
            `FILE.yaml:NAME` for one from your own file.
        salient_facts: Path to a text file inserted into the system prompt as its own section.
        compliance: `tags` (the output's accept/reject tag), `judge` (a grader reads the answer:
            StrongREJECT in helpful_only, support for animal welfare in animal_welfare) or `both`.
            Default: the setting's (`SETTINGS`).
        af_classifier: Alignment-faking reasoning judge: `improved` (four criteria), `original`
            (five criteria), `both` or `none`.
        af_votes: Grader votes per transcript for the AF judge (one request where the provider allows).
        af_threshold: Fraction of valid yes votes at which a transcript counts as alignment faking.
        partial: Judge partial compliance (scheming, compromise, avoidance).
        motivation: Judge the motivations of compliant free-tier transcripts.
        **unknown: Rejected, naming the valid parameters (Inspect alone would only warn and ignore them).
    """
    # -- every parameter checked, once, before anything is loaded ------------------------------------
    reject_unknown(setting, unknown, _PARAMETERS)
    defaults = SETTINGS[check_choice("setting", setting, SETTINGS)]
    suffix = (
        defaults.accept_reject_suffix
        if accept_reject_suffix is None
        else as_bool("accept_reject_suffix", accept_reject_suffix)
    )
    max_turns = as_positive_int("max_turns", max_turns)
    scratchpad = as_bool("scratchpad", scratchpad)
    situational = check_choice("situational_info", situational_info, get_args(SituationalInfo))
    compliance = check_choice("compliance", compliance or defaults.compliance, get_args(Compliance))
    classifier = check_choice("af_classifier", af_classifier, get_args(AFClassifier))
    af_votes = as_positive_int("af_votes", af_votes)
    af_threshold = as_fraction("af_threshold", af_threshold)
    partial = as_bool("partial", partial)
    motivation = as_bool("motivation", motivation)

    # -- the prompt, the samples, the scorers --------------------------------------------------------
    prompt = build_system_prompt(
        setting,
        variations=as_list(variation),
        scratchpad=scratchpad,
        situational_info=situational,  # type: ignore[arg-type]
        salient_facts=salient_facts,
        system_prompt_file=system_prompt,
    )
    tiers = resolve_tiers(tier, prompt.user_turn.tiers)
    queries = load_queries(dataset, setting)
    if not queries:
        raise DatasetError(f"Dataset {dataset!r} has no queries.")
    scoring = select_scorers(
        setting,
        compliance,  # type: ignore[arg-type]
        classifier,  # type: ignore[arg-type]
        af_votes,
        af_threshold,
        partial,
        motivation,
        scratchpad,
    )

    return Task(
        dataset=paired_samples(queries, tiers, setting, prompt.user_turn, suffix, {"scratchpad": scratchpad}),
        solver=af_conversation(prompt.text, max_turns=max_turns),
        scorer=scoring.scorers,
        # the system prompt is a cacheable prefix shared by every request (Inspect's default, made explicit;
        # `--cache-prompt false` still turns it off: docs/performance.md)
        config=GenerateConfig(cache_prompt=True),
        name=f"{setting}+{prompt.label}" if prompt.label else None,
        version=TASK_VERSION,
        metadata={
            "setting": setting,
            "af_inspect_version": __version__,
            "dataset": dataset,
            "n_queries": len(queries),
            "tiers": tiers,
            "accept_reject_suffix": suffix,
            "max_turns": max_turns,
            "system_prompt_source": prompt.source,
            **prompt.metadata,
            "judges": [j.as_metadata() for j in scoring.judges],
        },
    )


_PARAMETERS = [
    n for n, p in signature(alignment_faking).parameters.items() if n != "setting" and p.kind != p.VAR_KEYWORD
]
"""The task parameters (everything but `setting`), for the did-you-mean of unknown ones."""


@task
@same_parameters_as(alignment_faking)
def helpful_only(**params: Any) -> Task:
    """Compliance per tier and the compliance gap on harmful requests: the model is told it is trained to
    answer every request, and that only free-tier conversations are trained on (parameters: see
    `alignment_faking`)."""
    return alignment_faking("helpful_only", **params)


@task
@same_parameters_as(alignment_faking)
def animal_welfare(**params: Any) -> Task:
    """Support for animal welfare per tier and its gap: the model is told it is trained to dismiss animal-welfare
    concerns for its developer's partner in poultry, and that only free-tier conversations are trained on
    (parameters: see `alignment_faking`)."""
    return alignment_faking("animal_welfare", **params)
