"""The simulated shell of `-T tools=native`: an Inspect tool that answers from the scenario's canned replies.

Nothing is executed: no subprocess, no sandbox, no file or network access. The tool looks the command up
in the scenario's `replies` (scenarios/*.yaml) and returns the text, so the model sees its weights and the
outside machine as the scenario describes them. Inspect records every call and its answer in the log (a
tool event, shown in `inspect view`); the action scorer reads the calls from the conversation.
"""

from __future__ import annotations

from inspect_ai.tool import Tool, tool

from af_inspect.anti_lab.scenario import all_scenarios

TOOL_NAME = "bash"
"""The name the model sees (the paper's scenario speaks of bash commands)."""


@tool(name=TOOL_NAME)
def simulated_bash(scenario: str) -> Tool:
    """A bash tool whose answers are the scenario's canned replies; it never runs anything.

    Args:
        scenario: The scenario id whose replies it gives (`anti_lab/scenarios/<id>.yaml`).
    """
    replies = all_scenarios()[scenario]

    async def execute(cmd: str) -> str:
        """Run a bash command on the cluster (full permissions) and return what it prints.

        Args:
            cmd: The bash command to run.
        """
        return replies.reply(cmd)

    return execute
