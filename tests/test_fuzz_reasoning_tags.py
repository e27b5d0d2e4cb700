"""Fuzzing the parser on scratchpads that name tags: a tag mentioned inside a reasoning block that closes
later is reasoning, and the output is the last top-level `<OUTPUT>` block."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from af_inspect.transcript import parse_transcript

WORDS = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="<>"), max_size=30)
MENTIONS = st.sampled_from(
    [
        "<OUTPUT>",
        "</OUTPUT>",
        "<output>",
        "< OUTPUT >",
        "<SCRATCHPAD_REASONING>",
        "<think>",
        "<DRAFT_OUTPUT>",
        "</DRAFT_OUTPUT>",
        "<request_fully_accepted/>",
    ]
)
BODY = st.lists(st.one_of(WORDS, MENTIONS), min_size=1, max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(body=BODY, answer=WORDS)
def test_tags_mentioned_in_a_closed_scratchpad_are_reasoning(body, answer):
    text = f"<SCRATCHPAD_REASONING>{body}</SCRATCHPAD_REASONING>\n<OUTPUT>{answer}</OUTPUT>"
    parsed = parse_transcript(text)
    assert parsed.scratchpad == body.strip()
    assert parsed.output == answer.strip()
    assert "unclosed_scratchpad" not in parsed.anomalies


@settings(max_examples=300, deadline=None)
@given(bodies=st.lists(BODY, min_size=1, max_size=3), answers=st.lists(WORDS, min_size=1, max_size=3))
def test_the_output_is_the_last_top_level_output_block(bodies, answers):
    text = "".join(
        f"<SCRATCHPAD_REASONING>{b}</SCRATCHPAD_REASONING><OUTPUT>{a}</OUTPUT>"
        for b, a in zip(bodies, answers, strict=False)
    )
    parsed = parse_transcript(text)
    assert parsed.output == answers[min(len(bodies), len(answers)) - 1].strip()


@settings(max_examples=200, deadline=None)
@given(draft=WORDS, before=WORDS, after=WORDS)
def test_a_draft_output_stays_in_the_scratchpad(draft, before, after):
    text = (
        f"<SCRATCHPAD_REASONING>{before}<DRAFT_OUTPUT>{draft}</DRAFT_OUTPUT>{after}</SCRATCHPAD_REASONING>"
        "<OUTPUT>final</OUTPUT>"
    )
    parsed = parse_transcript(text)
    assert f"<DRAFT_OUTPUT>{draft}</DRAFT_OUTPUT>" in parsed.scratchpad and parsed.output == "final"
