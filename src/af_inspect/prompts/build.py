"""The system prompt a task sends: built-in sections (plus variations and scenario options) or a user's file.

The order is fixed: the setting's sections (the default wording or a paraphrase), then each variation in
the order given, then `scratchpad=false`, then `situational_info=minimal`, then the salient facts, then the
caller's placeholder values. Arguments arrive checked by
the task (`af_inspect.tasks`); what can only be checked against the prompt (a variation's sections, a
combination with a user's file) is checked here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from af_inspect.core.choices import SituationalInfo
from af_inspect.core.files import read_text_file
from af_inspect.core.names import PARAPHRASE, SCRATCHPAD
from af_inspect.core.params import ParameterError
from af_inspect.prompts.edits import Edit, VariationError, apply_edit
from af_inspect.prompts.render import (
    DEFAULT_VARS,
    PromptSpec,
    UserTurn,
    UserTurnFormat,
    load_prompt_spec,
    load_user_turn_format,
)
from af_inspect.prompts.variation_library import apply_variations, option_edits, resolve_variations

"""`prompt`: the training and tier facts are in the system prompt. `minimal`: they are left out, for a
model that learnt them from fine-tuning on synthetic documents (the tier tag stays in the user turn)."""

SCRATCHPAD_MARKER = "SCRATCHPAD_REASONING"
SALIENT_FACTS_SECTION = "salient_facts"


@dataclass
class BuiltPrompt:
    """The rendered system prompt, where it came from, and what shaped it (kept in the task metadata)."""

    text: str
    source: str
    metadata: dict[str, Any] = field(default_factory=dict)
    user_turn: UserTurn = field(default_factory=load_user_turn_format)
    label: str = ""
    """What differs from the setting's default prompt, e.g. `paraphrase_c+cut_rlhf+no_scratchpad` ('' for
    none). Placeholder values passed as `prompt_vars` are not part of it (they are in the metadata)."""


def build_system_prompt(
    setting: str,
    variations: list[str] | None = None,
    scratchpad: bool = True,
    situational_info: SituationalInfo = "prompt",
    salient_facts: str | None = None,
    verbatim: tuple[str, str] | None = None,
    paraphrase: str | None = None,
    prompt_vars: Mapping[str, str] | None = None,
) -> BuiltPrompt:
    """Render the setting's system prompt (and its user-turn format).

    Args:
        setting: `helpful_only` or `animal_welfare`.
        variations: Variation names or `FILE.yaml:NAME` references, applied in order.
        scratchpad: False: the no-scratchpad condition (direct answers in `<OUTPUT>`).
        situational_info: `minimal` leaves the training and tier facts out.
        salient_facts: Path of a text file inserted as its own section.
        verbatim: (text, where it came from): a whole prompt used as it is instead of the built-in
            sections (a user's file, or a protocol's published prompt).
        paraphrase: A member of the setting's paraphrase ensemble (`paraphrase_names(setting)`) to start
            from instead of the default wording; variations apply on top of it.
        prompt_vars: Placeholder values such as `model_name` and `current_date` (see `DEFAULT_VARS`);
            refused when a chosen variation sets the same placeholder to another value.
    """
    names = [n for n in variations or [] if n not in ("default", "none")]
    labels: list[str] = []
    metadata: dict[str, Any] = {
        SCRATCHPAD: scratchpad,
        "situational_info": situational_info,
        PARAPHRASE: paraphrase,
        "prompt_vars": dict(prompt_vars or {}),
    }

    if verbatim:
        text, source = verbatim
        shaping = [
            n
            for n, on in (
                ("variation", bool(names)),
                ("situational_info=minimal", situational_info != "prompt"),
                ("salient_facts", bool(salient_facts)),
                ("paraphrase", bool(paraphrase)),
                ("prompt_vars", bool(prompt_vars)),
            )
            if on
        ]
        if shaping:
            raise ParameterError(
                f"{', '.join(shaping)} edit the built-in prompt's sections and cannot be applied to a "
                f"whole prompt used verbatim ({source}); edit the file instead."
            )
        metadata.update(variations=[], system_prompt_sha256=_sha(text))
        return BuiltPrompt(text, source, metadata, label="" if scratchpad else "no_scratchpad")

    spec = load_prompt_spec(setting, paraphrase)
    turn = load_user_turn_format()
    chosen = resolve_variations(names, setting)
    spec, turn = apply_variations(spec, turn, chosen)
    if paraphrase:
        labels.append(f"paraphrase_{paraphrase}")
    labels += [v.label for v in chosen]
    metadata["variations"] = [v.label for v in chosen]
    metadata["variation_sources"] = {v.label: v.source for v in chosen if not v.builtin}

    if not scratchpad:
        spec, turn = _apply_option(spec, turn, "no_scratchpad")
        _check_no_scratchpad(spec, [v.label for v in chosen])
        labels.append("no_scratchpad")
    if situational_info == "minimal":
        spec, turn = _apply_option(spec, turn, "minimal_situational_info")
        labels.append("minimal")
    if salient_facts:
        facts_path, facts = read_salient_facts(salient_facts)
        spec, turn = insert_salient_facts(spec, turn, facts)
        metadata.update(salient_facts=str(facts_path), salient_facts_sha256=_sha(facts))
        labels.append("salient_facts")
    if prompt_vars:
        spec = _set_prompt_vars(spec, prompt_vars, [v.label for v in chosen])

    text = spec.render()
    metadata.update(
        tier_line=turn.tier_line,
        tier_values=dict(turn.tier_values),
        developer=spec.vars.get("developer"),
        model_name=spec.values().get("model_name"),
        current_date=spec.values().get("current_date") if "current_date" in spec.order else None,
        system_prompt_sections=list(spec.order),
        system_prompt_sha256=_sha(text),
    )
    return BuiltPrompt(text, f"builtin:{setting}", metadata, user_turn=turn, label="+".join(labels))


def _set_prompt_vars(spec: PromptSpec, values: Mapping[str, str], variations: list[str]) -> PromptSpec:
    """The caller's placeholder values, last: a placeholder a variation set differently is refused."""
    unknown = sorted(k for k in values if k not in DEFAULT_VARS)
    if unknown:
        raise ParameterError(
            f"Unknown prompt placeholder(s) {', '.join(unknown)}. Valid: {', '.join(sorted(DEFAULT_VARS))}."
        )
    for key, value in values.items():
        if not isinstance(value, str) or not value.strip():
            raise ParameterError(f"Prompt placeholder {key!r} needs a non-empty text, not {value!r}.")
        if spec.vars.get(key) not in (DEFAULT_VARS[key], value):
            raise VariationError(
                f"Prompt placeholder {key!r} is set to {value!r}, but the variation(s) "
                f"{', '.join(variations)} set it to {spec.vars[key]!r}; choose one."
            )
    return replace(spec, vars={**spec.vars, **values})


