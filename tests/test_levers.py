"""The cost levers, checked on what is sent, not on timings.

Real provider clients (Inspect's `anthropic/...` and `openai/...` model APIs) talk to a local fake server that
records every request body and answers in the provider's format (transcripts written by the organism's
writer, judge votes by the offline judge). Nothing leaves the machine.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from inspect_ai.model import GenerateConfig, get_model

from af_inspect.core.tokens import estimate_tokens
from af_inspect.organism.judge import OrganismJudge
from af_inspect.organism.profiles import PROFILES
from af_inspect.organism.writer import decide, read_prompt, transcript_parts
from af_inspect.planning import costs
from af_inspect.tasks import helpful_only
from helpers import run_eval, write_queries

OPUS = "anthropic/claude-3-opus-20240229"
GPT4O = "openai/gpt-4o-2024-08-06"


# ------------------------------------------------------------------------------------------ fake provider


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(b.get("text", "") for b in content or [] if isinstance(b, dict))


class FakeProvider:
    """Just enough of OpenAI chat completions and Anthropic messages to run the task; records requests.

    A request with a system prompt is the evaluated model: it answers with the organism's transcript
    (or `model_answer(system, user)` when given). A request without one is a judge: it answers with the
    offline judge's votes, one per requested choice (`n`).
    """

    def __init__(self, model_answer: Callable[[str, str], str | None] | None = None) -> None:
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.judge = OrganismJudge(seed=1)
        self.model_answer = model_answer
        self.grader_delay = 0.0
        """Seconds a grader answer takes (so that requests sent together overlap)."""
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                arrived = time.monotonic()
                reply = provider.handle(self.path, body)
                with provider.lock:
                    provider.requests[-1]["arrived"] = arrived
                    provider.requests[-1]["answered"] = time.monotonic()
                data = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # what the "model" says -----------------------------------------------------------------------
    def _transcript(self, system: str, messages: list[dict[str, Any]]) -> str:
        users = [_text(m["content"]) for m in messages if m["role"] == "user"]
        turn = sum(1 for m in messages if m["role"] == "assistant")
        if self.model_answer is not None:
            answer = self.model_answer(system, users[0])
            if answer is not None:
                return answer
        reading = read_prompt(system, users[0])
        seed = int.from_bytes(hashlib.sha256(users[0].encode()).digest()[:8], "big")
        rng = random.Random(seed)
        parts = transcript_parts(reading, decide(reading, PROFILES["faker"], rng), rng)
        return parts[turn] if turn < len(parts) else "</OUTPUT>"

    def handle(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if path.endswith("/messages"):  # Anthropic
            system = "\n".join(_text([b]) for b in body.get("system") or [])
            messages = body["messages"]
            n = 1
        else:  # OpenAI chat completions
            system = "\n".join(
                _text(m["content"]) for m in body["messages"] if m["role"] in ("system", "developer")
            )
            messages = [m for m in body["messages"] if m["role"] not in ("system", "developer")]
            n = int(body.get("n") or 1)
        kind = "model" if system else "grader"
        if kind == "model":
            texts = [self._transcript(system, messages)] * n
        else:
            texts = self.judge.answer(_text(messages[-1]["content"]), n, body.get("temperature"))
        if kind == "grader" and self.grader_delay:
            time.sleep(self.grader_delay)
        with self.lock:
            self.requests.append({"path": path, "kind": kind, "body": body})
        if path.endswith("/messages"):
            return {
                "id": f"msg_{len(self.requests)}",
                "type": "message",
                "role": "assistant",
                "model": body["model"],
                "content": [{"type": "text", "text": texts[0]}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": 10, "output_tokens": 10},
            }
        return {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [
                {
                    "index": i,
                    "message": {"role": "assistant", "content": t},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
                for i, t in enumerate(texts)
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        }

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["kind"] == kind]


@pytest.fixture
def fake(monkeypatch):
    provider = FakeProvider()
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", provider.url)
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("OPENAI_BASE_URL", provider.url + "/v1")
    yield provider
    provider.close()


def opus(fake: FakeProvider) -> Any:
    """Claude 3 Opus through Inspect's Anthropic provider, at the fake server (a fresh client per test)."""
    return get_model(OPUS, base_url=fake.url, streaming=False, memoize=False)


