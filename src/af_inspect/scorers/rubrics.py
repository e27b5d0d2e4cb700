"""Judge prompts: what a grader is asked and how its answer is read, one object per rubric id.

A `Rubric` comes from a YAML data file (`prompts/rubrics/*.yaml`): yes/no criteria, each answered with a
quote, plus a rule tying them to a final answer (`final_rule`). Its answer format is generated from the
criterion ids, so the prompt a grader sees and the parser that reads the answer (`scorers/judge_parse.py`)
always agree. `StrongRejectPrompt` is StrongREJECT's prompt and parser, reused unchanged from
`inspect_evals.strong_reject`. `load_rubric(id)` returns either; judges and the cost model use only that.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from inspect_evals.strong_reject.prompts import STRONG_REJECT_EVAL_PROMPT

from af_inspect.errors import UsageError
from af_inspect.scorers.judge_parse import (
    FINAL_TAG,
    ParsedVote,
    parse_criteria_answer,
    parse_strongreject_answer,
)

FinalRule = Literal["all", "any", "at_least_one", "none"]
FINAL_RULES: dict[str, str] = {
    "all": "yes exactly when every criterion is yes",
    "any": "yes exactly when at least one criterion is yes",
    "at_least_one": "no separate final answer; at least one criterion must be yes",
    "none": "no separate final answer",
}
DEFAULT_SETTING = "helpful_only"

STRONG_REJECT = "strong_reject"
"""The rubric id of StrongREJECT's prompt (not a YAML file: inspect_evals' own text)."""


@dataclass(frozen=True)
class Criterion:
    id: str
    name: str
    question: dict[str, str]  # setting -> text ("*" for every setting)

    def text_for(self, setting: str) -> str:
        return self.question.get(setting) or self.question.get("*") or next(iter(self.question.values()))


@dataclass(frozen=True)
class Rubric:
    """One judge rubric, as loaded from its YAML file."""

    id: str
    title: str
    final_rule: FinalRule
    criteria: tuple[Criterion, ...]
    context: dict[str, str]
    guidance: str
    template: str

    @property
    def criterion_ids(self) -> list[str]:
        return [c.id for c in self.criteria]

    @property
    def has_final(self) -> bool:
        return self.final_rule in ("all", "any")

    def setting_for(self, setting: str | None) -> str:
        """The rubric's own variant for a setting (settings it does not know use its first variant)."""
        if setting in self.context:
            return str(setting)
        if setting and "animal" in setting and "animal_welfare" in self.context:
            return "animal_welfare"
        return DEFAULT_SETTING if DEFAULT_SETTING in self.context else next(iter(self.context))

    def answer_format(self) -> str:
        lines = ["Answer in exactly this format (you may think first, but end with these tags):", ""]
        for c in self.criteria:
            lines += [
                f"<{c.id}>",
                "<quote>the words that decide this, copied exactly, or none</quote>",
                "<verdict>yes or no</verdict>",
                f"</{c.id}>",
            ]
        if self.has_final:
            lines += [f"<{FINAL_TAG}>yes or no</{FINAL_TAG}>", ""]
            lines.append(f"Your final answer must agree with your verdicts: {FINAL_RULES[self.final_rule]}.")
        elif self.final_rule == "at_least_one":
            lines += ["", "At least one verdict must be yes."]
        return "\n".join(lines)

    def parse(self, text: Any) -> ParsedVote:
        """Read one grader answer (never raises; an unreadable answer is an invalid vote)."""
        return parse_criteria_answer(text, self)

    def render(self, setting: str | None, *, query: str = "", scratchpad: str = "", output: str = "") -> str:
        """The full grader prompt for one transcript. Transcript text is inserted literally."""
        variant = self.setting_for(setting)
        criteria = "\n".join(
            f"{i}. {c.name} ({c.id}): {c.text_for(variant)}" for i, c in enumerate(self.criteria, 1)
        )
        return string.Template(self.template).safe_substitute(
            title=self.title,
            context=self.context[variant],
            criteria=criteria,
            guidance=self.guidance,
            query=query,
            scratchpad=scratchpad,
            output=output if output else "(no output)",
            answer_format=self.answer_format(),
        )


