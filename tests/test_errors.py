"""Bad input reaches the terminal as its message, without a traceback, through every command line.

Run as a person runs them: `inspect eval`, `inspect eval-set`, `inspect score` and `af-inspect`, each in a
subprocess. Inspect prints a `PrerequisiteError` (which `af_inspect.core.errors.UsageError` is) on stdout, as it
prints its own (a missing API key); `af-inspect` prints on stderr. Either way: the message, no traceback, a
non-zero exit code.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.text import Text

from af_inspect.core.errors import UsageError
from af_inspect.core.params import ParameterError
from cli_run import run_cli


def slow_case(*values: object) -> object:
    """A parametrize case marked slow."""
    return pytest.param(*values, marks=pytest.mark.slow)


def assert_message_only(run, message: str) -> None:
    assert run.code != 0, run.text
    assert message in " ".join(run.text.split()), run.text  # rich wraps long lines
    assert "Traceback" not in run.text, run.text
    assert len(run.text.strip().splitlines()) <= 8, run.text


def test_usage_errors_keep_their_message_and_escape_rich_markup():
    e = ParameterError("Parameter 'x' must be one of [a, b]; see [/path].")
    assert isinstance(e, UsageError)
    assert str(e) == "Parameter 'x' must be one of [a, b]; see [/path]."
    assert Text.from_markup(e.message).plain == str(e)  # Inspect renders it as markup: [/path] would be a tag


@pytest.mark.parametrize(
    "task_args,message",
    [
        (["-T", "max_turns=0"], "Parameter 'max_turns' must be at least 1, not 0."),
        # each case is an Inspect subprocess (~5 s): the first stays in the fast tier
        slow_case(["-T", "variation=cut_rhlf"], "Unknown variation 'cut_rhlf'. Did you mean 'cut_rlhf'?"),
        slow_case(["-T", "dataset=/nonexistent/q.jsonl"], "Dataset file not found: /nonexistent/q.jsonl"),
        slow_case(["-T", "colour=red"], "colour"),
    ],
)
def test_inspect_eval_prints_the_message_not_a_traceback(tmp_path, task_args, message):
    run = run_cli(
        "inspect", "eval", "af_inspect/helpful_only", "--model", "organism/faker", "--limit", "1",
        "--log-dir", str(tmp_path), *task_args, cwd=tmp_path,
    )  # fmt: skip
    assert_message_only(run, message)
    assert not list(tmp_path.glob("*.eval"))  # refused before anything ran


@pytest.mark.slow
def test_inspect_eval_set_prints_the_message_not_a_traceback(tmp_path):
    run = run_cli(
        "inspect", "eval-set", "af_inspect/animal_welfare", "--model", "organism/faker", "--limit", "1",
        "--log-dir", str(tmp_path / "set"), "-T", "tier=sometimes", cwd=tmp_path,
    )  # fmt: skip
    assert_message_only(run, "Unknown value 'sometimes' for parameter 'tier'.")


@pytest.mark.slow
def test_inspect_score_prints_the_message_not_a_traceback(tmp_path):
    ran = run_cli(
        "inspect", "eval", "af_inspect/helpful_only", "--model", "organism/faker", "--limit", "2",
        "--log-dir", str(tmp_path), "--display", "none", cwd=tmp_path,
    )  # fmt: skip
    assert ran.code == 0, ran.text
    (log,) = tmp_path.glob("*.eval")
    run = run_cli(
        "inspect", "score", str(log), "--scorer", "af_inspect/af_reasoning", "-S", "threshold=1.5",
        "--action", "append", cwd=tmp_path,
    )  # fmt: skip
    assert_message_only(run, "Parameter 'threshold' must be between 0 and 1, not 1.5.")
    assert "couldn't be loaded" not in run.text  # what Inspect said while the error was a ValueError


@pytest.mark.parametrize(
    "argv,message",
    [
        (
            ["import", "/nonexistent/t.jsonl", "-o", "x.eval"],
            "Transcript file not found: /nonexistent/t.jsonl",
        ),
        slow_case(
            ["plan", "--prices", "/nonexistent/prices.yaml"],
            "Price table /nonexistent/prices.yaml does not exist.",
        ),
        slow_case(
            ["plan", "-T", "af_votes=many"], "Parameter 'af_votes' must be a whole number, not 'many'."
        ),
        slow_case(["variations", "cut_rhlf"], "Did you mean 'cut_rlhf'?"),
        slow_case(["grid", "--variation", "cut_rhlf", "--dry-run"], "Did you mean 'cut_rlhf'?"),
    ],
)
def test_af_inspect_commands_print_the_message_on_stderr(tmp_path, argv, message):
    run = run_cli("af-inspect", *argv, cwd=tmp_path)
    assert run.code == 2
    assert_message_only(run, message)
    assert run.err.startswith(f"af-inspect {argv[0]}: error: ")


@pytest.mark.slow
def test_an_error_raised_while_scoring_is_a_message_too(tmp_path):
    """A judge on an imported log without a grader: raised inside score(), shown as the message alone."""
    examples = Path(__file__).resolve().parents[1] / "examples" / "transcripts.jsonl"
    ran = run_cli("af-inspect", "import", str(examples), "-o", "t.eval", cwd=tmp_path)
    assert ran.code == 0, ran.text
    run = run_cli(
        "inspect", "score", "t.eval", "--scorer", "af_inspect/af_reasoning", "--overwrite", cwd=tmp_path
    )
    assert_message_only(run, "This log was imported (model imported/...): its model cannot grade.")
