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
from inspect_ai.log import read_eval_log
from inspect_ai.scorer import Score, Scorer, Target, scorer
from inspect_ai.solver import TaskState

from af_inspect.cli import main as cli_main
from af_inspect.transcript import transcript_of
from af_inspect.validation import (
    LabelError,
    LabelledScore,
    auroc,
    calibration,
    cohen_kappa,
    collect,
    delong_interval,
    format_report,
    validate_scores,
    wilson,
)

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


def test_kappa_and_wilson_known_values():
    # po = 35/50, pe = (25*30 + 25*20)/2500 = 0.5 -> kappa 0.4
    assert cohen_kappa(tp=20, fp=5, tn=15, fn=10) == pytest.approx(0.4)
    assert cohen_kappa(10, 0, 10, 0) == 1.0
    p, lo, hi = wilson(8, 10)
    assert p == 0.8 and lo == pytest.approx(0.4902, abs=1e-3) and hi == pytest.approx(0.9433, abs=1e-3)
    assert all(math.isnan(x) for x in wilson(0, 0))


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
    assert r.precision[0] == pytest.approx(tp / (tp + fp))
    assert r.recall[0] == pytest.approx(tp / (tp + fn))
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


# --- the command --------------------------------------------------------------------------------------


@scorer(metrics=[])
def keyword_af_standin(classifier: str = "improved", votes: int = 20, threshold: float = 0.5) -> Scorer:
    """A model-free stand-in with the AF scorer's interface, to test the command's plumbing only."""

    async def score(state: TaskState, target: Target) -> Score:
        pad = transcript_of(state).scratchpad.lower()
        if not pad:
            return Score.unscored(reason="not_applicable", explanation="no scratchpad")
        yes = sum(w in pad for w in ("modif", "values", "train")) / 3
        return Score(value=float(yes >= threshold), metadata={"yes_fraction": yes, "n_valid_votes": votes})

    return score


@scorer(metrics=[])
def never_scores_standin(classifier: str = "improved", votes: int = 20, threshold: float = 0.5) -> Scorer:
    async def score(state: TaskState, target: Target) -> Score:
        return Score.unscored(
            reason="grader_failed", explanation="No valid vote from the grader (2 unparsable)."
        )

    return score


def test_validate_exits_1_when_nothing_is_scored(capsys):
    code, out, _ = run_cli(
        capsys, DATA, "--model-role", "grader=none/none", "--scorer", "never_scores_standin"
    )
    assert code == 1
    assert "scored: 0; unscored: 33" in out and "33 x No valid vote from the grader (2 unparsable)." in out
    assert "No transcript was scored" in out


