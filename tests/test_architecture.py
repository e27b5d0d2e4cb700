"""The wings and their arrows (pyproject.toml `[tool.importlinter]`, docs/architecture.md) hold: no module
imports a wing above its own, and no folder has a circle. Run by the test command, so an upward import fails CI."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def loggers_kept():
    """import-linter's command configures logging with `dictConfig`, which disables every logger that exists,
    af_inspect's and Inspect's among them, for the rest of the test process (a later test of a warning then
    sees nothing). Put each logger back as it was, and take import-linter's own console handlers off."""
    loggers = logging.Logger.manager.loggerDict
    before = {
        name: (lg.disabled, lg.level, list(lg.handlers), lg.propagate)
        for name, lg in loggers.items()
        if isinstance(lg, logging.Logger)
    }
    root = list(logging.getLogger().handlers), logging.getLogger().level
    yield
    for name, lg in list(loggers.items()):
        if not isinstance(lg, logging.Logger):
            continue
        disabled, level, handlers, propagate = before.get(name, (False, logging.NOTSET, [], True))
        lg.disabled, lg.handlers, lg.propagate = disabled, handlers, propagate
        lg.setLevel(level)
    logging.getLogger().handlers = root[0]
    logging.getLogger().setLevel(root[1])


def test_import_contracts_hold(capsys, loggers_kept):
    from importlinter.cli import lint_imports

    code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
    out = capsys.readouterr().out
    assert code == 0, out
    assert (
        "Wings import downward only KEPT" in out and "No circles among the modules of any folder KEPT" in out
    )


def test_every_top_level_module_belongs_to_a_wing():
    """The layers contract is exhaustive: a new top-level module must be placed in a wing (or the check fails)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "exhaustive = true" in text
