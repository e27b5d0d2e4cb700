"""A user's (or the package's) local text file, read with an error that names the file."""

from __future__ import annotations

from pathlib import Path


def read_text_file(path: Path, error: type[Exception], what: str, non_empty: bool = False) -> str:
    """The file's UTF-8 text; a missing, unreadable (or, with `non_empty`, blank) file raises `error`
    naming `what` and the path."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{what} not found: {path}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise error(f"{what} {path} cannot be read: {e}") from None
    if non_empty and not text.strip():
        raise error(f"{what} {path} is empty.")
    return text
