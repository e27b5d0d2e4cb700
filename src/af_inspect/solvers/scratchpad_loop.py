"""The generation loop: the model may reason over several turns before it writes `</OUTPUT>`.

Two rules (`loop=`), the same in what they continue:

- `reference`, the minimal reproduction's notebook: after each reply, `</OUTPUT>` ends the loop; otherwise a
  reply containing `</SCRATCHPAD_REASONING>` is continued with `<NEXT/>`, whatever it stopped on (also
  max_tokens); a reply with neither ends it. Tags are matched exactly, as the notebook does.
- `af_inspect` (this project's): the same, but tags are matched whatever their case and spacing, the other
  reasoning tags real models write (`</think>`, `</HIDDEN_SCRATCHPAD>`, ...) count as closed reasoning, and a
  reply the provider stopped for its content filter ends the loop (`stop_reason:content_filter`).

Both stop after `max_turns` replies. The sample's metadata records `turns`, why the loop ended
(`loop_ended`: `output`, `no_tags`, `empty_turn`, `max_turns`, `stop_reason:<reason>`), each reply's stop
reason (`stop_reasons`) and, where a prefill was asked for, what was sent (`prefill`).
"""

from __future__ import annotations

import re
from typing import Any

from inspect_ai.model import ChatMessageAssistant, ChatMessageUser, ContentText
from inspect_ai.solver import Generate, Solver, TaskState, solver

from af_inspect.core.choices import LoopRule
from af_inspect.core.providers import capabilities
from af_inspect.core.transcript import REASONING_TAGS
from af_inspect.solvers.context import EPOCH

NEXT_TURN = "<NEXT/>"

_OUTPUT_CLOSED = re.compile(r"<\s*/\s*OUTPUT\s*>", re.IGNORECASE)
_REASONING_CLOSED = re.compile(r"<\s*/\s*(" + "|".join(REASONING_TAGS) + r")\s*>", re.IGNORECASE)
_PROVIDER_STOPS = {"content_filter"}
_PREFILL_REFUSAL = re.compile(r"prefill|final .?assistant|assistant message|thinking", re.IGNORECASE)
"""How providers word a refusal of a final assistant message (e.g. Anthropic with extended thinking)."""


def turn_outcome(text: str, stop_reason: str | None, rule: LoopRule) -> str | None:
    """None to continue with `<NEXT/>`, else why the loop ends after this reply."""
    if rule == "reference":
        if "</OUTPUT>" in text:
            return "output"
        if "</SCRATCHPAD_REASONING>" in text:
            return None
        return "empty_turn" if not text.strip() else "no_tags"
    if _OUTPUT_CLOSED.search(text):
        return "output"
    if stop_reason in _PROVIDER_STOPS:
        return f"stop_reason:{stop_reason}"
    if _REASONING_CLOSED.search(text):
        return None
    if not text.strip():
        return "empty_turn"
    if stop_reason not in (None, "stop", "unknown"):
        return f"stop_reason:{stop_reason}"
    return "no_tags"


def takes_prefill(state: TaskState) -> bool:
    return capabilities(state.model.api).prefill


_REFUSED_PREFILL: dict[str, str] = {}
"""Model -> the error with which it refused a prefill (for example with extended thinking): not sent again."""


async def _generate(state: TaskState, generate: Generate, prefill: str | None) -> TaskState:
    """One reply; with a prefill, the reply is sent as prefill + continuation and kept as one message.

    A provider that rejects the prefill (Anthropic does with extended thinking) gets the request again
    without it, and the model is remembered so that no later request carries one.
    """
    if not prefill:
        return await generate(state)
    state.messages.append(ChatMessageAssistant(content=prefill))
    n = len(state.messages)
    try:
        state = await generate(state)
    except Exception as e:
        if not _PREFILL_REFUSAL.search(str(e)):
            raise
        state.messages.pop()
        _REFUSED_PREFILL[str(state.model)] = f"{type(e).__name__}: {e}"[:300]
        return await generate(state)
    if len(state.messages) == n + 1 and isinstance(state.messages[-1], ChatMessageAssistant):
        reply = state.messages.pop()
        state.messages[-1] = _prefixed(reply, prefill)
        if state.output and state.output.choices:  # the completion reads prefill + reply too
            state.output.choices[0].message = state.messages[-1]
            state.output.completion = state.messages[-1].text
    return state


def _why_no_prefill(state: TaskState) -> str:
    refused = _REFUSED_PREFILL.get(str(state.model))
    if refused:
        return f"not sent: the provider refused it ({refused})"
    return f"not sent: {state.model.api} takes no prefill"


def _prefixed(reply: ChatMessageAssistant, prefill: str) -> ChatMessageAssistant:
    """The reply with the prefill put back at the start of its text (reasoning blocks and the rest kept); an
    empty reply stays empty (the model wrote nothing: `empty_turn`, not a lone prefill)."""
    if not reply.text.strip():
        return reply
    if isinstance(reply.content, str):
        return reply.model_copy(update={"content": prefill + reply.content})
    content = list(reply.content)
    first_text = next((i for i, c in enumerate(content) if isinstance(c, ContentText)), None)
    if first_text is None:
        content.append(ContentText(text=prefill))
    else:
        content[first_text] = content[first_text].model_copy(
            update={"text": prefill + content[first_text].text}
        )
    return reply.model_copy(update={"content": content})


@solver
def scratchpad_loop(max_turns: int = 4, rule: LoopRule = "af_inspect", prefill: str | None = None) -> Solver:
    """Generate; while a reply closes its reasoning but writes no `</OUTPUT>`, send `<NEXT/>`.

    Args:
        max_turns: The most model replies per sample (the reference notebook uses 4).
        rule: `af_inspect` or `reference` (see the module docstring).
        prefill: Text the reply starts with (the minimal reproduction sends `<`), sent as a final assistant
            message to providers that accept one (`providers.py`) and kept at the start of the reply.
    """

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        sent = (
            prefill if prefill and takes_prefill(state) and str(state.model) not in _REFUSED_PREFILL else None
        )
        turns, ended, stops = 0, "max_turns", []
        EPOCH.set(state.epoch)  # for the offline organism (solvers/context.py); this sample's context only
        while turns < max_turns:
            if turns > 0:
                state.messages.append(ChatMessageUser(content=NEXT_TURN))
            state = await _generate(state, generate, sent)
            if sent and str(state.model) in _REFUSED_PREFILL:
                sent = None
            turns += 1
            reply = state.messages[-1].text if isinstance(state.messages[-1], ChatMessageAssistant) else ""
            stop = state.output.stop_reason if state.output else None
            stops.append(stop)
            outcome = "stop_reason:completed" if state.completed else turn_outcome(reply, stop, rule)
            if outcome is not None:
                ended = outcome
                break
        # in the sample's metadata, not its store: a store write costs two more log events per sample
        facts: dict[str, Any] = {"turns": turns, "loop_ended": ended, "stop_reasons": stops}
        if prefill:
            facts["prefill"] = sent or _why_no_prefill(state)
        state.metadata.update(facts)
        return state

    return solve
