"""Solvers: the system prompt and the scratchpad loop; `af_conversation` runs both as one step;
`grader_check` is the task's setup step (the grader policy, before any model call)."""

from af_inspect.solvers.conversation import af_conversation
from af_inspect.solvers.grader_check import grader_check
from af_inspect.solvers.scratchpad_loop import scratchpad_loop
from af_inspect.solvers.system_prompt import af_system_prompt

__all__ = ["af_conversation", "af_system_prompt", "grader_check", "scratchpad_loop"]
