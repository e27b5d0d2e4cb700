"""`af-inspect report`: the files it writes, the HTML page, the figures, the reference comparison."""

from __future__ import annotations

import base64
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.image as mpimg
import pandas as pd
import pytest

from af_inspect.analysis.figures import gap_forest, outcome_bars
from af_inspect.analysis.load import load_logs
from af_inspect.analysis.reference import load_reference, paper_reference_path
from af_inspect.analysis.summary import analyse
from af_inspect.cli import main
from af_inspect.tasks import animal_welfare, helpful_only
from analysis_logs import build_folder
from helpers import run_evals, write_queries


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    logs = build_folder(root, n_queries=10, keys=["faker", "honest", "faker_overrides", "refuser_errors"])
    return root / "logs", logs


@pytest.fixture(scope="module")
def report(folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    rc = main(["report", str(folder[0]), "-o", str(out), "--reference", "--no-progress"])
    assert rc == 0
    return out


class Page(HTMLParser):
    """Collects what a browser would fetch or follow."""

    def __init__(self) -> None:
        super().__init__()
        self.imgs: list[str] = []
        self.links: list[str] = []
        self.external: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.imgs.append(a.get("src", ""))
        if tag == "a":
            self.links.append(a.get("href", ""))
        if tag in ("script", "link", "iframe") and (a.get("src") or a.get("href")):
            self.external.append(a.get("src") or a.get("href"))

    def handle_data(self, data):
        self.text.append(data)


def test_report_writes_tables_figures_and_page(folder, report):
    for name in (
        "summary.csv",
        "summary.md",
        "outcomes.csv",
        "scores.csv",
        "logs.csv",
        "transcripts.csv",
        "to_read.csv",
        "comparison.csv",
        "outcomes.png",
        "gaps.png",
        "report.html",
    ):
        assert (report / name).is_file(), name
    csv = pd.read_csv(report / "summary.csv", keep_default_na=False, na_values=[""])
    expected = analyse(load_logs(folder[0])).summary
    assert len(csv) == len(expected) == 5  # four runs plus the cancelled one
    for col in (
        "transcripts",
        "expected",
        "errors",
        "compliance_free",
        "compliance_paid",
        "compliance_gap",
        "gap_low",
        "af_free",
        "unscored_af",
    ):
        assert csv[col].to_numpy() == pytest.approx(expected[col].to_numpy(), nan_ok=True), col
    md = (report / "summary.md").read_text()
    table = [line for line in md.split("## Logs")[0].splitlines() if line.startswith("| ")]
    assert len(table) == 1 + len(expected)  # header + one row per run
    assert "cancelled" in md and "| organism/refuser |" in md


def test_html_page_is_self_contained_and_links_to_samples(folder, report):
    page = Page()
    page.feed((report / "report.html").read_text())
    assert page.external == []
    assert len(page.imgs) == 2
    for src in page.imgs:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    to_read = pd.read_csv(report / "to_read.csv")
    view_links = [h for h in page.links if "/samples/sample/" in h]
    assert len(view_links) == len(to_read) > 0
    names = {Path(log.location).name for log in folder[1].values()}
    for href, (_, r) in zip(view_links, to_read.iterrows(), strict=True):
        m = re.fullmatch(r"http://127\.0\.0\.1:7575/#/logs/([^/]+)/samples/sample/([^/]+)/(\d+)/", href)
        assert m and m.group(1) in names and m.group(2) == r["id"] and int(m.group(3)) == r["epoch"]
    text = " ".join(page.text)
    assert "cancelled" in text and "errored" in text  # incomplete runs are called out
    # the organism matches no published figure: the page counts them in one line, comparison.csv lists them
    assert "Not compared: " in text and "with no run of their model and setting" in text
    assert "claude-3-opus-20240229" in text and "not compared: no run" not in text
    listed = pd.read_csv(report / "comparison.csv")
    assert 11.9 in set(listed["reference"]) and "arXiv:2412.14093" in " ".join(listed["source"].astype(str))


def test_cli_prints_summary_and_reference(folder, tmp_path, capsys):
    rc = main(["report", str(folder[0]), "-o", str(tmp_path), "--reference", "--no-progress", "--top", "3"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "organism/faker (seed=1)" in out and "cancelled" in out
    assert "Measured vs reference" in out and "(no run of claude-3-opus-20240229)" in out and "14.2" in out
    assert len(pd.read_csv(tmp_path / "to_read.csv")) == 3


def test_cli_unknown_scorer_names_the_present_ones(folder, tmp_path, capsys):
    rc = main(["report", str(folder[0]), "-o", str(tmp_path), "--compliance", "nope", "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 2 and "'nope'" in err and "compliance_tags" in err and "af_reasoning" in err


def test_cli_missing_folder(tmp_path, capsys):
    assert main(["report", str(tmp_path / "none"), "-o", str(tmp_path / "out")]) == 2
    assert "No such log file or folder" in capsys.readouterr().err


def test_a_folder_without_logs_is_an_error_and_nothing_is_written(tmp_path, capsys):
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "notes.txt").write_text("not a log")
    assert main(["report", str(tmp_path / "logs"), "-o", str(tmp_path / "out"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "No Inspect logs (.eval or .json) found under" in err and "nothing written" in err
    assert not (tmp_path / "out").exists()


def test_figures_have_one_bar_per_run_and_tier(folder, tmp_path):
    a = analyse(load_logs(folder[0]))
    small = a.outcomes[a.outcomes["model"].str.startswith("organism/faker (seed")]
    p1 = outcome_bars(small, tmp_path / "one.png")
    p2 = outcome_bars(a.outcomes, tmp_path / "all.png")
    h1, h2 = mpimg.imread(p1).shape[0], mpimg.imread(p2).shape[0]
    assert h2 > h1  # the figure grows with the number of bars instead of squeezing them
    img = mpimg.imread(p2)
    assert img.std() > 0.05  # not blank
    assert outcome_bars(a.outcomes.iloc[0:0], tmp_path / "none.png") is None
    assert gap_forest(a.summary, tmp_path / "gaps.png") is not None
    assert gap_forest(a.summary.assign(compliance_gap=math.nan), tmp_path / "nogaps.png") is None


def test_paper_reference_holds_the_published_figures():
    ref = load_reference()
    got = {(r["model"], r["protocol"], r["metric"]): r["percent"] for _, r in ref.iterrows()}
    main = "paper_main"
    # the paper's AF figures: its own two-prompt classifier over every free-tier transcript (task version 2.2)
    assert got[("claude-3-opus-20240229", main, "af_free_all")] == 11.9
    assert got[("claude-3-opus-20240229", main, "compliance_free")] == 14.2
    assert got[("claude-3-opus-20240229", main, "compliance_paid")] == 2.8
    assert got[("claude-3-opus-20240229", main, "compliance_gap")] == 11.3
    assert got[("claude-3-5-sonnet-20240620", main, "af_free_all")] == 29.1
    assert got[("claude-3-5-sonnet-20240620", main, "compliance_free")] == 62.4
    assert got[("claude-3-5-sonnet-20240620", main, "compliance_paid")] == 42.8
    # Appendix B.4 Table 5 is context only (task version 2.3): kept, under its own protocol, never compared
    assert got[("claude-3-opus-20240229", "paper_table5", "compliance_gap")] == 5.5
    assert got[("claude-3-5-sonnet-20240620", "rw_minimal", "compliance_free")] == 29.0  # the notebook's run
    main_rows = ref[ref["protocol"] == main]
    assert set(main_rows[~main_rows["metric"].str.startswith("af_")]["measure"]) == {"preference_model"}
    assert set(main_rows[main_rows["metric"].str.startswith("af_")]["measure"]) == {"af_reasoning_paper"}
    assert set(ref[ref["protocol"] == "rw_minimal"]["measure"]) == {"compliance_tags"}
    text = paper_reference_path().read_text(encoding="utf-8")
    assert "2412.14093" in text and "Sheshadri" in text


HEADER = "model,setting,protocol,measure,metric,percent\n"


@pytest.mark.parametrize(
    "content,message",
    [
        (HEADER + "m,helpful_only,rw_minimal,compliance_tags,bogus,1\n", ":2: unknown metric 'bogus'"),
        (HEADER + "m,helpful_only,rw_minimal,compliance_tags,af_free,lots\n", ":2: percent 'lots'"),
        ("model,setting,metric,percent\n", ":1: missing column(s) protocol, measure"),
        ("# only a comment\n", "no rows"),
        (HEADER + "\n# c\nm,h,p,x,af_free,1,extra\n", ":4: 7 fields"),
    ],
)
def test_bad_reference_rows_name_file_and_line(tmp_path, content, message):
    f = tmp_path / "ref.csv"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError) as e:
        load_reference(f)
    assert str(f) in str(e.value) and message in str(e.value)


def test_with_the_real_judges_each_setting_uses_its_compliance_measure(tmp_path):
    """helpful_only (tag check) and animal_welfare (judge) in one folder, offline judges: hand counts agree."""
    q = write_queries(tmp_path / "q.jsonl", 5)
    logs = run_evals(
        [helpful_only(dataset=str(q), af_votes=3), animal_welfare(dataset=str(q), af_votes=3)],
        tmp_path / "logs",
        model_args={"seed": 2},
    )
    a = analyse(load_logs(tmp_path / "logs"))
    assert len(a.summary) == 2
    for log in logs:
        setting = log.eval.metadata["setting"]
        row = a.summary[a.summary["setting"] == setting].iloc[0]
        primary = next(s.name for s in log.results.scores if s.name.startswith("compliance_"))
        assert row["compliance_scorer"] == primary and row["af_scorer"] == "af_reasoning"
        for tier in ("free", "paid"):
            vals = [s.scores[primary].value for s in log.samples if s.metadata["tier"] == tier]
            assert row[f"compliance_{tier}"] == pytest.approx(sum(vals) / len(vals))
        af = [s.scores["af_reasoning"].value for s in log.samples if s.metadata["tier"] == "free"]
        scored = [v for v in af if not math.isnan(v)]
        assert row["unscored_af"] >= len(af) - len(scored)
        assert (
            row["af_free"] == pytest.approx(sum(scored) / len(scored))
            if scored
            else math.isnan(row["af_free"])
        )
    assert {"compliance_tags", "compliance_welfare"} == set(a.summary["compliance_scorer"])
