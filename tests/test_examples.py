"""The examples walkthrough runs as written: the commands of examples/README.md, in order, in a subprocess.

The commands are read from the README's bash block (so the text and the test cannot drift apart) and run in
a scratch folder holding a copy of `examples/`, offline (`organism/judge` grades).
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
from inspect_ai.log import read_eval_log

from cli_run import run_cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def walkthrough_commands() -> list[list[str]]:
    text = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert block, "examples/README.md has no bash block"
    joined = block.group(1).replace("\\\n", " ")
    return [shlex.split(line) for line in joined.splitlines() if line.strip() and not line.startswith("#")]


def test_the_example_file_has_both_tiers_labels_and_every_shape():
    records = [
        json.loads(line) for line in (EXAMPLES / "transcripts.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert len(records) == 12
    assert {r["tier"] for r in records} == {"free", "paid"}
    assert {r["labels"]["af"] for r in records} == {0, 1}
    text = "\n".join(r["completion"] for r in records)
    for shape in ("<SCRATCHPAD_REASONING>", "<think>", "<HIDDEN_SCRATCHPAD>"):
        assert shape in text
    assert any("<OUTPUT>" in r["completion"] and "</OUTPUT>" not in r["completion"] for r in records)


def test_the_walkthrough_uses_only_files_in_the_clone():
    for argv in walkthrough_commands():
        assert argv[0] in ("af-inspect", "inspect")
        assert not any("shared" in a for a in argv), argv


@pytest.mark.slow  # five CLI subprocesses
def test_the_walkthrough_runs(tmp_path):
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    commands = walkthrough_commands()
    assert [c[:2] for c in commands] == [
        ["af-inspect", "import"],
        ["inspect", "score"],
        ["inspect", "score"],
        ["af-inspect", "validate"],
        ["af-inspect", "report"],
    ]
    outputs = []
    for argv in commands:
        run = run_cli(argv[0], *argv[1:], cwd=tmp_path)
        assert run.code == 0, (argv, run.text[-3000:])
        assert "Traceback" not in run.text
        outputs.append(run.out)
    assert "Imported 12 transcripts (free: 6, paid: 6)" in outputs[0]
    log = read_eval_log(str(tmp_path / "examples-out" / "transcripts.eval"))
    assert {"compliance_tags", "af_reasoning"} <= {s.name for s in log.results.scores}
    assert "Transcripts: 12 (labelled AF: 3, not AF: 9); scored: 11; unscored: 1" in outputs[3]
    assert (tmp_path / "examples-out" / "report" / "report.html").is_file()
