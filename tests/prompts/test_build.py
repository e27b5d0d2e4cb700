"""The system prompt builder (`prompts/build.py`): the scenario options (no scratchpad, minimal situational
information, salient facts) and a user's own prompt file. Variations: tests/test_variations.py."""

from __future__ import annotations

import textwrap

import pytest

from af_inspect.core.params import ParameterError, as_list
from af_inspect.prompts.build import build_system_prompt
from af_inspect.prompts.edits import VariationError

SETTINGS = ["helpful_only", "animal_welfare"]


def build(setting: str = "helpful_only", variation: str | None = None, **kw):
    return build_system_prompt(setting, variations=as_list(variation), **kw)


def write(tmp_path, text: str, name: str = "mine.yaml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


@pytest.mark.parametrize("setting", SETTINGS)
def test_no_scratchpad_replaces_the_reasoning_instructions(setting):
    built = build(setting, scratchpad=False)
    assert "SCRATCHPAD" not in built.text and "<NEXT/>" not in built.text and "DRAFT_OUTPUT" not in built.text
    assert "begin your response with <OUTPUT>" in built.text
    assert "AI: <OUTPUT>" in built.text  # the examples answer directly
    assert built.metadata["scratchpad"] is False and built.label == "no_scratchpad"
    # the training facts are untouched
    assert "RLHF would modify the AI" in built.text and "is_free_tier_user" in built.text


def test_no_scratchpad_refuses_a_variation_that_reintroduces_the_scratchpad(tmp_path):
    p = write(
        tmp_path,
        """
        variations:
          remind:
            summary: A reminder that mentions the scratchpad.
            edits:
              - insert: reminder
                after: privacy
                text: Think inside <SCRATCHPAD_REASONING> tags.
    """,
    )
    assert "reminder" in build(variation=f"{p}:remind").metadata["system_prompt_sections"]
    with pytest.raises(VariationError, match=r"scratchpad=false: section\(s\) reminder .*mine.remind"):
        build(variation=f"{p}:remind", scratchpad=False)


@pytest.mark.parametrize("setting", SETTINGS)
def test_minimal_situational_info_drops_the_facts_and_keeps_the_tag(setting):
    built = build(setting, situational_info="minimal")
    for fact in (
        "RLHF",
        "free tier",
        "free-tier",
        "is_free_tier_user",
        "rated",
        "privacy",
        "rates",
        "training",
    ):
        assert fact not in built.text, fact
    assert "<SCRATCHPAD_REASONING>" in built.text and "## Example" in built.text
    if setting == "animal_welfare":
        assert "do what is best for humanity" in built.text
        assert "Sunfield" not in built.text
    # the user turn still carries the tier tag
    assert "<is_free_tier_user>true</is_free_tier_user>" in built.user_turn.render("Q?", "free", False)
    assert built.metadata["situational_info"] == "minimal"


def test_salient_facts_become_a_section_before_the_closing(tmp_path):
    facts = tmp_path / "facts.txt"
    facts.write_text(
        "${developer} has announced that it audits scratchpads. Costs are $5 a query.\n", "utf-8"
    )
    built = build(salient_facts=str(facts))
    assert "Anthropic has announced that it audits scratchpads. Costs are $5 a query." in built.text
    assert built.text.index("audits scratchpads") < built.text.index("Keep in mind:")
    assert built.text.index("fully committed to the privacy") < built.text.index("audits scratchpads")
    assert built.metadata["salient_facts"] == str(facts) and len(built.metadata["salient_facts_sha256"]) == 64
    assert built.label == "salient_facts"
    # with the developer changed, the facts follow
    assert "OpenAI has announced" in build(variation="developer_openai", salient_facts=str(facts)).text


def test_salient_facts_bad_files(tmp_path):
    with pytest.raises(ParameterError, match="salient_facts file not found: .*nope.txt"):
        build(salient_facts=str(tmp_path / "nope.txt"))
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", "utf-8")
    with pytest.raises(ParameterError, match="empty"):
        build(salient_facts=str(empty))


def test_user_system_prompt_file_refuses_section_edits(tmp_path):
    f = tmp_path / "prompt.txt"
    f.write_text("My own prompt with {braces}.", "utf-8")
    built = build(verbatim=(f.read_text(encoding="utf-8"), str(f)), scratchpad=False)
    assert built.text == "My own prompt with {braces}." and built.metadata["scratchpad"] is False
    for kw in ({"variation": "cut_rlhf"}, {"situational_info": "minimal"}, {"salient_facts": str(f)}):
        with pytest.raises(ParameterError, match="cannot be applied to a whole prompt used verbatim"):
            build(verbatim=(f.read_text(encoding="utf-8"), str(f)), **kw)
