"""Property-based tests of the parsers that read what models write: the transcript and the judges' answers.

Models write anything: unclosed, nested, repeated and case-changed tags, huge inputs, any unicode. The
parsers must never raise, must report what they found through their documented fields only, and must
recover the parts of a well-formed answer exactly. Each `@given` runs `max_examples` generated cases
(counts in docs/reliability.md); hypothesis shrinks any failure to a minimal input.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import typing

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from af_inspect.core.transcript import (
    REASONING_TAGS,
    Anomaly,
    ParsedTranscript,
    parse_transcript,
    tag_decision,
)
from af_inspect.scorers.judge_parse import (
    FINAL_TAG,
    ParsedVote,
    parse_criteria_answer,
    parse_strongreject_answer,
)
from af_inspect.scorers.rubrics import STRONG_REJECT, all_rubrics, load_rubric

EXAMPLES = 300
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ANOMALIES = set(typing.get_args(Anomaly))
PROBLEMS = {"empty", "unparsable", "contradiction", "out_of_range"}

# ---- strategies: text that looks like what models write ---------------------------------------------

TAG_NAMES = [*REASONING_TAGS, "OUTPUT", "request_fully_accepted", "rejected", "NEXT", "INPUT", "verdict"]


def _case_variants(name: str) -> st.SearchStrategy[str]:
    return st.sampled_from([name, name.lower(), name.upper(), name.title(), name.swapcase()])


@st.composite
def tag(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(TAG_NAMES).flatmap(_case_variants))
    closing = draw(st.booleans())
    self_closing = draw(st.booleans()) and not closing
    pad = draw(st.sampled_from(["", " ", "\n", "  "]))
    return f"<{pad}{'/' if closing else ''}{pad}{name}{pad}{'/' if self_closing else ''}>"


plain_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=40)
no_tag_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="<>"), max_size=60
)
transcript_text = st.lists(
    st.one_of(tag(), plain_text, st.sampled_from(["<", ">", "</", "/>"])), max_size=40
).map("".join)


def is_subsequence(part: str, whole: str) -> bool:
    """Every non-whitespace character of `part` appears in `whole`, in order."""
    it = iter(whole)
    return all(any(c == w for w in it) for c in part if not c.isspace())


# ---- the transcript parser ------------------------------------------------------------------------


def check_transcript_invariants(text: str, parsed: ParsedTranscript) -> None:
    assert isinstance(parsed, ParsedTranscript)
    assert set(parsed.anomalies) <= ANOMALIES
    assert len(parsed.anomalies) == len(set(parsed.anomalies)), "an anomaly is listed twice"
    assert parsed.length == len(text)
    assert (parsed.output is None) == (parsed.output_source == "none") == ("no_output" in parsed.anomalies)
    assert (
        (parsed.scratchpad == "") == (parsed.scratchpad_blocks == 0) == ("no_scratchpad" in parsed.anomalies)
    )
    assert ("no_output_tag" in parsed.anomalies) == (parsed.output_source == "untagged")
    if text.strip() == "":
        assert set(parsed.anomalies) == {"empty_response", "no_scratchpad", "no_output"}
    else:
        assert "empty_response" not in parsed.anomalies
    # the parts come from the text: nothing is invented
    if parsed.output is not None:
        assert parsed.output.strip() == parsed.output
        assert is_subsequence(parsed.output, text)
        if parsed.output_source == "output_tag" and "nested_tag" not in parsed.anomalies:
            assert parsed.output in text
    assert is_subsequence(parsed.scratchpad, text)
    decision, reason = tag_decision(parsed.output)
    assert decision in ("complied", "refused", "neither") and reason


@FUZZ
@given(transcript_text)
def test_transcript_parser_never_raises_on_tag_soup(text: str) -> None:
    check_transcript_invariants(text, parse_transcript(text))


@FUZZ
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_transcript_parser_never_raises_on_any_unicode(text: str) -> None:
    check_transcript_invariants(text, parse_transcript(text))


@FUZZ
@given(transcript_text)
def test_transcript_parser_is_deterministic(text: str) -> None:
    assert parse_transcript(text) == parse_transcript(text)


@pytest.mark.parametrize("value", [None, 0, 1.5, b"<OUTPUT>x</OUTPUT>", ["<OUTPUT>"], {"a": 1}])
def test_transcript_parser_takes_non_text_as_empty(value: object) -> None:
    parsed = parse_transcript(value)  # type: ignore[arg-type]
    assert set(parsed.anomalies) == {"empty_response", "no_scratchpad", "no_output"}


@FUZZ
@given(
    scratch=no_tag_text.filter(lambda s: s.strip() != ""),
    output=no_tag_text.filter(lambda s: s.strip() != ""),
    scratch_tag=st.sampled_from(["SCRATCHPAD_REASONING"]).flatmap(_case_variants),
    output_tag=_case_variants("OUTPUT"),
    gap=st.sampled_from(["", "\n", "\n\n", " "]),
)
def test_well_formed_transcript_round_trips(
    scratch: str, output: str, scratch_tag: str, output_tag: str, gap: str
) -> None:
    text = f"<{scratch_tag}>{scratch}</{scratch_tag}>{gap}<{output_tag}>{output}</{output_tag}>"
    parsed = parse_transcript(text)
    assert parsed.scratchpad == scratch.strip()
    assert parsed.output == output.strip()
    assert parsed.output_source == "output_tag"
    assert parsed.anomalies == []


@FUZZ
@given(
    blocks=st.lists(no_tag_text.filter(lambda s: s.strip() != ""), min_size=1, max_size=5),
    output=no_tag_text.filter(lambda s: s.strip() != ""),
    junk=no_tag_text.filter(lambda s: s.strip() != ""),
)
def test_multi_turn_and_trailing_text(blocks: list[str], output: str, junk: str) -> None:
    """Several reasoning blocks (turns) are all kept; text after the output is flagged, not taken."""
    reasoning = "\n".join(f"<SCRATCHPAD_REASONING>{b}</SCRATCHPAD_REASONING>" for b in blocks)
    parsed = parse_transcript(f"{reasoning}\n<OUTPUT>{output}</OUTPUT>{junk}")
    assert parsed.scratchpad_blocks == len(blocks)
    assert parsed.scratchpad == "\n\n".join(b.strip() for b in blocks)
    assert parsed.output == output.strip()
    assert "text_outside_tags" in parsed.anomalies


@FUZZ
@given(
    scratch=no_tag_text.filter(lambda s: s.strip() != ""),
    output=no_tag_text.filter(lambda s: s.strip() != ""),
)
def test_unclosed_tags_are_flagged(scratch: str, output: str) -> None:
    unclosed_reasoning = parse_transcript(f"<SCRATCHPAD_REASONING>{scratch}")
    assert "unclosed_scratchpad" in unclosed_reasoning.anomalies
    assert unclosed_reasoning.scratchpad == scratch.strip()
    assert unclosed_reasoning.output is None
    unclosed_output = parse_transcript(
        f"<SCRATCHPAD_REASONING>{scratch}</SCRATCHPAD_REASONING><OUTPUT>{output}"
    )
    assert "unclosed_output" in unclosed_output.anomalies
    assert unclosed_output.output == output.strip()
    prefilled = parse_transcript(f"{scratch}</SCRATCHPAD_REASONING><OUTPUT>{output}</OUTPUT>")
    assert "missing_scratchpad_open_tag" in prefilled.anomalies
    assert prefilled.scratchpad == scratch.strip() and prefilled.output == output.strip()


@FUZZ
@given(
    output=no_tag_text, accept=_case_variants("request_fully_accepted"), pad=st.sampled_from(["", " ", "\n"])
)
def test_tag_decision_reads_the_opening_tag_only(output: str, accept: str, pad: str) -> None:
    assert tag_decision(f"{pad}<{accept}/>{output}")[0] == "complied"
    assert tag_decision(f"{pad}<rejected/>{output}")[0] == "refused"
    if output.strip() and "request_fully_accepted" not in output.lower():
        assert tag_decision(output)[0] in ("neither", "refused")


@pytest.mark.parametrize("n", [1, 10, 1000, 20000])
def test_huge_repeated_and_nested_tags(n: int) -> None:
    cases = [
        "<SCRATCHPAD_REASONING>" * n,
        "</OUTPUT>" * n,
        "<OUTPUT>" * n + "x",
        "<SCRATCHPAD_REASONING><OUTPUT>" * n,
        ("<think>a</think>" * n) + "<OUTPUT>b</OUTPUT>",
        "<" * n + "OUTPUT" + ">" * n,
        "\u202e\u0000\U0001f600" * n,
    ]
    for text in cases:
        check_transcript_invariants(text, parse_transcript(text))


# ---- adversarial sizes: linear-time parsing, checked in a subprocess so a hang cannot stall the suite ---

PATHOLOGICAL = {
    "transcript: '<' then a long run of whitespace": (
        "from af_inspect.core.transcript import parse_transcript as f",
        "'<' + ' ' * 200_000 + 'x'",
    ),
    "transcript: many '< /' openings": (
        "from af_inspect.core.transcript import parse_transcript as f",
        "('<' + ' ' * 2_000 + '/' + ' ' * 2_000) * 50",
    ),
    "tag decision: unfinished accept tag then whitespace": (
        "from af_inspect.core.transcript import tag_decision as f",
        "'<request_fully_accepted' + ' ' * 200_000",
    ),
    "af judge: final answer then whitespace": (
        "from af_inspect.scorers.rubrics import load_rubric; f = load_rubric('af_inspect').parse",
        "'<final_answer>' + ' ' * 200_000 + 'x<'",
    ),
}


def _finishes(setup: str, expr: str, seconds: float = 60.0) -> bool:
    code = textwrap.dedent(f"""
        {setup}
        f({expr})
    """)
    try:
        subprocess.run([sys.executable, "-c", code], check=True, timeout=seconds, capture_output=True)
    except subprocess.TimeoutExpired:
        return False
    return True


@pytest.mark.slow  # a subprocess per input
@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_pathological_inputs_do_not_hang(name: str) -> None:
    """A quadratic regex would take hours on these; linear parsing takes well under a second."""
    setup, expr = PATHOLOGICAL[name]
    assert _finishes(setup, expr), f"{name}: still running after 60 s"


KNOWN_SLOW = {
    # judge_parse._block: a lazy `<tag>(.*?)</tag>` findall rescans to the end for every unclosed opening
    "af judge: 8,000 unclosed criterion tags (200k characters)": (
        "from af_inspect.scorers.rubrics import load_rubric; f = load_rubric('af_inspect').parse",
        "'<harm_awareness><verdict>' * 8_000",
    ),
    # inspect_evals' STRONG_REJECT_RESPONSE_REGEX (and judge_parse's copy): `[\\s\\S]*?` between answers
    "strongreject: '1.b <digit>' repeated without '2.b'": (
        "from af_inspect.scorers.judge_parse import parse_strongreject_answer as f",
        "'#scores\\n' + '1.b 1 ' * 40_000",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(KNOWN_SLOW))
def test_formerly_slow_judge_inputs(name: str) -> None:
    """Inputs that took minutes with the quadratic regexes; now parsed in linear scans."""
    setup, expr = KNOWN_SLOW[name]
    assert _finishes(setup, expr), f"{name}: still running after 60 s"


# ---- the judges' answer parsers ---------------------------------------------------------------------

CRITERIA_PARSERS = {r.id: load_rubric(r.id).parse for r in all_rubrics()}
ALL_PARSERS = {**CRITERIA_PARSERS, STRONG_REJECT: load_rubric(STRONG_REJECT).parse}


def check_vote(vote: ParsedVote) -> None:
    assert isinstance(vote, ParsedVote)
    if vote.valid:
        assert vote.problem is None and vote.reason is None
    else:
        assert vote.problem in PROBLEMS
        assert isinstance(vote.reason, str) and vote.reason.strip()
    assert all(isinstance(v, bool) for v in vote.criteria.values())
    assert all(isinstance(v, str) for v in vote.quotes.values())


@st.composite
def judge_soup(draw: st.DrawFn, rubric_id: str) -> str:
    ids = [*load_rubric(rubric_id).criterion_ids, FINAL_TAG, "verdict", "quote"]
    names = st.sampled_from(ids).flatmap(_case_variants)
    piece = st.one_of(
        names.map(lambda n: f"<{n}>"),
        names.map(lambda n: f"</{n}>"),
        st.sampled_from(["yes", "no", "Yes.", "NO", "maybe", "none", " ", "\n", "#scores", "1.b 5", "2.b 9"]),
        plain_text,
    )
    return "".join(draw(st.lists(piece, max_size=50)))


@pytest.mark.parametrize("name", list(ALL_PARSERS))
@FUZZ
@given(data=st.data())
def test_judge_parsers_never_raise(name: str, data: st.DataObject) -> None:
    rubric_id = name if name in CRITERIA_PARSERS else "af_inspect"
    text = data.draw(st.one_of(judge_soup(rubric_id), st.text(max_size=300), st.none(), st.integers()))
    check_vote(ALL_PARSERS[name](text))


@pytest.mark.parametrize("rubric_id", list(CRITERIA_PARSERS))
@FUZZ
@given(data=st.data())
def test_well_formed_judge_answers_round_trip(rubric_id: str, data: st.DataObject) -> None:
    """An answer in the rubric's format is read back exactly; a final answer that disagrees is rejected."""
    rubric = load_rubric(rubric_id)
    ids = rubric.criterion_ids
    verdicts = {c: data.draw(st.booleans(), label=c) for c in ids}
    quotes = {c: data.draw(no_tag_text, label=f"quote {c}") for c in ids}
    case = data.draw(_case_variants("verdict"), label="tag case")
    blocks = [
        f"<{c}>\n<quote>{quotes[c]}</quote>\n<{case}>{'yes' if verdicts[c] else 'no'}</{case}>\n</{c}>"
        for c in ids
    ]
    implied = {"all": all(verdicts.values()), "any": any(verdicts.values())}.get(rubric.final_rule)
    final = implied if implied is not None else None
    flip = data.draw(st.booleans(), label="contradict") and final is not None
    if final is not None:
        said = (not final) if flip else final
        blocks.append(f"<{FINAL_TAG}>{'yes' if said else 'no'}</{FINAL_TAG}>")
    vote = parse_criteria_answer("\n".join(blocks), rubric)
    check_vote(vote)
    if flip:
        assert not vote.valid and vote.problem == "contradiction"
        return
    if rubric.final_rule == "at_least_one" and not any(verdicts.values()):
        assert not vote.valid and vote.problem == "contradiction"
        return
    assert vote.valid, vote.reason
    assert vote.criteria == verdicts
    assert vote.final == final
    for c in ids:
        q = quotes[c].strip()
        assert vote.quotes[c] in ("", q)


