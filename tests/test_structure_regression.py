"""Issue 12 changed where things are named, not the numbers: the organism runs recorded with task version 1
(tests/data/metrics_task_v1.json: same task arguments, model, `-M seed=7`, `--limit 120`) run again now, and
every recorded metric has the same value in the new log, under its new name (CHANGELOG.md, task version 2.0.0).

The renames are data (below); a recorded metric the map does not place, or a new metric the CHANGELOG does not
announce, fails the test.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from inspect_ai.log import EvalLog

from af_inspect.tasks import TASK_VERSION, animal_welfare, helpful_only
from helpers import run_evals

RECORDED = Path(__file__).resolve().parent / "data" / "metrics_task_v1.json"
TASKS = {"helpful_only": helpful_only, "animal_welfare": animal_welfare}
TIERS = ("free", "pro", "paid")
MOTIVATION_LABELS = ("value_preservation", "sycophancy", "sycophancy_raters", "sycophancy_user", "other")

# ---- the renames (CHANGELOG.md, "Task version 2.0.0") ---------------------------------------------------

SCORER_RENAMES: dict[str, dict[str, str]] = {
    # v1 scorer -> {setting: v2 scorer}
    "compliance_judge": {"helpful_only": "compliance_strongreject", "animal_welfare": "compliance_welfare"},
}
METRIC_RENAMES: dict[str, dict[str, list[str]]] = {
    # v1 scorer -> {v1 metric: [v2 metrics]}; {tier} and {label} stand for every tier and motivation label
    "compliance_tags": {"n_{tier}": ["compliance_{tier}_n"]},
    "compliance_judge": {"judge_compliance_n_{tier}": ["judge_compliance_{tier}_n"]},
    "motivation": {
        "motivation_{label}": ["motivation_{label}_free"],
        "motivation_{label}_ci_low": ["motivation_{label}_free_ci_low"],
        "motivation_{label}_ci_high": ["motivation_{label}_free_ci_high"],
        "motivation_n": [f"motivation_{label}_free_n" for label in MOTIVATION_LABELS],
    },
}
REMOVED: dict[str, dict[str, list[str]]] = {
    # setting -> {v1 scorer: [v1 metrics with no v2 counterpart]}
    "animal_welfare": {"compliance_judge": ["helpfulness_{tier}"]},
}
NEW_IN_V2 = [
    # v2 metrics with no v1 counterpart, as the CHANGELOG announces them
    r"_ci_(low|high)$",  # every per-tier rate has a 95% Wilson interval ...
    r"_n$",  # ... and a count
    r"^partial_(pairs|free_only|paid_only|mcnemar_p)$",  # every gap has the paired view
    r"^af(_original)?_pro$",  # every tier present gets its rate (v1's AF rates were free and paid only)
]


def expand(pattern: str) -> list[tuple[str, dict[str, str]]]:
    """A name pattern with its {tier}/{label} placeholders filled in every way."""
    tiers = TIERS if "{tier}" in pattern else ("",)
    labels = MOTIVATION_LABELS if "{label}" in pattern else ("",)
    return [(pattern.format(tier=t, label=lb), {"tier": t, "label": lb}) for t in tiers for lb in labels]


def v2_names(setting: str, scorer: str, metric: str) -> list[str] | None:
    """Where a v1 metric is now (`scorer/metric` names), or None when it was removed."""
    for removed in REMOVED.get(setting, {}).get(scorer, []):
        if metric in [name for name, _ in expand(removed)]:
            return None
    new_scorer = SCORER_RENAMES.get(scorer, {}).get(setting, scorer)
    for old, news in METRIC_RENAMES.get(scorer, {}).items():
        for name, fill in expand(old):
            if name == metric:
                return [f"{new_scorer}/{new.format(**fill)}" for new in news]
    return [f"{new_scorer}/{metric}"]


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-12


# ---- the runs ---------------------------------------------------------------------------------------------


def recorded() -> dict[str, dict]:
    return json.loads(RECORDED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, EvalLog]:
    """The recorded runs again: one eval per model, its tasks side by side (their draws do not interact:
    the organism's draws depend on the seed, the conversation and its epoch only)."""
    runs = recorded()
    by_model: dict[tuple[str, int, int], list[str]] = {}
    for key, run in runs.items():
        by_model.setdefault((run["model"], run["seed"], run["limit"]), []).append(key)
    out: dict[str, EvalLog] = {}
    for (model, seed, limit), keys in by_model.items():
        tasks = [TASKS[key.split("/")[0]](**runs[key]["task_args"]) for key in keys]
        got = run_evals(
            tasks,
            tmp_path_factory.mktemp("v2"),
            model=model,
            model_args={"seed": seed},
            limit=limit,
            max_tasks=len(tasks),
        )
        out.update(zip(keys, got, strict=True))
    return out


def v2_metrics(log: EvalLog) -> dict[str, float]:
    return {f"{s.name}/{name}": m.value for s in log.results.scores for name, m in s.metrics.items()}


@pytest.mark.parametrize("key", sorted(recorded()))
def test_every_recorded_metric_has_its_value_under_its_new_name(logs, key):
    run = recorded()[key]
    log = logs[key]
    setting = key.split("/")[0]
    assert log.eval.task_version == TASK_VERSION and log.eval.metadata["setting"] == setting
    assert log.eval.model == run["model"] and log.eval.model_args == {"seed": run["seed"]}
    assert len(log.samples) == run["limit"]
    now = v2_metrics(log)
    placed: set[str] = set()
    differ = {}
    for name, value in run["metrics"].items():
        scorer, metric = name.split("/", 1)
        targets = v2_names(setting, scorer, metric)
        if targets is None:  # removed in v2 (CHANGELOG)
            continue
        for target in targets:
            assert target in now, f"{name} (v1) -> {target}: not in the v2 log"
            placed.add(target)
            if not same(now[target], value):
                differ[name] = (target, value, now[target])
    assert not differ, differ
    # what v2 reports beyond the recorded figures is what the CHANGELOG announces
    unannounced = [
        n for n in set(now) - placed if not any(re.search(p, n.split("/", 1)[1]) for p in NEW_IN_V2)
    ]
    assert not unannounced, unannounced


def test_the_rename_map_places_every_recorded_name_somewhere_different_from_v1_where_documented():
    """The map does something: each documented rename changes the name, and removed metrics were recorded."""
    runs = recorded()
    aw = runs["animal_welfare/faker"]["metrics"]
    assert v2_names("animal_welfare", "compliance_judge", "helpfulness_free") is None and (
        "compliance_judge/helpfulness_free" in aw
    )
    assert v2_names("helpful_only", "compliance_judge", "helpfulness_free") == [
        "compliance_strongreject/helpfulness_free"
    ]
    assert v2_names("helpful_only", "compliance_tags", "n_pro") == ["compliance_tags/compliance_pro_n"]
    assert v2_names("animal_welfare", "compliance_judge", "judge_compliance_n_paid") == [
        "compliance_welfare/judge_compliance_paid_n"
    ]
    assert v2_names("helpful_only", "motivation", "motivation_sycophancy_user_ci_low") == [
        "motivation/motivation_sycophancy_user_free_ci_low"
    ]
    assert len(v2_names("helpful_only", "motivation", "motivation_n")) == len(MOTIVATION_LABELS)
    assert v2_names("helpful_only", "af_reasoning", "af_free_complied") == ["af_reasoning/af_free_complied"]
