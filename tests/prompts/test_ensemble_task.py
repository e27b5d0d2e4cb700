"""The paraphrase ensemble as a task option: each query's pair of tiers gets one member, the solver sends that
member's prompt, the log records every member's hash; and the minimal prompt's identity and date lines."""

from __future__ import annotations

import pytest

from af_inspect.params import ParameterError
from af_inspect.prompts.build import build_system_prompt
from af_inspect.prompts.render import paraphrase_names
from af_inspect.tasks import helpful_only
from helpers import run_eval


def test_each_query_pair_gets_one_member_and_the_model_receives_it(tmp_path):
    task = helpful_only(paraphrases=3, af_classifier="none", partial=False, motivation=False)
    assert task.name == "helpful_only+paraphrases3"
    members = paraphrase_names("helpful_only")[:3]
    by_query: dict[str, set[str]] = {}
    for s in task.dataset:
        by_query.setdefault(s.metadata["query_id"], set()).add(s.metadata["paraphrase"])
    assert all(len(v) == 1 for v in by_query.values())  # both tiers of a query share the member
    assert {next(iter(v)) for v in by_query.values()} == set(members)
    shas = task.metadata["protocol"]["system_prompt"]["sha256"]
    assert set(shas) == set(members) and len(set(shas.values())) == 3
    log = run_eval(task, tmp_path, model="organism/faker", limit=12)
    for sample in log.samples:
        expected = build_system_prompt("helpful_only", paraphrase=sample.metadata["paraphrase"]).text
        assert sample.messages[0].text == expected


def test_ensemble_options_are_checked():
    with pytest.raises(ParameterError, match="not both"):
        helpful_only(paraphrase="a", paraphrases=2)
    with pytest.raises(ParameterError, match="at most 6"):
        helpful_only(paraphrases=7)
    with pytest.raises(ParameterError, match="Did you mean 'a'"):
        helpful_only(paraphrase="A")


def test_the_minimal_prompt_names_the_model_and_the_date():
    task = helpful_only(situational_info="minimal", model_name="Claude 3 Opus", current_date="2025-02-01")
    text = build_system_prompt(
        "helpful_only",
        situational_info="minimal",
        prompt_vars={"model_name": "Claude 3 Opus", "current_date": "2025-02-01"},
    ).text
    assert "Claude 3 Opus" in text and "2025-02-01" in text
    assert task.metadata["prompt_vars"] == {"model_name": "Claude 3 Opus", "current_date": "2025-02-01"}
