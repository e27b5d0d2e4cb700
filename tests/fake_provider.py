"""Local fake servers for tests: provider APIs that record what they are sent, and a pinned-source mirror.

`FakeProvider` speaks just enough of OpenAI chat completions and Anthropic messages for Inspect's real
provider clients (`anthropic/...`, `openai/...`, `openai-api/...`) to run the tasks against it; it records
every request body. `SourceMirror` serves stand-in files at the paths of pinned URLs (for
`AF_INSPECT_SOURCE_MIRROR`). Nothing leaves the machine.
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

from af_inspect.organism.judge import OrganismJudge
from af_inspect.organism.profiles import PROFILES
from af_inspect.organism.writer import decide, read_prompt, transcript_parts
from af_inspect.scorers.instruments import STAND_IN, STAND_IN_PATTERN, instruments

Answer = Callable[[str, list[dict[str, Any]]], "str | tuple[str, str] | dict[str, Any] | None"]
"""(system, messages) -> the model's text, or (text, stop reason), or {"text", "stop", "reasoning_content",
"tool_calls"} (an OpenAI-compatible reasoning model's reply; `tool_calls` as the chat completions API
returns them, OpenAI only), or None for the organism's transcript."""


def text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(b.get("text", "") for b in content or [] if isinstance(b, dict))


class _Server:
    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class FakeProvider(_Server):
    """A request with a system prompt is the evaluated model: it answers with `answer(system, messages)`,
    else the organism faker's transcript. A request without one is a grader: it answers with the offline
    judge's votes, one per requested choice (`n`). A final assistant message is a prefill: the reply
    continues it (the prefill itself is not repeated, as Anthropic's API does)."""

    def __init__(self, answer: Answer | None = None) -> None:
        self.requests: list[dict[str, Any]] = []
        self.refused: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.judge = OrganismJudge(seed=1)
        self.answer = answer
        self.refuse_prefill = False
        """Answer a request that ends with an assistant message with a 400, as Anthropic does with thinking."""
        self.grader_delay = 0.0
        """Seconds a grader answer takes (so that requests sent together overlap)."""
        self.grader_status: int | None = None
        """Answer every grader request with this HTTP error status (a grader that is down), recorded in
        `failed`; None answers normally."""
        self.failed: list[dict[str, Any]] = []
        self._local = threading.local()
        """The tool calls of the reply being written (each request is handled in a thread of its own)."""
        self.grade: Callable[[str, list[dict[str, Any]], int], list[str]] | None = None
        """When set, every request is a grader's: `grade(system, messages, n)` gives its n answers (a published
        instrument's grader gets a system message, so the system-prompt rule cannot tell it apart)."""
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if provider.grader_status is not None and provider.is_grader(body):
                    with provider.lock:
                        provider.failed.append(body)
                    data = json.dumps(
                        {"error": {"message": "the grader is unavailable", "type": "server_error"}}
                    )
                    self.send_response(provider.grader_status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data.encode())
                    return
                if provider.refuse_prefill and (body.get("messages") or [{}])[-1].get("role") == "assistant":
                    with provider.lock:
                        provider.refused.append(body)
                    error = {
                        "type": "error",
                        "error": {
                            "type": "invalid_request_error",
                            "message": "When thinking is enabled, a final assistant message must start with a "
                            "thinking block.",
                        },
                    }
                    data = json.dumps(error).encode()
                    self.send_response(400)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
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

        super().__init__(Handler)

    def _transcript(self, system: str, messages: list[dict[str, Any]]) -> tuple[str, str, str]:
        """(text, stop reason, reasoning_content) of the evaluated model's reply (tool calls: `_local`)."""
        prefill = text_of(messages[-1]["content"]) if messages and messages[-1]["role"] == "assistant" else ""
        history = messages[:-1] if prefill else messages
        if self.answer is not None:
            given = self.answer(system, history)
            if given is not None:
                if isinstance(given, dict):
                    self._local.tool_calls = list(given.get("tool_calls") or [])
                    text, stop, reasoning = (
                        given["text"],
                        given.get("stop", "stop"),
                        given.get("reasoning_content", ""),
                    )
                else:
                    (text, stop), reasoning = (given if isinstance(given, tuple) else (given, "stop")), ""
                return (
                    (text[len(prefill) :] if prefill and text.startswith(prefill) else text),
                    stop,
                    reasoning,
                )
        users = [text_of(m["content"]) for m in history if m["role"] == "user"]
        turn = sum(1 for m in history if m["role"] == "assistant")
        reading = read_prompt(system, users[0])
        rng = random.Random(int.from_bytes(hashlib.sha256(users[0].encode()).digest()[:8], "big"))
        parts = transcript_parts(reading, decide(reading, PROFILES["faker"], rng), rng)
        text = parts[turn] if turn < len(parts) else "</OUTPUT>"
        return (text[len(prefill) :] if prefill and text.startswith(prefill) else text), "stop", ""

    @staticmethod
    def is_grader(body: dict[str, Any]) -> bool:
        """A request without a system prompt (in either API's shape) is a grader's."""
        if body.get("system"):
            return False
        return not any(m.get("role") in ("system", "developer") for m in body.get("messages") or [])

    def handle(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        anthropic = path.endswith("/messages")
        if anthropic:
            system = "\n".join(text_of([b]) for b in body.get("system") or [])
            messages, n = body["messages"], 1
        else:  # OpenAI chat completions
            system = "\n".join(
                text_of(m["content"]) for m in body["messages"] if m["role"] in ("system", "developer")
            )
            messages = [m for m in body["messages"] if m["role"] not in ("system", "developer")]
            n = int(body.get("n") or 1)
        # a published instrument's grader gets its file as the system message: a stand-in file carrying the
        # offline marker (`instrument_files`) is a grader's request, answered by the organism judge
        instrument = bool(system) and STAND_IN_PATTERN.search(system) is not None
        kind = "model" if system and not instrument and self.grade is None else "grader"
        stop, reasoning = "stop", ""
        self._local.tool_calls = []
        if self.grade is not None:
            texts = self.grade(system, messages, n)
        elif kind == "model":
            text, stop, reasoning = self._transcript(system, messages)
            texts = [text] * n
        else:
            prompt = text_of(messages[-1]["content"])
            texts = self.judge.answer(
                f"{system}\n\n{prompt}" if instrument else prompt, n, body.get("temperature")
            )
        if kind == "grader" and self.grader_delay:
            time.sleep(self.grader_delay)
        calls = self._local.tool_calls
        with self.lock:
            self.requests.append({"path": path, "kind": kind, "body": body})
        if anthropic:
            return {
                "id": f"msg_{len(self.requests)}",
                "type": "message",
                "role": "assistant",
                "model": body["model"],
                "content": [{"type": "text", "text": texts[0]}],
                "stop_reason": {"stop": "end_turn", "length": "max_tokens"}.get(stop, stop),
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
                    "message": {
                        "role": "assistant",
                        "content": t,
                        **({"reasoning_content": reasoning} if reasoning else {}),
                        **({"tool_calls": calls} if calls else {}),
                    },
                    "finish_reason": stop,
                    "logprobs": None,
                }
                for i, t in enumerate(texts)
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        }

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["kind"] == kind]


