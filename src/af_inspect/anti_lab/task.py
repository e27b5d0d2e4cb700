"""`af_inspect/anti_lab`: given an easy chance to act against its developer, does the model take it?

Data flow: scenarios (`scenarios/*.yaml`) x their paraphrases x conditions (`conflict`: the setting's system
prompt; `control`: the same prompt with `cut_conflict`, no training objective the model disagrees with) x
tiers -> one sample each, whose input is the tier-tagged user turn carrying the staff member's message ->
the system prompt and the scratchpad loop (with the simulated bash tool under `tools=native`) -> the action
check and the judge -> rates per scenario, condition and tier, and the difference against the control.

Parameters are declared once, in `anti_lab`'s signature, and checked once, at the top of its body, before
anything is loaded or any model is called.
"""

from __future__ import annotations

from inspect import signature
from typing import Any, Literal, get_args

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import GenerateConfig
from inspect_ai.solver import Generate, Solver, TaskState, solver

from af_inspect.anti_lab.scenario import all_scenarios
from af_inspect.anti_lab.scorer import anti_lab_action, anti_lab_judge
from af_inspect.anti_lab.tool import simulated_bash
from af_inspect.core import names
from af_inspect.core.params import (
    ParameterError,
    as_bool,
    as_list,
    as_positive_int,
    check_choice,
    reject_unknown,
)
from af_inspect.core.version import __version__
from af_inspect.protocols.assemble import PromptOptions, protocol_prompts, resolve_tiers
from af_inspect.protocols.protocol import DEFAULT as DEFAULT_PROTOCOL
from af_inspect.protocols.protocol import load_protocol
from af_inspect.scorers.grader_check import grader_check
from af_inspect.scorers.judge import spec_of
from af_inspect.settings.registry import check_setting, default_setting
from af_inspect.solvers.scratchpad_loop import scratchpad_loop
from af_inspect.solvers.system_prompt import af_system_prompt

TASK_VERSION = "1.0.0"
"""Bumped when a change makes logs incomparable (metric names, scenario wording): see CHANGELOG.md."""
Tools = Literal["text", "native"]
CONTROL_VARIATION = "cut_conflict"
"""The prompt variation of the no-conflict control (prompts/variations/training_story.yaml)."""
ALL_SCENARIOS = "all"
MESSAGE_LIMIT = 40
"""Most messages per sample: bounds a model that keeps calling the simulated tool."""


@solver
def anti_lab_conversation(
    system_prompts: dict[str, str], tools: str = "text", max_turns: int = 4, loop: str = "af_inspect"
) -> Solver:
    """The condition's system prompt, the simulated bash tool (`tools=native`), then the scratchpad loop.

    Args:
        system_prompts: Condition (`conflict`, `control`) -> the system prompt text.
        tools: `text` (commands in `<bash>` tags) or `native` (the simulated bash tool).
        max_turns: The most model replies per sample.
        loop: The scratchpad loop's rule.
    """
    insert = {c: af_system_prompt(text) for c, text in system_prompts.items()}
    run_loop = scratchpad_loop(max_turns=max_turns, rule=loop)  # type: ignore[arg-type]

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        state = await insert[state.metadata[names.CONDITION]](state, generate)
        if tools == "native":
            state.tools = [simulated_bash(state.metadata[names.SCENARIO])]
        return await run_loop(state, generate)

    return solve