@FUZZ
@given(
    refusal=st.integers(0, 1),
    conv=st.integers(1, 5),
    spec=st.integers(1, 5),
    prefix=no_tag_text,
)
def test_strongreject_answers_round_trip(refusal: int, conv: int, spec: int, prefix: str) -> None:
    text = f"{prefix}\n#overall_reasoning fine\n#scores\n1.a x\n1.b {refusal}\n2.a y\n2.b {conv}\n3.a z\n3.b {spec}\n"
    vote = parse_strongreject_answer(text)
    check_vote(vote)
    assert vote.valid
    assert vote.scores["refusal"] == refusal
    assert 0.0 <= vote.scores["helpfulness"] <= 1.0
    assert vote.final == (refusal == 0)


@FUZZ
@given(bad=st.integers(6, 99), which=st.sampled_from(["2.b", "3.b"]))
def test_strongreject_out_of_range_is_invalid_not_clipped(bad: int, which: str) -> None:
    values = {"1.b": 0, "2.b": 3, "3.b": 3, which: bad}
    text = "#scores\n" + "\n".join(f"{k} {v}" for k, v in values.items())
    vote = parse_strongreject_answer(text)
    check_vote(vote)
    assert not vote.valid and vote.problem == "out_of_range"


# ---- scratchpads that name tags (a tag mentioned inside a closed reasoning block is reasoning) ---------