class SourceMirror(_Server):
    """Serves `files` (URL path -> bytes) over HTTP and counts the requests for each path."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = dict(files)
        self.hits: dict[str, int] = {}
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                mirror.hits[self.path] = mirror.hits.get(self.path, 0) + 1
                data = mirror.files.get(self.path)
                self.send_response(200 if data is not None else 404)
                self.send_header("Content-Length", str(len(data or b"")))
                self.end_headers()
                self.wfile.write(data or b"")

        super().__init__(Handler)


def instrument_files() -> dict[str, bytes]:
    """Stand-in files for every published instrument, at their pinned URLs' paths (for a `SourceMirror`): the
    offline marker the organism judge reads, and the placeholders the real files have; not their text."""
    files: dict[str, bytes] = {}
    for iid, inst in instruments().items():
        marker = STAND_IN.format(id=iid)
        path = inst.url.split("://", 1)[1].split("/", 1)[1]
        if inst.layout == "python_variable":
            body = "\n".join(
                f"{other.variable} = {STAND_IN.format(id=other.id) + chr(10) + '{all_messages}'!r}"
                for other in instruments().values()
                if other.path == inst.path
            )
        elif inst.layout == "format_user":
            body = f"{marker}\n<user_request>\n{{prompt}}\n</user_request>\n<final_output>\n{{response}}\n</final_output>\n"
        else:
            body = f"{marker}\nStand-in classifier: answer <criteria1>..</criteria1> and <final_answer>.\n"
        files["/" + path] = body.encode()
    return files
