"""Validation of task parameters: bad values fail fast, before any model call, naming the valid ones."""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable, Mapping
from inspect import Parameter, signature
from typing import Any, TypeVar

import yaml

from af_inspect.core.errors import UsageError

F = TypeVar("F", bound=Callable[..., Any])


class ParameterError(UsageError):
    """A task parameter has a value the task cannot use."""


def did_you_mean(value: Any, options: Iterable[str]) -> str:
    """` Did you mean 'x'?` for the closest option (a typo such as cut_rhlf), or '' when none is close."""
    options = list(options)
    close = [o for o in options if o.lower() == str(value).lower()] or difflib.get_close_matches(
        str(value), options, n=1
    )
    return f" Did you mean {close[0]!r}?" if close else ""


def check_choice(name: str, value: Any, valid: Iterable[str]) -> str:
    """Return `value` if it is one of `valid`, else raise naming the valid values (and the closest)."""
    options = list(valid)
    if value not in options:
        raise ParameterError(
            f"Unknown value {value!r} for parameter '{name}'. Valid values: {', '.join(options)}."
            + did_you_mean(value, options)
        )
    return str(value)


def as_bool(name: str, value: Any) -> bool:
    """Accept the ways a boolean arrives from `-T name=...` on the command line."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise ParameterError(f"Parameter '{name}' must be true or false, not {value!r}.")


def as_fraction(name: str, value: Any) -> float:
    """A number in [0, 1]."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"Parameter '{name}' must be a number between 0 and 1, not {value!r}.") from None
    if math.isnan(x) or not 0.0 <= x <= 1.0:
        raise ParameterError(f"Parameter '{name}' must be between 0 and 1, not {x}.")
    return x


def as_positive_int(name: str, value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ParameterError(f"Parameter '{name}' must be a whole number, not {value!r}.") from None
    if number < 1:
        raise ParameterError(f"Parameter '{name}' must be at least 1, not {number}.")
    return number


def as_list(value: Any) -> list[str]:
    """`a,b` or ['a', 'b'] or None -> ['a', 'b'] (blank items dropped)."""
    if value is None:
        return []
    if isinstance(value, str):
        items = value.split(",")
    else:
        items = [str(v) for v in value]
    return [item.strip() for item in items if item.strip()]


def parse_assignments(items: list[str], what: str) -> dict[str, Any]:
    """`["a=1", "b=x,y"]` -> `{"a": 1, "b": "x,y"}`: values read as YAML, as Inspect reads `-T`/`-M` values."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ParameterError(f"{what} must look like NAME=VALUE, not {item!r}.")
        out[key.strip()] = yaml.safe_load(value) if value.strip() else ""
    return out


def reject_unknown(
    task: str, unknown: dict[str, Any], valid: Iterable[str] | Mapping[str, Parameter]
) -> None:
    """Stop on task parameters the task does not have (Inspect itself only warns and drops them).

    A misspelt `-T af_vote=5` would otherwise run the whole experiment with the default value.
    """
    if not unknown:
        return
    if isinstance(valid, Mapping):  # a signature's parameters: leave out the **catch-all itself
        valid = [n for n, p in valid.items() if getattr(p, "kind", None) != Parameter.VAR_KEYWORD]
    names = sorted(valid)
    hints = []
    for key in sorted(unknown):
        close = difflib.get_close_matches(key, names, n=1)
        hints.append(f"'{key}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
    raise ParameterError(
        f"Unknown parameter {', '.join(hints)} for task '{task}'. Valid parameters: {', '.join(names)}."
    )


def same_parameters_as(core: Callable[..., Any]) -> Callable[[F], F]:
    """Give a task function `core`'s parameters after the first, so they are declared once, in `core`.

    Inspect reads a task's parameters from its signature (`inspect eval -T`, the log's task args); the
    registered tasks pass them on to `core` with `**params`.
    """

    def give(fn: F) -> F:
        params = list(signature(core).parameters.values())[1:]
        fn.__signature__ = signature(fn).replace(parameters=params)  # type: ignore[attr-defined]
        return fn

    return give
