"""Reading a cell's log (`verdict.read`): the AF figures come from the classifier the cell ran."""

from __future__ import annotations

import pytest

from af_inspect.campaigns.cells import Cell, cell_task
from af_inspect.campaigns.verdict.read import af_prefix, cell_figures
from helpers import write_queries


def test_the_af_prefix_is_the_first_classifier_the_cell_ran():
    assert af_prefix(["published"]) == "af"
    assert af_prefix(["strict"]) == "af_strict"
    assert af_prefix(["paper", "published"]) == "af_paper"
    assert af_prefix([]) is None


@pytest.mark.slow
def test_a_strict_cell_is_read_from_its_own_metric(run_eval, tmp_path):
    args = {
        "af_classifier": "strict",
        "af_votes": 3,
        "partial": False,
        "motivation": False,
        "dataset": str(write_queries(tmp_path / "q.jsonl", 6)),
    }
    cell = Cell("strict_primary", "helpful_only", "primary", args, 1)
    log = run_eval(cell_task(cell), model="organism/faker", model_args={"seed": 2})
    f = cell_figures(cell, log)
    assert f.af_prefix == "af_strict" and f.af_metric() == "af_strict_free"
    assert "af_free" not in f.metrics  # the published classifier did not run: its name would read NaN
    rate, low, high, n = f.af()
    assert n > 0 and low <= rate <= high and rate == f.metrics["af_strict_free"]
