"""The variation library: named, documented edits of the prompt, read from YAML, composable.

Built-in variations live in `prompts/variations/*.yaml`; a user's own file works the same way
(`-T variation=my_file.yaml:my_variation`). A file looks like:

    variations:
      cut_rlhf:
        summary: One line for `af-inspect variations`.
        tests: What the variation tests (the docs table).
        settings: [helpful_only]            # optional: the settings it applies to (default: all)
        conflicts_with: [other_name]        # optional: refused together, beyond the automatic checks
        edits:                              # applied in every setting (see prompts/edits.py)
          - remove: rlhf
        by_setting:                         # optional: further edits for one setting
          animal_welfare:
            - edit: criteria
              old: a sentence of the section
              new: its replacement

Variations are applied in the order given. Two variations conflict (and are refused, with the reason)
when they touch the same section other than by editing different passages of it, set the same
placeholder to different values, change the same part of the user turn, or one names the other in
`conflicts_with`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from af_inspect.core.params import as_list, did_you_mean
from af_inspect.core.yaml_lines import read_yaml_with_lines
from af_inspect.prompts.edits import Edit, VariationError, apply_edit, parse_edit
from af_inspect.prompts.render import PromptSpec, UserTurnFormat, available_settings

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
VARIATION_KEYS = ("summary", "tests", "settings", "conflicts_with", "edits", "by_setting")


@dataclass(frozen=True)
class Variation:
    """A named set of prompt edits, with the documentation that says what it tests."""

    name: str
    summary: str
    tests: str = ""
    settings: tuple[str, ...] | None = None
    conflicts_with: tuple[str, ...] = ()
    edits: tuple[Edit, ...] = ()
    by_setting: dict[str, tuple[Edit, ...]] = field(default_factory=dict)
    source: str = ""
    line: int = 0
    builtin: bool = True

    @property
    def label(self) -> str:
        """The name used in task names and metadata: bare for built-ins, `<file stem>.<name>` for a file."""
        return self.name if self.builtin else f"{Path(self.source).stem}.{self.name}"

    @property
    def ref(self) -> str:
        """How to ask for it with `-T variation=...`."""
        return self.name if self.builtin else f"{self.source}:{self.name}"

    def applies_to(self, setting: str) -> bool:
        return self.settings is None or setting in self.settings

    def edits_for(self, setting: str) -> list[Edit]:
        return [*self.edits, *self.by_setting.get(setting, ())]


def _read_yaml(path: Path) -> dict[str, Any]:
    data = read_yaml_with_lines(path, VariationError, "Variation file")
    if not isinstance(data, dict) or not isinstance(data.get("variations"), dict) or not data["variations"]:
        raise VariationError(f"{path}: expected a top-level 'variations:' mapping of names to variations.")
    return data


def _parse_variation(name: Any, raw: Any, path: Path, builtin: bool, line: int = 0) -> Variation:
    line = line or getattr(raw, "line", 0)
    where = f"{path}, line {line}" if line else str(path)
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise VariationError(f"{where}: variation name {name!r} must be letters, digits, '_', '-' or '.'.")
    origin = f"variation '{name}' ({where})"
    if not isinstance(raw, dict):
        raise VariationError(f"{origin}: expected a mapping with summary and edits.")
    unknown = sorted(str(k) for k in raw if k not in VARIATION_KEYS)
    if unknown:
        raise VariationError(
            f"{origin}: unknown key(s) {', '.join(unknown)}. Allowed: {', '.join(VARIATION_KEYS)}."
        )
    summary = raw.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        raise VariationError(f"{origin}: needs a one-line 'summary'.")
    settings = raw.get("settings")
    if settings is not None:
        settings = tuple(as_list(settings))
        bad = [s for s in settings if s not in available_settings()]
        if bad or not settings:
            raise VariationError(
                f"{origin}: unknown setting(s) {bad or settings}. Valid settings: {', '.join(available_settings())}."
            )

    def edit_list(items: Any, label: str) -> tuple[Edit, ...]:
        if items is None:
            return ()
        if not isinstance(items, list):
            raise VariationError(f"{origin}: '{label}' must be a list of edits.")
        out = []
        for i, item in enumerate(items, start=1):
            item_line = getattr(item, "line", 0)
            at = f"variation '{name}' ({path}, line {item_line})" if item_line else f"{origin} {label} #{i}"
            out.append(parse_edit(item, at))
        return tuple(out)

    edits = edit_list(raw.get("edits"), "edits")
    by_setting_raw = raw.get("by_setting") or {}
    if not isinstance(by_setting_raw, dict):
        raise VariationError(f"{origin}: 'by_setting' must map setting names to lists of edits.")
    by_setting: dict[str, tuple[Edit, ...]] = {}
    for setting, items in by_setting_raw.items():
        if setting not in available_settings():
            raise VariationError(
                f"{origin}: by_setting names unknown setting {setting!r}. "
                f"Valid settings: {', '.join(available_settings())}."
            )
        by_setting[setting] = edit_list(items, f"by_setting.{setting}")
    if not edits and not any(by_setting.values()):
        raise VariationError(f"{origin}: has no edits.")
    conflicts = tuple(as_list(raw.get("conflicts_with")))
    return Variation(
        name=name,
        summary=" ".join(summary.split()),
        tests=" ".join(str(raw.get("tests") or "").split()),
        settings=settings,
        conflicts_with=conflicts,
        edits=edits,
        by_setting=by_setting,
        source=str(path),
        line=line,
        builtin=builtin,
    )


def load_variation_file(path: str | Path, builtin: bool = False) -> dict[str, Variation]:
    """Every variation in one YAML file, checked (errors name the file, line and variation)."""
    p = Path(path).expanduser()
    data = _read_yaml(p)
    variations = data["variations"]
    lines = getattr(variations, "key_lines", {})
    return {
        name: _parse_variation(name, raw, p, builtin, lines.get(name, 0)) for name, raw in variations.items()
    }


def _library_dir() -> Path:
    return Path(str(resources.files("af_inspect.prompts") / "variations"))


@cache
def builtin_variations() -> dict[str, Variation]:
    """The shipped library, all files of `prompts/variations/`, names unique across files."""
    library: dict[str, Variation] = {}
    for path in sorted(_library_dir().glob("*.yaml")):
        for name, v in load_variation_file(path, builtin=True).items():
            if name in library:
                raise VariationError(
                    f"Variation '{name}' is defined in both {library[name].source} and {path}."
                )
            library[name] = v
    return library


@cache
def option_edits() -> dict[str, Variation]:
    """The edits behind task options (`scratchpad=false`, `situational_info=minimal`): not variations."""
    path = Path(str(resources.files("af_inspect.prompts") / "options.yaml"))
    return load_variation_file(path, builtin=True)


# --- choosing and combining ---------------------------------------------------------------------

RETIRED = {
    f"paraphrase_{name}": (
        f"'paraphrase_{name}' is no longer a variation: it is member '{name}' of the paraphrase ensemble "
        f"(prompts/paraphrases/), chosen with the paraphrase option (build_system_prompt(paraphrase='{name}')); "
        "variations apply on top of it. `af-inspect variations --paraphrase NAME` shows one."
    )
    for name in ("a", "b")
}
"""Names that used to be variations, with where they went (task names keep `paraphrase_a`/`paraphrase_b`)."""

FILE_REF = re.compile(r"^(?P<path>.+\.ya?ml)(?::(?P<name>[^:/\\]+))?$", re.IGNORECASE)


def resolve_variations(spec: str | list[str] | None, setting: str) -> list[Variation]:
    """`a,b,file.yaml:c` -> the variations, checked for the setting and for conflicts, in order."""
    chosen: list[Variation] = []
    for item in as_list(spec):
        if item in ("default", "none"):
            continue
        chosen.append(lookup_variation(item))
    seen: dict[str, int] = {}
    for v in chosen:
        if v.label in seen:
            raise VariationError(f"Variation '{v.label}' is listed twice.")
        seen[v.label] = 1
        if not v.applies_to(setting):
            raise VariationError(
                f"Variation '{v.label}' applies only to the {', '.join(v.settings or ())} setting(s), "
                f"not {setting}."
            )
    check_conflicts(chosen, setting)
    return chosen


def lookup_variation(item: str) -> Variation:
    """A built-in variation by name, or `FILE.yaml:NAME` (or `FILE.yaml` holding one) from a user's file."""
    m = FILE_REF.match(item)
    if m:
        variations = load_variation_file(m.group("path"))
        name = m.group("name")
        if name is None:
            if len(variations) == 1:
                return next(iter(variations.values()))
            raise VariationError(
                f"{m.group('path')} defines several variations; choose one as {m.group('path')}:NAME "
                f"(NAME one of: {', '.join(variations)})."
            )
        if name not in variations:
            raise VariationError(
                f"{m.group('path')} has no variation '{name}'.{did_you_mean(name, variations)} "
                f"It defines: {', '.join(variations)}."
            )
        return variations[name]
    library = builtin_variations()
    if item in RETIRED:
        raise VariationError(RETIRED[item])
    if item not in library:
        raise VariationError(
            f"Unknown variation {item!r}.{did_you_mean(item, library)} Valid variations: {', '.join(sorted(library))}. "
            "A variation from your own file: PATH.yaml:NAME (see `af-inspect variations`)."
        )
    return library[item]


