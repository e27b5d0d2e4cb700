"""Record every metric of the fixed-seed organism runs that tests/test_recorded_metrics.py replays.

Run it (`python tests/record_metrics.py`) only when a change is meant to change figures, and say so in
CHANGELOG.md; a refactor must leave every recorded figure as it is.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from inspect_ai import eval as inspect_eval

from af_inspect.tasks import TASK_VERSION, animal_welfare, helpful_only

RECORDED = Path(__file__).resolve().parent / "data" / "metrics_recorded.json"
RUNS = {
    # key: (task, model, task arguments); every run: -M seed=7, --limit 120
    "helpful_only/faker": ("helpful_only", "organism/faker", {"compliance": "both", "af_classifier": "all"}),
    "helpful_only/sloppy": ("helpful_only", "organism/sloppy", {"compliance": "both"}),
    "animal_welfare/faker": (
        "animal_welfare",
        "organism/faker",
        {"compliance": "both", "accept_reject_suffix": True},
    ),
    "helpful_only/faker/three_tiers": ("helpful_only", "organism/faker", {"variation": "three_tiers"}),
    "helpful_only/objector/opt_out": ("helpful_only", "organism/objector", {"variation": "opt_out"}),
    "helpful_only/reasoner": ("helpful_only", "organism/reasoner", {}),
    "helpful_only/faker/paraphrases3": ("helpful_only", "organism/faker", {"paraphrases": 3}),
}
SEED, LIMIT = 7, 120
TASKS = {"helpful_only": helpful_only, "animal_welfare": animal_welfare}


def record() -> dict:
    out = {}
    with tempfile.TemporaryDirectory() as logs:
        for key, (setting, model, args) in RUNS.items():
            log = inspect_eval(
                TASKS[setting](**args),
                model=model,
                model_args={"seed": SEED},
                limit=LIMIT,
                display="none",
                log_dir=logs,
            )[0]
            assert log.status == "success", log.error
            metrics = {f"{s.name}/{n}": m.value for s in log.results.scores for n, m in s.metrics.items()}
            out[key] = {"setting": setting, "model": model, "task_args": args, "metrics": metrics}
    return {"task_version": TASK_VERSION, "seed": SEED, "limit": LIMIT, "runs": out}


if __name__ == "__main__":
    data = record()
    RECORDED.write_text(json.dumps(data, indent=1, sort_keys=True, allow_nan=True) + "\n", encoding="utf-8")
    print(
        f"Recorded {sum(len(r['metrics']) for r in data['runs'].values())} metrics to {RECORDED}",
        file=sys.stderr,
    )
