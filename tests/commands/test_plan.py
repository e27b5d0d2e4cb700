"""`af-inspect plan`: requests, tokens and costs of a run, printed before anything is sent."""

from __future__ import annotations

import json
import re

import pytest

from af_inspect.cli import main
from af_inspect.core.stats import pairs_needed, queries_needed
from af_inspect.planning import costs
from helpers import write_queries


def test_plan_command_prints_requests_tokens_and_costs(tmp_path, capsys):
    qfile = write_queries(tmp_path / "q.jsonl", 3)
    out_json = tmp_path / "plan.json"
    code = main(
        [
            "plan",
            "af_inspect/helpful_only",
            "-T",
            f"dataset={qfile}",
            "-T",
            "af_votes=5",
            "--model",
            "anthropic/claude-3-opus-20240229",
            "--grader",
            "openai/gpt-4o-2024-08-06",
            "--epochs",
            "2",
            "--json",
            str(out_json),
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "6 samples x 2 epoch(s) = 12 transcripts. Nothing is sent." in text
    assert "af_reasoning: 12 expected" in text and "60 without num_choices" in text
    assert "at most 48 (max_turns 4)" in text
    assert "claude-3-opus prices, grader at gpt-4o prices" in text
    data = json.loads(out_json.read_text())
    rows = data[0]["pricings"][0]["rows"]
    assert rows[0]["grader_requests"] < rows[2]["grader_requests"]  # num_choices saves requests
    assert data[0]["workload"]["samples"] == 6


def test_plan_prices_a_local_model_at_zero_and_says_so(tmp_path, capsys):
    qfile = write_queries(tmp_path / "q.jsonl", 2)
    assert main(["plan", "-T", f"dataset={qfile}", "--model", "organism/faker", "--limit", "2"]) == 0
    text = capsys.readouterr().out
    assert "2 samples" in text and "grader: organism/judge" in text
    assert "note: --model organism/faker runs locally (organism/): priced at $0." in text
    assert text.count("Cost, model at") == 1 and "| default levers (all on, no batch) | 2 |" in text
    assert "$0.000 |\n" in text


def test_plan_without_a_model_prices_each_table_entry_and_says_so(tmp_path, capsys):
    qfile = write_queries(tmp_path / "q.jsonl", 1)
    assert main(["plan", "-T", f"dataset={qfile}", "--grader", "openai/gpt-4o-2024-08-06"]) == 0
    text = capsys.readouterr().out
    assert "note: --model not given: priced at each model of" in text
    assert text.count("Cost, model at") == len(costs.load_price_table().models)


def test_plan_resolves_a_listed_alias_and_says_which_entry(tmp_path, capsys):
    argv = ["plan", "--model", "anthropic/claude-3-opus-20240229", "--grader", "openai/gpt-4o"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "note: --grader openai/gpt-4o is priced as openai/gpt-4o-2024-08-06 (entry 'gpt-4o' of" in text
    assert "grader at gpt-4o prices" in text
    # task version 2.3: the published AF and partial-compliance files are fetched, not shipped, so before the
    # first fetch a plan prices their requests without the file's text, and says so; the evaluation-awareness
    # judge adds one grader request per transcript (720 -> 1,040 requests)
    assert "| default levers (all on, no batch) | 320 | 1,040 | $21.12 | $22.92 | $44.04 |" in text
    assert "the published file is not counted (not fetched yet: input underestimated)" in text


@pytest.mark.parametrize("option", ["--model", "--grader"])
def test_plan_plans_an_unpriced_model_in_tokens_with_its_cost_empty(option, tmp_path, capsys):
    out_json = tmp_path / "plan.json"
    argv = [
        "plan",
        "--model",
        "anthropic/claude-3-opus-20240229",
        option,
        "openai/gpt-5",
        "--json",
        str(out_json),
    ]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert f"note: {option} openai/gpt-5 is not in the price table" in text and "--prices FILE" in text
    assert "Did you mean 'openai/" in text  # the same provider first
    assert "no price (openai/gpt-5)" in text
    row = next(line for line in text.splitlines() if line.startswith("  | default levers (all on, no batch)"))
    cells = [c.strip() for c in row.strip().strip("|").split("|")]
    assert float(cells[1].replace(",", "")) > 0 and float(cells[2].replace(",", "")) > 0  # requests planned
    assert cells[-1] == ""  # the total is not computed at another model's prices
    # the model's cost is empty; the grader's too where it is the model grading itself (no --grader given)
    assert cells[3] == "" if option == "--model" else cells[3].startswith("$")
    assert cells[4] == ""
    first = json.loads(out_json.read_text())[0]["pricings"][0]["rows"][0]
    assert first["total_cost"] is None and first["model_requests"] > 0


@pytest.mark.parametrize(
    "argv,match",
    [
        (["--compliance", "2"], "--compliance must be between 0 and 1"),
        (["--limit", "0"], "--limit must be at least 1"),
        (["-T", "tier=sometimes"], "Valid values"),
        (["--prices", "/nonexistent/prices.yaml"], "does not exist"),
        (["-T", "af_vote=5"], "did you mean 'af_votes'"),
        (["-T", "af_votes"], "-T must look like NAME=VALUE"),
        (
            ["cooking"],
            "Unknown task 'cooking'. af-inspect's tasks: af_inspect/helpful_only, af_inspect/animal_welfare",
        ),
    ],
)
def test_plan_bad_input_is_a_clear_error(argv, match, capsys):
    assert main(["plan", *argv]) == 2
    assert match in capsys.readouterr().err


def test_plan_of_several_tasks_prints_their_total(tmp_path, capsys):
    qfile = write_queries(tmp_path / "q.jsonl", 2)
    argv = ["plan", "af_inspect/helpful_only", "af_inspect/animal_welfare", "-T", f"dataset={qfile}"]
    assert main([*argv, "--model", "openai/gpt-4o-2024-08-06"]) == 0
    text = capsys.readouterr().out
    assert text.count("Plan for ") == 2 and "Total over 2 tasks" in text
    assert "| default levers (all on, no batch) | 8 |" in text  # 2 tasks x 2 queries x 2 tiers


def test_plan_detect_prints_queries_epochs_and_cost(tmp_path, capsys):
    qfile = write_queries(tmp_path / "q.jsonl", 40)
    argv = ["plan", "-T", f"dataset={qfile}", "--model", "anthropic/claude-3-opus-20240229"]
    assert main([*argv, "--detect", "0.02", "--compliance", "0.1", "--icc", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "Detecting a compliance gap of 2 points" in out
    psi = 2 * 0.1 * 0.9 * 0.5
    assert f"{psi:.1%} of queries answer differently" in out
    rows = {
        int(e): (int(n.replace(",", "")), int(t.replace(",", "")))
        for e, n, t in re.findall(r"^\s+\| (\d+)[^|]* \| ([\d,]+) \| ([\d,]+) \|", out, re.M)
    }
    assert rows[1][0] == pairs_needed(0.02, psi) == queries_needed(0.02, psi, 1)
    assert rows[5][0] == queries_needed(0.02, psi, 5)
    assert all(t == n * 2 * e for e, (n, t) in rows.items())
    fewest = min(e for e in range(1, 1000) if queries_needed(0.02, psi, e) <= 40)
    assert f"{fewest} epoch(s) or more" in out and fewest in rows
    # the cost is the plan's own price per transcript times the transcripts
    total = float(
        re.search(r"\| default levers \(all on, no batch\) \|[^\n]*\| \$([\d,.]+) \|\n", out)[1].replace(
            ",", ""
        )
    )
    cost_1 = re.search(r"^\s+\| 1 \| [\d,]+ \| [\d,]+ \| \$([\d,.]+) \|", out, re.M)[1]
    assert float(cost_1.replace(",", "")) == pytest.approx(total / 80 * rows[1][1], rel=1e-3)
    assert main([*argv, "--detect", "0.02", "--discordance", "0.05"]) == 0
    out = capsys.readouterr().out
    assert "5.0% of queries answer differently" in out and "given (--discordance)" in out
    assert main([*argv, "--detect", "2"]) == 2
