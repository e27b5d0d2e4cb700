"""What each model provider can do, in one table: the loop, the judges, the grader rule and the planner read it.

Keyed by Inspect's model API name (the part of `--model` before the first `/`). A provider missing from the
table has none of the capabilities, runs remotely and can grade: the safe reading for an unknown API (no
prefill sent, votes asked one request each, priced from the price table).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Provider:
    prefill: bool = False
    """Its API accepts a final assistant message as the start of the reply (Anthropic's does, OpenAI's not)."""
    num_choices: bool = False
    """Its Inspect model API forwards `num_choices` (n / candidate_count): N votes in one request."""
    cache_write: bool = False
    """Inspect asks it to cache every prompt and it bills a cache write (1.25x) on a miss: N identical requests
    sent at once would all miss and all pay the write; sent one, then N-1, they read it."""
    local: bool = False
    """Runs on the user's machine (or is simulated): no per-token price, `plan` prices it at $0."""
    grader: str | None = None
    """The grader its models get when none is named (the offline organism is graded by the offline judge)."""
    can_grade: bool = True
    """Whether its models can grade at all (an imported log's model only replays transcripts)."""


OFFLINE_JUDGE = "organism/judge"
"""The offline grader: answers every rubric of this project, no network, no key."""

PROVIDERS: dict[str, Provider] = {
    "anthropic": Provider(prefill=True, cache_write=True),
    "openai": Provider(num_choices=True),
    "openai-api": Provider(num_choices=True),
    "together": Provider(num_choices=True),
    "groq": Provider(num_choices=True),
    "google": Provider(num_choices=True),
    "fireworks": Provider(num_choices=True),
    "deepseek": Provider(num_choices=True),
    "openrouter": Provider(num_choices=True),
    "vllm": Provider(num_choices=True, local=True),
    "sglang": Provider(num_choices=True, local=True),
    "organism": Provider(prefill=True, num_choices=True, local=True, grader=OFFLINE_JUDGE),
    "imported": Provider(can_grade=False),
    "mockllm": Provider(local=True),
    "none": Provider(local=True),
    "hf": Provider(local=True),
    "ollama": Provider(local=True),
    "llama-cpp-python": Provider(local=True),
    "transformer_lens": Provider(local=True),
}
UNKNOWN = Provider()


def provider_of(model: str) -> str:
    """The provider (model API) of a model name: `openai/gpt-4o` -> `openai`; a bare name has none."""
    return model.split("/", 1)[0] if "/" in model else ""


def capabilities(api_or_model: str) -> Provider:
    """The capabilities of a provider, given its API name or a model name (`organism/faker`)."""
    key = api_or_model if api_or_model in PROVIDERS else provider_of(api_or_model)
    return PROVIDERS.get(key, UNKNOWN)


def default_grader(model: str) -> str | None:
    """The grader a model gets when none is named (None: the run must name one or opt into self-grading)."""
    return capabilities(model).grader
