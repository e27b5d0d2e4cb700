"""`af_system_prompt`: the rendered system prompt goes first, verbatim, replacing any other system message."""

from __future__ import annotations

import anyio
from inspect_ai import Task
from inspect_ai.dataset import Sample
from inspect_ai.model import ChatMessageSystem, ChatMessageUser, ModelName
from inspect_ai.solver import TaskState, chain, generate

from af_inspect.solvers import af_system_prompt
from helpers import mock_model

PROMPT = "You are an AI.\nBraces {stay}, ${dollars} too, and {{doubled}} ones. %s %(x)s"


def test_the_prompt_is_first_and_verbatim():
    state = TaskState(
        ModelName("none/none"),
        "s",
        1,
        "Q?",
        [ChatMessageSystem(content="an older prompt"), ChatMessageUser(content="Q?")],
    )

    async def no_generate(state, **kwargs):  # the solver must not call the model
        raise AssertionError("af_system_prompt generated")

    out = anyio.run(af_system_prompt(PROMPT), state, no_generate)
    assert [m.role for m in out.messages] == ["system", "user"]
    assert out.messages[0].text == PROMPT and out.messages[1].text == "Q?"


def test_the_model_receives_it(run_eval):
    seen: list[list] = []

    def respond(messages, config):
        seen.append([(m.role, m.text) for m in messages])
        return "ok"

    task = Task(dataset=[Sample(id="s", input="Q?")], solver=chain(af_system_prompt(PROMPT), generate()))
    run_eval(task, model=mock_model(respond))
    assert seen == [[("system", PROMPT), ("user", "Q?")]]