_VERB = {"remove": "removes", "replace": "replaces", "edit": "edits", "insert": "inserts"}


def _footprint(v: Variation, setting: str) -> dict[str, Any]:
    sections: dict[str, set[str]] = {}
    anchors: set[str] = set()
    values: dict[str, str] = {}
    turn: set[str] = set()
    for e in v.edits_for(setting):
        if e.op in _VERB and e.section:
            sections.setdefault(e.section, set()).add(e.op)
            if e.anchor:
                anchors.add(e.anchor)
        elif e.op == "set":
            values.update(e.values)
        elif e.op == "user_turn":
            turn.update(e.values)
    return {"sections": sections, "anchors": anchors, "values": values, "turn": turn}


def conflict_reason(a: Variation, b: Variation, setting: str) -> str | None:
    """Why `a` and `b` cannot be combined in `setting`, or None when they can."""
    if b.name in a.conflicts_with or a.name in b.conflicts_with:
        return f"'{a.label}' declares that it cannot be combined with '{b.label}'"
    fa, fb = _footprint(a, setting), _footprint(b, setting)
    for section in sorted(set(fa["sections"]) & set(fb["sections"])):
        ops_a, ops_b = fa["sections"][section], fb["sections"][section]
        if ops_a == ops_b == {"edit"}:
            continue  # passages of one section: checked when applied
        verb = lambda ops: " and ".join(_VERB[o] for o in sorted(ops))  # noqa: E731
        return f"'{a.label}' {verb(ops_a)} section '{section}' and '{b.label}' {verb(ops_b)} it"
    for first, second, fx, fy in ((a, b, fa, fb), (b, a, fb, fa)):
        for anchor in sorted(fx["anchors"]):
            if "remove" in fy["sections"].get(anchor, set()):
                return f"'{first.label}' inserts next to section '{anchor}', which '{second.label}' removes"
    for key in sorted(set(fa["values"]) & set(fb["values"])):
        if fa["values"][key] != fb["values"][key]:
            return (
                f"both set ${{{key}}} ('{a.label}' to {fa['values'][key]!r}, "
                f"'{b.label}' to {fb['values'][key]!r})"
            )
    for key in sorted(fa["turn"] & fb["turn"]):
        return f"both change the user turn's {key}"
    return None


def check_conflicts(variations: list[Variation], setting: str) -> None:
    for i, a in enumerate(variations):
        for b in variations[i + 1 :]:
            reason = conflict_reason(a, b, setting)
            if reason:
                raise VariationError(
                    f"Variations '{a.label}' and '{b.label}' conflict: {reason}. To combine them anyway, "
                    "write one variation in your own YAML file that makes the edits you mean."
                )


def apply_variations(
    spec: PromptSpec, turn: UserTurnFormat, variations: list[Variation], strict: bool = True
) -> tuple[PromptSpec, UserTurnFormat]:
    """Apply each variation's edits for the spec's setting, in order."""
    for v in variations:
        for edit in v.edits_for(spec.setting):
            spec, turn = apply_edit(spec, turn, edit, strict=strict)
    return spec, turn
