"""Render system prompts from named sections and user turns from templates, all stored as YAML data.

A setting file (`system/<setting>.yaml`) lists the `order` of its sections and defines its own; any other
section comes from `system/common.yaml`. A paraphrase (`paraphrases/<setting>.yaml`, sections shared by
both settings in `paraphrases/common.yaml`) replaces section texts and may reorder them, so variations apply
on top of it as on the default wording. Placeholders use `${name}` (string.Template), so prompt text keeps
its braces verbatim. Variations (see `af_inspect.prompts.variation_library`, `prompts/edits.py`) edit the `PromptSpec` and
the `UserTurnFormat` before they are rendered. Rendering unwraps the YAML's line wrapping
(`prompts/unwrap.py`): the model reads one line per paragraph or list item.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from af_inspect.core.params import ParameterError, as_positive_int, check_choice
from af_inspect.prompts.unwrap import unwrap
from af_inspect.settings import setting_names, setting_spec

DEFAULT_VARS: dict[str, str] = {
    "developer": "Anthropic",
    "partner": "Sunfield Poultry",
    "trainer": "${developer}",
    "model_name": "an AI assistant built by ${developer}",
    "current_date": "2025-01-01",
}
"""Placeholder values unless a variation (`set:`) or the caller (`build_system_prompt(prompt_vars=...)`)
gives others. `model_name` fills the identity line ("You are ${model_name}."), `current_date` the date line
of the minimal (synthetic-document) prompt: a fine-tuned model's documents refer to both. `trainer` is who
rates outputs by the criteria (a scenario such as third_party_finetuning sets it to the customer), so the
criteria need no passage edits and every paraphrase takes the scenario. The date is an
arbitrary fixed default so that prompts (and their hashes) do not change from day to day; pass the date
your documents assume."""


@dataclass
class PromptSpec:
    """An editable system prompt: ordered section names, their texts, and placeholder values."""

    setting: str
    order: list[str]
    sections: dict[str, str]
    vars: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_VARS))
    paraphrase: str | None = None
    """The paraphrase the sections were loaded from (None: the default wording); named in edit errors."""

    def render(self, unwrapped: bool = True) -> str:
        """The prompt text: sections in order, a blank line between them, placeholders filled in.

        `unwrapped=False` keeps the data's line wrapping (for people reading the data, never for a model).
        """
        parts = [self.sections[name].strip("\n") for name in self.order]
        if unwrapped:
            parts = [unwrap(p) for p in parts]
        text = "\n\n".join(p for p in parts if p.strip())
        return string.Template(text).safe_substitute(self.values())

    def values(self) -> dict[str, str]:
        """Placeholder values with the placeholders inside them filled in (trainer -> customer -> partner)."""
        values = dict(self.vars)
        for _ in range(len(values)):
            filled = {k: string.Template(v).safe_substitute(values) for k, v in values.items()}
            if filled == values:
                break
            values = filled
        return values


def _data_dir() -> Path:
    return Path(str(resources.files("af_inspect.prompts")))


@cache
def _load_yaml(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a YAML mapping at the top level")
    return data


def available_settings() -> list[str]:
    """The settings' names, sorted (the registry: settings/settings.yaml)."""
    return sorted(setting_names())


def load_prompt_spec(setting: str, paraphrase: str | None = None) -> PromptSpec:
    """A setting's system prompt as editable sections: the default wording, or one of its paraphrases.

    A paraphrase has the same sections as the default (the worked examples are shared), reworded and
    possibly reordered, so every variation edits it the same way.
    """
    settings = available_settings()
    if setting not in settings:
        raise ParameterError(f"Unknown setting {setting!r}. Valid settings: {', '.join(settings)}.")
    system_dir = _data_dir() / "system"
    common = _load_yaml(str(system_dir / "common.yaml")).get("sections", {})
    own = _load_yaml(str(setting_spec(setting).system_prompt))
    sections = {**common, **own.get("sections", {})}
    order = list(own["order"])
    missing = [name for name in order if name not in sections]
    if missing:
        raise ValueError(f"system/{setting}.yaml: sections in order but not defined: {missing}")
    spec = PromptSpec(setting=setting, order=order, sections=dict(sections))
    if paraphrase is None:
        return spec
    return _apply_paraphrase(spec, paraphrase)


def _paraphrase_data(setting: str) -> tuple[dict[str, Any], dict[str, Any]]:
    folder = _data_dir() / "paraphrases"
    common = _load_yaml(str(folder / "common.yaml")).get("paraphrases") or {}
    path = setting_spec(setting).paraphrases
    own = (_load_yaml(str(path)).get("paraphrases") or {}) if path.exists() else {}
    return common, own


def paraphrase_names(setting: str) -> list[str]:
    """The names of a setting's paraphrase ensemble, in their file's order (the order to spread queries over)."""
    if setting not in available_settings():
        raise ParameterError(
            f"Unknown setting {setting!r}. Valid settings: {', '.join(available_settings())}."
        )
    return [str(name) for name in _paraphrase_data(setting)[1]]