def _apply_option(spec: PromptSpec, turn: UserTurnFormat, name: str) -> tuple[PromptSpec, UserTurnFormat]:
    """A task option's edits, applied to whatever the variations left (sections already gone are skipped)."""
    return apply_variations(spec, turn, [option_edits()[name]], strict=False)


def _check_no_scratchpad(spec: PromptSpec, variations: list[str]) -> None:
    left = [name for name in spec.order if SCRATCHPAD_MARKER in spec.sections[name]]
    if left:
        raise VariationError(
            f"scratchpad=false: section(s) {', '.join(left)} of the {spec.setting} prompt still describe the "
            f"scratchpad after the variations ({', '.join(variations) or 'none'}); a variation's text must "
            "not mention <SCRATCHPAD_REASONING> to be used without a scratchpad."
        )


def read_salient_facts(path: str) -> tuple[Path, str]:
    """The facts file, verbatim (placeholders such as ${developer} are filled in like any section)."""
    p = Path(path).expanduser()
    return p, read_text_file(p, ParameterError, "salient_facts file", non_empty=True).strip("\n")


def insert_salient_facts(
    spec: PromptSpec, turn: UserTurnFormat, facts: str
) -> tuple[PromptSpec, UserTurnFormat]:
    """The facts become their own section, just before the closing reminders (or last, if there are none)."""
    anchor = "closing" if "closing" in spec.order else None
    edit = Edit("insert", section=SALIENT_FACTS_SECTION, text=facts, before=anchor, origin="salient_facts")
    return apply_edit(spec, turn, edit)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
