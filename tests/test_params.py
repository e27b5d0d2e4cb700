"""`af_inspect.core.params`: task parameter values as they arrive from `-T` (strings, YAML) or Python, checked once,
with messages that name the valid values."""

from __future__ import annotations

import inspect

import pytest

from af_inspect.core.params import (
    ParameterError,
    as_bool,
    as_fraction,
    as_list,
    as_positive_int,
    check_choice,
    parse_assignments,
    reject_unknown,
    same_parameters_as,
)


def test_check_choice_names_the_valid_values_and_the_closest():
    assert check_choice("tier", "free", ["free", "paid"]) == "free"
    with pytest.raises(ParameterError) as e:
        check_choice("compliance", "judgee", ("tags", "judge", "both"))
    assert str(e.value) == (
        "Unknown value 'judgee' for parameter 'compliance'. Valid values: tags, judge, both. Did you mean 'judge'?"
    )
    with pytest.raises(ParameterError) as e:
        check_choice("compliance", "xyz", ("tags", "judge", "both"))
    assert "Did you mean" not in str(e.value)


@pytest.mark.parametrize("value,expected", [(True, True), ("true", True), ("YES", True), (" on ", True), (1, True),
                                            (False, False), ("false", False), ("0", False), ("off", False)])  # fmt: skip
def test_as_bool(value, expected):
    assert as_bool("x", value) is expected


@pytest.mark.parametrize("value", ["maybe", "", None, 2])
def test_as_bool_refuses_the_rest(value):
    with pytest.raises(ParameterError, match="'x' must be true or false"):
        as_bool("x", value)


def test_as_fraction():
    assert as_fraction("t", "0.25") == 0.25 and as_fraction("t", 0) == 0.0 and as_fraction("t", 1) == 1.0
    for bad, words in ((1.5, "between 0 and 1, not 1.5"), (-0.1, "between 0 and 1"), ("high", "a number"),
                       (float("nan"), "between 0 and 1"), (None, "a number")):  # fmt: skip
        with pytest.raises(ParameterError, match=words):
            as_fraction("t", bad)


def test_as_positive_int():
    assert as_positive_int("n", "3") == 3 and as_positive_int("n", 1) == 1
    with pytest.raises(ParameterError, match="at least 1, not 0"):
        as_positive_int("n", 0)
    with pytest.raises(ParameterError, match="whole number, not 'many'"):
        as_positive_int("n", "many")


def test_as_list():
    assert as_list(None) == [] and as_list("") == []
    assert as_list(" a, b ,,c ") == ["a", "b", "c"]
    assert as_list(["a", " b", ""]) == ["a", "b"]


def test_parse_assignments_reads_values_as_yaml_like_inspect():
    assert parse_assignments(["a=1", "b=x,y", "c=true", "d=", "e=0.5", "f=a=b"], "-T") == {
        "a": 1,
        "b": "x,y",
        "c": True,
        "d": "",
        "e": 0.5,
        "f": "a=b",
    }
    for bad in ("novalue", "=3"):
        with pytest.raises(ParameterError, match="-T must look like NAME=VALUE"):
            parse_assignments([bad], "-T")


def test_reject_unknown_suggests_the_closest_and_lists_the_valid():
    reject_unknown("t", {}, ["a"])  # nothing unknown: nothing to say
    with pytest.raises(ParameterError) as e:
        reject_unknown("helpful_only", {"tierr": 1, "zzz": 2}, ["tier", "dataset"])
    assert str(e.value) == (
        "Unknown parameter 'tierr' (did you mean 'tier'?), 'zzz' for task 'helpful_only'. "
        "Valid parameters: dataset, tier."
    )

    def fn(a: int, b: int = 2, **rest: int) -> None: ...

    with pytest.raises(ParameterError, match=r"Valid parameters: a, b\.$"):  # not the **catch-all
        reject_unknown("fn", {"c": 1}, inspect.signature(fn).parameters)


def test_same_parameters_as_gives_the_core_parameters_after_the_first():
    def core(setting: str, x: int = 1, *, y: str = "a", **unknown: object) -> tuple:
        return setting, x, y, unknown

    @same_parameters_as(core)
    def wrapper(**params: object) -> tuple:
        return core("s", **params)

    assert list(inspect.signature(wrapper).parameters) == ["x", "y", "unknown"]
    assert inspect.signature(wrapper).parameters["x"].default == 1
    assert wrapper(x=2) == ("s", 2, "a", {})


def test_the_resolver_takes_exactly_the_task_parameters_with_the_same_defaults():
    """`tasks.alignment_faking` declares the parameters (Inspect reads its signature) and `run_config.resolve_run`
    restates them keyword-only to stay typed: a parameter added, renamed or re-defaulted in one and not the
    other fails here, not in a run."""
    from af_inspect.run_config import resolve_run
    from af_inspect.tasks import alignment_faking

    def declared(fn) -> dict[str, object]:
        return {
            n: p.default
            for n, p in inspect.signature(fn).parameters.items()
            if p.kind != p.VAR_KEYWORD and n not in ("setting", "protocol")
        }

    task, resolver = declared(alignment_faking), declared(resolve_run)
    assert list(task) == list(resolver)
    assert task == resolver
