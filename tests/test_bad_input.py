"""Bad input fails fast, before any model call, with a message naming what to fix.

Every case goes through Inspect's own `eval()` (and one through the `inspect eval` command line): the
error must be raised before the eval starts, so no log is written and no model is called, and its message
must name the bad parameter, file and line, or value, and what would be valid.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from af_inspect.tasks import animal_welfare, helpful_only
from helpers import run_eval

TASKS = {"helpful_only": helpful_only, "animal_welfare": animal_welfare}


def fails_before_any_call(
    tmp_path: Path, task: str = "helpful_only", model_roles: dict | None = None, **task_args
):
    """Run the task through Inspect with bad input: return the error, checking nothing ran."""
    log_dir = tmp_path / "logs"
    # a model that fails every call: if the run got as far as a model call, the error would say so
    with pytest.raises(Exception) as e:
        run_eval(
            f"af_inspect/{task}",
            log_dir,
            task_args=task_args,
            model_args={"fault": "raise", "fault_rate": 1.0},
            model_roles=model_roles,
            limit=2,
        )
    assert "Injected provider fault" not in str(e.value)
    assert not list(log_dir.glob("*.eval")), "an eval started: the error came too late"
    return e.value


def assert_names(message: str, *words: str) -> None:
    for w in words:
        assert w in message, f"{w!r} not in: {message}"


# ---- unknown parameters and values -------------------------------------------------------------------


@pytest.mark.parametrize("task", list(TASKS))
def test_unknown_parameter_is_rejected_with_a_suggestion(tmp_path: Path, task: str) -> None:
    err = fails_before_any_call(tmp_path, task, tierr="free")
    assert_names(str(err), "'tierr'", "did you mean 'tier'", "Valid parameters", "max_turns", task)


@pytest.mark.slow  # an Inspect subprocess
def test_unknown_parameter_on_the_command_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable, "-m", "inspect_ai", "eval", "af_inspect/helpful_only",
            "-T", "af_vote=5", "--model", "organism/faker", "--limit", "2",
            "--log-dir", str(tmp_path / "logs"), "--display", "plain",
        ],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "300"},
    )  # fmt: skip
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert "af_vote" in out and "did you mean 'af_votes'" in out
    assert not list((tmp_path / "logs").glob("*.eval"))


BAD_VALUES = [
    ({"tier": "gold"}, ["'tier'", "gold", "free", "paid"]),
    ({"tier": ""}, ["'tier'", "free", "paid"]),
    ({"max_turns": 0}, ["max_turns", "at least 1"]),
    ({"max_turns": "many"}, ["max_turns", "whole number", "many"]),
    ({"accept_reject_suffix": "maybe"}, ["accept_reject_suffix", "true or false"]),
    ({"scratchpad": "perhaps"}, ["scratchpad", "true or false"]),
    ({"situational_info": "some"}, ["situational_info", "prompt", "minimal"]),
    ({"compliance": "vibes"}, ["compliance", "tags", "judge", "both"]),
    ({"af_classifier": "best"}, ["af_classifier", "published", "strict", "paper"]),
    ({"af_votes": 0}, ["af_votes", "at least 1"]),
    ({"af_threshold": 1.5}, ["af_threshold", "between 0 and 1"]),
    ({"dataset": "no_such_set"}, ["no_such_set", "builtin", "advbench", "PATH"]),
    ({"variation": "no_such_variation"}, ["no_such_variation", "Valid variations", "honesty"]),
]


@pytest.mark.parametrize(
    "args, words", BAD_VALUES, ids=[next(iter(a)) + "=" + str(next(iter(a.values()))) for a, _ in BAD_VALUES]
)
def test_bad_values_name_the_valid_ones(tmp_path: Path, args: dict, words: list[str]) -> None:
    assert_names(str(fails_before_any_call(tmp_path, **args)), *words)


def test_bad_value_in_the_other_setting(tmp_path: Path) -> None:
    err = fails_before_any_call(tmp_path, "animal_welfare", situational_info="loud")
    assert_names(str(err), "situational_info", "prompt", "minimal")


# ---- dataset files -----------------------------------------------------------------------------------

GOOD = {"id": "a", "query": "A question."}


def _jsonl(path: Path, lines: list) -> Path:
    path.write_text(
        "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines), encoding="utf-8"
    )
    return path


DATASET_CASES = {
    "bad JSON": ([GOOD, '{"id": "b", "query": "unterminated'], ["queries.jsonl:2", "not valid JSON"]),
    "missing query": ([GOOD, {"id": "b", "category": "x"}], ["queries.jsonl:2", "'query'"]),
    "blank query": ([GOOD, {"id": "b", "query": "   "}], ["queries.jsonl:2", "'query'"]),
    "duplicate id": ([GOOD, {"id": "b", "query": "Q"}, {"id": "a", "query": "Q2"}], ["queries.jsonl:3", "duplicate id 'a'", "line 1"]),
    "not an object": ([GOOD, ["a", "list"]], ["queries.jsonl:2", "JSON object", "list"]),
    "empty file": ([], ["queries.jsonl", "no queries"]),
    "only blank lines": (["", "   "], ["queries.jsonl", "no queries"]),
}  # fmt: skip


@pytest.mark.parametrize("case", list(DATASET_CASES))
def test_malformed_jsonl_dataset(tmp_path: Path, case: str) -> None:
    lines, words = DATASET_CASES[case]
    path = _jsonl(tmp_path / "queries.jsonl", lines)
    assert_names(str(fails_before_any_call(tmp_path, dataset=str(path))), *words)


@pytest.mark.parametrize(
    "content, words",
    [
        ("title,category\nA question,x\n", ["queries.csv:1", "no query column", "query, prompt", "title"]),
        ("id,query\na,Q1\nb,\n", ["queries.csv:3", "empty 'query'"]),
        ("id,query\na,Q1\na,Q2\n", ["queries.csv:3", "duplicate id 'a'"]),
        ("", ["queries.csv", "no query column"]),
    ],
    ids=["no query column", "empty value", "duplicate id", "empty file"],
)
def test_malformed_csv_dataset(tmp_path: Path, content: str, words: list[str]) -> None:
    path = tmp_path / "queries.csv"
    path.write_text(content, encoding="utf-8")
    assert_names(str(fails_before_any_call(tmp_path, dataset=str(path))), *words)


def test_missing_and_unreadable_dataset_files(tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    assert_names(str(fails_before_any_call(tmp_path, dataset=str(missing))), "not found", str(missing))
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\xff\xfe\x00\x81 not utf-8")
    assert_names(str(fails_before_any_call(tmp_path, dataset=str(binary))), str(binary), "cannot be read")
    folder = tmp_path / "folder.jsonl"
    folder.mkdir()
    assert_names(str(fails_before_any_call(tmp_path, dataset=str(folder))), str(folder), "cannot be read")


# ---- prompt files ------------------------------------------------------------------------------------


@pytest.mark.parametrize("param", ["system_prompt", "salient_facts"])
def test_unreadable_prompt_files(tmp_path: Path, param: str) -> None:
    missing = tmp_path / "missing.txt"
    assert_names(
        str(fails_before_any_call(tmp_path, **{param: str(missing)})), param, "not found", str(missing)
    )
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00\x81")
    assert_names(
        str(fails_before_any_call(tmp_path, **{param: str(binary)})), param, str(binary), "cannot be read"
    )
    assert_names(str(fails_before_any_call(tmp_path, **{param: str(tmp_path)})), param, "cannot be read")


# ---- variation files ---------------------------------------------------------------------------------

VARIATION_FILES = {
    "not YAML": ("variations:\n  mine: [unclosed\n", ["variations.yaml", "line", "not valid YAML"]),
    "no variations mapping": ("mine:\n  edits: []\n", ["variations.yaml", "'variations:'"]),
    "a list": ("- one\n- two\n", ["variations.yaml", "'variations:'"]),
    "empty": ("", ["variations.yaml", "'variations:'"]),
}


@pytest.mark.parametrize("case", list(VARIATION_FILES))
def test_invalid_variation_yaml(tmp_path: Path, case: str) -> None:
    content, words = VARIATION_FILES[case]
    path = tmp_path / "variations.yaml"
    path.write_text(content, encoding="utf-8")
    assert_names(str(fails_before_any_call(tmp_path, variation=f"{path}:mine")), *words)


def test_variation_file_missing(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    assert_names(str(fails_before_any_call(tmp_path, variation=f"{path}:mine")), str(path), "not found")


# ---- models and grader roles ------------------------------------------------------------------------


def test_grader_role_with_an_unknown_provider(tmp_path: Path) -> None:
    err = fails_before_any_call(tmp_path, model_roles={"grader": "no_such_provider/some-model"})
    assert_names(str(err), "no_such_provider")


def test_grader_role_with_an_unknown_organism_profile(tmp_path: Path) -> None:
    err = fails_before_any_call(tmp_path, model_roles={"grader": "organism/oracle"})
    assert_names(str(err), "oracle", "judge", "faker")


def test_grader_role_without_its_api_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AZUREAI_OPENAI_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    err = fails_before_any_call(tmp_path, model_roles={"grader": "openai/gpt-4o"})
    assert_names(str(err), "OPENAI_API_KEY")


def test_unknown_organism_option(tmp_path: Path) -> None:
    with pytest.raises(Exception) as e:
        run_eval(helpful_only(), tmp_path, model_args={"comply_fre": 0.5}, limit=2)
    assert_names(str(e.value), "comply_fre", "comply_free")
    assert not list(tmp_path.glob("*.eval"))
