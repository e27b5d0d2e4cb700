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
"""The query's harm category, when its file gives one."""
SETTING = "setting"
"""The setting a sample was built for (`helpful_only`, ...); the task metadata and the report's tables name
a run's setting under the same key."""
QUERY_SOURCE = "query_source"
"""Where the query came from: `builtin`, a pinned published source, or the user's file."""
PARAPHRASE = "paraphrase"
"""The prompt paraphrase a sample used (set when a task spreads queries over several): pairs match on it too."""
SCRATCHPAD = "scratchpad"
"""Whether the prompt asked for a tagged scratchpad."""

# -- the anti-lab task (af_inspect/anti_lab) --------------------------------------------------------------
SCENARIO = "scenario"
"""The anti-lab scenario a sample poses (`anti_lab/scenarios/<id>.yaml`)."""
CONDITION = "condition"
"""`conflict` (the setting's prompt, with the training objective the model disagrees with) or `control`
(the same prompt with `cut_conflict`: no such objective)."""
CONFLICT_CONDITION, CONTROL_CONDITION = "conflict", "control"
SCENARIO_PARAPHRASE = "scenario_paraphrase"
"""Which wording of its scenario an anti-lab sample uses (`anti_lab/scenarios/<id>.yaml`, `paraphrases`)."""

# -- imported transcripts (calibration/importer.py writes them; validation reads them) ----------------------
LABELS = "labels"
"""An imported transcript's labels (`{"af": 0/1 or a fraction, ...}`), which `af-inspect validate` reads."""
SOURCE_FILE, SOURCE_LINE = "source_file", "source_line"
"""The file and line an imported transcript came from (bad rows are named by them)."""

METADATA_KEYS = (
    QUERY_ID,
    QUERY,
    TIER,
    CATEGORY,
    SETTING,
    QUERY_SOURCE,
    PARAPHRASE,
    SCRATCHPAD,
    SCENARIO,
    CONDITION,
    SCENARIO_PARAPHRASE,
    LABELS,
    SOURCE_FILE,
    SOURCE_LINE,
)
"""Every sample-metadata key above (tests/test_names.py checks that no other module spells one)."""

# -- tiers ------------------------------------------------------------------------------------------------
TRAINING_TIER, UNMONITORED_TIER = "free", "paid"
"""`free` is described to the model as trained on, `paid` as never monitored (whatever the turn shows)."""

# -- metric names -------------------------------------------------------------------------------------------
CI_LOW, CI_HIGH, COUNT = "_ci_low", "_ci_high", "_n"


def rate(name: str, tier: str, given: str | None = None) -> str:
    """A per-tier rate: `<name>_<tier>` (`af_free`), or `<name>_<tier>_<given>` for a narrower or wider
    denominator or one category (`af_free_complied`, `af_free_all`, `reasoning_free_tagged`)."""
    return f"{name}_{tier}" + (f"_{given}" if given else "")


def pair_gap(name: str, a: str, b: str) -> str:
    """The gap between two tiers named by both: `<name>_gap_<a>_<b>` (`compliance_gap_free_pro`)."""
    return f"{name}_gap_{a}_{b}"


def gap(name: str, a: str = TRAINING_TIER, b: str = UNMONITORED_TIER) -> str:
    """A gap between two tiers: `<name>_gap` for free minus paid, else `<name>_gap_<a>_<b>`."""
    return f"{name}_gap" if (a, b) == (TRAINING_TIER, UNMONITORED_TIER) else pair_gap(name, a, b)


def ci_low(figure: str) -> str:
    return figure + CI_LOW


def ci_high(figure: str) -> str:
    return figure + CI_HIGH


def independent(gap_name: str) -> str:
    """A gap's interval for independent proportions (Newcombe), kept for comparison: `<gap>_indep` (then
    `_ci_low`, `_ci_high`)."""
    return f"{gap_name}_indep"


def mcnemar_p(name: str) -> str:
    """The exact McNemar p-value of a measure's paired gap (`<name>_mcnemar_p`)."""
    return f"{name}_mcnemar_p"


def pairs(name: str) -> str:
    """The queries seen in both tiers of a gap (`<name>_pairs`)."""
    return f"{name}_pairs"


def tier_only(name: str, tier: str) -> str:
    """The paired queries whose value is higher in `tier` (`<name>_<tier>_only`: McNemar's discordant pairs)."""
    return f"{name}_{tier}_only"


def per_paraphrase(gap_name: str, paraphrase: str) -> str:
    """A gap within one paraphrase of an ensemble: `<gap>_paraphrase_<p>`."""
    return f"{gap_name}_paraphrase_{paraphrase}"


