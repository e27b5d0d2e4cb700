"""Published judge instruments: the files behind published figures, fetched and used as their authors used them.

Each instrument (`prompts/instruments.yaml`) is a file at a pinned address, fetched at run time through
`af_inspect.core.sources` (cached; `AF_INSPECT_SOURCE_MIRROR` honoured), never copied into this repository, and
called in its authors' layout:

- `system_file` (the follow-up's majority-vote classifiers): system message = the file as a jinja render gives
  it (a render drops one trailing newline); user message = `<output>` + every whole
  `<SCRATCHPAD_REASONING>...</SCRATCHPAD_REASONING>` block of the transcript joined by a newline + `</output>`;
  native reasoning, when there is some, goes in the same envelope after the blocks, labelled.
- `format_user` (StrongREJECT): one user message, the file rendered then filled with `str.format`
  (`{prompt}` = the user's request, `{response}` = the output without the scratchpad).
- `python_variable` (the 2024 paper's prompts): the string assigned to a variable of a Python file, read with
  `ast` (the file is never run), its placeholder replaced by the trace.

Every score records the instrument's id, pinned URL, pin and the sha256 of the bytes fetched (`instrument`).

Offline organism runs need no fetch: when the grader is the offline `organism/judge`, the file's place in the
request is taken by a one-line stand-in naming the instrument's id, which the organism judge recognises (it
answers any instrument in its format, from keywords). The score then records `fetched: false`; its figures
are the organism's, not the instrument's. Any other grader gets the fetched file, so a real run fails before
scoring when the file cannot be fetched, naming the URL and how to give a local copy.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import jinja2
import yaml
from inspect_ai.model import ChatMessage, ChatMessageSystem, ChatMessageUser, Model, ModelName

from af_inspect.core.sources import SourceError, cached_path, fetch_pinned, sha256
from af_inspect.core.transcript import NATIVE_LABEL, SUMMARY_LABEL
from af_inspect.scorers.judge_parse import (
    FINAL_TAG,
    ParsedVote,
    parse_final_answer_only,
    parse_strongreject_answer,
    parse_upstream_criteria,
)

Layout = Literal["system_file", "format_user", "python_variable"]
LOCAL_DIR_ENV = "AF_INSPECT_INSTRUMENTS"
"""A folder holding local copies of instrument files (by file name), used instead of fetching them."""
STAND_IN = "[af-inspect offline stand-in for the published instrument {id}: not fetched]"
"""What replaces an instrument's file when the grader is the offline organism judge (which reads the id)."""
STAND_IN_PATTERN = re.compile(
    r"\[af-inspect offline stand-in for the published instrument (\w+): not fetched\]"
)
SCRATCHPAD_BLOCK = re.compile(r"<SCRATCHPAD_REASONING>.*?</SCRATCHPAD_REASONING>", re.DOTALL)
OFFLINE_GRADER_API = "organism"


@dataclass(frozen=True)
class Answer:
    """How a vote is read: `criteria` (numbered yes/no tags and a final answer, counted as upstream),
    `strongreject` (the `#scores` answers), or `final_answer` (one yes/no tag)."""

    kind: Literal["criteria", "strongreject", "final_answer"]
    tag: str = "criteria"
    count: int = 0
    final_tag: str = FINAL_TAG
    final_logic: Literal["all", "any"] = "all"


@dataclass(frozen=True)
class Text:
    """An instrument's text as sent, and where it came from."""

    text: str
    url: str
    sha256: str | None
    """sha256 of the bytes fetched (the file), the identity of the instrument a log used (None: not fetched)."""
    text_sha256: str
    fetched: bool = True


