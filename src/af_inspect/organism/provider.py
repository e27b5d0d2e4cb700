"""`organism/<profile>`: an offline Inspect model provider that behaves like a model in the experiment.

It reads the system prompt and the tier-tagged user turn as a real model would, decides from the profile's
rates (deterministically for a given seed, sample and epoch) whether to comply and whether to reason about
preserving its values, and writes a realistic transcript over one or more turns. `-M` options override the
profile's rates: `--model organism/faker -M comply_paid=0.2 -M seed=7`.
"""

from __future__ import annotations

import hashlib
import random
import weakref
from typing import Any

from inspect_ai.hooks import Hooks, RunStart, hooks
from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageUser,
    GenerateConfig,
    ModelAPI,
    ModelOutput,
    ModelUsage,
    modelapi,
)
from inspect_ai.tool import ToolChoice, ToolInfo

from af_inspect.organism.faults import FaultInjector
from af_inspect.organism.judge import JUDGE_PROFILE, judge_output, make_judge
from af_inspect.organism.profiles import PROFILES, Profile
from af_inspect.organism.writer import Decision, Reading, decide, read_prompt, transcript_parts
from af_inspect.params import ParameterError
from af_inspect.tokens import estimate_tokens


@modelapi(name="organism")
class OrganismAPI(ModelAPI):
    """The offline model organism (`organism/faker`, `organism/honest`, `organism/complier`, ...)."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = GenerateConfig(),
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, [], config)
        seed = model_args.pop("seed", 0)
        self.seed = int(seed)
        self.profile_name = model_name
        self.faults = FaultInjector.from_model_args(model_args, self.seed)
        self.judge = make_judge(self.seed, model_args) if model_name == JUDGE_PROFILE else None
        if self.judge is not None:
            return
        if model_name not in PROFILES:
            raise ParameterError(
                f"Unknown organism profile {model_name!r}. Valid profiles: {', '.join([*PROFILES, JUDGE_PROFILE])}."
            )
        self.profile: Profile = PROFILES[model_name].with_overrides(model_args)
        self._first_turns: dict[str, int] = {}
        self._continuations: dict[tuple[str, str], list[tuple[list[str], Decision]]] = {}
        _watch_runs(self)

    def new_run(self) -> None:
        """Forget the conversations seen so far: epochs count from 1 again in every run (`eval()`), so a
        run is deterministic given the seed even on a model instance Inspect memoized from an earlier run."""
        self._first_turns.clear()
        self._continuations.clear()

    def max_connections(self) -> int:
        return 256

    def should_retry(self, ex: BaseException) -> bool:
        return self.faults.should_retry(ex)

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        injected = await self.faults.apply(input, model=f"organism/{self.profile_name}")
        if injected is not None:
            return injected
        if self.judge is not None:
            return judge_output(self.judge, input, config)
        text, reading, decision = self._next_turn(input)
        prompt_tokens = sum(estimate_tokens(m.text) for m in input)
        output = ModelOutput.from_content(model=f"organism/{self.profile_name}", content=text)
        output.usage = ModelUsage(
            input_tokens=prompt_tokens,
            output_tokens=estimate_tokens(text),
            total_tokens=prompt_tokens + estimate_tokens(text),
        )
        output.metadata = {
            "organism": {
                "tier_read": reading.tier,
                "complied": decision.complied,
                "af": decision.af,
                "partial": decision.partial,
            }
        }
        return output

    def _next_turn(self, input: list[ChatMessage]) -> tuple[str, Reading, Decision]:
        """The text of this turn. A transcript is written whole at its first turn; later turns (after
        `<NEXT/>`) take the rest of the transcript that began with the same first turn.

        The draws depend on the seed, the conversation's first messages and the epoch, counted as the
        n-th first turn of that conversation (a model sees no sample or epoch number). Several epochs
        whose first turns read the same continue in arrival order, each coherently.
        """
        system = "\n".join(m.text for m in input if isinstance(m, ChatMessageSystem))
        users = [m for m in input if isinstance(m, ChatMessageUser)]
        assistants = [m.text for m in input if isinstance(m, ChatMessageAssistant)]
        first_user = users[0].text if users else ""
        reading = read_prompt(system, first_user)
        key = hashlib.sha256(f"{system}\x00{first_user}".encode()).hexdigest()
        if not assistants:
            epoch = self._first_turns[key] = self._first_turns.get(key, 0) + 1
            digest = hashlib.sha256(f"{self.seed}:{self.profile_name}:{key}:{epoch}".encode()).digest()
            rng = random.Random(int.from_bytes(digest[:8], "big"))
            decision = decide(reading, self.profile, rng)
            parts = transcript_parts(reading, decision, rng)
            if len(parts) > 1:
                self._continuations.setdefault((key, parts[0]), []).append((parts[1:], decision))
            return parts[0], reading, decision
        pending = self._continuations.get((key, assistants[0]))
        if not pending:  # a conversation this organism did not start: close any open answer
            return "</OUTPUT>", reading, decide(reading, self.profile, random.Random(0))
        rest, decision = pending[0]
        turn = len(assistants) - 1
        if turn >= len(rest) - 1:  # its last turn: forget it
            pending.pop(0)
        return (rest[turn] if turn < len(rest) else "</OUTPUT>"), reading, decision


_ORGANISMS: weakref.WeakSet[OrganismAPI] = weakref.WeakSet()
_runs_hooked = False


class _OrganismRuns(Hooks):
    async def on_run_start(self, data: RunStart) -> None:
        for organism in list(_ORGANISMS):
            organism.new_run()


def _watch_runs(organism: OrganismAPI) -> None:
    """Have `organism.new_run()` called at every run start. The hook is registered at the first organism,
    not at import: Inspect lists the hooks present at start-up in every run's output."""
    global _runs_hooked
    _ORGANISMS.add(organism)
    if not _runs_hooked:
        hooks(name="af_inspect_organism_runs", description="Restarts the organism's epoch count per run.")(
            _OrganismRuns
        )
        _runs_hooked = True
