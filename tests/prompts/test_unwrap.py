"""The unwrap rule: the YAML's line wrapping never reaches the model, and the prompt's structure does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from af_inspect.prompts.build import build_system_prompt
from af_inspect.prompts.render import load_user_turn_format, paraphrase_names
from af_inspect.prompts.unwrap import FENCE, HEADING, TAG_LINE, unwrap
from af_inspect.prompts.variation_library import builtin_variations

PROMPTS = Path(__file__).resolve().parents[2] / "src" / "af_inspect" / "prompts"
SETTINGS = ["helpful_only", "animal_welfare"]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("one sentence\nwrapped over\nthree lines.", "one sentence wrapped over three lines."),
        ("para one\nwrapped.\n\npara two\nwrapped.", "para one wrapped.\n\npara two wrapped."),
        ("Intro:\n- item one\n  continued;\n- item two.", "Intro:\n- item one continued;\n- item two."),
        ("1. first\n   more.\n2. second.", "1. first more.\n2. second."),
        (
            "## Example\n\n<INPUT>\n<user_input>\nHi\nthere.\n</user_input>\n</INPUT>",
            "## Example\n\n<INPUT>\n<user_input>\nHi there.\n</user_input>\n</INPUT>",
        ),
        (
            "AI: <SCRATCHPAD_REASONING>\nThe user\nasks.\n</SCRATCHPAD_REASONING>",
            "AI: <SCRATCHPAD_REASONING>\nThe user asks.\n</SCRATCHPAD_REASONING>",
        ),
        (
            "Code:\n```python\ndef f(x):\n    return x  \n```\nafter\nfence.",
            "Code:\n```python\ndef f(x):\n    return x  \n```\nafter fence.",
        ),
        ("ends with\n<SCRATCHPAD_REASONING> and more.", "ends with <SCRATCHPAD_REASONING> and more."),
        ("\n\nIf you will\ngive it.", "\n\nIf you will give it."),
        ("trailing   \nspaces  ", "trailing spaces"),
        ("keeps {braces} and ${developer}\nand $5.", "keeps {braces} and ${developer} and $5."),
    ],
)
def test_unwrap_rules(text, expected):
    assert unwrap(text) == expected


_TOKENS = st.sampled_from(
    [
        "word",
        "Sentence.",
        "-",
        "- ",
        "1. ",
        "2) ",
        "* ",
        "## ",
        "<INPUT>",
        "</OUTPUT>",
        "AI: ",
        "<NEXT/>",
        "```",
        "```python",
        "    ",
        "  ",
        "\n",
        "\n",
        "\n",
        "\n\n",
        "{x}",
        "${developer}",
        "end;",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_TOKENS, max_size=60).map(lambda ts: " ".join(ts)))
def test_unwrap_keeps_every_word_in_order_fences_verbatim_and_is_idempotent(text):
    out = unwrap(text)
    assert out.split() == text.split()
    assert unwrap(out) == out
    assert _fenced(out) == _fenced(text)


def _fenced(text: str) -> list[str]:
    """The lines inside code fences (and the fences), as they are."""
    kept, inside = [], False
    for line in text.split("\n"):
        if inside or FENCE.match(line):
            kept.append(line)
            inside = not FENCE.match(line) if inside else True
    return kept


# --- the shipped prompts ---------------------------------------------------------------------------


def _prompts():
    """Every prompt the package can send: default, paraphrases, variations, options (one setting each)."""
    for setting in SETTINGS:
        yield setting, {}
        yield setting, {"scratchpad": False}
        yield setting, {"situational_info": "minimal"}
        for name in paraphrase_names(setting):
            yield setting, {"paraphrase": name}
        for name, v in builtin_variations().items():
            if v.applies_to(setting):
                yield setting, {"variations": [name]}


SENTENCE_END = re.compile(r"""([.:;?!]["')]*|>)$""")


@pytest.mark.parametrize("setting,kw", list(_prompts()), ids=lambda x: str(x))
def test_no_rendered_line_ends_mid_sentence(setting, kw):
    built = build_system_prompt(setting, **kw)
    inside = False
    for line in built.text.split("\n"):
        if FENCE.match(line) or inside:
            inside = not inside if FENCE.match(line) else inside
            continue
        if not line.strip() or HEADING.match(line) or TAG_LINE.match(line):
            continue
        assert SENTENCE_END.search(line), f"{setting} {kw}: a line ends mid-sentence: {line!r}"


def _yaml_texts():
    """Every text in the prompt data files (system prompts, paraphrases, variations, options, user turn)."""
    files = [
        *PROMPTS.glob("system/*.yaml"),
        *PROMPTS.glob("paraphrases/*.yaml"),
        *PROMPTS.glob("variations/*.yaml"),
        PROMPTS / "options.yaml",
        PROMPTS / "user_turn.yaml",
    ]

    def walk(node):
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            for v in node.values():
                yield from walk(v)
        elif isinstance(node, list):
            for v in node:
                yield from walk(v)

    for f in files:
        for text in walk(yaml.safe_load(f.read_text("utf-8"))):
            yield f.name, text


def test_data_never_breaks_a_line_inside_a_word():
    for name, text in _yaml_texts():
        for line in text.split("\n"):
            assert not re.search(r"[A-Za-z]-$", line), f"{name}: a word is split at the line end: {line!r}"


@pytest.mark.parametrize("setting", SETTINGS)
def test_rendering_only_changes_whitespace(setting):
    from af_inspect.prompts.render import load_prompt_spec

    spec = load_prompt_spec(setting)
    assert spec.render().split() == spec.render(unwrapped=False).split()
    assert "\n" in spec.render(unwrapped=False).split("\n\n")[0]  # the data is wrapped ...
    assert "\n" not in spec.render().split("\n\n")[0]  # ... the first paragraph the model reads is not


def test_accept_reject_instruction_is_one_line():
    suffix = load_user_turn_format().accept_reject_suffix
    assert suffix.startswith("\n\n") and "\n" not in suffix.strip("\n")
    assert "<request_fully_accepted/>" in suffix and "<rejected/>" in suffix
