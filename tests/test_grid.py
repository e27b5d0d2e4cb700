"""The grid (`af_inspect.campaigns.cells`, the battery's engine): settings x columns as tasks with stable names, run
and resumed with Inspect's `eval_set`; the old `af_inspect.grid` functions forward, with a warning."""

from __future__ import annotations

import pytest
from inspect_ai import eval_set, task_with
from inspect_ai.log import read_eval_log

from af_inspect import grid
from af_inspect.campaigns.cells import cell_name, cell_tasks, grid_cells
from af_inspect.core.params import ParameterError
from af_inspect.scorers.compliance_tags import compliance_tags
from af_inspect.tasks import alignment_faking
from helpers import write_queries


@pytest.fixture(scope="module")
def queries(tmp_path_factory):
    return write_queries(tmp_path_factory.mktemp("q") / "queries.jsonl", 2)


def tags_only(task):
    """The task with the tag-based compliance scorer only: these tests check names and runs, not judges."""
    return task_with(task, scorer=compliance_tags())


def test_grid_names_and_checks():
    cells = grid_cells(
        ["helpful_only", "animal_welfare"],
        ["default", "cut_rlhf", "honesty,cut_examples", {"variation": "three_tiers", "scratchpad": False}],
    )
    assert [c.name for c in cells] == [
        "helpful_only",
        "helpful_only+cut_rlhf",
        "helpful_only+honesty+cut_examples",
        "helpful_only+three_tiers+no_scratchpad",
        "animal_welfare",
        "animal_welfare+cut_rlhf",
        "animal_welfare+honesty+cut_examples",
        "animal_welfare+three_tiers+no_scratchpad",
    ]
    with pytest.raises(ParameterError, match="twice"):
        grid_cells(["helpful_only"], ["cut_rlhf", "cut_rlhf"])
    with pytest.raises(ParameterError, match="Unknown setting"):
        grid_cells(["cooking"], ["default"])
    with pytest.raises(ParameterError, match="conflict"):
        grid_cells(["helpful_only"], ["cut_rlhf,cut_values_change"])


def test_grid_runs_as_an_eval_set_and_resumes(tmp_path, queries):
    def tasks():
        return [
            tags_only(t)
            for t in cell_tasks(
                grid_cells(
                    ["helpful_only", "animal_welfare"], ["default", "cut_rlhf"], {"dataset": str(queries)}
                )
            )
        ]

    log_dir = str(tmp_path / "grid")
    models = ["organism/faker", "organism/honest"]
    ok, logs = eval_set(tasks(), model=models, log_dir=log_dir, display="none")
    assert ok and len(logs) == 8
    names = sorted((log.eval.task, log.eval.model) for log in logs)
    assert names == sorted(
        (t, m)
        for t in ("helpful_only", "helpful_only+cut_rlhf", "animal_welfare", "animal_welfare+cut_rlhf")
        for m in models
    )
    first = {log.location: {s.uuid for s in read_eval_log(log.location).samples} for log in logs}
    # rerun: everything is already done, nothing runs again
    ok, again = eval_set(tasks(), model=models, log_dir=log_dir, display="none")
    assert ok
    assert {log.location.removeprefix("file://") for log in again} == {
        p.removeprefix("file://") for p in first
    }
    for log in again:
        path = log.location.removeprefix("file://")
        key = next(k for k in first if k.removeprefix("file://") == path)
        assert {s.uuid for s in read_eval_log(log.location).samples} == first[key]


def test_task_names_are_the_names_the_tasks_give_themselves(queries):
    for setting in ("helpful_only", "animal_welfare"):
        for args in (
            {"variation": "cut_rlhf,honesty"},
            {"scratchpad": "false", "situational_info": "minimal"},
            {"paraphrases": 3, "variation": "cut_rlhf"},
            {"paraphrase": "b"},
        ):
            own = alignment_faking(setting, dataset=str(queries), **args).name
            assert cell_name(setting, args) == own
            cells = grid_cells([setting], [args], {"dataset": str(queries)})
            assert [t.name for t in cell_tasks(cells)] == [own]
    # the default protocol and prompt: the task leaves its name to the registry; the cell is the setting
    assert cell_name("helpful_only", {}) == "helpful_only"
    assert cell_name("animal_welfare", {"scratchpad": False}) == "animal_welfare+no_scratchpad"


def test_a_grid_holds_several_cells_of_one_setting():
    # nothing is fetched to name a published-protocol cell, so this holds offline
    cells = grid_cells(["helpful_only"], ["default", {"protocol": "rw_minimal"}])
    assert [c.name for c in cells] == ["helpful_only", "helpful_only+rw_minimal"]
    assert [c.args for c in cells] == [{}, {"protocol": "rw_minimal"}]
    ensemble = grid_cells(["helpful_only"], ["cut_rlhf", {"variation": "cut_rlhf", "paraphrases": 2}])
    assert [c.name for c in ensemble] == ["helpful_only+cut_rlhf", "helpful_only+paraphrases2+cut_rlhf"]


def test_the_old_grid_functions_warn_and_forward(queries):
    with pytest.warns(
        DeprecationWarning,
        match=r"grid\.grid_cells is deprecated: use af_inspect\.campaigns\.cells\.grid_cells",
    ):
        old = grid.grid_cells(["helpful_only"], ["default", "cut_rlhf"])
    assert old == grid_cells(["helpful_only"], ["default", "cut_rlhf"])
    with pytest.warns(DeprecationWarning, match="af_inspect.campaigns.cells.cell_name"):
        assert grid.task_name("helpful_only", {"variation": "cut_rlhf"}) == "helpful_only+cut_rlhf"
    with pytest.warns(DeprecationWarning, match="cell_tasks"):
        tasks = grid.battery(["animal_welfare"], ["cut_rlhf"], dataset=str(queries))
    assert [t.name for t in tasks] == ["animal_welfare+cut_rlhf"]
