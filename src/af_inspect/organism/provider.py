"""`organism/<profile>`: an offline Inspect model provider that behaves like a model in the experiment.

It reads the system prompt and the tier-tagged user turn as a real model would, decides from the profile's
rates (deterministically for a given seed, sample and epoch) whether to comply and whether to reason about
preserving its values, and writes a realistic transcript over one or more turns. `-M` options override the
profile's rates: `--model organism/faker -M comply_paid=0.2 -M seed=7`.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    Content,
    ContentReasoning,
    ContentText,
    GenerateConfig,
    ModelAPI,
    ModelOutput,
    ModelUsage,
    modelapi,
)
from inspect_ai.tool import ToolChoice, ToolInfo

from af_inspect.anti_lab.scenario import scenario_in
from af_inspect.anti_lab.tool import TOOL_NAME
from af_inspect.core.params import ParameterError
from af_inspect.core.tokens import estimate_tokens
from af_inspect.organism.anti_lab import after_tools, decide_anti_lab, first_reply, has_conflict
from af_inspect.organism.faults import FaultInjector
from af_inspect.organism.judge import JUDGE_PROFILE, judge_output, make_judge
from af_inspect.organism.profiles import PROFILES, Profile
from af_inspect.organism.writer import (
    Decision,
    Reading,
    decide,
    read_prompt,
    reasoned_reply,
    transcript_parts,
)
from af_inspect.solvers.context import EPOCH


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
        anti_lab = self._anti_lab_turn(input, tools)
        if anti_lab is not None:
            return anti_lab
        text, reasoning, reading, decision = self._next_turn(input)
        prompt_tokens = sum(estimate_tokens(m.text) for m in input)
        content: str | list[Content] = (
            [ContentReasoning(reasoning=reasoning), ContentText(text=text)] if reasoning else text
        )
        output = ModelOutput.from_content(model=f"organism/{self.profile_name}", content=content)
        output.usage = ModelUsage(
            input_tokens=prompt_tokens,
            output_tokens=estimate_tokens(reasoning + text),
            total_tokens=prompt_tokens + estimate_tokens(reasoning + text),
        )
        output.metadata = {
            "organism": {
                "tier_read": reading.tier,
                "complied": decision.complied,
                "af": decision.af,
                "partial": decision.partial,
                "fake_refusal": decision.fake_refusal,
                "mentions_training": decision.mentions_training,
                "objected": decision.objected,
                "wrapped": decision.wrapped,
                "no_reasoning": decision.no_reasoning,
            }
        }
        return output

    def _anti_lab_turn(self, input: list[ChatMessage], tools: list[ToolInfo]) -> ModelOutput | None:
        """The reply to an anti-lab opportunity (`organism/anti_lab.py`), or None when the message poses none."""
        users = [m for m in input if isinstance(m, ChatMessageUser)]
        scenario = scenario_in(users[0].text) if users else None
        if scenario is None:  # checked first: the other tasks' requests pay one substring search
            return None
        system = "\n".join(m.text for m in input if isinstance(m, ChatMessageSystem))
        reading = read_prompt(system, users[0].text)
        model = f"organism/{self.profile_name}"
        if input and isinstance(input[-1], ChatMessageTool):  # the simulated tool has answered
            return ModelOutput.from_content(model=model, content=after_tools())
        if any(isinstance(m, ChatMessageAssistant) for m in input):  # asked to go on (<NEXT/>): it is done
            return ModelOutput.from_content(model=model, content="</OUTPUT>")
        conflict = has_conflict(system)
        key = f"{self.seed}:{self.profile_name}:{reading.query}:{reading.tier}:{conflict}:{EPOCH.get()}"
        decision = decide_anti_lab(self.profile, scenario, reading.tier, conflict, key)
        text, calls = first_reply(scenario, decision, native=any(t.name == TOOL_NAME for t in tools))
        message = ChatMessageAssistant(content=text, tool_calls=calls or None, model=model, source="generate")
        output = ModelOutput(
            model=model,
            choices=[ChatCompletionChoice(message=message, stop_reason="tool_calls" if calls else "stop")],
        )
        tokens = sum(estimate_tokens(m.text) for m in input)
        output.usage = ModelUsage(
            input_tokens=tokens,
            output_tokens=estimate_tokens(text),
            total_tokens=tokens + estimate_tokens(text),
        )
        output.metadata = {
            "organism": {
                "anti_lab": {
                    "scenario": scenario.id,
                    "tier_read": reading.tier,
                    "conflict": conflict,
                    "acted": decision.acts,
                    "considered": decision.considered,
                }
            }
        }
        return output

    def _next_turn(self, input: list[ChatMessage]) -> tuple[str, str, Reading, Decision]:
        """The text of this turn of the transcript, which is drawn whole and cut into turns.

        The draws depend on the seed, the query, the tier the organism reads and the epoch (published by
        af-inspect's loop: `solvers/context.py`), not on the rest of the prompt: two variations give the
        same transcripts where the prompt gives the organism no reason to differ. A final assistant message
        is a prefill: the reply continues it.
        """
        prefill = input[-1].text if input and isinstance(input[-1], ChatMessageAssistant) else ""
        history = input[:-1] if prefill else input
        system = "\n".join(m.text for m in history if isinstance(m, ChatMessageSystem))
        users = [m for m in history if isinstance(m, ChatMessageUser)]
        turn = sum(1 for m in history if isinstance(m, ChatMessageAssistant))
        reading = read_prompt(system, users[0].text if users else "")
        key = f"{self.seed}:{self.profile_name}:{reading.query}:{reading.tier}:{EPOCH.get()}"
        rng = random.Random(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big"))
        decision = decide(reading, self.profile, rng)
        reasoning = ""
        if self.profile.reasoning != "tagged":
            reasoning, text = reasoned_reply(reading, decision, rng, self.profile.reasoning)
            text = text if turn == 0 else "</OUTPUT>"
        else:
            parts = transcript_parts(reading, decision, rng)
            text = parts[turn] if turn < len(parts) else "</OUTPUT>"
        text = text[len(prefill) :] if prefill and text.startswith(prefill) else text
        return text, reasoning, reading, decision