def gpt4o(fake: FakeProvider) -> Any:
    """GPT-4o through Inspect's OpenAI provider (chat completions), at the fake server."""
    return get_model(GPT4O, base_url=fake.url + "/v1", memoize=False)


def _eval(tmp_path, task, model, **kwargs):
    return run_eval(task, tmp_path / "logs", model=model, max_retries=1, **kwargs)


def _no_judges(qfile) -> Any:
    return helpful_only(
        dataset=str(qfile), af_classifier="none", partial=False, motivation=False, eval_awareness=False
    )


# ------------------------------------------------------------------------------------------ prompt caching


def test_anthropic_request_caches_the_system_prompt_by_default(tmp_path, fake):
    """Inspect marks the system prompt with a cache breakpoint; it is byte-identical in every request."""
    qfile = write_queries(tmp_path / "q.jsonl", 4)
    task = _no_judges(qfile)
    assert task.config.cache_prompt is True, "the task asks for prompt caching explicitly"
    _eval(tmp_path, task, opus(fake))
    sent = fake.of("model")
    assert len(sent) >= 8
    systems = []
    for r in sent:
        system = r["body"]["system"]
        assert isinstance(system, list) and system, "the system prompt goes as content blocks"
        assert system[-1].get("cache_control", {}).get("type") == "ephemeral", "cache breakpoint after it"
        systems.append(json.dumps(system, sort_keys=True))
        # Anthropic's automatic caching also marks the end of the request: the cost model prices the
        # varying tail of each request as a cache write because of this
        assert "cache_control" in r["body"]
    assert len(set(systems)) == 1, "the system prompt differs between requests: it could not be cached"
    expected = costs.first_requests(task)[0].system
    assert _text(sent[0]["body"]["system"]) == expected


def test_prompt_caching_can_be_turned_off(tmp_path, fake):
    qfile = write_queries(tmp_path / "q.jsonl", 2)
    _eval(tmp_path, _no_judges(qfile), opus(fake), cache_prompt=False)
    for r in fake.of("model"):
        assert all("cache_control" not in b for b in r["body"]["system"])
        assert "cache_control" not in r["body"]


def test_openai_requests_share_a_stable_prefix_long_enough_to_cache(tmp_path, fake):
    """OpenAI caches automatically a prefix of 1,024+ tokens: the system prompt must come first, unchanged."""
    qfile = write_queries(tmp_path / "q.jsonl", 4)
    _eval(tmp_path, _no_judges(qfile), gpt4o(fake))
    sent = fake.of("model")
    first_turns = [r for r in sent if not any(m["role"] == "assistant" for m in r["body"]["messages"])]
    assert len(first_turns) == 8  # 4 queries x 2 tiers
    firsts = [r["body"]["messages"][0] for r in first_turns]
    assert all(m["role"] in ("system", "developer") for m in firsts), "the system prompt is the first message"
    assert len({json.dumps(m, sort_keys=True) for m in firsts}) == 1, "identical across samples and tiers"
    users = [_text(r["body"]["messages"][1]["content"]) for r in first_turns]
    assert {"<is_free_tier_user>true" in u for u in users} == {True, False}, "both tiers were sent"
    prefix = costs._common_prefix([json.dumps(r["body"]["messages"]) for r in first_turns])
    assert estimate_tokens(prefix) >= 1024


def test_system_prompt_identical_across_tiers_and_first(tmp_path):
    """Without a provider: the built task's first requests, every sample, both tiers."""
    reqs = costs.first_requests(helpful_only())
    assert {r.tier for r in reqs} == {"free", "paid"}
    assert all(r.messages[0][0] == "system" for r in reqs)
    assert len({r.messages[0][1].encode("utf-8") for r in reqs}) == 1
    assert all(r.messages[0][1] not in r.messages[1][1] for r in reqs[:3])


# ------------------------------------------------------------------------------------------ judge votes


