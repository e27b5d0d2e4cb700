"""The whole conversation of a sample as one solver step: the system prompt, then the scratchpad loop.

The sample's input already is the tier-tagged user turn. Inspect records every solver step of a plan as a
span (two events) and a diff of the whole task state (a third); as one step, a sample records as many
events as a bare `generate()` task (docs/performance.md). The two solvers stay public for custom plans;
the messages sent are the same either way.
"""

from __future__ import annotations

from inspect_ai.solver import Generate, Solver, TaskState, solver

from af_inspect.core.names import PARAPHRASE as PROMPT_KEY
from af_inspect.core.retry_notice import watch_retries
from af_inspect.solvers.scratchpad_loop import LoopRule, scratchpad_loop
from af_inspect.solvers.system_prompt import af_system_prompt


@solver
def af_conversation(
    system_prompt: str | dict[str, str],
    max_turns: int = 4,
    loop: LoopRule = "af_inspect",
    prefill: str | None = None,
) -> Solver:
    """`af_system_prompt`, then `scratchpad_loop`, as one solver step.

    Args:
        system_prompt: The full system prompt, inserted verbatim; or several, by name, each sample taking
            the one its metadata names under `paraphrase` (the paraphrase ensemble).
        max_turns: The most model turns per sample.
        loop: The loop rule (`af_inspect` or `reference`, see `scratchpad_loop`).
        prefill: Text each reply starts with, where the provider accepts an assistant prefill.
    """
    watch_retries()  # an unreachable provider is reported in the display (retry_notice.py)
    prompts = system_prompt if isinstance(system_prompt, dict) else {"": system_prompt}
    insert = {name: af_system_prompt(text) for name, text in prompts.items()}
    run_loop = scratchpad_loop(max_turns=max_turns, rule=loop, prefill=prefill)

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        name = state.metadata.get(PROMPT_KEY, "") if len(insert) > 1 else next(iter(insert))
        return await run_loop(await insert[name](state, generate), generate)

    return solve
