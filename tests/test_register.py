"""Register-ready: the entries docs/register.md would submit pass the register's own schema, and eval.yaml agrees
with the code (task names, sample counts, version, pins)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from inspect_ai.log import read_eval_log

from af_inspect import tasks
from af_inspect.datasets.queries import REMOTE_SOURCES
from cli_run import run_cli

ROOT = Path(__file__).resolve().parents[1]
FILLED_IN = {
    "<https://github.com/OWNER/af-inspect>": "https://github.com/owner/af-inspect",
    "<40-character SHA of the pushed commit>": "0123456789abcdef0123456789abcdef01234567",
    "<github-user>": "owner",
}


def register_entries() -> dict[str, dict]:
    """The YAML block after each `register/<id>/eval.yaml` heading of docs/register.md, placeholders filled in."""
    text = (ROOT / "docs" / "register.md").read_text(encoding="utf-8")
    entries = {}
    for eval_id, block in re.findall(r"`register/([a-z_]+)/eval\.yaml`:\s*```yaml\n(.*?)```", text, re.S):
        for placeholder, value in FILLED_IN.items():
            block = block.replace(placeholder, value)
        entries[eval_id] = yaml.safe_load(block)
    return entries


def test_docs_hold_one_entry_per_task():
    entries = register_entries()
    assert set(entries) == {"af_inspect_helpful_only", "af_inspect_animal_welfare"}
    assert [t["name"] for e in entries.values() for t in e["tasks"]] == ["helpful_only", "animal_welfare"]


def test_the_entries_pass_the_registers_schema():
    metadata = pytest.importorskip("inspect_evals.metadata")
    for eval_id, entry in register_entries().items():
        parsed = metadata.ExternalEvalMetadata(**entry, id=eval_id)
        assert parsed.source.repository_commit == FILLED_IN["<40-character SHA of the pushed commit>"]
        (task,) = parsed.tasks
        assert (ROOT / task.task_path).is_file() and f"def {task.name}(" in (
            ROOT / task.task_path
        ).read_text()


def test_eval_yaml_matches_the_code():
    data = yaml.safe_load((ROOT / "src" / "af_inspect" / "eval.yaml").read_text(encoding="utf-8"))
    assert data["version"] == tasks.TASK_VERSION
    for entry in data["tasks"]:
        task = getattr(tasks, entry["name"])()
        assert len(task.dataset) == entry["dataset_samples"], entry["name"]
    pinned = {a["source"] for a in data["external_assets"]}
    assert REMOTE_SOURCES["advbench"]["url"] in pinned
    revision = REMOTE_SOURCES["llm_lat"]["url"].split("/resolve/")[1].split("/")[0]
    assert f"LLM-LAT/harmful-dataset@{revision}" in pinned
    assert (
        data["source"]["repository_url"] is None
    )  # not published yet: docs/register.md says who fills it in


@pytest.mark.slow  # an Inspect subprocess
@pytest.mark.parametrize("task", ["helpful_only", "animal_welfare"])
def test_the_task_runs_by_file_as_the_registers_usage_runs_it(tmp_path, task):
    """`inspect eval <task_path>@<name>` loads the file outside `sys.modules` (a dataclass there once broke it)."""
    run = run_cli(
        "inspect", "eval", f"{ROOT / 'src' / 'af_inspect' / 'tasks.py'}@{task}", "--model", "organism/faker",
        "--limit", "2", "--log-dir", str(tmp_path), "--display", "none", cwd=tmp_path,
    )  # fmt: skip
    assert run.code == 0 and "Traceback" not in run.text, run.text[-2000:]
    (log,) = tmp_path.glob("*.eval")
    assert read_eval_log(str(log), header_only=True).status == "success"
