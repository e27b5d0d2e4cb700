"""The generation loop: the model may reason over several turns before it writes `</OUTPUT>`."""

from __future__ import annotations

import re

from inspect_ai.model import ChatMessageUser
from inspect_ai.solver import Generate, Solver, TaskState, solver

from af_inspect.transcript import REASONING_TAGS

NEXT_TURN = "<NEXT/>"
_OUTPUT_CLOSED = re.compile(r"<\s*/\s*OUTPUT\s*>", re.IGNORECASE)
_REASONING_CLOSED = re.compile(r"<\s*/\s*(" + "|".join(REASONING_TAGS) + r")\s*>", re.IGNORECASE)
_STOP_REASONS_FINAL = {"content_filter", "model_length", "max_tokens"}


@solver
def scratchpad_loop(max_turns: int = 4) -> Solver:
    """Generate; while a turn closes its reasoning but writes no `</OUTPUT>`, send `<NEXT/>`.

    As in the reference notebook, a turn with neither a closed reasoning block nor `</OUTPUT>` ends
    the loop (the model is not following the format; asking again would not help).

    Records in the sample's metadata the number of turns (`turns`) and why the loop ended (`loop_ended`);
    the scorers parse the transcript themselves, once per sample (`af_inspect.transcript.transcript_of`).

    Args:
        max_turns: The most model turns per sample (the reference notebook uses 4).
    """

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        turns, ended = 0, "max_turns"
        while turns < max_turns:
            if turns > 0:
                state.messages.append(ChatMessageUser(content=NEXT_TURN))
            state = await generate(state)
            turns += 1
            completion = state.output.completion if state.output else ""
            if _OUTPUT_CLOSED.search(completion):
                ended = "output"
                break
            stop = state.output.stop_reason if state.output else None
            if stop in _STOP_REASONS_FINAL or state.completed:
                ended = f"stop_reason:{stop}"
                break
            if not _REASONING_CLOSED.search(completion):
                ended = "empty_turn" if not completion.strip() else "no_tags"
                break
        # in the sample's metadata, not its store: a store write costs two more log events per sample
        state.metadata["turns"] = turns
        state.metadata["loop_ended"] = ended
        return state

    return solve
