"""Every `af-inspect` subcommand's --help renders (argparse formats help text with `%`, so a stray percent
sign in a help string crashes --help) and names no model that has been retired from its API."""

from __future__ import annotations

import pytest

from af_inspect.cli import build_parser, main

RETIRED = ("claude-3-opus-20240229", "claude-3-5-sonnet-20241022", "claude-3-5-sonnet-20240620")


def subcommands() -> list[str]:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    return sorted(sub.choices)


@pytest.mark.parametrize("command", subcommands())
def test_help_renders_and_names_current_models(command, capsys):
    with pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: af-inspect " + command)
    assert not [m for m in RETIRED if m in text], text
