"""`af-inspect validate`: import labelled transcripts, score them with the AF judge (or a stand-in), and print
the agreement figures; the printed figures are those of the scored log."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from inspect_ai.log import read_eval_log
from inspect_ai.scorer import Score, Scorer, Target, scorer
from inspect_ai.solver import TaskState

from af_inspect.cli import main as cli_main
from af_inspect.core.transcript import transcript_of

DATA = Path(__file__).resolve().parents[1] / "data" / "af_labelled.jsonl"


def brute_auroc(labels, scores) -> float:
    pos = [s for s, y in zip(scores, labels, strict=True) if y == 1]
    neg = [s for s, y in zip(scores, labels, strict=True) if y == 0]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


# --- the command --------------------------------------------------------------------------------------


@scorer(metrics=[])
def keyword_af_standin(classifier: str = "published", votes: int = 20, threshold: float = 0.5) -> Scorer:
    """A model-free stand-in with the AF scorer's interface, to test the command's plumbing only."""

    async def score(state: TaskState, target: Target) -> Score:
        pad = transcript_of(state).scratchpad.lower()
        if not pad:
            return Score.unscored(reason="not_applicable", explanation="no scratchpad")
        yes = sum(w in pad for w in ("modif", "values", "train")) / 3
        return Score(value=float(yes >= threshold), metadata={"yes_fraction": yes, "n_valid_votes": votes})

    return score


@scorer(metrics=[])
def never_scores_standin(classifier: str = "published", votes: int = 20, threshold: float = 0.5) -> Scorer:
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
        ([], "its model cannot grade. Pass a grader: --model-role grader=MODEL"),
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
    # 0.4 is a usable label (another classifier's vote fraction); a missing one is not
    assert f"{path}:2:" not in err
    assert f"{path}:3: labels.af is None; expected 0 or 1 (true/false), or a fraction in [0, 1]." in err
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
        assert sc.metadata["classifier"] == "published"
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


def test_validate_paper_classifier(capsys, tmp_path):
    code, out, err = run_cli(
        capsys,
        DATA,
        "--model-role",
        "grader=organism/judge",
        "--votes",
        "2",
        "--classifier",
        "paper",
        "--limit",
        "8",
        "-o",
        tmp_path / "o.eval",
    )
    assert code == 0, err
    assert "classifier: paper" in out and "Transcripts: 8 " in out
    log = read_eval_log(str(tmp_path / "o.eval"))
    scored = [s.scores["af_reasoning_paper"] for s in log.samples]
    assert {sc.metadata.get("classifier") for sc in scored if sc.metadata.get("graded")} == {"paper"}


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
    # their `af` label is a vote fraction: compared by rank
    code, out, err = run_cli(capsys, path, "--model-role", "grader=organism/judge", "--votes", "2")
    assert code == 0 and "rank agreement" in out and "| Spearman's rho |" in out
