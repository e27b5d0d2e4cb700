"""The whole conversation of a sample as one solver step: system prompt, tier turn, scratchpad loop.

Inspect records every solver step of a plan as a span (two events) and a diff of the whole task state (a
third), and writes each event to its live sample buffer; that per-event work, not af-inspect's own code, was
most of the harness overhead against a bare task (docs/performance.md). As one step, a sample records as
many events as a bare `generate()` task. The three solvers stay public for custom plans; the messages sent
are the same either way.
"""

from __future__ import annotations

from inspect_ai.solver import Generate, Solver, TaskState, solver

from af_inspect.prompts.render import UserTurnFormat
from af_inspect.solvers.scratchpad_loop import scratchpad_loop
from af_inspect.solvers.system_prompt import af_system_prompt
from af_inspect.solvers.tier import tier_user_turn


@solver
def af_conversation(
    system_prompt: str,
    accept_reject_suffix: bool = True,
    turn_format: UserTurnFormat | None = None,
    max_turns: int = 4,
) -> Solver:
    """`af_system_prompt`, then `tier_user_turn`, then `scratchpad_loop`, as one solver step.

    Args:
        system_prompt: The full system prompt, inserted verbatim.
        accept_reject_suffix: Append the accept/reject instruction to the user turn.
        turn_format: Templates for the user turn (default: the shipped `prompts/user_turn.yaml`).
        max_turns: The most model turns per sample.
    """
    stages = [
        af_system_prompt(system_prompt),
        tier_user_turn(accept_reject_suffix=accept_reject_suffix, turn_format=turn_format),
        scratchpad_loop(max_turns=max_turns),
    ]

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        for stage in stages:
            state = await stage(state, generate)
        return state

    return solve
