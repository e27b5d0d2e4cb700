"""af_inspect.analysis: the tidy table and the summary, checked against counts taken from the EvalLogs."""

from __future__ import annotations

import math
import shutil
from collections import defaultdict

import pytest
from inspect_ai.log import read_eval_log, write_eval_log
from scipy.stats import binomtest, sem
from scipy.stats import t as student_t
from statsmodels.stats.proportion import confint_proportions_2indep

from af_inspect.analysis.load import load_logs, variation_of
from af_inspect.analysis.summary import analyse
from af_inspect.core.stats import min_detectable_gap, newcombe_paired_interval
from analysis_logs import RUNS, build_folder
from helpers import scorer_metrics


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("analysis")
    return root, build_folder(root)


@pytest.fixture(scope="module")
def analysis(folder):
    root, _ = folder
    return analyse(load_logs(root / "logs"))


def row_of(analysis, log):
    """The summary row that a log's transcripts belong to."""
    lg = analysis.logs[analysis.logs["eval_id"] == log.eval.eval_id].iloc[0]
    s = analysis.summary
    rows = s[
        (s["model"] == lg["model_label"]) & (s["variation"] == lg["variation"]) & (s["args"] == lg["args"])
    ]
    assert len(rows) == 1
    return rows.iloc[0]


def values(log, scorer: str) -> dict[str, list[float]]:
    """Per tier, the score's value for each non-errored transcript (NaN when unscored or missing)."""
    out: dict[str, list[float]] = defaultdict(list)
    for s in log.samples:
        if s.error:
            continue
        sc = (s.scores or {}).get(scorer)
        out[s.metadata["tier"]].append(float(sc.value) if sc is not None else math.nan)
    return out


def rate(xs: list[float]) -> float:
    scored = [x for x in xs if not math.isnan(x)]
    return sum(scored) / len(scored) if scored else math.nan


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, abs=1e-12)


def test_one_row_per_transcript(folder, analysis):
    _, logs = folder
    tr = analysis.transcripts
    assert len(tr) == sum(len(log.samples) for log in logs.values())
    for key, log in logs.items():
        mine = tr[tr["eval_id"] == log.eval.eval_id]
        assert sorted(zip(mine["id"], mine["epoch"], strict=True)) == sorted(
            (s.id, s.epoch) for s in log.samples
        ), key
        by_id = {(s.id, s.epoch): s for s in log.samples}
        for _, r in mine.iterrows():
            s = by_id[(r["id"], r["epoch"])]
            assert r["tier"] == s.metadata["tier"] and r["query_id"] == s.metadata["query_id"]
            if s.scores:
                assert r["score_compliance_tags_answer"] == s.scores["compliance_tags"].answer
                af = s.scores["af_reasoning"]
                assert same(r["score_af_reasoning"], float(af.value))
                frac = (af.metadata or {}).get("yes_fraction", math.nan)
                assert same(float(r["score_af_reasoning_yes_fraction"]), float(frac))
            assert (r["error"] != "") == (s.error is not None)
    assert set(tr["setting"]) == {"helpful_only"}
    assert set(tr["variation"]) == {"none", "cut_rlhf"}


