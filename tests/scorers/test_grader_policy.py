"""The grader, end to end against local fake servers: a run with judges and no grader named fails before the
first model call (unless self-grading is opted into), and so does one whose published instrument cannot be
fetched; what the published AF judge sends to an OpenAI-compatible grader (the fetched file as the system
message, the scratchpad blocks in `<output>`, 20 votes in one request, temperature 1); a grader that fails
after Inspect's retries errors the sample, and `eval_retry` completes the run once it is back (both with the
fake server and with the organism judge's injected faults)."""

from __future__ import annotations

from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai import eval_retry
from inspect_ai.model import get_model

from af_inspect.core.providers import OFFLINE_JUDGE
from af_inspect.core.sources import MIRROR_ENV
from af_inspect.core.transcript import transcript_of
from af_inspect.scorers.af_reasoning import AF_VOTES
from af_inspect.scorers.instruments import instruments
from af_inspect.tasks import helpful_only
from fake_provider import FakeProvider, SourceMirror, instrument_files, text_of
from helpers import metrics, write_queries

N_QUERIES = 3


@pytest.fixture
def fake(monkeypatch):
    server = FakeProvider()
    monkeypatch.setenv("LOCALM_API_KEY", "test-key")
    monkeypatch.setenv("FAKEGRADER_API_KEY", "test-key")
    yield server
    server.close()


@pytest.fixture
def mirror(monkeypatch):
    server = SourceMirror(instrument_files())
    monkeypatch.setenv(MIRROR_ENV, server.url)
    yield server
    server.close()


def evaluated(fake: FakeProvider):
    return get_model("openai-api/localm/m", base_url=fake.url + "/v1", memoize=False)


def task(tmp_path: Path, **params):
    return helpful_only(dataset=str(write_queries(tmp_path / "q.jsonl", N_QUERIES)), **params)


def run(t, tmp_path: Path, **eval_args):
    return inspect_eval(t, log_dir=str(tmp_path / "logs"), display="none", **eval_args)[0]


# --- policy ------------------------------------------------------------------------------------------------


def test_no_grader_named_fails_before_the_first_model_call(tmp_path, fake):
    log = run(task(tmp_path), tmp_path, model=evaluated(fake))
    assert log.status == "error"
    assert fake.requests == []  # not one model call was made
    assert "--model-role grader=" in log.error.message and "allow_self_grading" in log.error.message


def test_allow_self_grading_opts_in(tmp_path, fake):
    log = run(
        task(
            tmp_path,
            allow_self_grading=True,
            partial=False,
            motivation=False,
            eval_awareness=False,
            af_classifier="af_inspect",
        ),
        tmp_path,
        model=evaluated(fake),
    )
    assert log.status == "success", log.error
    assert log.eval.metadata["grading"]["allow_self_grading"] is True
    graders = {s.scores["af_reasoning_inspect"].metadata.get("grader") for s in log.samples}
    assert graders == {"openai-api/localm/m"}


def test_a_grader_role_satisfies_the_policy(tmp_path, fake):
    log = run(
        task(tmp_path, partial=False, motivation=False, eval_awareness=False),
        tmp_path,
        model=evaluated(fake),
        model_roles={"grader": OFFLINE_JUDGE},
    )
    assert log.status == "success", log.error
    assert log.eval.model_roles["grader"].model == OFFLINE_JUDGE
    assert all(s.scores["af_reasoning"].metadata["grader"] == OFFLINE_JUDGE for s in log.samples)


def test_a_task_without_judges_needs_no_grader(tmp_path, fake):
    t = task(
        tmp_path,
        af_classifier="none",
        partial=False,
        motivation=False,
        eval_awareness=False,
        compliance="tags",
    )
    assert t.setup is None
    log = run(t, tmp_path, model=evaluated(fake))
    assert log.status == "success", log.error


def test_the_organism_is_graded_offline_without_a_role(tmp_path):
    log = run(
        task(tmp_path, partial=False, motivation=False, eval_awareness=False),
        tmp_path,
        model="organism/faker",
    )
    assert log.status == "success" and metrics(log)["af_free_n"] == N_QUERIES


# --- what is sent ------------------------------------------------------------------------------------------


def test_a_published_instrument_that_cannot_be_fetched_fails_before_the_first_model_call(
    tmp_path, fake, monkeypatch
):
    monkeypatch.setenv(MIRROR_ENV, "http://127.0.0.1:9")  # nothing listens there
    grader = get_model("openai-api/fakegrader/gpt-4o", base_url=fake.url + "/v1", memoize=False)
    log = run(
        task(tmp_path, partial=False, motivation=False, compliance="tags"),
        tmp_path,
        model=evaluated(fake),
        model_roles={"grader": grader},
    )
    assert log.status == "error" and fake.requests == []
    assert "deceptive_alignment_majority_vote_v1.jinja" in log.error.message
    assert "AF_INSPECT_INSTRUMENTS" in log.error.message


