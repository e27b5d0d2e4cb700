"""YAML data files read safely, with each mapping remembering its line, so an error can name file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from af_inspect.core.files import read_text_file


class LinedMapping(dict):
    """A mapping read from YAML: `line` is where it starts, `key_lines` where each key is."""

    line: int = 0
    key_lines: dict[Any, int]


class _LineLoader(yaml.SafeLoader):
    """A safe loader whose mappings remember their line and refuse duplicate keys."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LinedMapping:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first on line {seen[key]})", key_node.start_mark
            )
        seen[key] = key_node.start_mark.line + 1
    mapping = LinedMapping(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = seen
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml_with_lines(path: Path, error: type[Exception], what: str) -> Any:
    """The file's data; a missing, unreadable or invalid file raises `error` naming the file (and line)."""
    text = read_text_file(path, error, what)
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e)
        raise error(f"{path}{where}: not valid YAML ({problem}).") from None
