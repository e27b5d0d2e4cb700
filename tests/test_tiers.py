"""The two test commands (docs/testing.md): `pytest` runs every test, `pytest -m "not slow"` the fast tier."""

from __future__ import annotations

import pytest


def test_the_default_run_keeps_the_slow_tests(pytestconfig: pytest.Config):
    """pytest-inspect-evals skips tests marked `slow` unless its ini option is on; the suite's default run
    (CI, the README) must include them."""
    assert pytestconfig.getini("inspect_evals_slow") is True
    assert any(line.startswith("slow:") for line in pytestconfig.getini("markers"))
    assert pytestconfig.getoption("strict_markers")