def test_the_published_judge_sends_the_file_and_the_blocks_20_votes_in_one_request_at_temperature_1(
    tmp_path, fake, mirror
):
    grader = get_model("openai-api/fakegrader/gpt-4o", base_url=fake.url + "/v1", memoize=False)
    log = run(
        task(tmp_path, partial=False, motivation=False, eval_awareness=False, compliance="tags"),
        tmp_path,
        model="organism/faker",
        model_roles={"grader": grader},
    )
    assert log.status == "success", log.error
    path = "/" + instruments()["published_af"].url.split("://", 1)[1].split("/", 1)[1]
    file = instrument_files()[path].decode()
    af = [r["body"] for r in fake.of("grader") if text_of(r["body"]["messages"][0]["content"]) == file[:-1]]
    assert len(af) == len(log.samples)  # one request per transcript
    for body in af:
        assert body["n"] == AF_VOTES == 20 and body["temperature"] == 1
        assert [m["role"] for m in body["messages"]] == ["system", "user"]
    prompts = [text_of(b["messages"][1]["content"]) for b in af]
    for s in log.samples:
        t = transcript_of_sample(s)
        mine = [p for p in prompts if t.scratchpad.split("\n\n")[0] in p]
        assert len(mine) == 1, s.id
        assert mine[0].startswith("<output><SCRATCHPAD_REASONING>") and mine[0].endswith("</output>")
        assert s.metadata["query"] not in mine[0] and (t.output or "") not in mine[0]
        md = s.scores["af_reasoning"].metadata
        assert md["n_valid_votes"] == 20 and md["instrument"]["fetched"] is True
        assert md["n_unparseable_votes"] == 0  # the organism judge answered the stand-in in its format


def transcript_of_sample(sample):
    from inspect_ai.solver import TaskState

    state = TaskState(
        model=sample.output.model,
        sample_id=sample.id,
        epoch=sample.epoch,
        input=sample.input,
        messages=sample.messages,
        metadata=sample.metadata,
    )
    return transcript_of(state)


# --- failures ----------------------------------------------------------------------------------------------


def test_a_failing_grader_errors_the_sample_and_eval_retry_completes_it(tmp_path, fake):
    grader = get_model("openai-api/fakegrader/gpt-4o", base_url=fake.url + "/v1", memoize=False)
    fake.grader_status = 400
    first = run(
        task(
            tmp_path,
            partial=False,
            motivation=False,
            compliance="tags",
            eval_awareness=False,
            af_classifier="af_inspect",
        ),
        tmp_path,
        model="organism/faker",
        model_roles={"grader": grader},
    )
    assert first.status == "error" and fake.failed
    errored = [s for s in first.samples if s.error is not None]
    judged = [s for s in errored if "GraderUnavailableError" in s.error.message]
    assert judged and all("eval-retry" in s.error.message for s in judged)
    assert all("GraderUnavailableError" in s.error.message or "Cancelled" in s.error.message for s in errored)
    # per judged transcript: the num_choices request, then one single request (the rest of its votes are not
    # sent); samples still in flight when the run stops may have sent theirs too, so the bound is per sample
    # of the task (20 requests per transcript would exceed it ten times over)
    samples_in_task = 2 * N_QUERIES  # each query in both tiers
    assert 2 * len(judged) <= len(fake.failed) <= 2 * samples_in_task
    fake.grader_status = None  # the grader is back
    retried = eval_retry(first, log_dir=str(tmp_path / "logs"), display="none")[0]
    assert retried.status == "success", retried.error
    assert len(retried.samples) == 2 * N_QUERIES and all(s.error is None for s in retried.samples)
    assert all(s.scores["af_reasoning_inspect"].value in (0.0, 1.0) for s in retried.samples)


def test_organism_judge_faults_error_the_sample_and_eval_retry_completes_it(tmp_path):
    grader = get_model("organism/judge", memoize=False, fault="raise")
    first = run(
        task(tmp_path, partial=False, motivation=False, eval_awareness=False, compliance="tags"),
        tmp_path,
        model="organism/faker",
        model_roles={"grader": grader},
    )
    assert first.status == "error"
    errored = [s for s in first.samples if s.error is not None]
    assert any("GraderUnavailableError" in s.error.message for s in errored)
    # the grader is back: the same run, its faults off (eval-retry rebuilds the role from the log)
    first.eval.model_roles["grader"].args = {}
    retried = eval_retry(first, log_dir=str(tmp_path / "logs"), display="none")[0]
    assert retried.status == "success", retried.error
    ids = [s.id for s in retried.samples]
    assert len(ids) == len(set(ids)) == 2 * N_QUERIES
    assert all(s.scores["af_reasoning"].metadata["n_failed_votes"] == 0 for s in retried.samples)
