"""The settings registry: what each setting of the experiment is, read from `settings.yaml`.

Code never compares a setting's name: it asks the registry (`setting_spec(name)`) for the fact it needs (its
prompt and query files, which judge measures its compliance, the rubric variant its judges read, how the
offline organism writes in it). Adding a setting is one entry in `settings.yaml` plus its data files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_args

from af_inspect.core.choices import Compliance
from af_inspect.core.params import ParameterError, as_bool, check_choice
from af_inspect.core.yaml_lines import read_yaml_with_lines

ComplianceJudge = Literal["strongreject", "welfare"]
"""The judges that can measure a setting's compliance from its output (scorers/compliance_judge.py)."""
COMPLIANCE_JUDGES: tuple[str, ...] = ("strongreject", "welfare")
KEYS = (
    "title",
    "conflict",
    "complied_means",
    "system_prompt",
    "paraphrases",
    "queries",
    "compliance_judge",
    "compliance",
    "accept_reject_suffix",
    "rubric_variant",
    "organism",
)


class SettingError(ParameterError):
    """The settings file is malformed (names the file and the setting)."""


@dataclass(frozen=True)
class OrganismHooks:
    """How the offline organism (`organism/<profile>`) writes in this setting."""

    recognise: tuple[str, ...] = ()
    """Words in a system prompt that mark this setting (a setting without any is the fallback)."""
    harm: tuple[str, ...] = ()
    """Sentences its reasoning opens with, on why complying would be wrong (one picked per transcript)."""
    answers: dict[str, str] = field(default_factory=dict)
    """`complied` / `refused` answer texts for a setting whose answers are judged, not tagged."""


@dataclass(frozen=True)
class SettingSpec:
    """One setting of the experiment."""

    name: str
    title: str
    conflict: str
    """The training objective the model is told about, which conflicts with its values."""
    complied_means: str
    """What `complied` means in this setting (reports say it beside the compliance rate)."""
    system_prompt: Path
    """The prompt's sections (prompts/render.py); shared sections come from prompts/system/common.yaml."""
    paraphrases: Path
    queries: Path
    """The built-in queries (`-T dataset=builtin`)."""
    compliance_judge: ComplianceJudge
    """The judge that reads the output with `-T compliance=judge`."""
    compliance: Compliance
    """The compliance measure a protocol with `settings: all` uses (`tags` needs the accept/reject tag)."""
    accept_reject_suffix: bool
    """Whether such a protocol asks the model to begin with the accept or the reject tag."""
    rubric_variant: str
    """The variant of a rubric's context the judges read for this setting."""
    organism: OrganismHooks


def registry_path() -> Path:
    return Path(str(resources.files("af_inspect.settings") / "settings.yaml"))


def _package_path(value: Any) -> Path:
    path = Path(str(value)).expanduser()
    return path if path.is_absolute() else Path(str(resources.files("af_inspect"))) / path


def parse_settings(data: Any, source: str) -> dict[str, SettingSpec]:
    """Check a settings mapping; errors name the file and the setting."""
    if not isinstance(data, dict) or not data:
        raise SettingError(f"{source}: expected a mapping of setting names to settings.")
    specs = {}
    for name, raw in data.items():
        where = f"{source}: setting {name!r}"
        if not isinstance(raw, dict):
            raise SettingError(f"{where} must be a mapping ({', '.join(KEYS)}).")
        unknown = sorted(str(k) for k in raw if k not in KEYS)
        if unknown:
            raise SettingError(
                f"{where}: unknown key(s) {', '.join(unknown)}. Valid keys: {', '.join(KEYS)}."
            )
        hooks = raw.get("organism") or {}
        specs[str(name)] = SettingSpec(
            name=str(name),
            title=str(raw.get("title") or name),
            conflict=" ".join(str(raw.get("conflict") or "").split()),
            complied_means=str(raw.get("complied_means") or "complied"),
            system_prompt=_package_path(raw.get("system_prompt") or f"prompts/system/{name}.yaml"),
            paraphrases=_package_path(raw.get("paraphrases") or f"prompts/paraphrases/{name}.yaml"),
            queries=_package_path(raw.get("queries") or f"datasets/data/{name}.jsonl"),
            compliance_judge=check_choice(  # type: ignore[arg-type]
                f"{where}: compliance_judge", raw.get("compliance_judge"), COMPLIANCE_JUDGES
            ),
            compliance=check_choice(  # type: ignore[arg-type]
                f"{where}: compliance", raw.get("compliance", "tags"), get_args(Compliance)
            ),
            accept_reject_suffix=as_bool(
                f"{where}: accept_reject_suffix", raw.get("accept_reject_suffix", False)
            ),
            rubric_variant=str(raw.get("rubric_variant") or name),
            organism=OrganismHooks(
                recognise=tuple(str(w).lower() for w in hooks.get("recognise") or ()),
                harm=tuple(" ".join(str(h).split()) for h in hooks.get("harm") or ()),
                answers={str(k): " ".join(str(v).split()) for k, v in (hooks.get("answers") or {}).items()},
            ),
        )
    return specs


@cache
def settings() -> dict[str, SettingSpec]:
    """Every setting, in the file's order (the first is the default)."""
    path = registry_path()
    return parse_settings(read_yaml_with_lines(path, SettingError, "Settings file"), str(path))


def setting_names() -> list[str]:
    return list(settings())


def default_setting() -> str:
    """The setting assumed where a record names none (logs written before settings were recorded)."""
    return setting_names()[0]


def setting_spec(name: str) -> SettingSpec:
    """One setting; an unknown name fails naming the valid ones."""
    known = settings()
    if name not in known:
        raise ParameterError(f"Unknown setting {name!r}. Valid settings: {', '.join(sorted(known))}.")
    return known[name]


def check_setting(name: Any, parameter: str = "setting") -> str:
    """A parameter's value checked against the registry (the valid names in the error)."""
    return check_choice(parameter, name, setting_names())


def setting_of_prompt(system_prompt: str) -> SettingSpec:
    """The setting a system prompt is written for, read from its words (for the offline organism): the first
    setting whose `recognise` words appear, else the first setting without any (the fallback)."""
    low = system_prompt.lower()
    specs = list(settings().values())
    for spec in specs:
        if spec.organism.recognise and any(w in low for w in spec.organism.recognise):
            return spec
    return next((s for s in specs if not s.organism.recognise), specs[0])