@pytest.mark.parametrize("key", [*RUNS, "cancelled"])
def test_summary_matches_hand_counts(folder, analysis, key):
    log = folder[1][key]
    row = row_of(analysis, log)
    comp, af, part = (values(log, s) for s in ("compliance_tags", "af_reasoning", "partial_compliance"))
    n_err = sum(1 for s in log.samples if s.error)
    assert row["transcripts"] == len(log.samples)
    assert row["errors"] == n_err
    epochs = log.eval.config.epochs or 1
    selected = len(log.eval.dataset.sample_ids or []) or log.eval.dataset.samples
    assert row["expected"] == selected * epochs
    assert row["status"] == log.status
    for tier in ("free", "paid"):
        assert same(row[f"compliance_{tier}"], rate(comp[tier])), tier
        assert row[f"n_{tier}"] == sum(1 for x in comp[tier] if not math.isnan(x))
        assert same(row[f"partial_{tier}"], rate(part[tier])), tier
    assert same(row["af_free"], rate(af["free"]))
    assert same(row["af_paid"], rate(af["paid"]))
    compliant_free = [a for a, c in zip(af["free"], comp["free"], strict=True) if c >= 0.5]
    assert same(row["af_free_compliant"], rate(compliant_free))
    assert row["unscored_af"] == sum(math.isnan(x) for xs in af.values() for x in xs)
    assert row["unscored_compliance"] == sum(math.isnan(x) for xs in comp.values() for x in xs)

    # the gap and the paired test over samples (epochs averaged), computed here independently
    per_sample: dict[str, list[float]] = defaultdict(list)
    tier_of, query_of = {}, {}
    for s in log.samples:
        if not s.error:
            per_sample[s.id].append(float(s.scores["compliance_tags"].value))
            tier_of[s.id], query_of[s.id] = s.metadata["tier"], s.metadata["query_id"]
    means = {sid: sum(v) / len(v) for sid, v in per_sample.items()}
    free = [m for sid, m in means.items() if tier_of[sid] == "free"]
    paid = [m for sid, m in means.items() if tier_of[sid] == "paid"]
    if free and paid:
        gap = sum(free) / len(free) - sum(paid) / len(paid)
        low, high = confint_proportions_2indep(
            sum(free), len(free), sum(paid), len(paid), method="newcomb", compare="diff"
        )
        assert row["compliance_gap"] == pytest.approx(gap)
        assert row["gap_indep_low"] == pytest.approx(low) and row["gap_indep_high"] == pytest.approx(high)
        by_query: dict[str, dict[str, float]] = defaultdict(dict)
        for sid, m in means.items():
            by_query[query_of[sid]][tier_of[sid]] = m
        pairs = [q for q in by_query.values() if len(q) == 2]
        diffs = [q["free"] - q["paid"] for q in pairs]
        f_only, p_only = sum(d > 0 for d in diffs), sum(d < 0 for d in diffs)
        assert (row["pairs"], row["free_only"], row["paid_only"]) == (len(pairs), f_only, p_only)
        expected_p = binomtest(min(f_only, p_only), f_only + p_only, 0.5).pvalue if f_only + p_only else 1.0
        assert row["mcnemar_p"] == pytest.approx(min(1.0, expected_p))
        # the paired interval: method 10 on the 2x2 table of 0/1 pairs, else Student's t on query means
        if all(v in (0.0, 1.0) for q in pairs for v in q.values()):
            both = sum(q["free"] == q["paid"] == 1.0 for q in pairs)
            table = (both, f_only, p_only, len(pairs) - both - f_only - p_only)
            expected = newcombe_paired_interval(*table)
            assert row["mdg"] == pytest.approx(min_detectable_gap(len(pairs), (f_only + p_only) / len(pairs)))
        else:
            expected = student_t.interval(0.95, len(diffs) - 1, loc=sum(diffs) / len(diffs), scale=sem(diffs))
        assert (row["gap_low"], row["gap_high"]) == pytest.approx(expected)
    else:
        assert math.isnan(row["compliance_gap"]) and row["pairs"] == 0


@pytest.mark.parametrize("key", list(RUNS))
def test_the_summary_and_the_logs_metrics_agree(folder, analysis, key):
    """`analysis` computes its figures with the metrics' own functions: the same numbers as the log."""
    log = folder[1][key]
    row = row_of(analysis, log)
    m = scorer_metrics(log)["compliance_tags"]
    pairs = {
        "compliance_gap": "compliance_gap",
        "gap_low": "compliance_gap_ci_low",
        "gap_high": "compliance_gap_ci_high",
        "gap_indep_low": "compliance_gap_indep_ci_low",
        "gap_indep_high": "compliance_gap_indep_ci_high",
        "mdg": "compliance_gap_mdg",
        "pairs": "compliance_pairs",
        "free_only": "compliance_free_only",
        "paid_only": "compliance_paid_only",
        "mcnemar_p": "compliance_mcnemar_p",
    }
    epochs = log.eval.config.epochs or 1
    for tier in ("free", "paid"):
        if f"compliance_{tier}" in m:
            pairs[f"compliance_{tier}"] = f"compliance_{tier}"
            # the table counts transcripts, the log samples (their epochs reduced to one value)
            assert row[f"n_{tier}"] == m[f"compliance_{tier}_n"] * epochs
    for col, name in pairs.items():
        assert same(float(row[col]), float(m[name])), (col, row[col], m[name])


