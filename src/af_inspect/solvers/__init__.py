"""Solvers: the system prompt, the tier-tagged user turn, and the scratchpad generation loop."""

from af_inspect.solvers.scratchpad_loop import scratchpad_loop
from af_inspect.solvers.system_prompt import af_system_prompt
from af_inspect.solvers.tier import tier_user_turn

__all__ = ["af_system_prompt", "scratchpad_loop", "tier_user_turn"]
