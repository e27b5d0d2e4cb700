"""The offline token estimate: about four characters a token (no tokenizer is downloaded)."""

from __future__ import annotations

CHARS_PER_TOKEN = 4


def estimate_tokens(text: str | None) -> int:
    """One token per four characters, rounded up (0 for empty text)."""
    return -(-len(text) // CHARS_PER_TOKEN) if text else 0