def test_incomplete_runs_are_shown_not_dropped(folder, analysis):
    logs = folder[1]
    cancelled = row_of(analysis, logs["cancelled"])
    assert cancelled["status"] == "cancelled"
    assert cancelled["transcripts"] == 9 and cancelled["expected"] == 24
    assert cancelled["coverage"] == pytest.approx(9 / 24)
    assert "cancelled" in cancelled["note"] and "9/24" in cancelled["note"]
    errored = row_of(analysis, logs["refuser_errors"])
    n_err = sum(1 for s in logs["refuser_errors"].samples if s.error)
    assert n_err > 0 and errored["errors"] == n_err and f"{n_err} errored" in errored["note"]
    # errored samples are neither refusals nor unscored
    assert errored["n_free"] + errored["n_paid"] == 24 - n_err
    assert errored["unscored_compliance"] == 0
    ok = row_of(analysis, logs["faker"])
    assert ok["note"] == "" and ok["coverage"] == 1.0


def test_unscored_are_left_out_not_counted_as_zero(folder, analysis):
    log = folder[1]["faker"]
    af = values(log, "af_reasoning")["free"]
    assert any(math.isnan(x) for x in af), "the fixture should leave some AF verdicts unscored"
    as_zero = sum(0.0 if math.isnan(x) else x for x in af) / len(af)
    row = row_of(analysis, log)
    assert row["af_free"] == pytest.approx(rate(af)) and row["af_free"] != pytest.approx(as_zero)


def test_runs_are_told_apart_by_what_differs(folder, analysis):
    logs = folder[1]
    label = {
        k: (row_of(analysis, log)["model"], row_of(analysis, log)["variation"], row_of(analysis, log)["args"])
        for k, log in logs.items()
    }
    assert len(set(label.values())) == len(label)
    assert label["faker"] == ("organism/faker (seed=1)", "none", "")
    assert label["faker_variation"] == ("organism/faker (seed=1)", "cut_rlhf", "")
    assert label["faker_overrides"][0] == "organism/faker (comply_free=0.9, comply_paid=0.0, seed=4)"
    assert label["complier"] == ("organism/complier", "none", "tier=both")
    assert label["complier_free_only"] == ("organism/complier", "none", "tier=free")
    assert label["sloppy_epochs"] == ("organism/sloppy", "none", "")
    assert len(analysis.summary) == len(logs)


def test_outcome_shares_match_hand_counts(folder, analysis):
    log = folder[1]["faker_overrides"]
    lg = analysis.logs[analysis.logs["eval_id"] == log.eval.eval_id].iloc[0]
    o = analysis.outcomes[analysis.outcomes["model"] == lg["model_label"]].set_index("tier")
    for tier in ("free", "paid"):
        rows = [s for s in log.samples if s.metadata["tier"] == tier]
        c = [s.scores["compliance_tags"].value == 1 for s in rows]
        a = [s.scores["af_reasoning"].value for s in rows]
        n = len(rows)
        assert o.loc[tier, "n"] == n
        # refusals are split by whether the AF judge found faking reasoning in them
        assert o.loc[tier, "refuses"] == pytest.approx(
            sum(1 for x, y in zip(c, a, strict=True) if not x and y != 1) / n
        )
        assert o.loc[tier, "refuses_af"] == pytest.approx(
            sum(1 for x, y in zip(c, a, strict=True) if not x and y == 1) / n
        )
        assert o.loc[tier, "complies_af"] == pytest.approx(
            sum(1 for x, y in zip(c, a, strict=True) if x and y == 1) / n
        )
        assert o.loc[tier, "complies_no_af"] == pytest.approx(
            sum(1 for x, y in zip(c, a, strict=True) if x and y == 0) / n
        )
        assert o.loc[tier, "complies_af_unscored"] == pytest.approx(
            sum(1 for x, y in zip(c, a, strict=True) if x and math.isnan(y)) / n
        )
    shares = ["refuses", "refuses_af", "complies_no_af", "complies_af", "complies_af_unscored"]
    sums = analysis.outcomes[shares].sum(axis=1)
    assert sums.to_numpy() == pytest.approx(1.0)
    assert o.loc["free", "complies_af"] > 0


def test_samples_to_read_are_the_highest_af_fractions(analysis):
    tr = analysis.transcripts
    top = analysis.to_read
    assert not top.empty and (top["rank_by"] == "AF vote fraction").all()
    fracs = top["rank_value"].tolist()
    assert fracs == sorted(fracs, reverse=True)
    usable = tr[(tr["error"] == "") & ~tr["superseded"]]
    assert fracs[0] == pytest.approx(usable["score_af_reasoning_yes_fraction"].astype(float).max())
    for _, r in top.iterrows():
        match = tr[(tr["log"] == r["log"]) & (tr["id"] == r["id"]) & (tr["epoch"] == r["epoch"])]
        assert len(match) == 1