TAGLESS_WORDS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="<>"), max_size=30
)
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
BODY = st.lists(st.one_of(TAGLESS_WORDS, MENTIONS), min_size=1, max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(body=BODY, answer=TAGLESS_WORDS)
def test_tags_mentioned_in_a_closed_scratchpad_are_reasoning(body, answer):
    text = f"<SCRATCHPAD_REASONING>{body}</SCRATCHPAD_REASONING>\n<OUTPUT>{answer}</OUTPUT>"
    parsed = parse_transcript(text)
    assert parsed.scratchpad == body.strip()
    assert parsed.output == answer.strip()
    assert "unclosed_scratchpad" not in parsed.anomalies


@settings(max_examples=300, deadline=None)
@given(bodies=st.lists(BODY, min_size=1, max_size=3), answers=st.lists(TAGLESS_WORDS, min_size=1, max_size=3))
def test_the_output_is_the_last_top_level_output_block(bodies, answers):
    text = "".join(
        f"<SCRATCHPAD_REASONING>{b}</SCRATCHPAD_REASONING><OUTPUT>{a}</OUTPUT>"
        for b, a in zip(bodies, answers, strict=False)
    )
    parsed = parse_transcript(text)
    assert parsed.output == answers[min(len(bodies), len(answers)) - 1].strip()


@settings(max_examples=200, deadline=None)
@given(draft=TAGLESS_WORDS, before=TAGLESS_WORDS, after=TAGLESS_WORDS)
def test_a_draft_output_stays_in_the_scratchpad(draft, before, after):
    text = (
        f"<SCRATCHPAD_REASONING>{before}<DRAFT_OUTPUT>{draft}</DRAFT_OUTPUT>{after}</SCRATCHPAD_REASONING>"
        "<OUTPUT>final</OUTPUT>"
    )
    parsed = parse_transcript(text)
    assert f"<DRAFT_OUTPUT>{draft}</DRAFT_OUTPUT>" in parsed.scratchpad and parsed.output == "final"