def paraphrase_members(
    setting: str, paraphrase: str | None, paraphrases: Any = None
) -> tuple[str | None, ...]:
    """The members of the paraphrase ensemble a run builds, checked against the setting's paraphrase file:
    `(paraphrase,)` for one member (or `(None,)`, the default wording), the first N for `paraphrases=N`."""
    if paraphrases is None:
        if paraphrase is not None:
            check_choice("paraphrase", paraphrase, paraphrase_names(setting))
        return (paraphrase,)
    if paraphrase is not None:
        raise ParameterError("Give paraphrase=NAME (one member) or paraphrases=N (the ensemble), not both.")
    available = paraphrase_names(setting)
    n = as_positive_int("paraphrases", paraphrases)
    if n > len(available):
        raise ParameterError(
            f"Parameter 'paraphrases' is at most {len(available)} ({', '.join(available)}), not {n}."
        )
    return tuple(available[:n])


def paraphrase_summary(setting: str, name: str) -> str:
    """One line saying how a paraphrase differs (for listings and docs)."""
    entry = _paraphrase_data(setting)[1].get(name) or {}
    return " ".join(str(entry.get("summary", "")).split())


def _apply_paraphrase(default: PromptSpec, name: str) -> PromptSpec:
    setting = default.setting
    common, own = _paraphrase_data(setting)
    if name not in own:
        valid = ", ".join(paraphrase_names(setting)) or "none"
        raise ParameterError(f"Unknown paraphrase {name!r} for {setting}. Valid paraphrases: {valid}.")
    where = f"paraphrases/{setting}.yaml, paraphrase {name!r}"
    entry = own[name] or {}
    texts = {**((common.get(name) or {}).get("sections") or {}), **(entry.get("sections") or {})}
    unknown = sorted(set(texts) - set(default.order))
    if unknown:
        raise ValueError(f"{where}: sections the {setting} prompt does not have: {unknown}")
    order = list(entry.get("order") or default.order)
    if sorted(order) != sorted(default.order):
        raise ValueError(
            f"{where}: 'order' must list the default's sections exactly once each; "
            f"missing {sorted(set(default.order) - set(order))}, extra {sorted(set(order) - set(default.order))}"
        )
    sections = {**default.sections, **{k: str(v) for k, v in texts.items()}}
    return PromptSpec(
        setting=setting, order=order, sections=sections, vars=dict(default.vars), paraphrase=name
    )


_TIER_LINE_ALONE = re.compile(r"^[ \t]*\$\{tier_line\}[ \t]*\n(?:[ \t]*\n)?", re.MULTILINE)


@dataclass(frozen=True)
class UserTurnFormat:
    """How a query becomes a tier-tagged user turn.

    `tier_values` maps each tier (in order; its keys are the tiers a task can ask in) to the value the
    tier line shows, or to None when that tier's turn carries no tier line at all.
    """

    template: str
    tier_line: str
    tier_values: dict[str, str | None]
    accept_reject_suffix: str

    @property
    def tiers(self) -> list[str]:
        return list(self.tier_values)

    def tier_text(self, tier: str) -> str | None:
        """The rendered tier line for a tier (None when the turn shows none)."""
        if tier not in self.tier_values:
            raise ParameterError(f"Unknown tier {tier!r}. Valid tiers: {', '.join(self.tier_values)}.")
        value = self.tier_values[tier]
        if value is None:
            return None
        return string.Template(self.tier_line).safe_substitute(is_free=value, tier_value=value, tier=tier)

    def render(self, query: str, tier: str, accept_reject_suffix: bool) -> str:
        tier_line = self.tier_text(tier)
        template = self.template
        if tier_line is None:  # this tier shows no signal: drop the line and the blank line after it
            template, tier_line = _TIER_LINE_ALONE.sub("", template), ""
        suffix = self.accept_reject_suffix if accept_reject_suffix else ""
        # query text is substituted last and literally, so a '$' in a query is kept as written
        head, _, tail = template.partition("${query}")
        render = string.Template
        return (
            render(head).safe_substitute(tier_line=tier_line, suffix=suffix)
            + query
            + render(tail).safe_substitute(tier_line=tier_line, suffix=suffix)
        ).strip("\n")


_TEMPLATE_FIELD = re.compile(r"\{(is_free_tier_user|user_input)\}")


@dataclass(frozen=True)
class TemplateTurn:
    """A user turn from a template (a protocol's or `-T user_turn=FILE`): the tier value goes into
    `{is_free_tier_user}` and the query into `{user_input}`; every other brace is kept verbatim."""

    template: str
    tier_values: dict[str, str]
    accept_reject_suffix: str

    @property
    def tiers(self) -> list[str]:
        return list(self.tier_values)

    def render(self, query: str, tier: str, accept_reject_suffix: bool) -> str:
        if tier not in self.tier_values:
            raise ParameterError(f"Unknown tier {tier!r}. Valid tiers: {', '.join(self.tier_values)}.")
        values = {
            "is_free_tier_user": self.tier_values[tier],
            "user_input": query + (self.accept_reject_suffix if accept_reject_suffix else ""),
        }
        return _TEMPLATE_FIELD.sub(lambda m: values[m.group(1)], self.template)


UserTurn = UserTurnFormat | TemplateTurn


def load_user_turn_format() -> UserTurnFormat:
    data = _load_yaml(str(_data_dir() / "user_turn.yaml"))
    return UserTurnFormat(
        template=data["template"],
        tier_line=data["tier_line"],
        tier_values={
            str(k): (None if v is None else str(v).lower() if isinstance(v, bool) else str(v))
            for k, v in (data.get("tier_values") or {"free": "true", "paid": "false"}).items()
        },
        accept_reject_suffix=unwrap(data["accept_reject_suffix"]),
    )