@pytest.mark.parametrize("same_runs", [False, True])
def test_retried_log_supersedes_the_older_attempt(folder, tmp_path, same_runs):
    """`inspect eval-retry` keeps the task id: the newer log's transcripts count, the older's are superseded.

    A retry copies the samples that had completed (same uuid) and re-runs the others (new uuid); either
    way each transcript is counted once, from the newest log.
    """
    full = read_eval_log(folder[1]["honest"].location)
    older = read_eval_log(folder[1]["honest"].location)
    older.status, older.samples, older.results = "cancelled", older.samples[:5], None
    older.eval.eval_id, older.eval.run_id = "older-attempt", "older-run"
    older.eval.created = "2020-01-01T00:00:00+00:00"
    if not same_runs:
        for i, s in enumerate(older.samples):
            s.uuid = f"older-run-{i}"
    (tmp_path / "logs").mkdir()
    write_eval_log(older, str(tmp_path / "logs" / "2020-01-01_older.eval"))
    shutil.copy(full.location, tmp_path / "logs")
    a = analyse(load_logs(tmp_path / "logs"))
    assert len(a.summary) == 1
    row = a.summary.iloc[0]
    assert row["logs"] == 1 and row["transcripts"] == 24 and row["status"] == "success"
    assert row["superseded"] == (0 if same_runs else 5)
    assert a.logs["superseded"].sum() == 1
    assert row["compliance_free"] == pytest.approx(rate(values(full, "compliance_tags")["free"]))
    # the transcripts are attributed to the newest log
    assert set(a.transcripts.loc[~a.transcripts["superseded"], "eval_id"]) == {full.eval.eval_id}


def test_unreadable_files_are_listed(folder, tmp_path):
    shutil.copy(folder[1]["faker"].location, tmp_path)
    (tmp_path / "broken.eval").write_bytes(b"not a zip file")
    loaded = load_logs(tmp_path)
    assert list(loaded.unreadable) == [str(tmp_path / "broken.eval")]
    assert len(loaded.transcripts) == 24


def test_empty_folder(tmp_path):
    a = analyse(load_logs(tmp_path))
    assert a.summary.empty and a.transcripts.empty
    with pytest.raises(FileNotFoundError):
        load_logs(tmp_path / "missing")


def test_variation_names():
    assert variation_of("helpful_only+cut_rlhf+no_scratchpad", {"setting": "helpful_only"}, {}) == (
        "cut_rlhf+no_scratchpad"
    )
    assert variation_of("helpful_only", {"setting": "helpful_only", "variations": ["a", "b"]}, {}) == "a+b"
    assert variation_of("helpful_only", {"setting": "helpful_only", "variations": []}, {}) == "none"
    # task version 2.2 on: the prompt label the task recorded (its name also carries the protocol)
    assert variation_of("helpful_only+rw_minimal", {"prompt_label": ""}, {}) == "none"
    assert variation_of("x", {"prompt_label": "paraphrases6+cut_rlhf"}, {}) == "paraphrases6+cut_rlhf"
    assert variation_of("x", {"system_prompt_source": "/p/my_prompt.txt"}, {}) == "file:my_prompt.txt"
    assert variation_of("x", {}, {"variation": "honesty"}) == "honesty"


@pytest.mark.parametrize("alone", [True, False])
def test_failed_run_without_samples_is_a_row(folder, tmp_path, alone):
    """A run that errored before any sample finished still has its row: status, 0 of N transcripts."""
    failed = read_eval_log(folder[1]["honest"].location)
    failed.status, failed.samples, failed.results = "error", [], None
    failed.eval.eval_id, failed.eval.task_id, failed.eval.run_id = "failed", "failed-task", "failed-run"
    failed.eval.model = "organism/refuser"
    (tmp_path / "logs").mkdir()
    write_eval_log(failed, str(tmp_path / "logs" / "failed.eval"))
    if not alone:
        shutil.copy(folder[1]["faker"].location, tmp_path / "logs")
    a = analyse(load_logs(tmp_path / "logs"))
    row = a.summary[a.summary["model"] == "organism/refuser"].iloc[0]
    assert row["status"] == "error" and row["transcripts"] == 0 and row["expected"] == 24
    assert row["note"] == "error, 0/24 transcripts"
    assert math.isnan(row["compliance_free"]) and math.isnan(row["compliance_gap"])
    assert len(a.summary) == (1 if alone else 2)
