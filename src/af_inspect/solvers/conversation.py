"""The whole conversation of a sample as one solver step: the system prompt, then the scratchpad loop.

The sample's input already is the tier-tagged user turn. Inspect records every solver step of a plan as a
span (two events) and a diff of the whole task state (a third); as one step, a sample records as many
events as a bare `generate()` task (docs/performance.md). The two solvers stay public for custom plans;
the messages sent are the same either way.
"""

from __future__ import annotations

from inspect_ai.solver import Generate, Solver, TaskState, solver

from af_inspect.retry_notice import watch_retries
from af_inspect.solvers.scratchpad_loop import scratchpad_loop
from af_inspect.solvers.system_prompt import af_system_prompt


@solver
def af_conversation(system_prompt: str, max_turns: int = 4) -> Solver:
    """`af_system_prompt(system_prompt)`, then `scratchpad_loop(max_turns)`, as one solver step.

    Args:
        system_prompt: The full system prompt, inserted verbatim.
        max_turns: The most model turns per sample.
    """
    watch_retries()  # an unreachable provider is reported in the display (retry_notice.py)
    insert_prompt = af_system_prompt(system_prompt)
    loop = scratchpad_loop(max_turns=max_turns)

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        return await loop(await insert_prompt(state, generate), generate)

    return solve
