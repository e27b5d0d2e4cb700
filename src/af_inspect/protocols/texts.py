"""The texts a run sends whole: the system prompt and the user-turn template a protocol points at (a pinned
URL, a notebook's variable, a file), or the user's own files that replace them (`-T system_prompt=`,
`-T user_turn=`).

Both are read here, before any prompt is built, so that a fetch that fails stops the run before anything
else is done; each comes back with where it came from and its sha256 (for the log). The built-in texts are
rendered by `prompts/` instead.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path

from af_inspect.core.files import read_text_file
from af_inspect.core.params import ParameterError
from af_inspect.core.sources import SourceError, fetch_pinned, sha256
from af_inspect.protocols.protocol import Protocol, ProtocolError, Source

TEMPLATE_FIELDS = ("is_free_tier_user", "user_input")
"""The placeholders of a user-turn template (the names the published notebook uses)."""


@dataclass(frozen=True)
class Text:
    """A text read from a protocol source, and its provenance (for the log)."""

    text: str
    source: str
    sha256: str


@dataclass(frozen=True)
class WholeTexts:
    """The texts a run uses as they are; None where the built-in sections or turn are used."""

    system_prompt: Text | None
    user_turn: Text | None


def whole_texts(proto: Protocol, system_prompt: str | None, user_turn: str | None) -> WholeTexts:
    """The system prompt and the user-turn template the run uses whole: the user's files, else the
    protocol's sources (None for a built-in one). A template lacking a placeholder is refused."""
    if system_prompt:
        prompt: Text | None = Text(*_read_prompt_file(system_prompt))
    elif proto.system_prompt.kind == "builtin":
        prompt = None
    else:
        prompt = read_text(
            proto.system_prompt,
            f"the {proto.name} system prompt",
            "-T system_prompt=PATH (a local copy of the file)",
        )
    src = Source("file", user_turn) if user_turn else proto.user_turn
    template = None
    if src.kind != "builtin":
        template = read_text(
            src, f"the {proto.name} user-turn template", "-T user_turn=PATH (a local copy of the template)"
        )
        check_template(template.text, template.source)
    return WholeTexts(prompt, template)


def _read_prompt_file(path: str) -> tuple[str, str, str]:
    """A user's own system prompt, verbatim (no template formatting, braces kept): (text, path, sha256)."""
    text = read_text_file(Path(path).expanduser(), ParameterError, "system_prompt file", non_empty=True)
    return text, path, sha256(text)


def read_text(src: Source, what: str, instead: str) -> Text:
    """The text of a url/notebook/file source (the built-in ones are rendered elsewhere)."""
    if src.kind == "file":
        path = Path(src.location)
        try:
            data = path.read_bytes()
        except OSError as e:
            raise SourceError(f"{what}: cannot read {path} ({e}).") from None
        origin = str(path)
    else:
        fetched = fetch_pinned(src.location, what, instead)
        data, origin = fetched.data, fetched.url
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SourceError(f"{what} from {origin} is not UTF-8 text.") from None
    if src.kind == "notebook":
        text = template_from_notebook(text, src.variable, origin)
    if not text.strip():
        raise SourceError(f"{what} from {origin} is empty.")
    return Text(text, origin, sha256(text))


def template_from_notebook(notebook: str, variable: str, origin: str) -> str:
    """The string literal assigned to `variable` in a notebook's code cells (read with `ast`, never run)."""
    try:
        cells = json.loads(notebook).get("cells", [])
    except (json.JSONDecodeError, AttributeError):
        raise SourceError(f"{origin} is not a Jupyter notebook (JSON with cells).") from None
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        code = "".join(source) if isinstance(source, list) else str(source)
        try:
            tree = ast.parse(code)
        except SyntaxError:  # notebook magics: this cell cannot hold a plain assignment we can read
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == variable for t in node.targets)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                return node.value.value
    raise SourceError(f"{origin}: no code cell assigns a string to {variable!r}.")


def check_template(template: str, origin: str) -> None:
    """A user-turn template must have both placeholders."""
    missing = [f"{{{f}}}" for f in TEMPLATE_FIELDS if f"{{{f}}}" not in template]
    if missing:
        raise ProtocolError(
            f"User-turn template {origin} lacks the placeholder(s) {', '.join(missing)}; a template puts the "
            "tier value in {is_free_tier_user} and the query in {user_input}."
        )
