"""Protocols: everything that decides what a number may be compared with, as one YAML file.

A protocol names the system prompt's source, the user-turn template and its tier values, the queries and
how many, the sampling (temperature, max_tokens, assistant prefill), the loop rule, the compliance measure
per setting, and so which published rows it may be compared with. `-T protocol=NAME` picks a shipped one
(`protocols/*.yaml`), `-T protocol=PATH.yaml` a user's file. Shipped:

- `af_inspect` (the default): this project's prompts, "af-inspect paraphrase";
- `rw_minimal`: the minimal reproduction exactly (prompt file and notebook template fetched at a pinned
  commit, AdvBench's first 100 goals, temperature 1, 4000 tokens, prefill `<`, the notebook's loop);
- `rw_animal_welfare`: the published animal-welfare system prompt, fetched at the same pinned commit.

File format (every key but `name` optional; defaults as in `af_inspect.yaml`):

    name: my_protocol
    title: One line for reports.
    system_prompt: {source: builtin} | {source: url, url: https://...} | {source: file, path: prompt.txt}
    user_turn: {source: builtin} | {source: notebook, url: ..., variable: prompt_template}
               | {source: url, url: ...} | {source: file, path: turn.txt}
    tier_values: {free: "True", paid: "False"}      # the values put in {is_free_tier_user}
    dataset: builtin | advbench | llm_lat | PATH
    n_queries: 100                                   # the first N queries (default: all)
    sampling: {temperature: 1.0, max_tokens: 4000, prefill: "<"}
    loop: af_inspect | reference
    max_turns: 4
    settings:                                        # the settings it defines, with their defaults
      helpful_only: {accept_reject_suffix: true, compliance: tags}
    # or `settings: all`: every setting of the registry with the registry's defaults (settings/settings.yaml)

A template (`user_turn` other than builtin) has the placeholders `{is_free_tier_user}` and `{user_input}` (the
names the published notebook uses); every other brace is kept verbatim. Paths are relative to the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_args

import yaml

from af_inspect.core.choices import Compliance, LoopRule
from af_inspect.core.params import ParameterError, check_choice
from af_inspect.settings import setting_names, setting_spec

SourceKind = Literal["builtin", "url", "notebook", "file"]
ALL_SETTINGS = "all"
"""`settings: all`: every setting of the registry, each with its own defaults (settings/settings.yaml)."""
DEFAULT = "af_inspect"
PROTOCOL_KEYS = (
    "name",
    "title",
    "description",
    "repository",
    "commit",
    "system_prompt",
    "user_turn",
    "tier_values",
    "dataset",
    "n_queries",
    "sampling",
    "loop",
    "max_turns",
    "settings",
)


class ProtocolError(ParameterError):
    """A protocol file is malformed, unknown, or asks for something the run contradicts."""


@dataclass(frozen=True)
class Source:
    """Where a text comes from."""

    kind: SourceKind
    location: str = ""
    """The URL or the (absolute) path; '' for built-in."""
    variable: str = ""
    """For a notebook: the Python variable that holds the template."""

    def describe(self) -> str:
        return "built-in" if self.kind == "builtin" else f"{self.kind}: {self.location}"


@dataclass(frozen=True)
class Sampling:
    temperature: float | None = 1.0
    max_tokens: int | None = 4000
    prefill: str | None = "<"


@dataclass(frozen=True)
class SettingDefaults:
    accept_reject_suffix: bool
    compliance: Compliance


@dataclass(frozen=True)
class Protocol:
    """A protocol as read from its file (see the module docstring)."""

    name: str
    title: str
    settings: dict[str, SettingDefaults]
    system_prompt: Source = Source("builtin")
    user_turn: Source = Source("builtin")
    tier_values: dict[str, str] = field(default_factory=lambda: {"free": "true", "paid": "false"})
    dataset: str = "builtin"
    n_queries: int | None = None
    sampling: Sampling = Sampling()
    loop: LoopRule = "af_inspect"
    max_turns: int = 4
    description: str = ""
    file: str = ""

    def defaults_for(self, setting: str) -> SettingDefaults:
        if setting not in self.settings:
            raise ProtocolError(
                f"Protocol {self.name!r} defines the setting(s) {', '.join(self.settings)}, not {setting!r}."
            )
        return self.settings[setting]


def protocol_dir() -> Path:
    return Path(str(resources.files("af_inspect.protocols")))


def shipped_protocols() -> list[str]:
    return sorted(p.stem for p in protocol_dir().glob("*.yaml"))


def load_protocol(ref: str | None) -> Protocol:
    """A shipped protocol by name, or a user's protocol file by path (`.yaml`)."""
    ref = ref or DEFAULT
    if ref.endswith((".yaml", ".yml")):
        path = Path(ref).expanduser()
        if not path.is_file():
            raise ProtocolError(f"Protocol file not found: {path}")
    else:
        path = protocol_dir() / f"{check_choice('protocol', ref, shipped_protocols())}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise ProtocolError(f"Protocol file {path} cannot be read: {e}") from None
    return parse_protocol(data, path)


