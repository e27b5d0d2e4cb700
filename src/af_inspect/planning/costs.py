"""What a run will send, counted before anything is sent, and what it costs at published prices.

`workload(task)` runs the task's solvers on every sample up to the first model call (so the messages are
exactly those the model would receive), reads the judges the task recorded in its metadata (rubric, votes,
what a transcript needs for a grader call: `scorers/judge.py`), and returns the requests of the run as
`RequestGroup`s: how many, how many tokens in and out, and which part of every prompt is an identical
prefix (what prompt caching can reuse). `price(workload, ...)` prices them with the table in `prices.yaml`,
with or without each lever (`Levers`).

Tokens are the offline estimate of `af_inspect.core.tokens` (about four characters a token). What a run cannot know in advance (how long the model's transcripts are, how often it
complies) comes from the `assumptions` in `prices.yaml`, printed with every estimate.
"""

from __future__ import annotations

import asyncio
import difflib
import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

import yaml
from inspect_ai import Task
from inspect_ai.model import ChatMessage, ChatMessageUser, ModelName
from inspect_ai.solver import TaskState

from af_inspect.core import names
from af_inspect.core.errors import UsageError
from af_inspect.core.providers import capabilities, provider_of
from af_inspect.core.tokens import CHARS_PER_TOKEN, estimate_tokens
from af_inspect.scorers.rubrics import load_rubric
from af_inspect.settings import default_setting

PRICES_FILE = Path(__file__).with_name("prices.yaml")
MTOK = 1_000_000


# --------------------------------------------------------------------------------------------- prices


class PriceTableError(UsageError):
    """The price table file is missing a field or has a value it cannot use."""


@dataclass(frozen=True)
class Price:
    """Published prices of one model, USD per million tokens, and what its API supports."""

    id: str
    model: str
    provider: str
    input: float
    output: float
    cache_read: float
    cache_write: float
    cache_style: Literal["explicit", "automatic"]
    """`explicit`: Anthropic-style breakpoints, writes cost extra; `automatic`: OpenAI-style prefix cache."""
    min_cache_tokens: int
    batch_discount: float
    num_choices: bool
    source: str
    aliases: tuple[str, ...] = ()
    """Other names of the same model (e.g. `openai/gpt-4o` for `openai/gpt-4o-2024-08-06`): priced as it, and said so."""
    as_of: str = ""
    """When the prices were read off `source` (default: the table's `as_of`)."""

    @property
    def priced(self) -> bool:
        """False for a model the table does not price (its prices are NaN: costs come out empty)."""
        return not math.isnan(self.input)


LOCAL_PRICE_ID = "local ($0)"
UNPRICED_ID = "unpriced"


@dataclass(frozen=True)
class Assumptions:
    """What cannot be known before a run (see prices.yaml for where each figure comes from)."""

    model_output_tokens: int = 800
    output_tokens: int = 200
    turns: float = 1.0
    compliance_free: float = 0.5
    compliance_paid: float = 0.5
    scratchpad_rate: float = 1.0
    output_rate: float = 1.0
    vote_output_tokens: dict[str, int] = field(default_factory=dict)

    def compliance(self, tier: str) -> float:
        return self.compliance_free if tier == "free" else self.compliance_paid

    def vote_tokens(self, scorer: str) -> int:
        return int(self.vote_output_tokens.get(scorer, 250))


