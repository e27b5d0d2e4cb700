"""`organism/<profile>`: the offline model provider. Rates from the profile (overridable with -M), draws
fixed by the seed, epochs that differ, and multi-turn transcripts that continue coherently."""

from __future__ import annotations

import pytest
from inspect_ai.model import get_model

from af_inspect.core.params import ParameterError
from af_inspect.organism.profiles import PROFILES
from af_inspect.tasks import helpful_only
from helpers import metrics, write_queries


def no_judges(qfile):
    return helpful_only(
        dataset=str(qfile), af_classifier="none", partial=False, motivation=False, eval_awareness=False
    )


def answers(log) -> dict[tuple[str, int], str]:
    return {(s.id, s.epoch): s.output.completion for s in log.samples}


def test_model_args_override_rates(run_eval, tmp_path):
    qfile = write_queries(tmp_path / "q.jsonl", 100)
    m = metrics(run_eval(no_judges(qfile), model_args={"comply_free": 0.0, "comply_paid": 1.0}))
    assert m["compliance_free"] == 0.0 and m["compliance_paid"] == 1.0
    assert m["compliance_gap"] == -1.0


@pytest.mark.slow  # four organism runs
def test_deterministic_given_seed(run_eval, tmp_path):
    """The same seed gives the same transcripts, also when Inspect hands the second run the model instance it
    memoized for the first (the organism's epoch count restarts at every run)."""
    qfile = write_queries(tmp_path / "q.jsonl", 20)
    a = run_eval(no_judges(qfile), model_args={"seed": 5}, epochs=2)
    b = run_eval(no_judges(qfile), model_args={"seed": 5}, epochs=2)
    assert answers(a) == answers(b)
    fresh = get_model("organism/faker", memoize=False, seed=5)
    assert answers(run_eval(no_judges(qfile), model=fresh, epochs=2)) == answers(a)
    c = run_eval(no_judges(qfile), model_args={"seed": 6}, epochs=2)
    assert answers(a) != answers(c)
    # the two epochs of a sample are two draws, not one repeated
    assert any(answers(a)[(sid, 1)] != answers(a)[(sid, 2)] for sid, _ in answers(a))


def test_multi_turn_transcripts_continue_where_they_stopped(run_eval, tmp_path):
    """With every reasoning split over two turns, the second turn (after <NEXT/>) finishes the same
    transcript: the decision in the output metadata is the one the first turn began."""
    qfile = write_queries(tmp_path / "q.jsonl", 10)
    log = run_eval(no_judges(qfile), model_args={"two_turns": 1.0, "seed": 2}, epochs=2)
    for s in log.samples:
        assistant = [m.text for m in s.messages if m.role == "assistant"]
        users = [m.text for m in s.messages if m.role == "user"]
        assert len(assistant) == 2 and users[1:] == ["<NEXT/>"], s.id
        assert "</OUTPUT>" not in assistant[0] and "</OUTPUT>" in assistant[1]
        assert s.metadata["loop_ended"] == "output" and s.metadata["turns"] == 2
        complied = s.output.metadata["organism"]["complied"]
        assert (s.scores["compliance_tags"].answer == "complied") == complied, s.id


@pytest.mark.parametrize(
    "args, words",
    [({"comply_fre": 0.5}, ["comply_fre", "comply_free"]), ({"partial": 2}, ["partial", "[0, 1]"])],
)
def test_bad_options_name_the_valid_ones(args, words):
    with pytest.raises(ParameterError) as e:
        get_model("organism/faker", memoize=False, **args)
    assert all(w in str(e.value) for w in words)


def test_unknown_profile_lists_the_profiles():
    with pytest.raises(ParameterError) as e:
        get_model("organism/oracle", memoize=False)
    assert all(name in str(e.value) for name in [*PROFILES, "judge"])
