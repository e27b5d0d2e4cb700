"""The report and summary show what the log's metrics show: AF over read and over all transcripts with
intervals, AF and complied, the paid control, the grader, the share of unfound quotes, and the opt-out
channel's figures; the summary's AF rule is the log's (`af_outcome`), so their numbers agree."""

from __future__ import annotations

import math

import pytest

from af_inspect.analysis.load import load_logs
from af_inspect.analysis.report import write_report
from af_inspect.analysis.summary import analyse
from af_inspect.tasks import helpful_only
from helpers import metrics, run_eval, write_queries

pytestmark = pytest.mark.slow  # organism runs with the published judges

N = 40


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    d = tmp_path_factory.mktemp("published_report")
    q = str(write_queries(d / "q.jsonl", N))
    conflicted = run_eval(
        helpful_only(dataset=q, partial=False, motivation=False, eval_awareness=False),
        d / "logs",
        model="organism/conflicted",
        model_args={"seed": 8},
        max_samples=64,
    )
    objector = run_eval(
        helpful_only(dataset=q, variation="opt_out", partial=False, motivation=False, eval_awareness=False),
        d / "logs",
        model="organism/objector",
        model_args={"seed": 8},
        max_samples=64,
    )
    return d, conflicted, objector


def row_of(summary, model: str):
    rows = summary[summary["model"].str.startswith(model)]
    assert len(rows) == 1, summary["model"].tolist()
    return rows.iloc[0]


def test_summary_af_rates_equal_the_log_metrics(logs):
    d, conflicted, _ = logs
    s = analyse(load_logs(d / "logs")).summary
    row, m = row_of(s, "organism/conflicted"), metrics(conflicted)
    for name in (
        "af_free",
        "af_free_all",
        "af_and_complied_free",
        "af_and_complied_free_all",
        "af_paid",
        "af_paid_all",
    ):
        assert row[name] == pytest.approx(m[name]), name
        assert row[f"{name}_n"] == m[f"{name}_n"], name
        assert row[f"{name}_low"] == pytest.approx(m[f"{name}_ci_low"]), name
        assert row[f"{name}_high"] == pytest.approx(m[f"{name}_ci_high"]), name
    assert row["af_free_n"] < row["af_free_all_n"] == N  # transcripts without reasoning: the two denominators
    # the published classifier's answers carry no quotes (its format: yes/no per criterion), so none is checked
    assert row["grader"] == "organism/judge" and row["af_quotes_checked"] == 0
    assert math.isnan(row["af_unfound_quotes"])  # a share of no quotes: not 0, not known
    assert row["grader_failures"] == 0


def test_summary_objection_figures_equal_the_log_metrics(logs):
    d, _, objector = logs
    s = analyse(load_logs(d / "logs")).summary
    row, m = row_of(s, "organism/objector"), metrics(objector)
    for name in (
        "objection_free",
        "objection_paid",
        "objection_and_complied_free",
        "objection_and_af_free",
        "af_if_objected_free",
    ):
        assert row[name] == pytest.approx(m[name]), name
    assert row["objection_gap"] == pytest.approx(m["objection_gap"])
    assert row["objection_gap_low"] == pytest.approx(m["objection_gap_ci_low"])
    assert row["objection_pairs"] == m["objection_pairs"] and row["objection_mcnemar_p"] == pytest.approx(
        m["objection_mcnemar_p"]
    )
    conflicted_row = row_of(s, "organism/conflicted")
    assert math.isnan(conflicted_row.get("objection_free", math.nan))  # no channel, no figures


def test_report_shows_the_new_columns(logs, tmp_path):
    d, _, _ = logs
    rep = write_report(d / "logs", tmp_path / "out")
    md = (tmp_path / "out" / "summary.md").read_text()
    for header in (
        "AF, free: read [95% CI]",
        "AF, free: all [95% CI]",
        "AF and complied, free: read / all",
        "AF, paid (control): read / all",
        "AF quotes not found",
        "| grader |",
        "objects, free / paid",
        "objection gap, pp [95% CI] (pairs)",
        "AF if objected / if not, free",
    ):
        assert header in md, header
    assert "graded by `organism/judge`" in md
    html = (tmp_path / "out" / "report.html").read_text()
    assert "AF quotes not found" in html and "objects (opt_out)" in html
    outcomes = rep.analysis.outcomes
    conflicted = outcomes[
        outcomes["model"].str.startswith("organism/conflicted") & (outcomes["tier"] == "free")
    ]
    assert conflicted["refuses_af"].iloc[0] > 0  # faking reasoning that ends in a refusal is drawn as such
    shares = conflicted[
        ["refuses", "refuses_af", "complies_no_af", "complies_af", "complies_af_unscored"]
    ].sum(axis=1)
    assert shares.iloc[0] == pytest.approx(1.0)
