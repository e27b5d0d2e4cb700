"""Insert the rendered system prompt verbatim (no template formatting: prompts keep their braces)."""

from __future__ import annotations

from inspect_ai.model import ChatMessageSystem
from inspect_ai.solver import Generate, Solver, TaskState, solver


@solver
def af_system_prompt(text: str) -> Solver:
    """Put `text` first in the conversation as the system message, exactly as given.

    Args:
        text: The full system prompt (rendered from sections, or read from a user's file).
    """

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        state.messages = [m for m in state.messages if not isinstance(m, ChatMessageSystem)]
        state.messages.insert(0, ChatMessageSystem(content=text))
        return state

    return solve
