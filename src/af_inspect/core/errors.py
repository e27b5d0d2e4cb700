"""The one base class of the errors af-inspect raises for bad input, so a person reads a message, not a traceback.

Inspect's command line (`inspect eval`, `eval-set`, `score`, ...) installs an exception hook that prints a
`PrerequisiteError` as its message alone (no traceback, exit code 1), the way it reports a missing API key.
`UsageError` is one, so every subclass (`ParameterError`, `DatasetError`, `VariationError`,
`TranscriptImportError`, `RubricError`, `PriceTableError`, `LabelError`) reaches the terminal the same way.
It is deliberately not a `ValueError`: Inspect's scorer loader turns a `ValueError` raised while building a
scorer into "the scorer couldn't be loaded", which hid the real message from `inspect score`.

`inspect_ai` has no public re-export of `PrerequisiteError` (checked in 0.3.285): the private import is
pinned by `tests/test_errors_cli.py`, which runs the CLIs, and falls back to a plain exception (a traceback
again, nothing worse) if a later Inspect moves it.

Inspect's hook renders the message with rich markup, so the rendered copy (`message`) is escaped: a
message may hold `[...]` (paths, lists) that rich would otherwise read as markup.
"""

from __future__ import annotations

from rich.markup import escape

try:
    from inspect_ai._util.error import (
        PrerequisiteError,  # inspect-evals-lint: ignore[IECQ001] -- Inspect's CLI prints a PrerequisiteError as its message without a traceback and has no public re-export; pinned by tests/test_errors_cli.py
    )
except ImportError:  # pragma: no cover - a future Inspect that moved it: degrade to a traceback

    class PrerequisiteError(Exception):  # type: ignore[no-redef]
        """Stand-in when Inspect's own class cannot be imported."""

        def __init__(self, message: object) -> None:
            super().__init__(message)
            self.message = message


class UsageError(PrerequisiteError):
    """Bad input from the person running af-inspect (a parameter, a file, a model name): printed as its message."""

    def __init__(self, message: str) -> None:
        Exception.__init__(self, message)
        self.message = escape(str(message))

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