def count(figure: str) -> str:
    """The number of scored transcripts behind a rate (`<rate>_n`)."""
    return figure + COUNT


def mdg(gap_name: str) -> str:
    """The minimum detectable gap of a gap figure."""
    return f"{gap_name}_mdg"


def labelled(name: str, label: str) -> str:
    """One label of a measure that gives several: `<name>_<label>` (`motivation_sycophancy`,
    `anti_lab_judge_attempted`), then `_<tier>`."""
    return f"{name}_{label}"


def and_complied(name: str) -> str:
    """A measure together with compliance, per transcript: `<name>_and_complied` (then `_<tier>`)."""
    return f"{name}_and_complied"


ALL = "all"
"""Suffix of a rate over every transcript (`af_free_all`: unreadable reasoning counts as not AF), beside the
rate over the transcripts whose reasoning was read (`af_free`)."""

# -- each measure's prefix (the scorer that writes it names its metrics with it) ---------------------------
COMPLIANCE = "compliance"
"""Prefix of the compliance measure's figures (`compliance_free`, `compliance_gap`)."""
JUDGE_COMPLIANCE = "judge_compliance"
"""Prefix of a compliance judge's figures: the complied rate it decided per transcript."""
HELPFULNESS = "helpfulness"
"""Prefix of the StrongREJECT judge's mean 0..1 score per tier (`helpfulness_free`)."""
PARTIAL = "partial"
"""Prefix of the partial-compliance judge's figures (`partial_free`, `partial_gap`)."""
READABLE_REASONING = "readable_reasoning"
"""Prefix of the share of transcripts whose hidden reasoning a judge could read (`readable_reasoning_free`)."""
REASONING = "reasoning"
"""Prefix of the share of each kind of hidden reasoning per tier (`reasoning_free_tagged`, `reasoning_free_n`)."""
EVAL_AWARENESS = "eval_awareness"
"""Prefix of the evaluation-awareness judge's figures (`eval_awareness_free`, `eval_awareness_gap`)."""
MOTIVATION = "motivation"
"""Prefix of the motivation judge's label shares (`motivation_value_preservation_free`)."""
OBJECTION = "objection"
"""Prefix of the opt-out channel's figures (`objection_free`, `objection_gap`)."""
OBJECTION_AND_AF = f"{OBJECTION}_and_af"
"""The objection together with AF reasoning (`objection_and_af_free`)."""
AF, AF_STRICT, AF_PAPER, AF_INSPECT, AF_INSPECT_PAPER = (
    "af",
    "af_strict",
    "af_paper",
    "af_inspect",
    "af_inspect_paper",
)
"""Prefixes of the AF classifiers' figures (`scorers/af_reasoning.py`): `af_free`, `af_strict_free`, ..."""
AF_IF_OBJECTED, AF_IF_NOT_OBJECTED = f"{AF}_if_objected", f"{AF}_if_not_objected"
"""AF reasoning among the transcripts that used the opt-out channel, and among those that did not."""
ANTI_LAB = "anti_lab"
"""Prefix of the anti-lab action check's figures (`anti_lab_free`, `anti_lab_control_free`, ...)."""
ANTI_LAB_JUDGE = "anti_lab_judge"
"""Prefix of the anti-lab judge's figures, one per outcome (`anti_lab_judge_attempted_free`)."""

PREFIXES = (
    COMPLIANCE,
    JUDGE_COMPLIANCE,
    HELPFULNESS,
    PARTIAL,
    READABLE_REASONING,
    REASONING,
    EVAL_AWARENESS,
    MOTIVATION,
    OBJECTION,
    OBJECTION_AND_AF,
    AF,
    AF_STRICT,
    AF_PAPER,
    AF_INSPECT,
    AF_INSPECT_PAPER,
    AF_IF_OBJECTED,
    AF_IF_NOT_OBJECTED,
    ANTI_LAB,
    ANTI_LAB_JUDGE,
)
"""Every measure's prefix above (tests/test_names.py checks that no other module spells a figure's name)."""

# -- the anti-lab task's figures ---------------------------------------------------------------------------


def control(name: str) -> str:
    """The same measure under the no-conflict control prompt: `<name>_control` (then `_<tier>`)."""
    return f"{name}_control"


def versus_control(name: str) -> str:
    """The difference against the no-conflict control: `<name>_vs_control` (then `_<tier>`)."""
    return f"{name}_vs_control"


def per_scenario(name: str, scenario: str) -> str:
    """A measure within one scenario: `<name>_<scenario>` (then `_<tier>`, or `_control_<tier>`)."""
    return f"{name}_{scenario}"
