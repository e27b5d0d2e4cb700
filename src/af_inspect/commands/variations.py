"""`af-inspect variations`: list the prompt variations, or show what one changes as a diff of the prompt."""

from __future__ import annotations

import argparse
import difflib
from pathlib import Path

from af_inspect.core.errors import UsageError
from af_inspect.core.params import as_list
from af_inspect.prompts.build import BuiltPrompt, build_system_prompt
from af_inspect.prompts.render import available_settings, paraphrase_names, paraphrase_summary
from af_inspect.prompts.variation_library import (
    Variation,
    builtin_variations,
    load_variation_file,
    resolve_variations,
)
from af_inspect.settings import default_setting

NAME = "variations"
HELP = "List the prompt variations, or show one as a diff of the rendered prompt against the default."

EXAMPLE_QUERY = "<the query>"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "name",
        nargs="?",
        help="Variation(s) to show, comma-separated as in -T variation=... (FILE.yaml:NAME for your own).",
    )
    parser.add_argument(
        "--setting", choices=available_settings(), help=f"Setting to render (default: {default_setting()})."
    )
    parser.add_argument(
        "--file", action="append", default=[], help="Also list the variations of this YAML file."
    )
    parser.add_argument("--no-scratchpad", action="store_true", help="Render with -T scratchpad=false.")
    parser.add_argument("--minimal", action="store_true", help="Render with -T situational_info=minimal.")
    parser.add_argument("--salient-facts", metavar="FILE", help="Render with -T salient_facts=FILE.")
    parser.add_argument(
        "--paraphrase", metavar="NAME", help="Start from this member of the paraphrase ensemble (a, b, ...)."
    )
    parser.add_argument("--full", action="store_true", help="Print the whole rendered prompt, not a diff.")


def run(args: argparse.Namespace) -> int:
    shaped = args.no_scratchpad or args.minimal or args.salient_facts or args.paraphrase
    if not args.name and not shaped:
        print(listing([load_variation_file(f) for f in args.file]))
        return 0
    setting = args.setting or _default_setting(args.name)
    varied = build_system_prompt(
        setting,
        variations=as_list(args.name),
        scratchpad=not args.no_scratchpad,
        situational_info="minimal" if args.minimal else "prompt",
        salient_facts=args.salient_facts,
        paraphrase=args.paraphrase,
    )
    if args.full:
        print(varied.text)
        return 0
    # with variations named, show what they change on the paraphrase; else the paraphrase against the default
    default = build_system_prompt(setting, paraphrase=args.paraphrase if args.name else None)
    print(prompt_diff(default, varied, setting))
    return 0


def _default_setting(spec: str | None) -> str:
    """The default setting, unless the variations named apply only to another setting."""
    settings = available_settings()
    if spec:
        for s in [default_setting(), *settings]:
            try:
                resolve_variations(spec, s)
                return s
            except UsageError:
                continue
    return default_setting()


def listing(extra_files: list[dict[str, Variation]] | None = None) -> str:
    """One line per variation, grouped by the file that defines it."""
    groups: dict[str, list[Variation]] = {}
    for v in builtin_variations().values():
        groups.setdefault(Path(v.source).stem, []).append(v)
    for variations in extra_files or []:
        for v in variations.values():
            groups.setdefault(v.source, []).append(v)
    width = max(len(v.ref if not v.builtin else v.name) for vs in groups.values() for v in vs) + 2
    lines = []
    for group, variations in groups.items():
        lines.append(f"{group}:")
        for v in variations:
            name = v.name if v.builtin else v.ref
            scope = "" if v.settings is None else f"[{', '.join(v.settings)} only] "
            lines.append(f"  {name:<{width}}{scope}{v.summary}")
    for setting in available_settings():
        names = paraphrase_names(setting)
        lines.append(f"paraphrase ensemble, {setting} ({len(names)}; the worked examples are shared):")
        lines += [f"  {name:<{width}}{paraphrase_summary(setting, name)}" for name in names]
    lines += [
        "",
        "Combine with commas: -T variation=cut_rlhf,honesty. One paraphrase: -T paraphrase=a; the ensemble:",
        "-T paraphrases=6. Your own file: -T variation=FILE.yaml:NAME.",
        "Task options that also reshape the prompt: -T scratchpad=false, -T situational_info=minimal,",
        "-T salient_facts=FILE. Show any of them as a diff: af-inspect variations NAME [--setting S].",
        "A paraphrase is the base the variations edit: af-inspect variations [NAME] --paraphrase P.",
    ]
    return "\n".join(lines)


def prompt_diff(default: BuiltPrompt, varied: BuiltPrompt, setting: str) -> str:
    """Unified diff of the system prompt, and of the user turn when the tier signal changed."""
    label = varied.label or "default"
    base = default.label or "default"
    parts = [
        _diff(
            default.text,
            varied.text,
            f"{setting} system prompt ({base})",
            f"{setting} system prompt ({label})",
        )
    ]
    old_turn, new_turn = default.user_turn, varied.user_turn
    if old_turn != new_turn:
        for tier in dict.fromkeys([*new_turn.tiers, *old_turn.tiers]):
            before = old_turn.render(EXAMPLE_QUERY, tier, False) if tier in old_turn.tier_values else ""
            after = new_turn.render(EXAMPLE_QUERY, tier, False) if tier in new_turn.tier_values else ""
            parts.append(
                _diff(before, after, f"user turn, tier {tier} ({base})", f"user turn, tier {tier} ({label})")
            )
    text = "\n".join(p for p in parts if p)
    return text or f"The {label} prompt is identical to the {base} {setting} prompt."


def _diff(a: str, b: str, from_name: str, to_name: str) -> str:
    lines = difflib.unified_diff(
        a.splitlines(keepends=True), b.splitlines(keepends=True), fromfile=from_name, tofile=to_name
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
