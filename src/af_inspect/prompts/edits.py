"""Edits of a prompt's named sections and of the user turn: the operations variations are made of.

A variation (see `af_inspect.prompts.variation_library`) is a list of edits read from YAML. Each edit is one of:

- `remove: SECTION`                         drop a section;
- `replace: SECTION` + `text`               give a section new text;
- `insert: NEW` + `text` + `after|before`   add a section next to an existing one (`at: end` appends);
- `edit: SECTION` + `old` (+ `new`)         replace one passage inside a section (no `new`: delete it);
                                            `old` matches once, ignoring how the text is wrapped;
- `set: {name: value}`                      set placeholders such as `${developer}`;
- `user_turn: {tier_line, tier_values}`     change the tier signal the user turn carries.

Errors name where the edit came from (file, line, variation) and the section, so a YAML mistake is
found without reading Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from af_inspect.core.params import ParameterError
from af_inspect.prompts.render import PromptSpec, UserTurnFormat

OPS = ("remove", "replace", "insert", "edit", "set", "user_turn")
USER_TURN_KEYS = ("tier_line", "tier_values")


class VariationError(ParameterError):
    """A variation cannot be loaded, combined or applied; the message says which file, variation, section."""


@dataclass(frozen=True)
class Edit:
    """One edit of a prompt (see the module docstring for the operations)."""

    op: str
    section: str | None = None
    text: str | None = None
    old: str | None = None
    after: str | None = None
    before: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    origin: str = ""
    """Where the edit was written, for error messages: "variation 'x' (file.yaml, line 12)"."""

    @property
    def anchor(self) -> str | None:
        return self.after or self.before


def parse_edit(raw: Any, origin: str) -> Edit:
    """Check one YAML edit mapping and turn it into an `Edit`."""
    if not isinstance(raw, dict):
        raise VariationError(f"{origin}: each edit must be a mapping such as '- remove: rlhf', not {raw!r}.")
    ops = [k for k in raw if k in OPS]
    if len(ops) != 1:
        raise VariationError(
            f"{origin}: each edit needs exactly one operation out of {', '.join(OPS)}; "
            f"found {', '.join(map(str, raw)) or 'nothing'}."
        )
    op = ops[0]
    allowed = {
        "remove": {"remove"},
        "replace": {"replace", "text"},
        "insert": {"insert", "text", "after", "before", "at"},
        "edit": {"edit", "old", "new"},
        "set": {"set"},
        "user_turn": {"user_turn"},
    }[op]
    unknown = sorted(str(k) for k in raw if k not in allowed)
    if unknown:
        raise VariationError(
            f"{origin}: unknown key(s) {', '.join(unknown)} in a '{op}' edit. Allowed: {', '.join(sorted(allowed))}."
        )
    value = raw[op]

    def text_field(key: str, required: bool = True) -> str | None:
        v = raw.get(key)
        if v is None and not required:
            return None
        if not isinstance(v, str) or (required and not v.strip()):
            raise VariationError(f"{origin}: a '{op}' edit needs a non-empty text '{key}'.")
        return v

    if op in ("remove", "replace", "insert", "edit"):
        if not isinstance(value, str) or not value.strip():
            raise VariationError(f"{origin}: '{op}' needs a section name, not {value!r}.")
        section = value.strip()
    if op == "remove":
        return Edit("remove", section=section, origin=origin)
    if op == "replace":
        return Edit("replace", section=section, text=text_field("text"), origin=origin)
    if op == "insert":
        places = [k for k in ("after", "before", "at") if k in raw]
        if len(places) != 1 or ("at" in raw and raw["at"] != "end"):
            raise VariationError(
                f"{origin}: an 'insert' edit needs exactly one of 'after: SECTION', 'before: SECTION' or 'at: end'."
            )
        return Edit(
            "insert",
            section=section,
            text=text_field("text"),
            after=raw.get("after"),
            before=raw.get("before"),
            origin=origin,
        )
    if op == "edit":
        new = raw.get("new")
        if new is not None and not isinstance(new, str):
            raise VariationError(f"{origin}: 'new' must be text (or left out to delete the passage).")
        return Edit("edit", section=section, old=text_field("old"), text=new, origin=origin)
    if op == "set":
        if not isinstance(value, dict) or not value:
            raise VariationError(f"{origin}: 'set' needs a mapping of placeholder names to values.")
        bad = [
            k for k, v in value.items() if not isinstance(v, str) or not re.fullmatch(r"[A-Za-z_]\w*", str(k))
        ]
        if bad:
            raise VariationError(f"{origin}: 'set' values must be text, under placeholder names; bad: {bad}.")
        return Edit("set", values=dict(value), origin=origin)
    # user_turn
    if not isinstance(value, dict) or not value:
        raise VariationError(f"{origin}: 'user_turn' needs a mapping with {' and/or '.join(USER_TURN_KEYS)}.")
    unknown = sorted(str(k) for k in value if k not in USER_TURN_KEYS)
    if unknown:
        raise VariationError(
            f"{origin}: unknown user_turn key(s) {', '.join(unknown)}. Allowed: {', '.join(USER_TURN_KEYS)}."
        )
    if "tier_line" in value and (not isinstance(value["tier_line"], str) or not value["tier_line"].strip()):
        raise VariationError(f"{origin}: user_turn 'tier_line' must be a non-empty text.")
    if "tier_values" in value:
        tv = value["tier_values"]
        if not isinstance(tv, dict) or not tv:
            raise VariationError(
                f"{origin}: user_turn 'tier_values' must map each tier to a value (or null)."
            )
        for tier, v in tv.items():
            if not re.fullmatch(r"[a-z][a-z0-9_]*", str(tier)):
                raise VariationError(f"{origin}: tier name {tier!r} must be lower-case letters, digits, '_'.")
            if v is not None and not isinstance(v, str | int | bool):
                raise VariationError(f"{origin}: the value of tier {tier!r} must be text or null.")
    return Edit("user_turn", values=dict(value), origin=origin)


def passage_pattern(old: str) -> re.Pattern[str]:
    """Match `old` whatever its line wrapping and indentation (runs of whitespace are equivalent)."""
    words = old.split()
    return re.compile(r"\s+".join(re.escape(w) for w in words))


def _missing(edit: Edit, section: str, spec: PromptSpec) -> VariationError:
    return VariationError(
        f"{edit.origin}: section '{section}' does not exist in the {spec.setting} prompt "
        f"(it has: {', '.join(spec.order)})."
    )


def apply_edit(
    spec: PromptSpec, turn: UserTurnFormat, edit: Edit, strict: bool = True
) -> tuple[PromptSpec, UserTurnFormat]:
    """Apply one edit, returning new objects. With `strict=False` an edit of a missing section is skipped
    (used by task options such as `scratchpad=false`, which adapt whatever prompt the variations left)."""
    order, sections, vars_ = list(spec.order), dict(spec.sections), dict(spec.vars)
    if edit.op in ("remove", "replace", "edit"):
        name = edit.section or ""
        if name not in order:
            if not strict:
                return spec, turn
            raise _missing(edit, name, spec)
        if edit.op == "remove":
            order.remove(name)
        elif edit.op == "replace":
            sections[name] = edit.text or ""
        else:
            sections[name] = _edit_passage(spec, edit, sections[name], strict)
    elif edit.op == "insert":
        name = edit.section or ""
        if name in order:
            raise VariationError(
                f"{edit.origin}: cannot insert section '{name}': the {spec.setting} prompt already has it."
            )
        if edit.anchor is None:
            order.append(name)
        else:
            if edit.anchor not in order:
                if not strict:
                    return spec, turn
                raise _missing(edit, edit.anchor, spec)
            i = order.index(edit.anchor)
            order.insert(i + 1 if edit.after else i, name)
        sections[name] = edit.text or ""
    elif edit.op == "set":
        vars_.update(edit.values)
    elif edit.op == "user_turn":
        updates: dict[str, Any] = {}
        if "tier_line" in edit.values:
            updates["tier_line"] = edit.values["tier_line"].strip("\n")
        if "tier_values" in edit.values:
            updates["tier_values"] = {
                str(k): (None if v is None else _yaml_scalar(v))
                for k, v in edit.values["tier_values"].items()
            }
        turn = replace(turn, **updates)
    return replace(spec, order=order, sections=sections, vars=vars_), turn


def _yaml_scalar(v: Any) -> str:
    """YAML reads `true` as a boolean; the user turn needs the text the model will see."""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _edit_passage(spec: PromptSpec, edit: Edit, text: str, strict: bool) -> str:
    pattern = passage_pattern(edit.old or "")
    found = list(pattern.finditer(text))
    if len(found) != 1:
        if not strict and not found:
            return text
        preview = " ".join((edit.old or "").split())
        preview = preview if len(preview) <= 70 else preview[:67] + "..."
        how = "does not contain" if not found else f"contains {len(found)} times"
        why = "an earlier variation may have changed it"
        if spec.paraphrase:
            why = (
                f"paraphrase '{spec.paraphrase}' words this section differently from the default prompt the "
                "passage was written for, or an earlier variation changed it; this variation cannot be "
                f"combined with paraphrase '{spec.paraphrase}'"
            )
        raise VariationError(
            f"{edit.origin}: section '{edit.section}' of the {spec.setting} prompt "
            f"{'(paraphrase ' + repr(spec.paraphrase) + ') ' if spec.paraphrase else ''}{how} the passage "
            f'"{preview}" ({why}).'
        )
    m = found[0]
    start, end = m.start(), m.end()
    new = edit.text
    if new is None or not new.strip():
        # delete the passage and the space that separated it from its neighbour
        if end < len(text) and text[end] == " ":
            end += 1
        elif start > 0 and text[start - 1] == " ":
            start -= 1
        return text[:start] + text[end:]
    return text[:start] + new.strip() + text[end:]
