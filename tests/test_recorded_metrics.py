"""A refactor changes no figure: fixed-seed organism runs (tests/record_metrics.py) give every metric
recorded in tests/data/metrics_recorded.json, and no metric that was not recorded.

A change meant to change figures re-records them (`python tests/record_metrics.py`) and says why in
CHANGELOG.md. (Issue 12's own check, that the v1 logs gave the same numbers under the v2 names, passed at the
structure change; issue 13 then changed the organism's draws on purpose, so the figures were recorded again
at task version 2.2.0.)
"""

from __future__ import annotations

import json
import math

import pytest
from inspect_ai.log import EvalLog

from af_inspect.tasks import TASK_VERSION
from helpers import run_eval
from record_metrics import LIMIT, RECORDED, RUNS, SEED, TASKS

RECORD = json.loads(RECORDED.read_text(encoding="utf-8"))


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-12


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, EvalLog]:
    out = {}
    for key, (setting, model, args) in RUNS.items():
        out[key] = run_eval(
            TASKS[setting](**args),
            tmp_path_factory.mktemp("runs"),
            model=model,
            model_args={"seed": SEED},
            limit=LIMIT,
        )
    return out


def test_the_record_is_of_this_task_version_and_these_runs():
    assert RECORD["task_version"] == TASK_VERSION, "figures recorded at another task version: re-record them"
    assert set(RECORD["runs"]) == set(RUNS) and (RECORD["seed"], RECORD["limit"]) == (SEED, LIMIT)


@pytest.mark.parametrize("key", sorted(RUNS))
def test_every_recorded_metric_has_its_recorded_value(logs, key):
    recorded = RECORD["runs"][key]["metrics"]
    now = {f"{s.name}/{n}": m.value for s in logs[key].results.scores for n, m in s.metrics.items()}
    assert set(now) == set(recorded), {
        "new": sorted(set(now) - set(recorded)),
        "gone": sorted(set(recorded) - set(now)),
    }
    differ = {n: (recorded[n], now[n]) for n in recorded if not same(recorded[n], now[n])}
    assert not differ, differ