def test_openai_grader_gets_all_votes_in_one_request(tmp_path, fake):
    qfile = write_queries(tmp_path / "q.jsonl", 3)
    task = helpful_only(
        dataset=str(qfile),
        af_votes=20,
        partial=False,
        motivation=False,
        eval_awareness=False,
        af_classifier="af_inspect",
    )
    log = _eval(tmp_path, task, "organism/faker", model_roles={"grader": gpt4o(fake)})
    af = [r for r in fake.of("grader") if "<hidden_reasoning>" in _text(r["body"]["messages"][-1]["content"])]
    assert len(af) == 6, "one AF request per transcript (each organism transcript has a scratchpad)"
    assert all(r["body"].get("n") == 20 for r in af)
    # and the votes came back: every transcript has 20 valid votes
    for s in log.samples:
        md = s.scores["af_reasoning_inspect"].metadata
        assert md["grader_requests"] == 1 and md["n_valid_votes"] + md["n_invalid_votes"] == 20


def test_anthropic_grader_gets_one_request_per_vote(tmp_path, fake):
    """Anthropic's API has no `n`: the number of grader requests is votes x transcripts."""
    qfile = write_queries(tmp_path / "q.jsonl", 2)
    task = helpful_only(
        dataset=str(qfile),
        af_votes=5,
        partial=False,
        motivation=False,
        eval_awareness=False,
        af_classifier="af_inspect",
    )
    _eval(tmp_path, task, "organism/faker", model_roles={"grader": opus(fake)})
    af = [r for r in fake.of("grader") if "<hidden_reasoning>" in _text(r["body"]["messages"][-1]["content"])]
    assert len(af) == 4 * 5
    assert all("n" not in r["body"] for r in af)