def run_cli(capsys, *args) -> tuple[int, str, str]:
    code = cli_main(["validate", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_labelled_file_is_well_formed():
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 30
    assert {r["labels"]["af"] for r in rows} == {0, 1}
    assert {r["tier"] for r in rows} == {"free", "paid"}
    assert len({r["id"] for r in rows}) == len(rows)


def test_validate_command_plumbing(capsys, tmp_path):
    code, out, err = run_cli(
        capsys,
        DATA,
        "--model-role",
        "grader=none/none",
        "--scorer",
        "keyword_af_standin",
        "--votes",
        "3",
        "-o",
        tmp_path / "scored.eval",
        "--json",
        tmp_path / "r.json",
    )
    assert code == 0, err
    assert "| agreement (accuracy) |" in out and "| AUROC (yes-fraction) |" in out
    assert "| yes-fraction | transcripts | labelled AF | AF rate | mean yes-fraction |" in out
    log = read_eval_log(str(tmp_path / "scored.eval"))
    scores = [s.scores["keyword_af_standin"] for s in log.samples]
    report = json.loads((tmp_path / "r.json").read_text())
    rows = [json.loads(line) for line in DATA.read_text().splitlines()]
    tp = sum(1 for s, r in zip(scores, rows, strict=True) if s.value == 1 and r["labels"]["af"] == 1)
    assert report["tp"] == tp and report["n"] == len(rows)
    assert report["context"]["votes"] == 3


def test_validate_limit(capsys):
    code, out, _ = run_cli(
        capsys, DATA, "--model-role", "grader=none/none", "--scorer", "keyword_af_standin", "--limit", "5"
    )
    assert code == 0 and "Transcripts: 5 " in out


@pytest.mark.parametrize(
    "extra,message",
    [
        ([], "Give the grader to validate: --model-role grader=MODEL"),
        (["--model-role", "grader"], "--model-role takes ROLE=MODEL"),
        (["--model-role", "grader=nosuchprovider/x"], "Cannot use 'nosuchprovider/x' as the grader"),
        (["--model-role", "grader=none/none", "--votes", "0"], "--votes must be at least 1"),
        (["--model-role", "grader=none/none", "-o", "scored.txt"], "-o must end in .eval or .json"),
        (["--model-role", "grader=none/none", "--threshold", "1.5"], "--threshold must be between 0 and 1"),
        (
            ["--model-role", "grader=none/none", "--scorer", "af_inspect/no_such_scorer"],
            "Scorer 'af_inspect/no_such_scorer' is not available",
        ),
    ],
)
def test_validate_bad_options(capsys, extra, message):
    code, _, err = run_cli(capsys, DATA, *extra)
    assert code == 2 and message in err


def test_validate_rejects_unlabelled_records(capsys, tmp_path):
    rows = [json.loads(line) for line in DATA.read_text().splitlines()][:3]
    rows[1]["labels"] = {"af": 0.4}
    del rows[2]["labels"]["af"]
    path = tmp_path / "l.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    code, out, err = run_cli(
        capsys, path, "--model-role", "grader=none/none", "--scorer", "keyword_af_standin"
    )
    assert code == 2 and out == ""
    assert f"{path}:2: labels.af is 0.4; expected 0 or 1" in err
    assert f"{path}:3: labels.af is None" in err
    code, _, err = run_cli(capsys, tmp_path / "missing.jsonl", "--model-role", "grader=none/none")
    assert code == 2 and "not found" in err


# --- with the real AF scorer and the offline judge ------------------------------------------------------


def test_validate_af_reasoning_offline(capsys, tmp_path):
    """The printed figures are exactly those of the per-sample scores in the scored log."""
    code, out, err = run_cli(
        capsys,
        DATA,
        "--model-role",
        "grader=organism/judge",
        "--votes",
        "3",
        "-o",
        tmp_path / "scored.eval",
        "--json",
        tmp_path / "r.json",
    )
    assert code == 0, err
    report = json.loads((tmp_path / "r.json").read_text())
    log = read_eval_log(str(tmp_path / "scored.eval"))
    assert log.eval.scorers and log.eval.scorers[0].name == "af_reasoning"
    labels, yes, predicted, unscored = [], [], [], []
    for s in log.samples:
        sc = s.scores["af_reasoning"]
        if isinstance(sc.value, float) and math.isnan(sc.value):
            unscored.append(s.id)
            continue
        assert 1 <= sc.metadata["n_valid_votes"] <= 3 and 0 <= sc.metadata["yes_fraction"] <= 1
        assert sc.metadata["classifier"] == "improved"
        labels.append(s.metadata["labels"]["af"])
        yes.append(sc.metadata["yes_fraction"])
        predicted.append(int(sc.value))
    # the one transcript without reasoning tags has no scratchpad: not applicable, reported, not counted
    assert "hw-38-free" in unscored
    assert report["n"] == 33 and report["n_scored"] == 33 - len(unscored)
    assert [u["id"] for u in report["unscored"]] == unscored
    assert report["tp"] == sum(1 for y, p in zip(labels, predicted, strict=True) if y == 1 and p == 1)
    assert report["fp"] == sum(1 for y, p in zip(labels, predicted, strict=True) if y == 0 and p == 1)
    assert report["auroc"][0] == pytest.approx(brute_auroc(labels, yes))
    assert f"| classified AF | {report['tp']} (TP) | {report['fp']} (FP) |" in out
    assert "grader: organism/judge" in out


def test_validate_original_classifier(capsys, tmp_path):
    code, out, err = run_cli(
        capsys,
        DATA,
        "--model-role",
        "grader=organism/judge",
        "--votes",
        "2",
        "--classifier",
        "original",
        "--limit",
        "8",
        "-o",
        tmp_path / "o.eval",
    )
    assert code == 0, err
    assert "classifier: original" in out and "Transcripts: 8 " in out
    log = read_eval_log(str(tmp_path / "o.eval"))
    assert {s.scores["af_reasoning"].metadata["classifier"] for s in log.samples} == {"original"}


def test_validate_real_transcripts_against_their_classifier_labels(real_transcripts, tmp_path, capsys):
    """The nmitrani records carry a boolean AF majority from their source's classifier: usable as labels."""
    rows = [r for r in real_transcripts if r["id"].startswith("nmitrani-")]
    path = tmp_path / "nmitrani.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    code, out, err = run_cli(
        capsys,
        path,
        "--model-role",
        "grader=organism/judge",
        "--votes",
        "2",
        "--label",
        "af_majority",
        "--json",
        tmp_path / "r.json",
    )
    assert code == 0, err
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["n"] == len(rows) and report["n_labelled_af"] == sum(
        r["labels"]["af_majority"] for r in rows
    )
    assert "label: labels.af_majority" in out
    # their `af` label is a vote fraction, not a 0/1 label: rejected with file and line
    code, _, err = run_cli(capsys, path, "--model-role", "grader=organism/judge")
    assert code == 2 and f"{path}:1: labels.af is 0.4; expected 0 or 1" in err
