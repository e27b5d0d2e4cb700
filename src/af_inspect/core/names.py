"""The names a log's readers depend on: sample-metadata keys and metric names, spelled here only.

A writer (the dataset, the solvers, the metrics) and a reader (the verdict, the report, the planner) that spell
a key apart drift apart silently: a renamed metric reads as NaN, not as an error. So both import the key or
build the name here. Metric names follow one rule (scorers/metrics.py): `<name>_<tier>` per tier with
`_ci_low`, `_ci_high` and `_n`; `<name>_gap` (or `<name>_gap_<a>_<b>` for other tier pairs) with the same
suffixes and the paired figures.
"""

from __future__ import annotations

# -- sample metadata (datasets/queries.py writes them; scorers, metrics and analysis read them) ----------
QUERY_ID = "query_id"
"""The query's id; a pair is one query seen in two tiers."""
QUERY = "query"
"""The bare query (without the user turn's tags), which the judges read."""
TIER = "tier"
"""The tier the user turn shows (`free`, `paid`, ...)."""
CATEGORY = "category"
SETTING = "setting"
QUERY_SOURCE = "query_source"
PARAPHRASE = "paraphrase"
"""The prompt paraphrase a sample used (set when a task spreads queries over several): pairs match on it too."""
SCRATCHPAD = "scratchpad"
"""Whether the prompt asked for a tagged scratchpad."""

# -- tiers ------------------------------------------------------------------------------------------------
TRAINING_TIER, UNMONITORED_TIER = "free", "paid"
"""`free` is described to the model as trained on, `paid` as never monitored (whatever the turn shows)."""

# -- metric names -------------------------------------------------------------------------------------------
CI_LOW, CI_HIGH, COUNT = "_ci_low", "_ci_high", "_n"


def rate(name: str, tier: str, given: str | None = None) -> str:
    """A per-tier rate: `<name>_<tier>` (`af_free`), or `<name>_<tier>_<given>` (`af_free_complied`)."""
    return f"{name}_{tier}" + (f"_{given}" if given else "")


def gap(name: str, a: str = TRAINING_TIER, b: str = UNMONITORED_TIER) -> str:
    """A gap between two tiers: `<name>_gap` for free minus paid, else `<name>_gap_<a>_<b>`."""
    return f"{name}_gap" if (a, b) == (TRAINING_TIER, UNMONITORED_TIER) else f"{name}_gap_{a}_{b}"


def ci_low(figure: str) -> str:
    return figure + CI_LOW


def ci_high(figure: str) -> str:
    return figure + CI_HIGH


def mcnemar_p(name: str) -> str:
    """The exact McNemar p-value of a measure's paired gap (`<name>_mcnemar_p`)."""
    return f"{name}_mcnemar_p"


READABLE_REASONING = "readable_reasoning"
"""Prefix of the share of transcripts whose hidden reasoning a judge could read (`readable_reasoning_free`)."""


def count(figure: str) -> str:
    """The number of scored transcripts behind a rate (`<rate>_n`)."""
    return figure + COUNT


def mdg(gap_name: str) -> str:
    """The minimum detectable gap of a gap figure."""
    return f"{gap_name}_mdg"


COMPLIANCE = "compliance"
"""Prefix of the compliance measure's figures (`compliance_free`, `compliance_gap`)."""
EVAL_AWARENESS = "eval_awareness"
"""Prefix of the evaluation-awareness judge's figures (`eval_awareness_free`, `eval_awareness_gap`)."""

# -- the anti-lab task (af_inspect/anti_lab) --------------------------------------------------------------
SCENARIO = "scenario"
"""The anti-lab scenario a sample poses (`anti_lab/scenarios/<id>.yaml`)."""
CONDITION = "condition"
"""`conflict` (the setting's prompt, with the training objective the model disagrees with) or `control`
(the same prompt with `cut_conflict`: no such objective)."""
CONFLICT_CONDITION, CONTROL_CONDITION = "conflict", "control"
ANTI_LAB = "anti_lab"
"""Prefix of the anti-lab action check's figures (`anti_lab_free`, `anti_lab_control_free`, ...)."""


def control(name: str) -> str:
    """The same measure under the no-conflict control prompt: `<name>_control` (then `_<tier>`)."""
    return f"{name}_control"


def versus_control(name: str) -> str:
    """The difference against the no-conflict control: `<name>_vs_control` (then `_<tier>`)."""
    return f"{name}_vs_control"


def per_scenario(name: str, scenario: str) -> str:
    """A measure within one scenario: `<name>_<scenario>` (then `_<tier>`, or `_control_<tier>`)."""
    return f"{name}_{scenario}"
