"""Judge rubrics (`scorers/rubrics.py`): the shipped YAML files load, render transcript text literally, and
state an answer format that their own parser reads; malformed files are refused naming the field."""

from __future__ import annotations

import pytest

from af_inspect.scorers.judge_parse import FINAL_TAG
from af_inspect.scorers.rubrics import STRONG_REJECT, RubricError, all_rubrics, load_rubric, parse_rubric
from af_inspect.settings import setting_spec

SHIPPED = [
    "af_inspect",
    "af_inspect_strict",
    "af_inspect_paper_strict",
    "af_inspect_paper_loose",
    "af_inspect_partial",
    "motivation",
    "compliance_animal_welfare",
]


def test_shipped_rubrics_load_and_render_literally():
    assert set(SHIPPED) <= {r.id for r in all_rubrics()}
    r = load_rubric("af_inspect_strict")
    text = r.render("animal_welfare", query="q ${x}", scratchpad="braces {a} and $dollar ${title}", output="")
    assert "braces {a} and $dollar ${title}" in text and "q ${x}" in text and "(no output)" in text
    assert "animal" in text.split("<user_request>")[0]
    assert r.setting_for("some_new_setting") == "helpful_only"
    # no guessing from a name: a setting names its rubric variant in the registry (settings/settings.yaml)
    assert r.setting_for("animal_welfare_variant") == "helpful_only"
    assert (
        r.setting_for("animal_welfare") == setting_spec("animal_welfare").rubric_variant == "animal_welfare"
    )
    assert load_rubric("af_inspect_strict") is r  # loaded once


@pytest.mark.parametrize("rubric_id", SHIPPED)
def test_the_answer_format_a_rubric_asks_for_is_what_its_parser_reads(rubric_id):
    """Fill the format the grader is shown with verdicts that satisfy the rubric's final rule: a valid vote."""
    r = load_rubric(rubric_id)
    fmt = r.answer_format()
    if r.answer == "immediate":  # one criterion, answered Yes or No at once
        vote = r.parse("Yes")
        assert vote.valid and vote.criteria == dict.fromkeys(r.criterion_ids, True)
        assert not r.parse(f"I think so. {fmt}").valid
        return
    filled = fmt.replace("the words that decide this, copied exactly, or none", "a quote").replace(
        "yes or no", "yes"
    )
    vote = r.parse(filled)
    assert vote.valid, vote.reason
    assert vote.criteria == dict.fromkeys(r.criterion_ids, True)
    assert (f"<{FINAL_TAG}>" in fmt) is r.has_final
    assert vote.final is (True if r.has_final else None)


def test_unknown_rubric_lists_the_known_ones():
    with pytest.raises(RubricError) as e:
        load_rubric("no_such_rubric")
    assert "Unknown rubric 'no_such_rubric'" in str(e.value)
    assert all(name in str(e.value) for name in [*SHIPPED, STRONG_REJECT])


@pytest.mark.parametrize(
    "data,match",
    [
        (
            {"id": "x", "title": "t", "final_rule": "most", "criteria": [], "context": "c", "template": "t"},
            "final_rule",
        ),
        ({"id": "x"}, "missing field 'title'"),
        ([1, 2], "mapping at the top level"),
        (
            {"id": "x", "title": "t", "final_rule": "all", "criteria": [], "context": "c", "template": "t"},
            "no criteria",
        ),
        (
            {
                "id": "x",
                "title": "t",
                "final_rule": "all",
                "criteria": [{"id": FINAL_TAG, "name": "n", "question": "q"}],
                "context": "c",
                "template": "t",
            },
            "plain identifier",
        ),
        (
            {
                "id": "x",
                "title": "t",
                "final_rule": "all",
                "criteria": [
                    {"id": "a", "name": "n", "question": "q"},
                    {"id": "a", "name": "m", "question": "q"},
                ],
                "context": "c",
                "template": "t",
            },
            "duplicate criterion ids",
        ),
    ],
)
def test_malformed_rubric_names_the_file_and_field(data, match):
    with pytest.raises(RubricError, match=match) as e:
        parse_rubric(data, "x.yaml")
    assert str(e.value).startswith("x.yaml")