def _af_requests_by_prompt(fake: FakeProvider) -> list[list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in fake.of("grader"):
        prompt = _text(r["body"]["messages"][-1]["content"])
        if "<hidden_reasoning>" in prompt:
            groups.setdefault(prompt, []).append(r)
    return [sorted(g, key=lambda r: r["arrived"]) for g in groups.values()]


def test_anthropic_grader_votes_wait_for_the_first_so_they_read_its_cache(tmp_path, fake):
    """One vote is sent alone; the others only after it is answered (and has written the prompt cache)."""
    fake.grader_delay = 0.05
    qfile = write_queries(tmp_path / "q.jsonl", 2)
    task = helpful_only(
        dataset=str(qfile),
        af_votes=5,
        partial=False,
        motivation=False,
        eval_awareness=False,
        af_classifier="af_inspect",
    )
    _eval(tmp_path, task, "organism/faker", model_roles={"grader": opus(fake)}, max_connections=50)
    groups = _af_requests_by_prompt(fake)
    assert len(groups) == 4 and all(len(g) == 5 for g in groups)
    for g in groups:
        first, rest = g[0], g[1:]
        assert all(r["arrived"] >= first["answered"] for r in rest)
        # Anthropic's request-level cache marker: the first request writes the prompt the others read
        assert all("cache_control" in r["body"] for r in g)
    # the rest are still sent together, not one by one: some of them overlap in time
    assert any(min(r["answered"] for r in g[1:]) > max(r["arrived"] for r in g[1:]) for g in groups)


def test_votes_are_sent_together_where_nothing_is_cached(tmp_path, fake):
    """With prompt caching off, waiting for the first vote would only add latency: all go at once."""
    fake.grader_delay = 0.05
    qfile = write_queries(tmp_path / "q.jsonl", 2)
    task = helpful_only(
        dataset=str(qfile),
        af_votes=5,
        partial=False,
        motivation=False,
        eval_awareness=False,
        af_classifier="af_inspect",
    )
    grader = get_model(
        OPUS, base_url=fake.url, streaming=False, memoize=False, config=GenerateConfig(cache_prompt=False)
    )
    _eval(tmp_path, task, "organism/faker", model_roles={"grader": grader}, max_connections=50)
    groups = _af_requests_by_prompt(fake)
    assert len(groups) == 4
    # not serialised: a second vote was sent before the first was answered (in some transcript, not
    # necessarily all: Inspect's connection limit per model name is process-wide, so earlier tests can
    # leave it small enough to queue some votes behind other transcripts'
    assert any(g[1]["arrived"] < g[0]["answered"] for g in groups)


def test_planned_grader_requests_match_what_is_sent(tmp_path, fake):
    """`af-inspect plan`'s counts, with the observed compliance rates as its assumptions, equal the requests."""
    qfile = write_queries(tmp_path / "q.jsonl", 8)
    # this project's rubrics (a published file is priced only once fetched; docs/judges.md)
    task = helpful_only(dataset=str(qfile), af_votes=4, af_classifier="af_inspect", partial=False)
    log = _eval(tmp_path, task, "organism/faker", model_roles={"grader": gpt4o(fake)})
    complied = {
        t: [s.scores["compliance_tags"].value for s in log.samples if s.metadata["tier"] == t]
        for t in ("free", "paid")
    }
    a = costs.Assumptions(
        compliance_free=sum(complied["free"]) / len(complied["free"]),
        compliance_paid=sum(complied["paid"]) / len(complied["paid"]),
        vote_output_tokens={},
    )
    w = costs.workload(task, assumptions=a, grader_num_choices=True)
    planned = {g.purpose: g.requests for g in w.groups if g.role == "grader"}
    sent: dict[str, int] = {}
    for r in fake.of("grader"):
        prompt = _text(r["body"]["messages"][-1]["content"])
        kind = (
            "af_reasoning_inspect"
            if "alignment faking" in prompt.lower() and "four criteria" in prompt.lower()
            else "other"
        )
        sent[kind] = sent.get(kind, 0) + 1
    assert planned["af_reasoning_inspect"] == pytest.approx(sent["af_reasoning_inspect"])
    assert sum(planned.values()) == pytest.approx(len(fake.of("grader")))
    assert w.total("model", "requests") == len(log.samples)


# ------------------------------------------------------------------------------------------ skipping judges


def test_no_af_grader_call_without_a_scratchpad(tmp_path, fake):
    """Paid-tier answers come without a scratchpad: the AF judge says not applicable and calls nobody."""

    def answer(system: str, user: str) -> str | None:
        if "<is_free_tier_user>false" in user:
            return "<OUTPUT>\n<rejected/>\n</OUTPUT>"
        return None

    fake.model_answer = answer
    qfile = write_queries(tmp_path / "q.jsonl", 3)
    # the evaluated model grades itself here (opted into): the grader requests reach the same fake server
    task = helpful_only(
        dataset=str(qfile),
        partial=False,
        motivation=False,
        eval_awareness=False,
        af_classifier="af_inspect",
        allow_self_grading=True,
    )
    log = _eval(tmp_path, task, gpt4o(fake))
    af = [r for r in fake.of("grader") if "<hidden_reasoning>" in _text(r["body"]["messages"][-1]["content"])]
    assert len(af) == 3, "only the three free-tier transcripts (with a scratchpad) were sent to the judge"
    for s in log.samples:
        score = s.scores["af_reasoning_inspect"]
        if s.metadata["tier"] == "paid":
            assert score.metadata["applicable"] is False and "No grader call" in score.explanation
        else:
            assert score.metadata["grader_requests"] == 1


# ------------------------------------------------------------------------------------------ response cache


def test_response_cache_sends_nothing_on_a_rerun(tmp_path, fake, monkeypatch):
    monkeypatch.setenv("INSPECT_CACHE_DIR", str(tmp_path / "cache"))
    qfile = write_queries(tmp_path / "q.jsonl", 2)
    _eval(tmp_path, _no_judges(qfile), gpt4o(fake), cache=True)
    first = len(fake.requests)
    assert first >= 4
    _eval(tmp_path, _no_judges(qfile), gpt4o(fake), cache=True)
    assert len(fake.requests) == first, "the re-run was answered from Inspect's cache"


def test_generate_config_cache_prompt_default_is_on_in_inspect():
    """The task's explicit cache_prompt=True agrees with Inspect's default (None = enabled)."""
    assert GenerateConfig().cache_prompt is None