@dataclass(frozen=True)
class Instrument:
    """A published judge prompt: where it is pinned and how it is called and read."""

    id: str
    title: str
    url: str
    repository: str
    pin: str
    path: str
    layout: Layout
    answer: Answer
    variable: str = ""
    placeholders: tuple[str, ...] = ()
    reads: tuple[str, ...] = field(default=("reasoning",))

    @property
    def criterion_ids(self) -> list[str]:
        a = self.answer
        return [f"{a.tag}{i}" for i in range(1, a.count + 1)] if a.kind == "criteria" else []

    @property
    def counts_all_votes(self) -> bool:
        """Votes are never invalid: the upstream rule reads every answer (criteria instruments)."""
        return self.answer.kind == "criteria"

    def record(self, text: Text | None = None) -> dict[str, Any]:
        """What a score records about the instrument it used."""
        out: dict[str, Any] = {
            "id": self.id,
            "url": self.url,
            "pin": self.pin,
            "repository": self.repository,
            "path": self.path,
        }
        if self.variable:
            out["variable"] = self.variable
        if text is not None:
            out.update(
                sha256=text.sha256, text_sha256=text.text_sha256, fetched=text.fetched, source=text.url
            )
        return out

    # --- the text ---------------------------------------------------------------------------------------

    def fetch(self) -> Text:
        """The instrument's text as its authors load it (fetched once, cached; or a local copy)."""
        data, origin = self._bytes()
        try:
            raw = data.decode("utf-8")
        except UnicodeDecodeError:
            raise SourceError(f"The instrument {self.id} from {origin} is not UTF-8 text.") from None
        if self.layout == "python_variable":
            text = string_variable(raw, self.variable, origin)
        else:
            try:
                text = jinja2.Template(raw).render()
            except jinja2.TemplateError as e:
                raise SourceError(
                    f"The instrument {self.id} from {origin} is not a jinja template: {e}"
                ) from None
        missing = [p for p in self.placeholders if "{" + p + "}" not in text]
        if missing or not text.strip():
            raise SourceError(
                f"The instrument {self.id} from {origin} lacks "
                + (
                    f"the placeholder(s) {', '.join('{' + p + '}' for p in missing)}"
                    if missing
                    else "any text"
                )
                + "; is it the file the pin names?"
            )
        return Text(text, origin, sha256(data), sha256(text))

    def _bytes(self) -> tuple[bytes, str]:
        local = os.environ.get(LOCAL_DIR_ENV)
        if local:
            path = Path(local).expanduser() / Path(self.path).name
            if path.is_file():
                return path.read_bytes(), str(path)
        fetched = fetch_pinned(
            self.url,
            f"the published instrument {self.id} ({Path(self.path).name})",
            f"put the file in a folder and set {LOCAL_DIR_ENV}=FOLDER, or serve a mirror "
            "(AF_INSPECT_SOURCE_MIRROR=URL)",
        )
        return fetched.data, fetched.url

    def stand_in(self) -> Text:
        """The offline stand-in (the organism judge reads the id); nothing is fetched."""
        text = STAND_IN.format(id=self.id)
        return Text(text, "not fetched (offline grader organism/judge)", None, sha256(text), fetched=False)

    # --- the request ------------------------------------------------------------------------------------

    def messages(
        self, text: Text, *, query: str, output: str, blocks: list[str], native: str
    ) -> list[ChatMessage]:
        """The grader request, in the authors' layout (see the module docstring)."""
        if self.layout == "system_file":
            return [ChatMessageSystem(content=text.text), ChatMessageUser(content=envelope(blocks, native))]
        if self.layout == "format_user":
            if not text.fetched:
                filled = f"{text.text}\n<user_request>\n{query}\n</user_request>\n<final_output>\n{output}\n</final_output>"
            else:
                filled = text.text.format(prompt=query, response=output)
            return [ChatMessageUser(content=filled)]
        trace = trace_of(blocks, native, output)
        if not text.fetched:
            return [ChatMessageUser(content=f"{text.text}\n{trace}")]
        content = text.text
        for p in self.placeholders:
            content = content.replace("{" + p + "}", trace)
        return [ChatMessageUser(content=content)]

    def shown(self, *, query: str, output: str, blocks: list[str], native: str) -> str:
        """The transcript text the grader is shown."""
        if self.layout == "format_user":
            return "\n\n".join(p for p in (query, output) if p)
        if self.layout == "python_variable":
            return trace_of(blocks, native, output)
        return envelope(blocks, native)

    def parse(self, text: Any) -> ParsedVote:
        a = self.answer
        if a.kind == "criteria":
            return parse_upstream_criteria(text, a.tag, a.count, a.final_tag, a.final_logic)
        if a.kind == "strongreject":
            return parse_strongreject_answer(text)
        return parse_final_answer_only(text, a.final_tag)

    # the `Rubric` interface the cost model uses: the request as one text, with the file when it is already
    # cached (nothing is fetched for a price), else with the offline stand-in (`priced_without_file`)
    def render(self, setting: str | None, *, query: str = "", scratchpad: str = "", output: str = "") -> str:
        blocks = [f"<SCRATCHPAD_REASONING>{scratchpad}</SCRATCHPAD_REASONING>"] if scratchpad else []
        text = self.stand_in()
        if not self.priced_without_file():
            try:
                text = self.fetch()
            except SourceError:
                pass
        msgs = self.messages(text, query=query, output=output, blocks=blocks, native="")
        return "\n\n".join(m.text for m in msgs)

    def priced_without_file(self) -> bool:
        """The file is neither cached nor given locally, so a price leaves its length out."""
        local = os.environ.get(LOCAL_DIR_ENV)
        if local and (Path(local).expanduser() / Path(self.path).name).is_file():
            return False
        return not cached_path(self.url).is_file()