@dataclass(frozen=True)
class PriceTable:
    as_of: str
    models: dict[str, Price]
    assumptions: Assumptions
    source: str

    def find(self, model: str | None) -> Price | None:
        """The price for a model name as the table spells it (table id, model, alias; provider optional), or None."""
        if not model:
            return None
        if model in self.models:
            return self.models[model]
        for p in self.models.values():
            for name in (p.model, *p.aliases):
                if model == name or ("/" not in model and model == name.split("/", 1)[-1]):
                    return p
        return None

    def names(self) -> list[str]:
        """Every model name the table prices, for error messages."""
        return [n for p in self.models.values() for n in (p.model, *p.aliases)]

    def listing(self) -> str:
        """`model (or alias, ...)` for every entry, for error messages."""
        return ", ".join(
            p.model + (f" (or {', '.join(p.aliases)})" if p.aliases else "") for p in self.models.values()
        )

    def lookup(self, model: str, option: str = "--model") -> tuple[Price, str]:
        """The price for `model` and a note saying how it was matched.

        Never a guess: an exact name, an alias listed in the table (the note names the dated entry it stands
        for), or a local provider (`providers.py`: `local`, priced at $0). Any other model is planned in
        requests and tokens with NaN prices (an empty cost column), never at another model's prices; the note
        names the closest priced model and how to add one.
        """
        price = self.find(model)
        if price is not None:
            if model in (price.model, price.id):
                return price, ""
            return (
                price,
                f"{option} {model} is priced as {price.model} (entry {price.id!r} of {self.source}).",
            )
        provider = provider_of(model)
        if capabilities(provider).local:
            local = Price(
                id=LOCAL_PRICE_ID, model=model, provider=provider, input=0.0, output=0.0, cache_read=0.0,
                cache_write=0.0, cache_style="automatic", min_cache_tokens=0, batch_discount=0.0,
                num_choices=False, source="runs locally: no per-token price", as_of="",
            )  # fmt: skip
            return local, f"{option} {model} runs locally ({provider}/): priced at $0."
        nan = math.nan
        unpriced = Price(
            id=UNPRICED_ID, model=model, provider=provider, input=nan, output=nan, cache_read=nan,
            cache_write=nan, cache_style="automatic", min_cache_tokens=0, batch_discount=0.0,
            num_choices=capabilities(provider).num_choices, source="not in the price table", as_of="",
        )  # fmt: skip
        close = closest_priced(model, self.names())
        return unpriced, (
            f"{option} {model} is not in the price table {self.source}: planned in requests and tokens, "
            "its cost left empty."
            + (f" Did you mean {close!r}?" if close else "")
            + " To price it, copy the table, add an entry for the model (prices as published, with their "
            "source) and pass it with --prices FILE."
        )


def _family(name: str) -> tuple[str, str, set[str]]:
    """(provider, family, words) of a model name: the family is the letters its name starts with, the words
    every alphabetic part: `anthropic/claude-opus-4-1` -> (anthropic, claude, {claude, opus});
    `openai/o4-mini` -> (openai, o, {o, mini}); `openai/gpt-4o` -> (openai, gpt, {gpt, o})."""
    bare = name.split("/")[-1].lower()
    lead = re.match(r"[a-z]*", bare)
    return provider_of(name), lead.group(0) if lead else "", {w for w in re.split(r"[^a-z]+", bare) if w}


def closest_priced(model: str, names: list[str]) -> str | None:
    """The priced name to suggest for an unpriced model: the same provider first, then the same family
    (`o4-mini` -> `o3`, not `gpt-4o-mini`), then the most words in common (`claude-opus-4-0` -> an Opus, not
    a Haiku), then spelling; None when nothing shares the provider or the family."""
    provider, family, words = _family(model)
    bare = model.split("/")[-1].lower()

    def rank(name: str) -> tuple[int, int, int, float]:
        p, f, w = _family(name)
        return (
            int(bool(provider) and p == provider),
            int(bool(family) and f == family),
            len(words & w),
            difflib.SequenceMatcher(None, bare, name.split("/")[-1]).ratio(),
        )

    best = max(names, key=rank, default=None)
    if best is None:
        return None
    same_provider, same_family, _, _ = rank(best)
    return best if same_provider or same_family else None


_PRICE_FIELDS = {f.name for f in fields(Price)} - {"id", "aliases", "as_of"}