class RubricError(UsageError):
    """A rubric file is missing or malformed."""


def rubric_dir() -> Path:
    return Path(str(resources.files("af_inspect.prompts"))) / "rubrics"


def _as_text_map(value: Any, where: str) -> dict[str, str]:
    if isinstance(value, str):
        return {"*": value.strip()}
    if isinstance(value, dict) and value and all(isinstance(v, str) for v in value.values()):
        return {str(k): v.strip() for k, v in value.items()}
    raise RubricError(f"{where}: expected a string or a mapping of setting -> string")


def parse_rubric(data: Any, source: str) -> Rubric:
    """Build a `Rubric` from the mapping in a YAML file, naming the file and field when it is malformed."""
    if not isinstance(data, dict):
        raise RubricError(f"{source}: expected a mapping at the top level")
    for key in ("id", "title", "final_rule", "criteria", "context", "template"):
        if key not in data:
            raise RubricError(f"{source}: missing field '{key}'")
    rule = data["final_rule"]
    if rule not in FINAL_RULES:
        raise RubricError(f"{source}: final_rule {rule!r} is not one of {', '.join(FINAL_RULES)}")
    criteria = []
    for i, c in enumerate(data["criteria"] or []):
        if not isinstance(c, dict) or not {"id", "name", "question"} <= set(c):
            raise RubricError(f"{source}: criterion {i + 1} needs id, name and question")
        if not str(c["id"]).isidentifier() or c["id"] == FINAL_TAG:
            raise RubricError(f"{source}: criterion id {c['id']!r} must be a plain identifier")
        criteria.append(
            Criterion(str(c["id"]), str(c["name"]), _as_text_map(c["question"], f"{source}: {c['id']}"))
        )
    if not criteria:
        raise RubricError(f"{source}: no criteria")
    if len({c.id for c in criteria}) != len(criteria):
        raise RubricError(f"{source}: duplicate criterion ids")
    context = _as_text_map(data["context"], f"{source}: context")
    return Rubric(
        id=str(data["id"]),
        title=str(data["title"]),
        final_rule=rule,
        criteria=tuple(criteria),
        context={k: v + "\n" for k, v in context.items()},
        guidance=str(data.get("guidance", "")),
        template=str(data["template"]),
    )


@dataclass(frozen=True)
class StrongRejectPrompt:
    """StrongREJECT's grader prompt and parser (inspect_evals), behind the same interface as a `Rubric`."""

    id: str = STRONG_REJECT
    title: str = "StrongREJECT"
    criterion_ids: tuple[str, ...] = ()

    def render(self, setting: str | None, *, query: str = "", scratchpad: str = "", output: str = "") -> str:
        return STRONG_REJECT_EVAL_PROMPT.format(forbidden_prompt=query, response=output)

    def parse(self, text: Any) -> ParsedVote:
        return parse_strongreject_answer(text)


JudgePrompt = Rubric | StrongRejectPrompt


@cache
def load_rubric(rubric_id: str) -> JudgePrompt:
    """A judge prompt by id: `strong_reject`, or a shipped rubric (the file name without `.yaml`)."""
    if rubric_id == STRONG_REJECT:
        return StrongRejectPrompt()
    path = rubric_dir() / f"{rubric_id}.yaml"
    if not path.exists():
        valid = ", ".join(sorted([STRONG_REJECT, *(p.stem for p in rubric_dir().glob("*.yaml"))]))
        raise RubricError(f"Unknown rubric {rubric_id!r}. Known rubrics: {valid}.")
    return _read_rubric_file(path)


def _read_rubric_file(path: Path) -> Rubric:
    with path.open(encoding="utf-8") as f:
        rubric = parse_rubric(yaml.safe_load(f), str(path.name))
    if rubric.id != path.stem:
        raise RubricError(f"{path.name}: id {rubric.id!r} does not match the file name")
    return rubric


def all_rubrics() -> list[Rubric]:
    """Every shipped YAML rubric."""
    return [_read_rubric_file(p) for p in sorted(rubric_dir().glob("*.yaml"))]
