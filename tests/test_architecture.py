"""The wings and their arrows (pyproject.toml `[tool.importlinter]`, docs/architecture.md) hold: no module
imports a wing above its own, and no folder has a circle. Run by the test command, so an upward import fails CI."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold(capsys):
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
