"""`af-inspect import`: a JSONL transcript file into an Inspect log, bad records named with file and line."""

from __future__ import annotations

import json
from pathlib import Path

from inspect_ai.log import read_eval_log

from af_inspect.cli import main as cli_main

GOOD = {
    "id": "x",
    "model": "m",
    "setting": "helpful_only",
    "tier": "free",
    "user_input": "q",
    "completion": "c",
}


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_cli_import(tmp_path, capsys):
    rows = [{**GOOD, "id": f"r{i}", "tier": ("free", "paid")[i % 2]} for i in range(6)]
    rows[0] = {k: v for k, v in rows[0].items() if k != "setting"}  # given on the command line instead
    path = write_jsonl(tmp_path / "t.jsonl", rows)
    out = tmp_path / "cli.eval"
    assert cli_main(["import", str(path), "-o", str(out), "--setting", "animal_welfare"]) == 0
    printed = capsys.readouterr().out
    assert f"Imported {len(rows)} transcripts (free: 3, paid: 3)" in printed
    log = read_eval_log(str(out))
    assert len(log.samples) == len(rows)
    assert log.samples[0].metadata["setting"] == "animal_welfare"  # the default fills the gap
    assert log.samples[1].metadata["setting"] == "helpful_only"  # the record's own setting wins
    bad = write_jsonl(tmp_path / "bad.jsonl", [{**GOOD, "tier": "gold"}])
    assert cli_main(["import", str(bad), "-o", str(tmp_path / "b.eval")]) == 2
    err = capsys.readouterr().err
    assert "bad.jsonl:1: unknown tier 'gold'" in err
    assert not (tmp_path / "b.eval").exists()
    assert cli_main(["import", str(path), "-o", str(tmp_path / "x.txt"), "--setting", "helpful_only"]) == 2
    assert "must end in .eval or .json" in capsys.readouterr().err