def load_price_table(path: str | os.PathLike[str] | None = None) -> PriceTable:
    """Read `prices.yaml` (or a file of the same shape); errors name the file and the entry."""
    source = Path(path) if path else PRICES_FILE
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PriceTableError(f"Price table {source} does not exist.") from None
    except yaml.YAMLError as e:
        raise PriceTableError(f"Price table {source} is not valid YAML: {e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict) or not data["models"]:
        raise PriceTableError(f"Price table {source} needs a non-empty 'models' mapping.")
    models: dict[str, Price] = {}
    for mid, entry in data["models"].items():
        if not isinstance(entry, dict):
            raise PriceTableError(f"{source}: models.{mid} must be a mapping.")
        if not isinstance(entry.get("aliases") or [], list):
            raise PriceTableError(f"{source}: models.{mid}.aliases must be a list of model names.")
        missing = sorted(_PRICE_FIELDS - set(entry))
        if missing:
            raise PriceTableError(f"{source}: models.{mid} is missing {', '.join(missing)}.")
        try:
            price = Price(
                id=str(mid),
                model=str(entry["model"]),
                provider=str(entry["provider"]),
                input=float(entry["input"]),
                output=float(entry["output"]),
                cache_read=float(entry["cache_read"]),
                cache_write=float(entry["cache_write"]),
                cache_style=entry["cache_style"],
                min_cache_tokens=int(entry["min_cache_tokens"]),
                batch_discount=float(entry["batch_discount"]),
                num_choices=bool(entry["num_choices"]),
                source=str(entry["source"]),
                aliases=tuple(str(a) for a in entry.get("aliases") or ()),
                as_of=str(entry.get("as_of") or data.get("as_of", "unknown")),
            )
        except (TypeError, ValueError) as e:
            raise PriceTableError(f"{source}: models.{mid} has a value of the wrong type ({e}).") from None
        if price.cache_style not in ("explicit", "automatic"):
            raise PriceTableError(
                f"{source}: models.{mid}.cache_style must be explicit or automatic, not {price.cache_style!r}."
            )
        if min(price.input, price.output, price.cache_read, price.cache_write) < 0 or not (
            0 <= price.batch_discount < 1
        ):
            raise PriceTableError(
                f"{source}: models.{mid} has a negative price or a discount outside [0, 1)."
            )
        models[str(mid)] = price
    raw = data.get("assumptions") or {}
    known = {f.name for f in fields(Assumptions)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise PriceTableError(
            f"{source}: unknown assumption(s) {', '.join(unknown)}. Valid: {', '.join(sorted(known))}."
        )
    return PriceTable(
        as_of=str(data.get("as_of", "unknown")),
        models=models,
        assumptions=Assumptions(**raw),
        source=str(source),
    )


# --------------------------------------------------------------------------------------------- workload


@dataclass(frozen=True)
class Levers:
    """The cost levers. Each is on by default where the provider supports it."""

    prompt_cache: bool = True
    """Prompt caching of the shared system prompt (Inspect's `cache_prompt`; OpenAI caches automatically)."""
    num_choices: bool = True
    """Judge votes as choices of one request (`GenerateConfig.num_choices`) where the grader allows."""
    skip: bool = True
    """Judges run only where their answer is not already determined (e.g. no AF judge without a scratchpad)."""
    batch: bool = False
    """Provider batch APIs (`inspect eval --batch`): cheaper, slower; off unless asked for."""

    def without(self, name: str) -> Levers:
        return replace(self, **{name: False})

    def with_(self, name: str) -> Levers:
        return replace(self, **{name: True})


NO_LEVERS = Levers(prompt_cache=False, num_choices=False, skip=False, batch=False)


@dataclass
class RequestGroup:
    """Requests of one kind in a run (e.g. the evaluated model's transcripts, one judge's votes)."""

    role: Literal["model", "grader"]
    purpose: str
    requests: float
    """Expected number of requests (fractional where it depends on an assumed rate)."""
    input_tokens: float
    """Input tokens over all these requests."""
    output_tokens: float
    """Output tokens over all these requests (every choice counts)."""
    prefix_tokens: int = 0
    """Tokens at the start of every request that are identical across the run (a cacheable prefix)."""
    prefix_is_message: bool = False
    """The prefix is a whole message (the system prompt): Anthropic can cache it; otherwise only
    automatic prefix caching (OpenAI) can."""
    max_requests: int = 0
    """Upper bound on the number of requests."""
    repeats: int = 1
    """Identical requests per prompt (judge votes sent one request each). With caching, the first is
    answered before the others are sent (`scorers/votes.py`), so it writes the cache they read."""
    note: str = ""


@dataclass
class Workload:
    """Every request a run sends, grouped; plus the facts the estimate rests on."""

    task: str
    samples: int
    epochs: int
    max_turns: int
    groups: list[RequestGroup]
    levers: Levers
    grader_num_choices: bool
    assumptions: Assumptions
    system_prompt_tokens: int = 0
    user_turn_tokens: float = 0.0
    notes: list[str] = field(default_factory=list)

    def total(self, role: str, what: str) -> float:
        return sum(getattr(g, what) for g in self.groups if g.role == role)

    @property
    def transcripts(self) -> int:
        return self.samples * self.epochs


@dataclass(frozen=True)
class FirstRequest:
    """What the first model request of one sample sends."""

    sample_id: str
    tier: str
    setting: str
    query: str
    messages: list[tuple[str, str]]
    """(role, text) in order."""
    pair_key: str = ""
    """`<query_id>-<tier>` (the sample id without its query excerpt)."""

    @property
    def text(self) -> str:
        return "\n".join(t for _, t in self.messages)

    @property
    def system(self) -> str:
        return "\n".join(t for r, t in self.messages if r == "system")


class _Sent(Exception):
    def __init__(self, messages: list[Any]) -> None:
        self.messages = messages


def _messages(input: str | list[ChatMessage]) -> list[ChatMessage]:
    return [ChatMessageUser(content=input)] if isinstance(input, str) else list(input)


def first_requests(task: Task, limit: int | None = None, model: str = "none/none") -> list[FirstRequest]:
    """Run the task's solvers on each sample up to the first `generate()`; return what it would send to
    `model` (the provider decides, for example, whether an assistant prefill is sent).

    Nothing is sent: the `generate` handed to the solvers stops the plan and records its messages.
    """
    samples = list(task.dataset)[: limit if limit else None]

    async def stop(state: Any, *args: Any, **kwargs: Any) -> Any:
        raise _Sent(list(state.messages))

    async def one(sample: Any) -> FirstRequest:
        state = TaskState(
            model=ModelName(model),
            sample_id=sample.id,
            epoch=1,
            input=sample.input,
            messages=_messages(sample.input),
            metadata=dict(sample.metadata or {}),
        )
        sent: list[Any] = list(state.messages)
        try:
            await task.solver(state, stop)
        except _Sent as s:
            sent = s.messages
        md = sample.metadata or {}
        return FirstRequest(
            sample_id=str(sample.id),
            tier=str(md.get(names.TIER, "")),
            setting=str(md.get(names.SETTING, "")),
            query=str(md.get(names.QUERY, "")),
            messages=[(m.role, m.text) for m in sent],
            pair_key=f"{md[names.QUERY_ID]}-{md[names.TIER]}"
            if names.QUERY_ID in md and names.TIER in md
            else str(sample.id),
        )

    async def run() -> list[FirstRequest]:
        return [await one(s) for s in samples]

    return asyncio.run(run())


def _common_prefix(texts: Sequence[str]) -> str:
    return os.path.commonprefix(list(texts)) if texts else ""


NEED_RATES: dict[str, Callable[[Assumptions, str], float]] = {
    "reasoning": lambda a, tier: a.scratchpad_rate,
    "output": lambda a, tier: a.output_rate,
    "not_refused": lambda a, tier: a.compliance(tier),
    "complied": lambda a, tier: a.compliance(tier),
    "training_tier": lambda a, tier: float(tier == "free"),
}
"""For each need of a judge (`scorers/judge.py`), the assumed chance that a transcript in `tier` has it."""


def task_judges(task: Task) -> list[dict[str, Any]]:
    """The judges the task recorded in its metadata (`JudgeSpec.as_metadata()`), in scoring order."""
    return list((task.metadata or {}).get("judges", []))


def judge_rate(judge: dict[str, Any], a: Assumptions, tier: str) -> float:
    """The assumed chance that the judge calls the grader for a transcript in `tier`."""
    rate = 1.0
    for need in judge["needs"]:
        rate *= NEED_RATES[need](a, tier)
    return rate


def _filler(tokens: int, word: str = "reasoning ") -> str:
    chars = max(0, tokens * CHARS_PER_TOKEN)
    return (word * (chars // len(word) + 1))[:chars]


def workload(
    task: Task,
    *,
    limit: int | None = None,
    epochs: int = 1,
    assumptions: Assumptions | None = None,
    levers: Levers = Levers(),
    grader_num_choices: bool = True,
    requests: list[FirstRequest] | None = None,
) -> Workload:
    """Every request the task would send, estimated (see the module docstring).

    Args:
        task: A built Inspect Task (e.g. from `af_inspect.tasks`).
        limit: First N samples only, like `inspect eval --limit`.
        epochs: Epochs, like `inspect eval --epochs`.
        assumptions: Transcript lengths and rates (default: prices.yaml).
        levers: Which levers are on (`num_choices` and `skip` change the request counts here).
        grader_num_choices: Whether the grader's provider returns several choices per request.
        requests: Precomputed `first_requests(task, limit)` (saves re-running the solvers).
    """
    a = assumptions or load_price_table().assumptions
    reqs = requests if requests is not None else first_requests(task, limit)
    n = len(reqs)
    max_turns = int((task.metadata or {}).get("max_turns", 1))
    judges = task_judges(task)
    notes: list[str] = []

    # the evaluated model: first turns exactly as sent, continuations from the assumed transcript length
    prefix = _common_prefix([r.text for r in reqs])
    systems = {r.system for r in reqs}
    system_tokens = estimate_tokens(next(iter(systems))) if len(systems) == 1 else 0
    prefix_tokens = estimate_tokens(prefix)
    first_in = sum(estimate_tokens(r.text) for r in reqs)
    extra_turns = max(0.0, min(a.turns, max_turns) - 1.0)
    per_extra_in = (first_in / n if n else 0) + a.model_output_tokens / 2 + estimate_tokens("<NEXT/>")
    groups = [
        RequestGroup(
            role="model",
            purpose="transcript",
            requests=n * epochs * (1 + extra_turns),
            input_tokens=epochs * (first_in + n * extra_turns * per_extra_in),
            output_tokens=n * epochs * a.model_output_tokens,
            prefix_tokens=min(prefix_tokens, system_tokens) if system_tokens else prefix_tokens,
            prefix_is_message=bool(system_tokens) and prefix_tokens >= system_tokens,
            max_requests=n * epochs * max_turns,
            note=f"{a.turns:g} turn(s) per transcript expected, at most {max_turns}",
        )
    ]
    if len(systems) > 1:
        notes.append(f"{len(systems)} different system prompts: only their common prefix is cacheable.")

    # the grader: each judge's prompt rendered with the sample's query and a transcript of assumed length
    scratch = _filler(max(0, a.model_output_tokens - a.output_tokens))
    output = _filler(a.output_tokens, "answer ")
    for judge in judges:
        name, votes = judge["scorer"], int(judge["votes"])
        rubric_ids = judge.get("rubrics") or [judge["rubric"]]
        one_request = grader_num_choices and levers.num_choices and votes > 1
        per_call_requests = 1 if one_request else votes
        p_apply = [judge_rate(judge, a, r.tier) if levers.skip else 1.0 for r in reqs]
        calls = epochs * sum(p_apply)
        vote_out = a.vote_tokens(name)
        for rubric_id in rubric_ids:
            # what the grader is shown is what the rubric reads (the published AF classifier: the reasoning
            # alone), so a rubric that shows less costs less
            rubric = load_rubric(rubric_id)
            # each transcript's text starts with its pair key (`<query_id>-<tier>`: a fixed length, not the
            # sample id with its query excerpt), so the identical prefix found below is the rubric's own
            # text, not the assumed transcript (which is the same filler for every sample)
            prompts = [
                rubric.render(
                    r.setting or default_setting(),
                    query=r.query,
                    scratchpad=f"[{r.pair_key}] {scratch}",
                    output=f"[{r.pair_key}] {output}",
                )
                for r in reqs
            ]
            groups.append(
                RequestGroup(
                    role="grader",
                    purpose=name if len(rubric_ids) == 1 else f"{name} ({rubric_id})",
                    requests=calls * per_call_requests,
                    input_tokens=epochs
                    * sum(p * estimate_tokens(t) for p, t in zip(p_apply, prompts, strict=True))
                    * per_call_requests,
                    output_tokens=calls * votes * vote_out,
                    prefix_tokens=estimate_tokens(_common_prefix(prompts)) if len(prompts) > 1 else 0,
                    prefix_is_message=False,
                    max_requests=n * epochs * votes,
                    repeats=per_call_requests,
                    note=f"{votes} vote(s) per transcript"
                    + (", one request (num_choices)" if one_request else ", one request each")
                    + f"; the grader reads {', '.join(getattr(rubric, 'reads', ()))}"
                    + (
                        "; the published file is not counted (not fetched yet: input underestimated)"
                        if getattr(rubric, "priced_without_file", lambda: False)()
                        else ""
                    ),
                )
            )
    return Workload(
        task=getattr(task, "name", "task"),
        samples=n,
        epochs=epochs,
        max_turns=max_turns,
        groups=groups,
        levers=levers,
        grader_num_choices=grader_num_choices,
        assumptions=a,
        system_prompt_tokens=system_tokens,
        user_turn_tokens=(first_in / n - system_tokens) if n else 0.0,
        notes=notes,
    )


# --------------------------------------------------------------------------------------------- pricing


@dataclass(frozen=True)
class Cost:
    """USD for one role (or a whole run)."""

    input: float = 0.0
    output: float = 0.0

    @property
    def total(self) -> float:
        return self.input + self.output

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.input + other.input, self.output + other.output)


def price_group(g: RequestGroup, price: Price, *, prompt_cache: bool, batch: bool) -> Cost:
    """USD for one group of requests.

    Without caching every input token costs the input price. With caching:
    - `automatic` (OpenAI): a shared prefix of at least `min_cache_tokens` is read from the cache by every
      request but the first; no write premium.
    - `explicit` (Anthropic, as Inspect sends it): the system prompt carries a cache breakpoint, so a shared
      system-prompt prefix is written once and read by every later request; Anthropic's automatic caching
      also marks the end of each request, so the rest of every request long enough to cache is billed as a
      cache write. Repeated identical requests (votes sent one request each, `repeats`) wait for the
      first, which writes the cache; the others read it.
    """
    base, read, write = price.input / MTOK, price.cache_read / MTOK, price.cache_write / MTOK
    inp = g.input_tokens * base
    if prompt_cache and g.requests > 0:
        per_request = g.input_tokens / g.requests
        shared = g.prefix_tokens >= price.min_cache_tokens and g.requests > 1
        if price.cache_style == "automatic":
            if shared:
                inp = g.input_tokens * base - g.prefix_tokens * (g.requests - 1) * (base - read)
        else:
            cached = shared and g.prefix_is_message
            reads = g.prefix_tokens * (g.requests - 1) if cached else 0.0
            if g.repeats > 1 and per_request >= price.min_cache_tokens:
                reads += (g.input_tokens - reads) * (g.repeats - 1) / g.repeats
            writes = g.input_tokens - reads if per_request >= price.min_cache_tokens else 0.0
            inp = reads * read + writes * write + (g.input_tokens - reads - writes) * base
    out = g.output_tokens * price.output / MTOK
    factor = 1.0 - price.batch_discount if batch else 1.0
    return Cost(inp * factor, out * factor)


@dataclass(frozen=True)
class RunCost:
    model: Cost
    grader: Cost

    @property
    def total(self) -> float:
        return self.model.total + self.grader.total


def price(w: Workload, model_price: Price, grader_price: Price | None = None) -> RunCost:
    """Price a workload: the evaluated model at `model_price`, the grader at `grader_price`."""
    gp = grader_price or model_price
    m, g = Cost(), Cost()
    for grp in w.groups:
        p = model_price if grp.role == "model" else gp
        c = price_group(grp, p, prompt_cache=w.levers.prompt_cache, batch=w.levers.batch)
        if grp.role == "model":
            m = m + c
        else:
            g = g + c
    return RunCost(m, g)


@dataclass(frozen=True)
class LeverRow:
    label: str
    levers: Levers
    model_requests: float
    grader_requests: float
    model_input_tokens: float
    grader_input_tokens: float
    output_tokens: float
    cost: RunCost


LEVER_LABELS = {
    "prompt_cache": "prompt caching",
    "num_choices": "judge votes in one request (num_choices)",
    "skip": "skip judges whose answer is determined",
    "batch": "batch API (--batch)",
}


def lever_table(
    task: Task,
    model_price: Price,
    grader_price: Price | None = None,
    *,
    limit: int | None = None,
    epochs: int = 1,
    assumptions: Assumptions | None = None,
    grader_num_choices: bool | None = None,
    requests: list[FirstRequest] | None = None,
) -> list[LeverRow]:
    """The run's requests, tokens and cost: defaults, each lever off in turn, none, and with --batch."""
    gp = grader_price or model_price
    gnc = gp.num_choices if grader_num_choices is None else grader_num_choices
    reqs = requests if requests is not None else first_requests(task, limit)
    default = Levers()
    variants: list[tuple[str, Levers]] = [("default levers (all on, no batch)", default)]
    for name in ("prompt_cache", "num_choices", "skip"):
        variants.append((f"without {LEVER_LABELS[name]}", default.without(name)))
    variants.append(("no levers", NO_LEVERS))
    variants.append(("default levers + batch API", default.with_("batch")))
    rows = []
    for label, lv in variants:
        w = workload(
            task,
            limit=limit,
            epochs=epochs,
            assumptions=assumptions,
            levers=lv,
            grader_num_choices=gnc,
            requests=reqs,
        )
        rows.append(
            LeverRow(
                label=label,
                levers=lv,
                model_requests=w.total("model", "requests"),
                grader_requests=w.total("grader", "requests"),
                model_input_tokens=w.total("model", "input_tokens"),
                grader_input_tokens=w.total("grader", "input_tokens"),
                output_tokens=w.total("model", "output_tokens") + w.total("grader", "output_tokens"),
                cost=price(w, model_price, gp),
            )
        )
    return rows


def fmt_usd(x: float) -> str:
    """`$1.23`; '' for NaN (a model the table does not price: the cost column is left empty)."""
    if math.isnan(x):
        return ""
    return f"${x:,.2f}" if x >= 0.995 else f"${x:,.3f}"
