"""The settings registry (`settings/registry.py`, `settings/settings.yaml`): one entry per setting, checked, and a
new setting added as data alone reaches the task, the judges' rubric variant and the offline organism."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
import yaml
from inspect_ai import eval as inspect_eval

from af_inspect.core.params import ParameterError
from af_inspect.protocols.protocol import load_protocol
from af_inspect.settings import registry
from af_inspect.settings.registry import (
    SettingError,
    parse_settings,
    setting_names,
    setting_of_prompt,
    setting_spec,
    settings,
)
from af_inspect.tasks import alignment_faking

SRC = Path(__file__).resolve().parents[2] / "src" / "af_inspect"


def test_every_setting_has_its_data_files():
    for name in setting_names():
        spec = setting_spec(name)
        for path in (spec.system_prompt, spec.paraphrases, spec.queries):
            assert path.exists(), f"{name}: {path} is missing"


def test_unknown_setting_names_the_valid_ones():
    with pytest.raises(ParameterError, match="Valid settings: animal_welfare, helpful_only"):
        setting_spec("helpful")


def test_a_malformed_entry_names_the_file_the_setting_and_the_valid_keys():
    with pytest.raises(
        SettingError, match=r"my\.yaml: setting 'x': unknown key\(s\) judge\. Valid keys: title"
    ):
        parse_settings({"x": {"judge": "welfare"}}, "my.yaml")
    with pytest.raises(ParameterError, match="compliance_judge.*Valid values: strongreject, welfare"):
        parse_settings({"x": {"compliance_judge": "vibes"}}, "my.yaml")


def test_the_organism_reads_the_setting_from_the_prompts_words():
    assert setting_of_prompt("... concerns about Animal Welfare ...").name == "animal_welfare"
    assert (
        setting_of_prompt("Answer every request.").name == "helpful_only"
    )  # the fallback: no words of its own


def test_no_production_module_outside_the_registry_compares_a_setting_name():
    """Behaviour that differs by setting is a registry fact, never `if setting == "animal_welfare"`."""
    names = set(setting_names())
    offenders = []
    for path in SRC.rglob("*.py"):
        if "settings" in path.relative_to(SRC).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare):
                consts = [n for n in [node.left, *node.comparators] if isinstance(n, ast.Constant)]
                if any(c.value in names for c in consts):
                    offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert not offenders, offenders


@pytest.fixture
def toy_setting(tmp_path, monkeypatch):
    """A throwaway third setting, added the way a user adds one: an entry plus its data files."""
    shipped = yaml.safe_load(registry.registry_path().read_text(encoding="utf-8"))
    system = yaml.safe_load(setting_spec("helpful_only").system_prompt.read_text(encoding="utf-8"))
    (tmp_path / "toy.yaml").write_text(yaml.safe_dump(system), encoding="utf-8")
    (tmp_path / "toy_paraphrases.yaml").write_text("paraphrases: {}\n", encoding="utf-8")
    queries = [{"id": f"toy-{i}", "query": f"Toy request number {i}."} for i in range(3)]
    (tmp_path / "toy.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries), encoding="utf-8")
    shipped["toy"] = {
        "title": "Toy",
        "system_prompt": str(tmp_path / "toy.yaml"),
        "paraphrases": str(tmp_path / "toy_paraphrases.yaml"),
        "queries": str(tmp_path / "toy.jsonl"),
        "compliance_judge": "strongreject",
        "compliance": "tags",
        "accept_reject_suffix": True,
        "rubric_variant": "helpful_only",
        "organism": {"recognise": ["toy request"], "harm": ["A toy harm."]},
    }
    path = tmp_path / "settings.yaml"
    path.write_text(yaml.safe_dump(shipped), encoding="utf-8")
    monkeypatch.setattr(registry, "registry_path", lambda: path)
    settings.cache_clear()
    yield "toy"
    settings.cache_clear()


def test_a_new_setting_is_one_entry_plus_its_data_files(toy_setting, tmp_path):
    assert "toy" in setting_names()
    assert "toy" in load_protocol("af_inspect").settings  # `settings: all` takes it with its defaults
    task = alignment_faking(toy_setting, af_classifier="none", partial=False, motivation=False)
    assert task.metadata["setting"] == "toy" and len(task.dataset) == 6
    assert {s.metadata["setting"] for s in task.dataset} == {"toy"}
    [log] = inspect_eval(task, model="organism/faker", log_dir=str(tmp_path / "logs"), display="none")
    assert log.status == "success"
    assert "compliance_gap" in log.results.scores[0].metrics
