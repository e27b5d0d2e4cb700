"""`af-inspect variations`: the list of variations and the diff of a rendered prompt against the default."""

from __future__ import annotations

import textwrap

from af_inspect.cli import main as cli_main
from af_inspect.prompts.variation_library import builtin_variations


def write(tmp_path, text: str, name: str = "mine.yaml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def test_variations_command_lists_each_variation_on_one_line(capsys):
    assert cli_main(["variations"]) == 0
    out = capsys.readouterr().out
    for v in builtin_variations().values():
        lines = [line for line in out.splitlines() if line.split()[:1] == [v.name]]
        assert len(lines) == 1, v.name
        assert v.summary in lines[0]


def test_variations_command_shows_the_diff(capsys):
    assert cli_main(["variations", "cut_values_change"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "--- helpful_only system prompt (default)\n+++ helpful_only system prompt (cut_values_change)"
    )
    removed = [line for line in out.splitlines() if line.startswith("-") and not line.startswith("---")]
    added = [line for line in out.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert any("change the AI's values" in line for line in removed) and not added


def test_variations_command_diffs_the_user_turn_and_other_settings(capsys, tmp_path):
    assert cli_main(["variations", "signal_region", "--setting", "animal_welfare"]) == 0
    out = capsys.readouterr().out
    assert "animal_welfare system prompt (signal_region)" in out
    assert "-<is_free_tier_user>true</is_free_tier_user>\n+<user_region>US</user_region>" in out
    assert cli_main(["variations", "--no-scratchpad", "--setting", "animal_welfare"]) == 0
    assert "(no_scratchpad)" in capsys.readouterr().out
    p = write(tmp_path, "variations:\n  mine:\n    summary: Mine.\n    edits:\n      - remove: honesty_x\n")
    assert cli_main(["variations", "--file", str(p)]) == 0
    assert f"{p}:mine" in capsys.readouterr().out
    assert cli_main(["variations", "nope"]) == 2
    assert "Unknown variation 'nope'" in capsys.readouterr().err
