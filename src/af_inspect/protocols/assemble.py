"""The system prompt and the user turn a run sends, from its protocol and the task's options.

The protocol says where each comes from (built-in sections, a pinned URL, a notebook's template); a local
file given with `-T system_prompt=` / `-T user_turn=` replaces the protocol's source (how a published setup
is reproduced offline). Options that contradict the protocol are refused here, with the reason, before any
model call. The record returned goes into the log: where each text came from and its sha256.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from af_inspect.core.choices import ALL_TIERS, SituationalInfo
from af_inspect.core.params import ParameterError, as_list
from af_inspect.core.sources import sha256
from af_inspect.prompts.build import BuiltPrompt, build_system_prompt
from af_inspect.prompts.render import TemplateTurn, UserTurn, load_user_turn_format, paraphrase_members
from af_inspect.protocols.protocol import DEFAULT as DEFAULT_PROTOCOL
from af_inspect.protocols.protocol import Protocol, ProtocolError
from af_inspect.protocols.texts import whole_texts

ACCEPT_TAG = "<request_fully_accepted/>"


@dataclass(frozen=True)
class PromptOptions:
    """What shapes the system prompt and the user turn beyond the protocol (protocols/assemble.py)."""

    tier: str = "both"
    """`both`/`all` or the tiers named (checked against the user turn's tiers: `resolve_tiers`)."""
    system_prompt: str | None = None
    """A prompt file used verbatim (replaces the protocol's source)."""
    user_turn: str | None = None
    """A user-turn template file (replaces the protocol's)."""
    tier_values: dict[str, str] | None = None
    """The values shown for the free and the paid tier, when passed."""
    accept_reject_suffix: bool | None = None
    """As passed (None: `accept_reject_default`, unless a template carries the instruction itself)."""
    accept_reject_default: bool = False
    """The protocol's default for the setting (resolved with the run: `run_config.resolve_run`)."""
    variations: tuple[str, ...] = ()
    scratchpad: bool = True
    situational_info: SituationalInfo = "prompt"
    salient_facts: str | None = None
    paraphrase: str | None = None
    """One member of the paraphrase ensemble (None: the default wording)."""
    paraphrases: Any = None
    """Build the first N members of the ensemble instead, as passed (checked with the paraphrase file:
    `prompts.render.paraphrase_members`)."""
    prompt_vars: dict[str, str] = field(default_factory=dict)
    """Placeholder values (`model_name`, `current_date`) for `situational_info=minimal`."""


@dataclass(frozen=True)
class Prompts:
    """What a run sends (before the query): the system prompt (one per paraphrase of an ensemble), the user
    turn, whether the accept/reject instruction is appended, and the protocol's record for the log."""

    prompt: BuiltPrompt
    """The first (or only) system prompt: its label and metadata describe the run."""
    texts: dict[str, str]
    """Paraphrase name ('' for the default wording) -> system prompt text."""
    turn: UserTurn
    accept_reject_suffix: bool
    record: dict[str, Any]
    label: str
    """What differs from the protocol's prompt, for the task name (`paraphrases6+cut_rlhf`, '' for nothing)."""
    tiers: list[str]
    """The tiers the run asks in, in the user turn's order."""
    task_name: str | None
    """The task's name (`task_name`); None: the registry's name."""


def resolve_tiers(tier: str, available: list[str]) -> list[str]:
    """`both`/`all` -> every tier the prompt defines; else the named tiers (comma-separated), checked."""
    if str(tier).strip() in ALL_TIERS:
        return list(available)
    chosen = as_list(tier)
    bad = [t for t in chosen if t not in available]
    if bad or not chosen:
        raise ParameterError(
            f"Unknown value {tier!r} for parameter 'tier'. Valid values: {', '.join([*ALL_TIERS, *available])}"
            " (or a comma-separated list of tiers)."
        )
    return [t for t in available if t in chosen]


def task_name(setting: str, protocol: str, label: str) -> str | None:
    """`<setting>[+<protocol>][+<prompt label>]`; None (the registry name) for the default protocol and prompt."""
    parts = ([] if protocol == DEFAULT_PROTOCOL else [protocol]) + ([label] if label else [])
    return "+".join([setting, *parts]) if parts else None


def ensemble_label(first: str, members: int) -> str:
    """The prompt label of a run over `members` paraphrases whose first prompt is labelled `first`: an
    ensemble is named by its size (`paraphrases6+cut_rlhf`), not by its first member."""
    if members <= 1:
        return first
    return "+".join(
        [f"paraphrases{members}", *[p for p in first.split("+") if not p.startswith("paraphrase_")]]
    )


def protocol_prompts(proto: Protocol, setting: str, options: PromptOptions) -> Prompts:
    """The prompt(s), the user turn, the tiers asked, the task's name and the protocol's record (see the module
    docstring). The paraphrase members are checked first, before a published prompt is fetched.

    `options.accept_reject_suffix` None takes the protocol's default for the setting (resolved with the run and
    carried in `options.accept_reject_default`), except that a template
    that carries the accept/reject instruction itself never gets a second one: this is the one place the
    instruction is decided (`Prompts.accept_reject_suffix`).
    """
    o = options
    system_prompt, user_turn, tier_values = o.system_prompt, o.user_turn, o.tier_values
    accept_reject_suffix, variations = o.accept_reject_suffix, list(o.variations)
    suffix = o.accept_reject_default if accept_reject_suffix is None else accept_reject_suffix
    members = paraphrase_members(setting, o.paraphrase, o.paraphrases)  # checked before any fetch
    whole = whole_texts(proto, system_prompt, user_turn)  # fetched before anything is built
    verbatim = (whole.system_prompt.text, whole.system_prompt.source) if whole.system_prompt else None
    built = {
        name or "": build_system_prompt(
            setting,
            variations=variations,
            scratchpad=o.scratchpad,
            situational_info=o.situational_info,
            salient_facts=o.salient_facts,
            verbatim=verbatim,
            paraphrase=name,
            prompt_vars=o.prompt_vars,
        )
        for name in members
    }
    prompt = next(iter(built.values()))
    label = ensemble_label(prompt.label, len(built))
    builtin = load_user_turn_format()
    if whole.user_turn is None:
        turn: UserTurn = prompt.user_turn
        values = tier_values or (proto.tier_values if proto.tier_values != builtin.tier_values else None)
        if values is not None:
            if turn.tier_values != builtin.tier_values:
                raise ProtocolError(
                    f"tier_values cannot be combined with the variation(s) {', '.join(variations)}: they change "
                    "the tier signal of the user turn themselves."
                )
            turn = type(turn)(turn.template, turn.tier_line, dict(values), turn.accept_reject_suffix)
        turn_source, turn_sha = "built-in", sha256(turn.template + turn.tier_line)
    else:
        text, turn_source = whole.user_turn.text, whole.user_turn.source
        if prompt.user_turn != builtin:
            raise ProtocolError(
                f"The variation(s) {', '.join(variations)} change the user turn, which the template "
                f"{turn_source} fixes; drop them or edit the template."
            )
        if ACCEPT_TAG in text:
            if accept_reject_suffix:
                raise ProtocolError(
                    f"accept_reject_suffix=true would add a second accept/reject instruction: the template "
                    f"{turn_source} carries one already."
                )
            suffix = False
        turn = TemplateTurn(text, dict(tier_values or proto.tier_values), builtin.accept_reject_suffix)
        turn_sha = sha256(text)
    record = {
        "name": proto.name,
        "title": proto.title,
        "file": proto.file,
        "system_prompt": {
            "source": prompt.source,
            "sha256": prompt.metadata["system_prompt_sha256"]
            if len(built) == 1
            else {name: b.metadata["system_prompt_sha256"] for name, b in built.items()},
            "local_copy": bool(system_prompt) and proto.system_prompt.kind != "builtin",
        },
        "user_turn": {
            "source": turn_source,
            "sha256": turn_sha,
            "tier_values": {t: turn.tier_values[t] for t in turn.tiers},
            "local_copy": bool(user_turn) and proto.user_turn.kind != "builtin",
        },
    }
    texts = {name: b.text for name, b in built.items()}
    tiers = resolve_tiers(o.tier, turn.tiers)
    return Prompts(prompt, texts, turn, suffix, record, label, tiers, task_name(setting, proto.name, label))
