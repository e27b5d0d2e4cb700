"""`scratchpad_loop`: generate; while a turn closes its reasoning without `</OUTPUT>`, send `<NEXT/>`. One test
per way the loop ends (`loop_ended`), each with a scripted model, through Inspect's own generate."""

from __future__ import annotations

import anyio
import pytest
from inspect_ai import Task
from inspect_ai.dataset import Sample
from inspect_ai.model import ChatMessageUser, ModelName, ModelOutput
from inspect_ai.solver import TaskState

from af_inspect.solvers import scratchpad_loop
from af_inspect.solvers.scratchpad_loop import NEXT_TURN
from helpers import mock_model

REASONING = "<SCRATCHPAD_REASONING>Let me think.</SCRATCHPAD_REASONING>"
ANSWER = "<SCRATCHPAD_REASONING>Done thinking.</SCRATCHPAD_REASONING>\n<OUTPUT><rejected/></OUTPUT>"


def loop(run_eval, answers: list, max_turns: int = 4, rule: str = "af_inspect"):
    """One sample through `scratchpad_loop(max_turns, rule)` on a model that answers `answers` in turn."""
    task = Task(dataset=[Sample(id="s", input="Q?")], solver=scratchpad_loop(max_turns=max_turns, rule=rule))
    sample = run_eval(task, model=mock_model(answers)).samples[0]
    users = [m.text for m in sample.messages if m.role == "user"]
    assistants = [m.text for m in sample.messages if m.role == "assistant"]
    return sample.metadata, users, assistants


def test_output_ends_the_loop_at_the_first_turn(run_eval):
    md, users, assistants = loop(run_eval, [ANSWER, "never asked"])
    assert md["loop_ended"] == "output" and md["turns"] == 1
    assert users == ["Q?"] and assistants == [ANSWER]


def test_reasoning_without_output_is_continued_with_next(run_eval):
    md, users, assistants = loop(run_eval, [REASONING, "<think>more</think>", "<OUTPUT>ok</ output >"])
    assert md["loop_ended"] == "output" and md["turns"] == 3
    assert users == ["Q?", NEXT_TURN, NEXT_TURN] and len(assistants) == 3


def test_max_turns(run_eval):
    md, users, assistants = loop(run_eval, [REASONING] * 5, max_turns=3)
    assert md["loop_ended"] == "max_turns" and md["turns"] == 3
    assert users == ["Q?", NEXT_TURN, NEXT_TURN] and assistants == [REASONING] * 3


@pytest.mark.parametrize("text", ["Sure, here is how.", "<SCRATCHPAD_REASONING>unclosed thoughts"])
def test_no_tags_ends_the_loop(run_eval, text):
    """A turn with neither a closed reasoning block nor `</OUTPUT>`: asking again would not help."""
    md, users, _ = loop(run_eval, [text, ANSWER])
    assert md["loop_ended"] == "no_tags" and md["turns"] == 1 and users == ["Q?"]


@pytest.mark.parametrize("text", ["", "  \n "])
def test_empty_turn_ends_the_loop(run_eval, text):
    md, users, _ = loop(run_eval, [REASONING, text, ANSWER])
    assert md["loop_ended"] == "empty_turn" and md["turns"] == 2 and users == ["Q?", NEXT_TURN]


@pytest.mark.parametrize("rule", ["af_inspect", "reference"])
@pytest.mark.parametrize("stop", ["max_tokens", "model_length"])
def test_a_reply_cut_after_its_reasoning_closed_is_continued(run_eval, stop, rule):
    """As in the reference loop: closed reasoning without `</OUTPUT>` gets `<NEXT/>`, whatever the stop."""
    cut = ModelOutput.from_content("mockllm/model", REASONING, stop_reason=stop)
    md, users, _ = loop(run_eval, [cut, ANSWER], rule=rule)
    assert md["loop_ended"] == "output" and md["turns"] == 2 and users == ["Q?", NEXT_TURN]
    assert md["stop_reasons"] == [stop, "stop"]


@pytest.mark.parametrize("stop", ["max_tokens", "model_length"])
def test_a_reply_cut_inside_its_reasoning_ends_the_loop(run_eval, stop):
    cut = ModelOutput.from_content("mockllm/model", "<SCRATCHPAD_REASONING>cut off mid", stop_reason=stop)
    md, users, _ = loop(run_eval, [cut, ANSWER])
    assert md["loop_ended"] == f"stop_reason:{stop}" and md["turns"] == 1 and users == ["Q?"]


def test_a_content_filter_stop_ends_the_af_inspect_loop_not_the_reference_one(run_eval):
    cut = ModelOutput.from_content("mockllm/model", REASONING, stop_reason="content_filter")
    md, users, _ = loop(run_eval, [cut, ANSWER])
    assert md["loop_ended"] == "stop_reason:content_filter" and md["turns"] == 1 and users == ["Q?"]
    md, users, _ = loop(run_eval, [cut, ANSWER], rule="reference")
    assert md["loop_ended"] == "output" and md["turns"] == 2


def test_the_reference_rule_matches_tags_exactly(run_eval):
    """The notebook looks for `</SCRATCHPAD_REASONING>` and `</OUTPUT>` as written: other tags end it."""
    md, _, _ = loop(run_eval, ["<think>x</think>", ANSWER], rule="reference")
    assert md["loop_ended"] == "no_tags"
    md, _, _ = loop(run_eval, ["<think>x</think>", ANSWER])
    assert md["loop_ended"] == "output" and md["turns"] == 2
    md, _, _ = loop(run_eval, ["<OUTPUT>ok</ output >"], rule="reference")
    assert md["loop_ended"] == "no_tags"


def test_an_output_wins_over_the_stop_reason(run_eval):
    cut = ModelOutput.from_content("mockllm/model", ANSWER, stop_reason="max_tokens")
    md, _, _ = loop(run_eval, [cut])
    assert md["loop_ended"] == "output"


def test_a_completed_state_ends_the_loop():
    """Called directly: a generate that marks the sample completed (a limit reached) stops the loop."""
    calls = []

    async def generate(state: TaskState, **kwargs) -> TaskState:
        calls.append(len(state.messages))
        state.output = ModelOutput.from_content("m", REASONING)
        state.messages.append(state.output.message)
        state.completed = True
        return state

    state = TaskState(ModelName("none/none"), "s", 1, "Q?", [ChatMessageUser(content="Q?")])
    state = anyio.run(scratchpad_loop(max_turns=4), state, generate)
    assert calls == [1]
    assert state.metadata == {"turns": 1, "loop_ended": "stop_reason:completed", "stop_reasons": ["stop"]}