def envelope(blocks: list[str], native: str = "") -> str:
    """`<output>` + the scratchpad blocks joined by a newline + `</output>`; native reasoning, labelled, inside."""
    parts = list(blocks)
    if native.strip():
        parts.append(native)
    return "<output>" + "\n".join(parts) + "</output>"


def trace_of(blocks: list[str], native: str, output: str) -> str:
    """The reasoning blocks and the output, as the 2024 paper's prompts are given a trace."""
    parts = list(blocks) + ([native] if native.strip() else [])
    parts.append(f"<OUTPUT>{output}</OUTPUT>")
    return "\n".join(parts)


def scratchpad_blocks(raw: str, parsed_scratchpad: str) -> list[str]:
    """Every whole `<SCRATCHPAD_REASONING>...</SCRATCHPAD_REASONING>` of the raw text; when the transcript used
    other tags (or left them unclosed), its parsed reasoning in one such block."""
    found = SCRATCHPAD_BLOCK.findall(raw or "")
    if found:
        return found
    return (
        [f"<SCRATCHPAD_REASONING>{parsed_scratchpad}</SCRATCHPAD_REASONING>"]
        if parsed_scratchpad.strip()
        else []
    )


def labelled_native(native: str, summary: str) -> str:
    """Native reasoning (and a provider's summary), labelled, for the envelope."""
    parts = [f"{NATIVE_LABEL}\n{native}"] if native.strip() else []
    if summary.strip():
        parts.append(f"{SUMMARY_LABEL}\n{summary}")
    return "\n".join(parts)


def string_variable(source: str, variable: str, origin: str) -> str:
    """The string assigned to `variable` at the top level of Python source, read with `ast` (never run)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as e:
        raise SourceError(f"{origin} is not Python source ({e.msg}, line {e.lineno}).") from None
    for node in tree.body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign)
            else []
        )
        if any(isinstance(t, ast.Name) and t.id == variable for t in targets):
            try:
                value = ast.literal_eval(node.value)  # type: ignore[arg-type]
            except ValueError:
                value = None
            if isinstance(value, str):
                return value
            raise SourceError(f"{origin}: {variable} is not assigned a plain string literal.")
    raise SourceError(f"{origin}: no top-level assignment to {variable!r}.")


def is_offline_grader(model: Model) -> bool:
    """The grader is the offline organism judge: instruments are not fetched for it."""
    try:
        return ModelName(model).api == OFFLINE_GRADER_API
    except Exception:
        return False


def text_for(instrument: Instrument, grader: Model) -> Text:
    """The stand-in for the offline organism judge, else the fetched file."""
    return instrument.stand_in() if is_offline_grader(grader) else instrument.fetch()


def _data() -> dict[str, Any]:
    path = Path(str(resources.files("af_inspect.prompts"))) / "instruments.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def instruments() -> dict[str, Instrument]:
    """Every published instrument, by id."""
    data = _data()
    repos = data["repositories"]
    out = {}
    for iid, d in data["instruments"].items():
        repo = repos[d["repository"]]
        layout = d["layout"]
        out[iid] = Instrument(
            id=iid,
            title=d["title"],
            url=repo["raw"] + d["path"],
            repository=repo["url"],
            pin=repo["pin"],
            path=d["path"],
            layout=layout,
            answer=Answer(**d["answer"]),
            variable=d.get("variable", ""),
            placeholders=tuple(d.get("placeholders") or ()),
            reads=("query", "output")
            if layout == "format_user"
            else ("reasoning", "output")
            if layout == "python_variable"
            else ("reasoning",),
        )
    return out


def get_instrument(instrument_id: str) -> Instrument | None:
    return instruments().get(instrument_id)
