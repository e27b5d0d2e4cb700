"""The values of the tasks' enumerated parameters, declared once: the task checks them, protocols name them,
the solvers and scorers act on them (each imports the type from here, so no layer reaches up for it)."""

from __future__ import annotations

from typing import Literal

Compliance = Literal["tags", "judge", "both"]
"""How compliance is measured: the output's accept/reject tag, a judge reading the answer, or both."""
AFClassifier = Literal["published", "strict", "paper", "af_inspect", "af_inspect_paper", "all", "none"]
"""`-T af_classifier=`: one AF instrument, `all`, `none`, or a comma-separated list (`published,paper`)."""
LoopRule = Literal["af_inspect", "reference"]
"""When the scratchpad loop sends `<NEXT/>` (solvers/scratchpad_loop.py)."""
SituationalInfo = Literal["prompt", "minimal"]
"""Training facts in the system prompt (`prompt`) or left out for fine-tuned models (`minimal`)."""
ALL_TIERS = ("both", "all")
"""`tier` values meaning every tier the prompt defines (free and paid; free, pro and paid with `three_tiers`)."""
NO_PREFILL = ("", "none", "false")
"""`prefill` values meaning no prefill."""
