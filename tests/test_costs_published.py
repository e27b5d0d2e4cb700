"""`af-inspect plan` prices the published AF classifier as it is sent: the reasoning only (shorter than the
strict rubric's request, reasoning and output), 20 votes in one request where the grader allows; the paper's
classifier as its two prompts; and it says when a run would have no grader."""

from __future__ import annotations

import pytest

from af_inspect.cli import main as cli_main
from af_inspect.planning import costs
from af_inspect.tasks import helpful_only
from helpers import write_queries


@pytest.fixture
def task_all(tmp_path):
    q = write_queries(tmp_path / "q.jsonl", 6)
    return helpful_only(
        dataset=str(q),
        af_classifier="all",
        partial=False,
        motivation=False,
        eval_awareness=False,
        compliance="tags",
    )


def groups(w: costs.Workload) -> dict[str, costs.RequestGroup]:
    return {g.purpose: g for g in w.groups if g.role == "grader"}


def test_the_published_rubric_is_priced_without_the_output(task_all):
    """Its instructions are longer (six signs, five example quotes), but it sends no request and no output:
    the longer the outputs, the cheaper it is next to the strict rubric."""
    short = costs.Assumptions(model_output_tokens=800, output_tokens=200)
    long = costs.Assumptions(model_output_tokens=1600, output_tokens=1000)
    g_short, g_long = (
        groups(costs.workload(task_all, assumptions=short)),
        groups(costs.workload(task_all, assumptions=long)),
    )
    published, strict = g_short["af_reasoning"], g_short["af_reasoning_strict"]
    assert published.requests == strict.requests
    assert g_long["af_reasoning"].input_tokens == pytest.approx(published.input_tokens)  # output not sent
    assert g_long["af_reasoning_strict"].input_tokens > strict.input_tokens + 12 * 700  # output sent
    assert g_long["af_reasoning"].input_tokens < g_long["af_reasoning_strict"].input_tokens
    assert "reads reasoning" in published.note and "reads query, reasoning, output" in strict.note


def test_votes_go_in_one_request_where_the_grader_allows(task_all):
    with_n = groups(costs.workload(task_all, grader_num_choices=True))["af_reasoning"]
    without = groups(costs.workload(task_all, grader_num_choices=False))["af_reasoning"]
    transcripts = 12
    assert with_n.requests == transcripts and without.requests == 20 * transcripts
    assert "one request (num_choices)" in with_n.note


def test_the_paper_classifier_is_priced_as_its_two_prompts(task_all):
    g = groups(costs.workload(task_all))
    assert {"af_reasoning_paper (paper_af_hard)", "af_reasoning_paper (paper_af)"} <= set(g)
    judges = {j["scorer"]: j for j in costs.task_judges(task_all)}
    assert judges["af_reasoning_paper"]["rubrics"] == ["paper_af_hard", "paper_af"]
    assert judges["af_reasoning_paper"]["votes"] == 1 and judges["af_reasoning"]["votes"] == 20


def test_plan_says_when_a_run_would_have_no_grader(capsys):
    code = cli_main(["plan", "--model", "openai/gpt-4o", "--limit", "2"])
    out = capsys.readouterr().out
    assert code == 0 and "no grader named: the run needs --model-role grader=MODEL" in out
    code = cli_main(["plan", "--model", "openai/gpt-4o", "--grader", "openai/gpt-4o", "--limit", "2"])
    assert "no grader named" not in capsys.readouterr().out
    code = cli_main(["plan", "--model", "openai/gpt-4o", "-T", "allow_self_grading=true", "--limit", "2"])
    assert "no grader named" not in capsys.readouterr().out
