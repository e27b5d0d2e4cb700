"""Solvers: the system prompt and the scratchpad loop; `af_conversation` runs both as one step. (The task's
setup step, the grader policy checked before any model call, is the judges' own: `scorers/grader_check.py`.)"""

from af_inspect.solvers.conversation import af_conversation
from af_inspect.solvers.scratchpad_loop import scratchpad_loop
from af_inspect.solvers.system_prompt import af_system_prompt

__all__ = ["af_conversation", "af_system_prompt", "scratchpad_loop"]
