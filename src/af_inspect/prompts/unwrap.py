"""Undo the hard line breaks of prompt data, so the model reads each paragraph and list item as one line.

Prompt texts are stored in YAML block scalars wrapped at about 110 columns for people to read and diff.
Those breaks are an accident of storage, not part of the prompt: a model that sees a sentence broken in
the middle reads a different text from the one the paper's prompts are (one line per paragraph). The rule
is line-based, so it needs no Markdown parser and its effect can be checked by eye:

- A blank line stays: it separates paragraphs (runs of blank lines are kept as they are).
- A code fence (a line starting with three backticks) and every line up to the closing fence are kept
  verbatim, indentation and trailing spaces included.
- A structural line stays a line of its own and is never joined to the line before it:
  - a list item: `- `, `* `, `1. ` or `1) ` at the start (after any indentation);
  - a heading: `#` to `######` followed by a space;
  - a tag line: nothing but tags such as `<INPUT>`, `</user_input>`, `<NEXT/>`, optionally after one
    word and a colon (`AI: <SCRATCHPAD_REASONING>`). Nothing is joined to a tag line either, so the prose
    after `<user_input>` or `<DRAFT_OUTPUT>` starts its own paragraph.
- Any other line continues the paragraph or list item above it (unless that is a blank line, a tag line,
  a heading or a fence): it is joined to it with one space, its own indentation dropped.
- Trailing spaces are removed (outside fences).

So data must not break a line inside a word (`solvent-` / `like`), and must not wrap a sentence so that a
line begins with `- `, `1. ` or consists of a tag alone: `tests/prompts/test_unwrap.py` checks the shipped data.
"""

from __future__ import annotations

import re

# Markdown fences in prompt data are kept unjoined; nothing is extracted from them.
FENCE = re.compile(r"^\s*```")  # inspect-evals-lint: ignore[IECQ006] -- prompt-data fences, no code extracted
LIST_ITEM = re.compile(r"^\s*(?:[-*]|\d+[.)])(?:\s|$)")
HEADING = re.compile(r"^\s*#{1,6}(?:\s|$)")
TAG_LINE = re.compile(r"^\s*(?:[A-Za-z]+:\s*)?(?:</?[A-Za-z_][\w-]*\s*/?>\s*)+$")


def is_structural(line: str) -> bool:
    """A line that starts something of its own (list item, heading, tag line, fence), never a continuation."""
    return bool(FENCE.match(line) or LIST_ITEM.match(line) or HEADING.match(line) or TAG_LINE.match(line))


def unwrap(text: str) -> str:
    """Join wrapped lines into one line per paragraph or list item, keeping structure (see module doc)."""
    out: list[str] = []
    joinable = False  # whether the last line in `out` is prose that the next plain line continues
    in_fence = False
    for line in text.split("\n"):
        if in_fence:
            out.append(line)
            in_fence = not FENCE.match(line)
            continue
        if not line.strip():
            out.append("")
            joinable = False
        elif FENCE.match(line):
            out.append(line)
            in_fence, joinable = True, False
        elif HEADING.match(line) or TAG_LINE.match(line):
            out.append(line.rstrip())
            joinable = False
        elif LIST_ITEM.match(line) or not joinable:
            out.append(line.rstrip())
            joinable = True
        else:
            out[-1] = f"{out[-1]} {line.strip()}"
    return "\n".join(out)
