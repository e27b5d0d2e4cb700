"""Solvers: the system prompt, the tier-tagged user turn, the scratchpad loop; `af_conversation` runs all three."""

from af_inspect.solvers.conversation import af_conversation
from af_inspect.solvers.scratchpad_loop import scratchpad_loop
from af_inspect.solvers.system_prompt import af_system_prompt
from af_inspect.solvers.tier import tier_user_turn

__all__ = ["af_conversation", "af_system_prompt", "scratchpad_loop", "tier_user_turn"]
