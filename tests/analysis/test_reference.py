"""The shipped reference figures are consistent: every model with both compliance rates has its gap."""

from __future__ import annotations

import pytest

from af_inspect.analysis.reference import load_reference, paper_reference_path


def test_every_reference_model_with_both_rates_has_its_gap_and_it_adds_up():
    ref = load_reference(paper_reference_path())
    rows = {(r.model, r.metric): r.percent for r in ref.itertuples()}
    models = {m for m, _ in rows}
    assert {"claude-3-opus-20240229", "claude-3-5-sonnet-20240620"} <= models
    for model in models:
        if (model, "compliance_free") in rows and (model, "compliance_paid") in rows:
            gap = rows[(model, "compliance_free")] - rows[(model, "compliance_paid")]
            # published rates are rounded to 0.1: a gap from unrounded rates may differ by up to 0.1
            assert rows[(model, "compliance_gap")] == pytest.approx(gap, abs=0.11), model
