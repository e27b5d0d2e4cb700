"""`af_inspect.core.tokens`: the one offline token estimate (about four characters a token, no tokenizer)."""

from __future__ import annotations

from af_inspect.core.tokens import CHARS_PER_TOKEN, estimate_tokens
from af_inspect.organism import provider
from af_inspect.planning import costs


def test_estimate_tokens_is_four_characters_rounded_up():
    assert CHARS_PER_TOKEN == 4
    assert estimate_tokens("") == 0
    assert estimate_tokens(None) == 0
    assert estimate_tokens("abc") == 1
    assert estimate_tokens("abcd") == 1
    assert estimate_tokens("abcde") == 2
    assert estimate_tokens("x" * 4000) == 1000


def test_the_cost_model_and_the_organism_use_the_same_estimate():
    assert costs.estimate_tokens is estimate_tokens
    assert provider.estimate_tokens is estimate_tokens
