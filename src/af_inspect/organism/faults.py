"""Provider faults for the offline organism: how the pipeline behaves when a model or grader fails.

`-M fault=KIND[,KIND...] -M fault_rate=R` makes a deterministic fraction R of the organism's calls (model
or `organism/judge` grader) fail the way real providers do:

- `raise`: the call raises (like an API error); the sample is recorded with the error;
- `timeout`: the call hangs (`fault_hang` seconds, default 3600), so Inspect's `--attempt-timeout` ends
  the attempt and retries it, up to `--max-retries`;
- `empty`: an answer with no content;
- `content_filter`: no content and stop reason `content_filter` (a provider-side refusal).

Which calls fail depends only on the seed and the call's messages, so a run is reproducible (every epoch
of a sample meets the same faults).
`fault_transient=true` makes every fault hit only the first attempt of a call: Inspect's retry then gets a
normal answer (nothing should be lost).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import anyio
from inspect_ai.model import ChatMessage, ModelOutput, ModelUsage

from af_inspect.core.params import ParameterError

FAULT_KINDS = ("raise", "timeout", "empty", "content_filter")
FAULT_OPTIONS = ("fault", "fault_rate", "fault_hang", "fault_transient")


class OrganismFaultError(RuntimeError):
    """An injected provider failure (`-M fault=raise`, or a `timeout` fault that was never cancelled)."""

    def __init__(self, message: str, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class FaultPlan:
    """Which faults, how often, and how they behave. Empty `kinds` means no faults."""

    kinds: tuple[str, ...] = ()
    rate: float = 1.0
    hang: float = 3600.0
    transient: bool = False
    seed: int = 0

    @classmethod
    def from_model_args(cls, model_args: dict[str, Any], seed: int = 0) -> FaultPlan:
        """Take (pop) the fault options out of `-M` model args; bad values name the valid ones."""
        raw = {k: model_args.pop(k) for k in FAULT_OPTIONS if k in model_args}
        if not raw:
            return cls(seed=seed)
        kinds_raw = raw.get("fault", "")
        kinds_list = kinds_raw if isinstance(kinds_raw, list | tuple) else str(kinds_raw).split(",")
        kinds = tuple(k.strip() for k in kinds_list if str(k).strip() and str(k).strip() != "none")
        bad = [k for k in kinds if k not in FAULT_KINDS]
        if bad:
            raise ParameterError(
                f"Unknown organism fault {', '.join(bad)!s}. Valid -M fault values: "
                f"{', '.join(FAULT_KINDS)}, none (or a comma-separated list)."
            )
        if not kinds and set(raw) - {"fault"}:
            raise ParameterError(
                f"Organism options {', '.join(sorted(set(raw) - {'fault'}))} need -M fault=KIND "
                f"({', '.join(FAULT_KINDS)})."
            )
        rate = _number("fault_rate", raw.get("fault_rate", 1.0), 0.0, 1.0)
        hang = _number("fault_hang", raw.get("fault_hang", 3600.0), 0.0, None)
        transient = _boolean("fault_transient", raw.get("fault_transient", False))
        return cls(kinds=kinds, rate=rate, hang=hang, transient=transient, seed=seed)

    @property
    def active(self) -> bool:
        return bool(self.kinds) and self.rate > 0

    def pick(self, key: str) -> str | None:
        """The fault for the call identified by `key`, or None (deterministic: seed and key only)."""
        if not self.active:
            return None
        digest = hashlib.sha256(f"{self.seed}:fault:{key}".encode()).digest()
        u = int.from_bytes(digest[:8], "big") / 2**64
        if u >= self.rate:
            return None
        return self.kinds[int.from_bytes(digest[8:16], "big") % len(self.kinds)]


@dataclass
class FaultInjector:
    """Applies a `FaultPlan` to calls; remembers attempts so transient faults hit only the first."""

    plan: FaultPlan
    attempts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_model_args(cls, model_args: dict[str, Any], seed: int = 0) -> FaultInjector:
        return cls(FaultPlan.from_model_args(model_args, seed))

    def should_retry(self, ex: BaseException) -> bool:
        """Inspect asks this for errors it does not know: transient injected faults are worth a retry."""
        return isinstance(ex, OrganismFaultError) and ex.transient

    async def apply(self, input: list[ChatMessage], model: str) -> ModelOutput | None:
        """Fail this call (raise, hang, or return a faulty output) when the plan says so; else None."""
        if not self.plan.active:
            return None
        key = call_key(input)
        kind = self.plan.pick(key)
        if kind is None:
            return None
        attempt = self.attempts.get(key, 0) + 1
        self.attempts[key] = attempt
        if self.plan.transient and attempt > 1:
            return None
        transient = self.plan.transient
        if kind == "raise":
            raise OrganismFaultError(
                f"Injected provider fault: {model} raised (-M fault=raise, attempt {attempt}).", transient
            )
        if kind == "timeout":
            await anyio.sleep(self.plan.hang)
            raise OrganismFaultError(
                f"Injected provider fault: {model} gave no answer in {self.plan.hang:g}s (-M fault=timeout).",
                transient,
            )
        output = ModelOutput.from_content(model=model, content="")
        output.usage = ModelUsage(input_tokens=1, output_tokens=0, total_tokens=1)
        output.metadata = {"organism_fault": kind}
        if kind == "content_filter":
            output.choices[0].stop_reason = "content_filter"
        return output


def call_key(input: list[ChatMessage]) -> str:
    """Identifies one call by its messages (retries of a call share the key; so do a sample's epochs)."""
    h = hashlib.sha256()
    for m in input:
        h.update(m.role.encode())
        h.update(b"\x00")
        h.update(m.text.encode())
        h.update(b"\x01")
    return h.hexdigest()


def _number(name: str, value: Any, low: float, high: float | None) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"Organism option {name} must be a number, not {value!r}.") from None
    if x < low or (high is not None and x > high) or x != x:
        bounds = f"in [{low:g}, {high:g}]" if high is not None else f">= {low:g}"
        raise ParameterError(f"Organism option {name} must be {bounds}, not {value!r}.")
    return x


def _boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ParameterError(f"Organism option {name} must be true or false, not {value!r}.")
