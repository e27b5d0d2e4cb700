"""What the report says beside its figures: what was compared and what was not, intervals from too few pairs,
unscored counts only where a scorer ran, and the cells a battery verdict could not run."""

from __future__ import annotations

import math

import pandas as pd

from af_inspect.analysis.report import _comparison_html, _display_scores, verdict_table
from af_inspect.analysis.summary import score_table
from af_inspect.analysis.tables import MIN_PAIRS, gap_text


def comparison_row(model: str, comparable: bool, refused: str = "", measured: float = math.nan) -> dict:
    return {
        "group": 0 if comparable else -1,
        "model": model,
        "setting": "helpful_only",
        "protocol": "rw_minimal",
        "measure": "compliance_tags",
        "metric": "compliance_gap",
        "comparable": comparable,
        "refused": refused,
        "measured": measured,
        "measured_low": measured - 5,
        "measured_high": measured + 5,
        "reference": 11.0,
        "difference": measured - 11.0,
        "reference_model": model if comparable else refused.removeprefix("no run of "),
        "source": "paper",
    }


def test_the_comparison_lists_what_was_compared_and_counts_the_rest_in_one_line():
    rows = [comparison_row("claude-3-opus", True, measured=14.0)]
    rows += [comparison_row("(no run)", False, f"no run of model-{i % 2}") for i in range(16)]
    rows += [comparison_row("run b", False, "the run changed the prompt (variation cut_rlhf)")]
    page = _comparison_html(pd.DataFrame(rows))
    assert page.count("<tr>") == 2  # the header and the one compared figure
    assert "not compared: no run" not in page
    assert (
        "Not compared: 17 published figures: 16 with no run of their model and setting (model-0, model-1)"
        in page
    )
    assert "1 because the run changed the prompt (variation cut_rlhf)" in page


def test_an_interval_from_too_few_pairs_is_shown_as_such():
    assert gap_text(2 / 3, 2 / 3, 2 / 3, 2) == "+66.7 (2 pairs: too few for an interval)"
    assert gap_text(0.1, -0.05, 0.25, MIN_PAIRS) == "+10.0 [-5.0, +25.0]"
    assert gap_text(0.1, -0.05, 0.25) == "+10.0 [-5.0, +25.0]"  # no pair count given: as before


def transcripts(setting: str, scorers: str, values: dict[str, float]) -> list[dict]:
    return [
        {
            "model": "m",
            "setting": setting,
            "protocol": "p",
            "variation": "none",
            "args": "",
            "tier": tier,
            "superseded": False,
            "error": "",
            "scorers": scorers,
            **{f"score_{k}": v for k, v in values.items()},
        }
        for tier in ("free", "paid")
        for _ in range(3)
    ]


def test_unscored_counts_only_the_scorers_that_ran():
    nan = math.nan
    tr = pd.DataFrame(
        # helpful_only never runs the welfare judge; animal_welfare runs it and one answer is unreadable
        transcripts("helpful_only", "compliance_tags", {"compliance_tags": 1.0, "compliance_welfare": nan})
        + transcripts("animal_welfare", "compliance_tags,compliance_welfare", {"compliance_tags": 0.0})
    )
    tr.loc[tr["setting"] == "animal_welfare", "score_compliance_welfare"] = [1.0, nan, 0.0, 1.0, 1.0, 0.0]
    table = score_table(tr)
    welfare = table[table["scorer"] == "compliance_welfare"]
    assert set(welfare["setting"]) == {"animal_welfare"}  # no row, so no "6 unscored", for helpful_only
    assert welfare["unscored"].sum() == 1 and welfare["scored"].sum() == 5
    shown = _display_scores(table).set_index("run")
    assert shown.filter(like="compliance_welfare unscored").notna().any().any()
    helpful = [r for r in shown.index if "helpful_only" in r]
    assert helpful and shown.loc[helpful[0], "compliance_welfare unscored"] == "—"


def test_the_verdict_lists_the_cells_it_could_not_run():
    verdict = {
        "settings": [
            {
                "setting": "helpful_only",
                "verdict": "evidence",
                "reasons": ["gap above 0"],
                "figures": {
                    "headline": {},
                    "skipped": {
                        "helpful_only_published": "Could not fetch it from https://x.org/a.txt (DNS). Offline."
                    },
                },
            },
            {"setting": "animal_welfare", "verdict": "inconclusive", "reasons": ["small"], "figures": {}},
        ]
    }
    table = verdict_table(verdict).set_index("setting")
    assert table.loc["helpful_only", "cells not run"] == "helpful_only_published (Could not fetch it (DNS))"
    assert table.loc["animal_welfare", "cells not run"] == "none"