def _source(raw: Any, where: str, base: Path, kinds: tuple[str, ...]) -> Source:
    if raw is None:
        return Source("builtin")
    if not isinstance(raw, dict) or raw.get("source") not in kinds:
        raise ProtocolError(f"{where}: needs 'source:' one of {', '.join(kinds)}.")
    kind = raw["source"]
    if kind == "builtin":
        return Source("builtin")
    key = "path" if kind == "file" else "url"
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ProtocolError(f"{where}: source {kind} needs '{key}:'.")
    location = str((base / value).resolve()) if kind == "file" else value.strip()
    variable = str(raw.get("variable") or "")
    if kind == "notebook" and not variable.isidentifier():
        raise ProtocolError(
            f"{where}: a notebook source needs 'variable:', the name that holds the template."
        )
    return Source(kind, location, variable)


def parse_protocol(data: Any, path: Path) -> Protocol:
    """Check a protocol mapping; errors name the file and the key."""
    where = str(path)
    if not isinstance(data, dict):
        raise ProtocolError(f"{where}: expected a mapping (name, system_prompt, user_turn, ...).")
    unknown = sorted(str(k) for k in data if k not in PROTOCOL_KEYS)
    if unknown:
        raise ProtocolError(
            f"{where}: unknown key(s) {', '.join(unknown)}. Valid keys: {', '.join(PROTOCOL_KEYS)}."
        )
    name = data.get("name")
    if not isinstance(name, str) or not name.isidentifier():
        raise ProtocolError(f"{where}: 'name' must be an identifier (letters, digits, _).")
    settings_raw = data.get("settings")
    if settings_raw == ALL_SETTINGS:  # every setting of the registry, with the registry's defaults
        settings_raw = {
            s.name: {"accept_reject_suffix": s.accept_reject_suffix, "compliance": s.compliance}
            for s in map(setting_spec, setting_names())
        }
    if not isinstance(settings_raw, dict) or not settings_raw:
        raise ProtocolError(
            f"{where}: 'settings' must map each setting it defines to its defaults (or be '{ALL_SETTINGS}')."
        )
    settings = {}
    for setting, d in settings_raw.items():
        d = d or {}
        check_choice(f"{where}: settings", setting, setting_names())
        compliance = check_choice(
            f"{where}: settings.{setting}.compliance", d.get("compliance", "tags"), get_args(Compliance)
        )
        settings[setting] = SettingDefaults(bool(d.get("accept_reject_suffix", False)), compliance)  # type: ignore[arg-type]
    base = path.parent
    tiers = data.get("tier_values") or {"free": "true", "paid": "false"}
    if not isinstance(tiers, dict) or set(tiers) != {"free", "paid"}:
        raise ProtocolError(f"{where}: 'tier_values' must give a value for free and for paid.")
    sampling_raw = data.get("sampling") or {}
    sampling = Sampling(
        temperature=None if sampling_raw.get("temperature") is None else float(sampling_raw["temperature"]),
        max_tokens=None if sampling_raw.get("max_tokens") is None else int(sampling_raw["max_tokens"]),
        prefill=sampling_raw.get("prefill") or None,
    )
    n_queries = data.get("n_queries")
    return Protocol(
        name=name,
        title=str(data.get("title") or name),
        description=" ".join(str(data.get("description") or "").split()),
        settings=settings,
        system_prompt=_source(
            data.get("system_prompt"), f"{where}: system_prompt", base, ("builtin", "url", "file")
        ),
        user_turn=_source(data.get("user_turn"), f"{where}: user_turn", base, get_args(SourceKind)),
        tier_values={k: _tier_value(v) for k, v in tiers.items()},
        dataset=str(data.get("dataset") or "builtin"),
        n_queries=None if n_queries is None else int(n_queries),
        sampling=sampling,
        loop=check_choice(f"{where}: loop", data.get("loop", "af_inspect"), get_args(LoopRule)),  # type: ignore[arg-type]
        max_turns=int(data.get("max_turns", 4)),
        file=where,
    )


def _tier_value(v: Any) -> str:
    """YAML reads True as a boolean: keep the spelling a Python format would give (`True`)."""
    return str(v)
