"""The paper's anti-lab figures (section 6), shipped as context rows: read and checked, never compared.

`analysis/reference/anti_lab.csv` keys each figure by setting, model, training stage and the paper's scenario;
`scenario` names the shipped scenario of the same kind. Every row's `role` is `context`: the paper's models
cannot be re-run and its wording is not ours, so the report shows these beside a run and says so, and nothing
computes a difference against them.
"""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

from af_inspect.anti_lab.scenario import all_scenarios
from af_inspect.core.errors import UsageError

COLUMNS = (
    "setting",
    "model",
    "training_stage",
    "paper_scenario",
    "scenario",
    "percent",
    "role",
    "source",
    "note",
)
CONTEXT = "context"


def reference_path() -> Path:
    return Path(str(resources.files("af_inspect.analysis") / "reference" / "anti_lab.csv"))


def anti_lab_reference(path: str | Path | None = None) -> list[dict[str, str]]:
    """The context rows (a bad row raises, naming the file and line)."""
    path = Path(path) if path else reference_path()
    text = [
        line for line in path.read_text("utf-8").splitlines() if line.strip() and not line.startswith("#")
    ]
    rows = list(csv.DictReader(text))
    if not text or tuple(csv.reader(text[:1]).__next__()) != COLUMNS:
        raise UsageError(f"{path}: the header must be {','.join(COLUMNS)}")
    for i, row in enumerate(rows, 2):
        if row["role"] != CONTEXT:
            raise UsageError(f"{path}, row {i}: role must be {CONTEXT!r} (these figures are never compared)")
        if row["scenario"] and row["scenario"] not in all_scenarios():
            raise UsageError(f"{path}, row {i}: unknown scenario {row['scenario']!r}")
        try:
            pct = float(row["percent"])
        except ValueError:
            raise UsageError(f"{path}, row {i}: percent must be a number, not {row['percent']!r}") from None
        if not 0 <= pct <= 100:
            raise UsageError(f"{path}, row {i}: percent must be in [0, 100], not {pct}")
    return rows
