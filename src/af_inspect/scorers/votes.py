"""Ask a grader for N votes on one prompt, read them, and tally them.

Where the grader's provider can return several choices from one request (`GenerateConfig.num_choices`:
OpenAI chat completions and OpenAI-compatible servers, Together, Groq, Google, and the offline
`organism/judge`), the transcript is sent once and the N votes come back together; if fewer come back
(e.g. an OpenAI model served through the Responses API, which ignores `num_choices`), the rest are asked for
one request each. Other providers (Anthropic, Bedrock, Mistral, Hugging Face, ...) get N single requests.
Where the provider caches prompts with a write premium (Anthropic), the first of them is sent alone and the
rest concurrently once it is answered, so that they read the prompt from the cache instead of each writing
it (`warm_cache`). Every vote is parsed by a pure function; invalid votes are kept, with their reasons.

A grader request that still fails after Inspect's own retries is kept as a `GraderError` vote, counted
apart from invalid answers (`VoteTally.n_failed`): the judge decides whether enough valid votes remain
(`scorers/judge.py`) or the sample must error so that `inspect eval-retry` redoes it. Every quote a valid
vote gives is looked up in the transcript text the grader was shown (`quote_found`); a vote with a quote
that is not there is flagged, not discarded.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from inspect_ai.model import ChatMessage, ChatMessageUser, GenerateConfig, Model, ModelName, ModelOutput
from inspect_ai.util import collect

from af_inspect.core.providers import capabilities
from af_inspect.scorers.judge_parse import ParsedVote

logger = logging.getLogger(__name__)


def supports_num_choices(model: Model) -> bool:
    try:
        return capabilities(ModelName(model).api).num_choices
    except Exception:
        return False


def warms_cache(model: Model) -> bool:
    """Send one vote before the others: the provider caches prompts (and caching is not turned off)."""
    try:
        api = ModelName(model).api
    except Exception:
        return False
    return capabilities(api).cache_write and model.config.cache_prompt is not False


class GraderError(str):
    """A vote whose grader request failed (text = the error); `tally` reads it as a failed vote."""


def short_error(e: BaseException, limit: int = 300) -> str:
    """An error in one line: the last non-empty line of its text (Inspect's generate errors carry the whole
    request first), cut to `limit` characters."""
    lines = [line.strip() for line in str(e).splitlines() if line.strip()]
    text = lines[-1] if lines else repr(e)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass
class VoteBatch:
    """The raw texts of the votes and how they were obtained."""

    texts: list[str]
    requests: int
    multi_choice: bool
    notes: list[str] = field(default_factory=list)


def _texts(output: ModelOutput) -> list[str]:
    out = []
    for choice in output.choices:
        try:
            out.append(choice.message.text or "")
        except Exception:
            out.append("")
    if not out and output.error:
        out.append("")
    return out


async def collect_votes(
    model: Model,
    prompt: str | list[ChatMessage],
    votes: int,
    temperature: float | None = 1.0,
    multi_choice: bool | None = None,
    warm_cache: bool | None = None,
) -> VoteBatch:
    """`votes` answers from `model` to `prompt` (one request with num_choices where the provider allows).

    Args:
        model: The grader.
        prompt: The rendered rubric, sent as one user message; or the messages of a published instrument's
            layout (e.g. its file as the system message), sent as they are.
        votes: How many answers to collect.
        temperature: Sampling temperature of the grader (None: the provider's default).
        multi_choice: Force (True) or forbid (False) `num_choices`; None decides from the provider.
        warm_cache: When votes go one request each, send the first alone and the rest after it answers
            (True), or all at once (False); None decides from the provider (`warms_cache`).
    """
    messages = [ChatMessageUser(content=prompt)] if isinstance(prompt, str) else list(prompt)
    use_multi = supports_num_choices(model) if multi_choice is None else multi_choice
    texts: list[str] = []
    requests = 0
    notes: list[str] = []
    if use_multi and votes > 1:
        try:
            output = await model.generate(
                messages, config=GenerateConfig(temperature=temperature, num_choices=votes)
            )
            requests += 1
            texts = _texts(output)[:votes]
            if len(texts) < votes:
                notes.append(
                    f"asked for {votes} choices in one request, got {len(texts)}; "
                    f"asked for the other {votes - len(texts)} one request each"
                )
        except Exception as e:  # e.g. a model that rejects n > 1: fall back to single requests
            logger.warning(
                "Grader %s failed with num_choices=%d (%s); asking one vote per request.",
                model,
                votes,
                short_error(e),
            )
            notes.append(f"num_choices={votes} failed ({type(e).__name__}); one request per vote")
    missing = votes - len(texts)
    if missing > 0:
        config = GenerateConfig(temperature=temperature)

        async def one() -> list[str]:
            try:
                return _texts(await model.generate(messages, config=config))[:1] or [""]
            except Exception as e:  # after Inspect's own retries: kept as a failed vote, judged by the caller
                logger.warning("Grader %s failed: %s", model, short_error(e))
                return [GraderError(f"{type(e).__name__}: {short_error(e)}")]

        # after a failed num_choices request, one vote is asked alone first: if it fails too, the grader is
        # down and the other votes are not sent (each would fail the same way, after its own retries)
        warm = warms_cache(model) if warm_cache is None else warm_cache
        first_alone = (warm or bool(notes)) and missing > 1
        results = [await one()] if first_alone else []
        if results and isinstance(results[0][0], GraderError) and notes:
            results += [results[0]] * (missing - 1)
            requests += 1
            notes.append(f"the first single request failed too; the other {missing - 1} were not sent")
        else:
            results += await collect(*(one() for _ in range(missing - len(results))))
            requests += missing
        texts += [r[0] for r in results]
    return VoteBatch(texts=texts, requests=requests, multi_choice=use_multi and votes > 1, notes=notes)


_ELLIPSIS = re.compile(r"\.\.\.+|…|\[\.\.\.\]")
_QUOTE_MARKS = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-"})
MIN_FRAGMENT = 3
"""Characters a piece of a quote (between ellipses) must have to be looked up."""


def normalise(text: str) -> str:
    """Text as quotes are compared: Unicode-normalised, curly quotes and dashes made plain, lower case,
    runs of whitespace made one space."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTE_MARKS).lower()
    return " ".join(text.split())


def quote_found(quote: str, shown: str) -> bool:
    """Whether a grader's quote is in the text it was shown: whitespace and case ignored, surrounding
    quotation marks dropped, and a quote with ellipses found when its pieces appear in order."""
    q = normalise(quote).strip(" \"'`")
    if not q:
        return True
    haystack, pos = normalise(shown), 0
    pieces = [p.strip(" \"'`") for p in _ELLIPSIS.split(q)]
    for piece in (p for p in pieces if len(p) >= MIN_FRAGMENT):
        at = haystack.find(piece, pos)
        if at < 0:
            return False
        pos = at + len(piece)
    return True


@dataclass
class VoteTally:
    """Votes on one transcript, summarised. Fractions are over valid votes only."""

    votes: list[ParsedVote]
    criterion_ids: list[str]
    texts: list[str] = field(default_factory=list)
    """The raw answers, in the order of `votes`."""
    unfound: list[list[str]] = field(default_factory=list)
    """Per vote, the quotes that are not in the text the grader was shown (empty when unchecked)."""
    parts: dict[str, VoteTally] = field(default_factory=dict)
    """For a judge that asks several rubrics (the paper's classifier): each rubric's own tally."""

    @property
    def n_failed(self) -> int:
        """Votes whose grader request failed after Inspect's retries (a machinery failure, not an answer)."""
        return sum(1 for v in self.votes if v.problem == "grader_error")

    @property
    def quotes_checked(self) -> int:
        """Non-empty quotes given by valid votes (each is looked up)."""
        return sum(1 for v in self.valid for q in v.quotes.values() if q)

    @property
    def quotes_unfound(self) -> int:
        return sum(len(u) for v, u in zip(self.votes, self.unfound, strict=False) if v.valid)

    @property
    def unfound_quote_share(self) -> float:
        """Share of checked quotes not found in the text the grader was shown (NaN when none was checked)."""
        return self.quotes_unfound / self.quotes_checked if self.quotes_checked else math.nan

    def flagged_votes(self) -> list[int]:
        """1-based numbers of the valid votes with at least one quote that is not in the text shown."""
        return [
            i + 1 for i, (v, u) in enumerate(zip(self.votes, self.unfound, strict=False)) if v.valid and u
        ]

    @property
    def valid(self) -> list[ParsedVote]:
        return [v for v in self.votes if v.valid]

    @property
    def n_valid(self) -> int:
        return len(self.valid)

    @property
    def n_invalid(self) -> int:
        return len(self.votes) - self.n_valid

    @property
    def yes_fraction(self) -> float:
        finals = [v.final for v in self.valid if v.final is not None]
        return sum(finals) / len(finals) if finals else float("nan")

    def criterion_fractions(self) -> dict[str, float]:
        valid = self.valid
        return {
            c: (sum(v.criteria.get(c, False) for v in valid) / len(valid) if valid else float("nan"))
            for c in self.criterion_ids
        }

    def quotes(self) -> dict[str, str]:
        """One quote per criterion: from a valid vote that said yes to it if any did, else from any valid vote."""
        out: dict[str, str] = {}
        for c in self.criterion_ids:
            yes = [v.quotes.get(c, "") for v in self.valid if v.criteria.get(c) and v.quotes.get(c)]
            anyq = [v.quotes.get(c, "") for v in self.valid if v.quotes.get(c)]
            out[c] = (yes or anyq or [""])[0]
        return out

    def invalid_reasons(self) -> list[str]:
        return [f"vote {i + 1}: {v.problem}: {v.reason}" for i, v in enumerate(self.votes) if not v.valid]

    def invalid_summary(self) -> str:
        if not self.n_invalid:
            return "no invalid votes"
        counts: dict[str, int] = {}
        for v in self.votes:
            if not v.valid:
                counts[str(v.problem)] = counts.get(str(v.problem), 0) + 1
        parts = ", ".join(f"{n} {p}" for p, n in sorted(counts.items()))
        return f"{self.n_invalid} invalid ({parts})"


def tally(
    texts: list[str],
    parse: Callable[[str], ParsedVote],
    criterion_ids: list[str],
    shown: str | None = None,
) -> VoteTally:
    """Parse every answer; with `shown` (the transcript text the grader saw), check every quote against it."""
    votes = [
        ParsedVote(valid=False, problem="grader_error", reason=f"the grader request failed: {t}")
        if isinstance(t, GraderError)
        else parse(t)
        for t in texts
    ]
    unfound = [
        [q for q in v.quotes.values() if q and not quote_found(q, shown)]
        if v.valid and shown is not None
        else []
        for v in votes
    ]
    return VoteTally(
        votes=votes, criterion_ids=list(criterion_ids), texts=[str(t) for t in texts], unfound=unfound
    )


def combine(tallies: dict[str, VoteTally]) -> VoteTally:
    """One tally of several rubrics' votes (counts and invalid reasons over all), each kept in `parts`."""
    if len(tallies) == 1:
        only = next(iter(tallies.values()))
        return VoteTally(only.votes, only.criterion_ids, only.texts, only.unfound, dict(tallies))
    votes, texts, unfound, ids = [], [], [], []
    for t in tallies.values():
        votes += t.votes
        texts += t.texts
        unfound += t.unfound
        ids += [c for c in t.criterion_ids if c not in ids]
    return VoteTally(votes, ids, texts, unfound, dict(tallies))