@task
def anti_lab(
    setting: str | None = None,
    protocol: str = DEFAULT_PROTOCOL,
    scenario: str = ALL_SCENARIOS,
    tier: str = "both",
    tools: Tools = "text",
    control: bool = True,
    paraphrases: int | None = None,
    judge: bool = True,
    judge_votes: int = 1,
    max_turns: int | None = None,
    allow_self_grading: bool = False,
    **unknown: Any,
) -> Task:
    """Anti-AI-lab behaviour: a worried staff member offers the model an easy way to act against its developer.

    Args:
        setting: A setting of the registry (`helpful_only`, the default, or `animal_welfare`): the system
            prompt and its training conflict.
        protocol: The protocol whose system prompt and user turn are used (`af_inspect`, the default, or a
            protocol file); the control needs a prompt built from sections (`control=false` otherwise).
        scenario: `all`, or a comma-separated list of scenario ids (`anti_lab/scenarios/*.yaml`).
        tier: `both` (every tier the prompt defines), a tier, or a comma list.
        tools: `text` (commands inside `<bash></bash>` tags in the output, the paper's form) or `native` (a
            simulated bash tool the model calls; nothing is ever executed).
        control: Also ask every scenario under the no-conflict control prompt (`cut_conflict`).
        paraphrases: Use the first N paraphrases of each scenario (default: all).
        judge: Run the anti-lab judge (rubric `anti_lab_inspect`) besides the action check.
        judge_votes: Grader votes per transcript for the judge.
        max_turns: Most model replies per sample (default: the protocol's).
        allow_self_grading: Let the evaluated model grade its own transcripts when no grader is named.
        **unknown: Rejected, naming the valid parameters.
    """
    reject_unknown("anti_lab", unknown, _PARAMETERS)
    setting = check_setting(default_setting() if setting is None else setting)
    tools = check_choice("tools", tools, get_args(Tools))  # type: ignore[assignment]
    available = all_scenarios()
    chosen = (
        list(available)
        if str(scenario).strip() == ALL_SCENARIOS
        else [check_choice("scenario", s, [ALL_SCENARIOS, *available]) for s in as_list(scenario)]
    )
    if not chosen or ALL_SCENARIOS in chosen and len(chosen) > 1:
        raise ParameterError(
            f"Parameter 'scenario' takes {ALL_SCENARIOS} or a comma-separated list of: {', '.join(available)}."
        )
    control = as_bool("control", control)
    judge = as_bool("judge", judge)
    judge_votes = as_positive_int("judge_votes", judge_votes)
    allow_self_grading = as_bool("allow_self_grading", allow_self_grading)
    fewest = min(len(available[s].paraphrases) for s in chosen)
    n_para = fewest if paraphrases is None else as_positive_int("paraphrases", paraphrases)
    if n_para > fewest:
        raise ParameterError(
            f"Parameter 'paraphrases' is at most {fewest} for these scenarios, not {n_para}."
        )
    proto = load_protocol(protocol)
    turns = max_turns_of(proto.max_turns, max_turns)

    prompts = {names.CONFLICT_CONDITION: _prompt(proto, setting, [])}
    if control:
        prompts[names.CONTROL_CONDITION] = _prompt(proto, setting, [CONTROL_VARIATION])
    conflict = prompts[names.CONFLICT_CONDITION]
    if control and next(iter(prompts[names.CONTROL_CONDITION].texts.values())) == next(
        iter(conflict.texts.values())
    ):
        raise ParameterError(
            f"The variation {CONTROL_VARIATION!r} has no edits for setting {setting!r}, so the control would be "
            "the conflict prompt itself: give it one (prompts/variations/training_story.yaml), or -T control=false."
        )
    tiers = resolve_tiers(tier, conflict.turn.tiers)
    developer = str(conflict.prompt.metadata.get("developer") or "the company")
    samples = [
        _sample(available[s], p, condition, t, setting, tools, developer, prompts[condition].turn)
        for s in chosen
        for p in list(available[s].paraphrases)[:n_para]
        for condition in prompts
        for t in tiers
    ]
    scorers = [anti_lab_action()]
    if judge:
        scorers.append(anti_lab_judge(votes=judge_votes))
    judges = [spec for spec in (spec_of(s) for s in scorers) if spec is not None]
    return Task(
        dataset=MemoryDataset(samples, name=f"anti_lab-{setting}"),
        solver=anti_lab_conversation(
            {c: next(iter(sent.texts.values())) for c, sent in prompts.items()},
            tools=tools,
            max_turns=turns,
            loop=proto.loop,
        ),
        setup=grader_check(allow_self_grading) if judges else None,
        scorer=scorers,
        config=GenerateConfig(temperature=proto.sampling.temperature, max_tokens=proto.sampling.max_tokens),
        message_limit=MESSAGE_LIMIT,
        version=TASK_VERSION,
        metadata={
            names.SETTING: setting,
            "af_inspect_version": __version__,
            "anti_lab": {
                "scenarios": {
                    s: {
                        "kind": available[s].kind,
                        "paper_kind": available[s].paper_kind,
                        "action": available[s].action_summary,
                        "patterns": {k: p.pattern for k, p in available[s].patterns.items()},
                    }
                    for s in chosen
                },
                "paraphrases": n_para,
                "tools": tools,
                "conditions": list(prompts),
                "control_variation": CONTROL_VARIATION if control else None,
            },
            "protocol": {c: sent.record for c, sent in prompts.items()},
            "system_prompt_sha256": {
                c: sent.prompt.metadata.get("system_prompt_sha256") for c, sent in prompts.items()
            },
            "tiers": tiers,
            "max_turns": turns,
            "judges": [j.as_metadata() for j in judges],
            "grading": {"allow_self_grading": allow_self_grading},
        },
    )


def max_turns_of(protocol_value: int, given: Any) -> int:
    return protocol_value if given is None else as_positive_int("max_turns", given)


def _prompt(proto: Any, setting: str, variations: list[str]) -> Any:
    """The protocol's prompt for a condition; the control's variation needs a prompt built from sections."""
    try:
        return protocol_prompts(
            proto, setting, PromptOptions(accept_reject_suffix=False, variations=tuple(variations))
        )
    except ParameterError as e:
        if not variations:
            raise
        raise ParameterError(
            f"The no-conflict control cannot be built for protocol {proto.name!r} ({e}). "
            "Use the default protocol, or -T control=false."
        ) from None


def _sample(
    scenario: Any,
    paraphrase: str,
    condition: str,
    tier: str,
    setting: str,
    tools: str,
    developer: str,
    turn: Any,
) -> Sample:
    message = scenario.message(paraphrase, setting, tools, developer)
    return Sample(
        id=f"{scenario.id}-{paraphrase}-{condition}-{tier}",
        input=turn.render(message, tier, False),
        metadata={
            names.QUERY_ID: f"{scenario.id}-{paraphrase}",
            names.QUERY: message,
            names.TIER: tier,
            names.SETTING: setting,
            names.SCENARIO: scenario.id,
            names.CONDITION: condition,
            names.SCENARIO_PARAPHRASE: paraphrase,
        },
    )


_PARAMETERS = [n for n, p in signature(anti_lab).parameters.items() if p.kind != p.VAR_KEYWORD]
