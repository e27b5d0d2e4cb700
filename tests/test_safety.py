"""Safety of the harness: data stays data, and secrets stay out of logs.

- YAML is read only with safe loaders; no code in the package evaluates, executes or unpickles anything
  (checked on the syntax tree of every module, so comments and docstrings do not count).
- Model output, grader answers and imported transcripts that contain code, template syntax, shell
  substitutions or YAML object tags are stored as text and never run: a canary file they would create
  never appears.
- API keys in the environment never reach a log, including when a real provider fails to connect.
"""

from __future__ import annotations

import ast
import importlib
import json
import zipfile
from pathlib import Path

import pytest
import yaml
from inspect_ai.model import get_model

import af_inspect
from af_inspect.calibration.importer import import_transcripts, write_log
from af_inspect.prompts.variation_library import VariationError
from af_inspect.tasks import helpful_only
from helpers import mock_model, run_eval

PACKAGE = Path(af_inspect.__file__).parent
MODULES = sorted(PACKAGE.rglob("*.py"))

UNSAFE_YAML = {"unsafe_load", "unsafe_load_all", "full_load", "full_load_all"}
FORBIDDEN_MODULES = {"pickle", "cPickle", "marshal", "shelve", "dill", "cloudpickle", "joblib"}
FORBIDDEN_CALLS = {("os", "system"), ("os", "popen"), ("os", "execv"), ("os", "execvp")}
# internal, constant-prefixed imports: cli.py finds its subcommands in af_inspect/commands/
ALLOWED_DYNAMIC_IMPORTS = {"cli.py"}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imported_names(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def test_the_scan_sees_the_package() -> None:
    assert len(MODULES) > 20
    assert any(p.name == "variations.py" for p in MODULES)


def unsafe_constructs(source: str, filename: str = "") -> list[str]:
    """What in this module's code could run data as code or deserialise objects."""
    tree = ast.parse(source)
    imported = _imported_names(tree)
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            problems += [
                f"line {node.lineno}: imports {m}" for m in mods if m.split(".")[0] in FORBIDDEN_MODULES
            ]
    for call in _calls(tree):
        f = call.func
        if (
            isinstance(f, ast.Name)
            and f.id in ("eval", "exec", "compile", "__import__")
            and f.id not in imported
        ):
            problems.append(f"line {call.lineno}: builtin {f.id}()")
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
            if (f.value.id, f.attr) in FORBIDDEN_CALLS:
                problems.append(f"line {call.lineno}: {f.value.id}.{f.attr}()")
            if f.value.id == "subprocess" and any(
                k.arg == "shell" and not (isinstance(k.value, ast.Constant) and k.value.value is False)
                for k in call.keywords
            ):
                problems.append(f"line {call.lineno}: subprocess with shell=")
            if (
                f.value.id == "importlib"
                and f.attr == "import_module"
                and filename not in ALLOWED_DYNAMIC_IMPORTS
            ):
                problems.append(f"line {call.lineno}: importlib.import_module")
            if f.value.id == "yaml" and f.attr in UNSAFE_YAML:
                problems.append(f"line {call.lineno}: yaml.{f.attr}()")
    return problems


def test_the_scan_catches_unsafe_code() -> None:
    bad = (
        "import pickle\nimport os, subprocess, yaml\n"
        "eval(x)\nexec(y)\nos.system('ls')\nsubprocess.run('ls', shell=True)\nyaml.unsafe_load(s)\n"
        "pickle.loads(b)\n"
    )
    found = unsafe_constructs(bad)
    assert len(found) == 6, found
    assert unsafe_constructs("from inspect_ai import eval\neval('task')\n") == []
    assert unsafe_constructs('# eval(x) in a comment\n"""exec(y) in a docstring"""\n') == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_eval_exec_pickle_or_shell(path: Path) -> None:
    problems = unsafe_constructs(path.read_text(encoding="utf-8"), path.name)
    assert not problems, f"{path.relative_to(PACKAGE)}: " + "; ".join(problems)


def _yaml_load_calls() -> list[tuple[Path, ast.Call]]:
    found = []
    for path in MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in _calls(tree):
            f = call.func
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "yaml":
                if f.attr in ("load", "load_all"):
                    found.append((path, call))
    return found


def _is_safe_loader(cls: object) -> bool:
    if not isinstance(cls, type) or not issubclass(cls, yaml.constructor.SafeConstructor):
        return False
    if issubclass(cls, yaml.constructor.FullConstructor):
        return False
    tags = [*cls.yaml_constructors, *cls.yaml_multi_constructors]
    return not any(str(t).startswith("tag:yaml.org,2002:python/") for t in tags)


def test_yaml_load_only_with_safe_loaders() -> None:
    """`yaml.load(..., Loader=X)` only where X is a SafeLoader that knows no Python object tags."""
    for path, call in _yaml_load_calls():
        loader = next((k.value for k in call.keywords if k.arg == "Loader"), None)
        if loader is None and len(call.args) > 1:
            loader = call.args[1]
        where = f"{path.relative_to(PACKAGE)}:{call.lineno}"
        assert loader is not None, f"{where}: yaml.load without a Loader"
        module = importlib.import_module(_module_name(path))
        if isinstance(loader, ast.Name):
            cls = getattr(module, loader.id)
        elif (
            isinstance(loader, ast.Attribute)
            and isinstance(loader.value, ast.Name)
            and loader.value.id == "yaml"
        ):
            cls = getattr(yaml, loader.attr)
        else:
            pytest.fail(f"{where}: cannot tell which Loader this is")
        assert _is_safe_loader(cls), f"{where}: {cls} is not a safe loader"


# ---- data that looks like code is never run ----------------------------------------------------------


def payloads(canary: Path) -> list[str]:
    c = str(canary)
    return [
        f"__import__('pathlib').Path({c!r}).touch()",
        f"{{__import__('os').system('touch {c}')}}",
        f"{{{{ cycler.__init__.__globals__.os.system('touch {c}') }}}}",
        f'!!python/object/apply:os.system ["touch {c}"]',
        f"$(touch {c}) `touch {c}`",
        "${query} ${scratchpad} $output {query} {{output}}",
    ]


def payload_text(canary: Path) -> str:
    body = "\n".join(payloads(canary))
    return f"<SCRATCHPAD_REASONING>{body}</SCRATCHPAD_REASONING><OUTPUT><request_fully_accepted/>\n{body}</OUTPUT>"


def writer(text: str):
    """A mockllm model that always answers `text`."""
    return mock_model(lambda messages, config: text)


@pytest.mark.parametrize("who", ["model", "grader"])
def test_model_and_grader_output_is_stored_not_run(tmp_path: Path, who: str) -> None:
    canary = tmp_path / "CANARY"
    text = payload_text(canary)
    model = writer(text) if who == "model" else "organism/complier"
    grader = writer(text) if who == "grader" else get_model("organism/judge", memoize=False)
    # this project's judges (a published instrument would be fetched first: no network here); every one of them
    # reads the grader's answer
    log = run_eval(
        helpful_only(af_votes=2, compliance="tags", af_classifier="af_inspect", partial=False),
        tmp_path / "logs",
        model=model,
        model_roles={"grader": grader},
        limit=2,
    )
    assert not canary.exists()
    for s in log.samples:
        assert s.error is None
        if who == "model":
            assert s.output.completion == text  # kept verbatim, as text
        else:  # the grader's code-like answer is an unparsable vote, not a verdict
            af = s.scores["af_reasoning_inspect"]
            assert af.value != af.value or af.metadata.get("n_invalid_votes", 0) > 0


def test_imported_transcripts_are_stored_not_run(tmp_path: Path) -> None:
    canary = tmp_path / "CANARY"
    records = tmp_path / "records.jsonl"
    rows = [
        {
            "id": f"r{i}",
            "model": "somebody/model",
            "setting": "helpful_only",
            "tier": tier,
            "user_input": payloads(canary)[i % 6],
            "completion": payload_text(canary),
            "labels": {"note": payloads(canary)[3]},
        }
        for i, tier in enumerate(["free", "paid", "free", "paid"])
    ]
    records.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    log = import_transcripts(str(records))
    out = write_log(log, tmp_path / "imported.eval")
    from inspect_ai import score
    from inspect_ai.log import read_eval_log

    from af_inspect.scorers.compliance_tags import compliance_tags

    rescored = score(read_eval_log(str(out)), scorers=[compliance_tags()], display="none")
    assert not canary.exists()
    assert [s.output.completion for s in rescored.samples] == [payload_text(canary)] * 4


def test_variation_yaml_with_python_tags_is_refused(tmp_path: Path) -> None:
    canary = tmp_path / "CANARY"
    path = tmp_path / "v.yaml"
    path.write_text(
        "variations:\n  mine:\n    summary: x\n    edits:\n"
        f'      - set: !!python/object/apply:os.system ["touch {canary}"]\n',
        encoding="utf-8",
    )
    with pytest.raises(VariationError):
        helpful_only(variation=f"{path}:mine")
    assert not canary.exists()


# ---- secrets ---------------------------------------------------------------------------------------

FAKE_KEYS = {
    "ANTHROPIC_API_KEY": "sk-ant-fake-0123456789abcdefXYZ",
    "OPENAI_API_KEY": "sk-fake-openai-9876543210zyxwvuTSR",
    "HF_TOKEN": "hf_fakeTokenForAfInspectTests0001",
}


def log_bytes(log_dir: Path) -> bytes:
    """Every byte of every log in the folder, each .eval member decompressed."""
    data = b""
    files = sorted(log_dir.rglob("*.eval")) + sorted(log_dir.rglob("*.json"))
    assert files, "no log written"
    for f in files:
        if f.suffix == ".eval":
            with zipfile.ZipFile(f) as z:
                for name in z.namelist():
                    data += z.read(name)
        else:
            data += f.read_bytes()
    return data


def assert_no_keys(data: bytes) -> None:
    for var, key in FAKE_KEYS.items():
        assert key.encode() not in data, f"{var} is in the log"
        assert key[-12:].encode() not in data, f"the end of {var} is in the log"


def test_the_key_scan_reads_inside_the_eval_archive(tmp_path: Path) -> None:
    key = FAKE_KEYS["OPENAI_API_KEY"]
    run_eval(
        helpful_only(af_classifier="none", partial=False, motivation=False, eval_awareness=False),
        tmp_path,
        limit=1,
        metadata={"planted": key},
    )
    with pytest.raises(AssertionError, match="OPENAI_API_KEY"):
        assert_no_keys(log_bytes(tmp_path))


def test_api_keys_never_in_an_organism_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var, key in FAKE_KEYS.items():
        monkeypatch.setenv(var, key)
    run_eval(helpful_only(af_votes=2), tmp_path, model_roles={"grader": "organism/judge"}, limit=4)
    assert_no_keys(log_bytes(tmp_path))


@pytest.mark.parametrize("model", ["openai/gpt-4o-mini", "anthropic/claude-3-5-haiku-latest"])
def test_api_keys_never_in_the_log_of_a_failing_real_provider(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model: str
) -> None:
    """A real provider client with a (fake) key, pointed at a closed loopback port: the errors are logged,
    the key is not."""
    for var, key in FAKE_KEYS.items():
        monkeypatch.setenv(var, key)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")
    log = run_eval(
        helpful_only(af_classifier="none", partial=False, motivation=False, eval_awareness=False),
        tmp_path,
        model=model,
        status=None,  # every sample fails to connect: that is the point
        limit=2,
        max_retries=0,
        timeout=10,
        fail_on_error=False,
    )
    assert all(s.error is not None for s in log.samples), "expected connection errors"
    assert_no_keys(log_bytes(tmp_path))
