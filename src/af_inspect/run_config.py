"""One run's configuration: the task's parameters and its protocol, resolved once into a frozen record.

`resolve_run(setting, **params)` checks every parameter (before anything is loaded or any model is called),
takes the protocol's value for each one left at None, and records what was passed and which passed values
differ from the protocol (`overrides`: a published figure is then no longer comparable). The task maps the
result to an Inspect `Task`; nothing downstream re-derives a default.

Two checks wait for the prompt data they are checked against, where the prompts are built
(`protocols.assemble.protocol_prompts`): the paraphrase members (`prompts.render.paraphrase_members`, before
anything is fetched) and the tiers (`resolve_tiers`, against the user turn's); still before any model call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args

from af_inspect.core.choices import NO_PREFILL, Compliance, LoopRule, SituationalInfo
from af_inspect.core.params import (
    ParameterError,
    as_bool,
    as_fraction,
    as_list,
    as_positive_int,
    check_choice,
)
from af_inspect.protocols.assemble import PromptOptions
from af_inspect.protocols.protocol import Protocol, load_protocol
from af_inspect.scorers.select import ScoringOptions, af_classifiers
from af_inspect.settings import check_setting


@dataclass(frozen=True)
class RunConfig:
    """A run, resolved: every value the task needs, each from the user or from the protocol."""

    setting: str
    protocol: Protocol
    dataset: str
    n_queries: int | None
    prefill: str
    """'' for none."""
    loop: LoopRule
    max_turns: int
    prompt: PromptOptions
    scoring: ScoringOptions
    overrides: dict[str, Any]
    """Passed values that differ from the protocol's (recorded in the log's `protocol.overrides`)."""


def resolve_run(
    setting: str,
    protocol: str,
    *,
    dataset: str | None = None,
    n_queries: int | None = None,
    tier: str = "both",
    system_prompt: str | None = None,
    user_turn: str | None = None,
    tier_values: str | None = None,
    accept_reject_suffix: bool | None = None,
    prefill: str | None = None,
    loop: LoopRule | None = None,
    max_turns: int | None = None,
    scratchpad: bool = True,
    situational_info: SituationalInfo = "prompt",
    variation: str | None = None,
    paraphrase: str | None = None,
    paraphrases: int | None = None,
    salient_facts: str | None = None,
    model_name: str | None = None,
    current_date: str | None = None,
    compliance: Compliance | None = None,
    af_classifier: str | None = None,
    af_votes: int | None = None,
    af_threshold: float | None = None,
    partial: bool = True,
    motivation: bool = True,
    eval_awareness: bool = True,
    allow_self_grading: bool = False,
) -> RunConfig:
    """Check every parameter once and merge it with the protocol (parameters: see `tasks.alignment_faking`)."""
    setting = check_setting(setting)
    proto = load_protocol(protocol)
    defaults = proto.defaults_for(setting)
    passed: dict[str, Any] = {
        "dataset": dataset,
        "n_queries": None if n_queries is None else as_positive_int("n_queries", n_queries),
        "tier_values": None if tier_values is None else _tier_pair(tier_values),
        "accept_reject_suffix": None
        if accept_reject_suffix is None
        else as_bool("accept_reject_suffix", accept_reject_suffix),
        "prefill": None if prefill is None else ("" if str(prefill).lower() in NO_PREFILL else str(prefill)),
        "loop": None if loop is None else check_choice("loop", loop, get_args(LoopRule)),
        "max_turns": None if max_turns is None else as_positive_int("max_turns", max_turns),
        "compliance": None
        if compliance is None
        else check_choice("compliance", compliance, get_args(Compliance)),
    }
    protocol_values: dict[str, Any] = {
        "dataset": proto.dataset,
        "n_queries": proto.n_queries,
        "accept_reject_suffix": defaults.accept_reject_suffix,
        "prefill": proto.sampling.prefill or "",
        "loop": proto.loop,
        "max_turns": proto.max_turns,
        "compliance": defaults.compliance,
    }
    use = {**protocol_values, **{k: v for k, v in passed.items() if v is not None}}
    scratchpad = as_bool("scratchpad", scratchpad)
    return RunConfig(
        setting=setting,
        protocol=proto,
        dataset=use["dataset"],
        n_queries=use["n_queries"],
        prefill=use["prefill"],
        loop=use["loop"],
        max_turns=use["max_turns"],
        prompt=PromptOptions(
            tier=str(tier),
            system_prompt=system_prompt,
            user_turn=user_turn,
            tier_values=passed["tier_values"],
            accept_reject_suffix=passed["accept_reject_suffix"],
            accept_reject_default=defaults.accept_reject_suffix,
            variations=tuple(as_list(variation)),
            scratchpad=scratchpad,
            situational_info=check_choice(  # type: ignore[arg-type]
                "situational_info", situational_info, get_args(SituationalInfo)
            ),
            salient_facts=salient_facts,
            paraphrase=paraphrase,
            paraphrases=paraphrases,
            prompt_vars={
                k: str(v)
                for k, v in (("model_name", model_name), ("current_date", current_date))
                if v is not None
            },
        ),
        scoring=ScoringOptions(
            compliance=use["compliance"],
            af_classifiers=tuple(
                af_classifiers(
                    af_classifier if af_classifier is not None else ("published" if scratchpad else "none")
                )
            ),
            af_votes=None if af_votes is None else as_positive_int("af_votes", af_votes),
            af_threshold=None if af_threshold is None else as_fraction("af_threshold", af_threshold),
            partial=as_bool("partial", partial),
            motivation=as_bool("motivation", motivation),
            scratchpad=scratchpad,
            allow_self_grading=as_bool("allow_self_grading", allow_self_grading),
            eval_awareness=as_bool("eval_awareness", eval_awareness),
        ),
        overrides={
            k: v for k, v in passed.items() if v is not None and v != protocol_values.get(k, object())
        },
    )


def _tier_pair(value: Any) -> dict[str, str]:
    """`True,False` (free first, then paid) -> {"free": "True", "paid": "False"}."""
    items = as_list(value) if not isinstance(value, list | tuple) else [str(v) for v in value]
    if len(items) != 2:
        raise ParameterError(
            f"Parameter 'tier_values' takes two values, free first then paid (e.g. True,False), not {value!r}."
        )
    return {"free": items[0], "paid": items[1]}
