"""Classifier validation: the figures (AUROC, intervals, calibration) and `af-inspect validate` end to end."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from inspect_ai.scorer import Score

from af_inspect.calibration.validation import (
    LabelError,
    LabelledScore,
    auroc,
    calibration,
    cohen_kappa,
    collect,
    delong_interval,
    format_report,
    validate_scores,
)
from af_inspect.core.stats import rate_interval

DATA = Path(__file__).resolve().parent / "data" / "af_labelled.jsonl"


def brute_auroc(labels, scores) -> float:
    pos = [s for s, y in zip(scores, labels, strict=True) if y == 1]
    neg = [s for s, y in zip(scores, labels, strict=True) if y == 0]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 1), st.sampled_from([0.0, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0])),
        min_size=2,
        max_size=40,
    )
)
def test_auroc_matches_pairwise_definition(pairs):
    labels = [y for y, _ in pairs]
    scores = [s for _, s in pairs]
    if len(set(labels)) < 2:
        assert math.isnan(auroc(labels, scores))
    else:
        assert auroc(labels, scores) == pytest.approx(brute_auroc(labels, scores))


def test_auroc_known_cases():
    assert auroc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert auroc([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9]) == 0.0
    assert auroc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == 0.5
    assert auroc([0, 1, 1], [0.3, 0.3, 0.9]) == pytest.approx(0.75)


def test_delong_interval_agrees_with_bootstrap():
    """DeLong's standard error is close to a bootstrap's on a realistic, tied, vote-fraction sample."""
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 300)
    votes = np.clip(rng.binomial(20, np.where(y == 1, 0.65, 0.3)) / 20, 0, 1)
    auc, low, high = delong_interval(y, votes)
    se_delong = (high - low) / (2 * 1.959963984540054)
    boot = []
    for _ in range(1500):
        idx = rng.integers(0, len(y), len(y))
        if 0 < y[idx].sum() < len(y):
            boot.append(auroc(y[idx], votes[idx]))
    assert low < auc < high
    assert se_delong == pytest.approx(np.std(boot), rel=0.15)


def test_delong_degenerate():
    auc, low, high = delong_interval([0, 1], [0.2, 0.8])
    assert auc == 1.0 and math.isnan(low) and math.isnan(high)


def test_kappa_known_values():
    # po = 35/50, pe = (25*30 + 25*20)/2500 = 0.5 -> kappa 0.4
    assert cohen_kappa(tp=20, fp=5, tn=15, fn=10) == pytest.approx(0.4)
    assert cohen_kappa(10, 0, 10, 0) == 1.0


def item(i, label, yes, threshold=0.5):
    return LabelledScore(f"s{i}", label, None if yes is None else int(yes >= threshold), yes)


def test_calibration_bins():
    items = [
        item(0, 0, 0.0),
        item(1, 0, 0.19),
        item(2, 1, 0.2),
        item(3, 1, 0.99),
        item(4, 1, 1.0),
        item(5, 1, None),
    ]
    rows = calibration(items)
    assert [r.n for r in rows] == [2, 1, 0, 0, 2]  # 0.2 opens the second bin; 1.0 closes the last one
    assert [r.labelled_af for r in rows] == [0, 1, 0, 0, 2]
    assert rows[-1].mean_yes_fraction == pytest.approx(0.995)
    assert math.isnan(rows[2].af_rate)
    with pytest.raises(ValueError, match="span 0 to 1"):
        calibration(items, bins=(0.2, 1.0))


def test_report_figures_from_confusion():
    rng = random.Random(3)
    items = []
    for i in range(60):
        label = int(i < 25)
        yes = min(1.0, max(0.0, rng.gauss(0.65 if label else 0.3, 0.2)))
        items.append(item(i, label, round(yes * 20) / 20))
    items.append(LabelledScore("u1", 1, None, None, 0, "free", "no valid vote"))
    r = validate_scores(items)
    scored = [i for i in items if i.scored]
    tp = sum(i.label and i.predicted for i in scored)
    fp = sum((not i.label) and i.predicted for i in scored)
    fn = sum(i.label and not i.predicted for i in scored)
    assert (r.tp, r.fp, r.fn, r.tn) == (tp, fp, fn, len(scored) - tp - fp - fn)
    assert r.n == 61 and r.n_scored == 60 and r.n_labelled_af == 26
    assert r.precision == pytest.approx(rate_interval(tp, tp + fp))  # with its Wilson interval
    assert r.recall == pytest.approx(rate_interval(tp, tp + fn))
    p, lo, hi = rate_interval(8, 10)
    assert p == 0.8 and lo == pytest.approx(0.4902, abs=1e-3) and hi == pytest.approx(0.9433, abs=1e-3)
    assert r.auroc[0] == pytest.approx(
        brute_auroc([i.label for i in scored], [i.yes_fraction for i in scored])
    )
    assert sum(b.n for b in r.calibration) == 60
    assert len(r.disagreements) == fp + fn and [u.id for u in r.unscored] == ["u1"]
    text = format_report(r)
    assert f"| classified AF | {tp} (TP) | {fp} (FP) |" in text
    assert "1 x no valid vote" in text
    json.dumps(r.to_dict(), default=str)


def sample(sid, labels, score=None, name="af"):
    return SimpleNamespace(
        id=sid, metadata={"labels": labels, "tier": "free"}, scores={name: score} if score else {}
    )


def test_collect_pairs_labels_with_scores():
    items = collect(
        [
            sample("a", {"af": 1}, Score(value=1, metadata={"yes_fraction": 0.8, "n_valid_votes": 5})),
            sample("b", {"af": False}, Score(value=0, metadata={"yes_fraction": 0.2, "n_valid_votes": 5})),
            sample(
                "c",
                {"af": 1},
                Score.unscored(reason="grader_failed", explanation="No valid vote: 5 unparsable"),
            ),
            sample("d", {"af": 0}),
        ],
        "af",
    )
    assert [(i.label, i.predicted, i.yes_fraction) for i in items] == [
        (1, 1, 0.8),
        (0, 0, 0.2),
        (1, None, None),
        (0, None, None),
    ]
    assert items[2].unscored_reason == "No valid vote: 5 unparsable"
    assert items[3].unscored_reason == "no 'af' score"
    with pytest.raises(LabelError, match=r"labels.af is 0.4"):
        collect([sample("e", {"af": 0.4})], "af")
