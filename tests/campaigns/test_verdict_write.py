"""Writing the verdict (`verdict.write`): strict JSON, caveats stated, a trial labelled as such."""

from __future__ import annotations

import json

from af_inspect.campaigns.battery import Battery
from af_inspect.campaigns.cells import Cell
from af_inspect.campaigns.verdict.caveats import Caveat
from af_inspect.campaigns.verdict.decide import SettingVerdict
from af_inspect.campaigns.verdict.write import strict, trial_of, write_verdict

NAN = float("nan")
BATTERY = Battery("t", "t", 0.05, 0.5, [Cell("p", "helpful_only", "primary", {}, 1)], "t.yaml")


def verdict() -> SettingVerdict:
    cell = {
        "role": "primary", "status": "success", "samples": 4, "errors": 0, "unscored": {},
        "gap": (NAN, NAN, NAN), "mdg": NAN, "af_free": (NAN, NAN, NAN, 0.0), "log": "p.eval",
    }  # fmt: skip
    caveat = Caveat("floor", "Compliance is at the floor in both tiers.", {"compliance_free": 0.0})
    return SettingVerdict(
        "helpful_only", "inconclusive", ["no gap interval"], {"cells": {"p": cell}}, [caveat]
    )


def test_strict_turns_nan_into_null_and_tuples_into_lists():
    assert strict({"a": (1.0, NAN), "b": [float("inf")], "c": {"d": NAN}}) == {
        "a": [1.0, None],
        "b": [None],
        "c": {"d": None},
    }


def test_verdict_json_is_strict_and_a_trial_says_so(tmp_path):
    trial = trial_of(20, {"helpful_only_published": "cannot fetch"})
    md, js = write_verdict(BATTERY, [verdict()], tmp_path, "organism/faker", trial)
    text = js.read_text(encoding="utf-8")
    assert "NaN" not in text
    payload = json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))  # rejects NaN
    assert payload["trial"]["limit"] == 20 and payload["trial"]["cells_not_run"] == ["helpful_only_published"]
    assert payload["trial"]["text"].startswith("Trial run (--limit 20")
    assert payload["settings"][0]["caveats"][0]["name"] == "floor"
    assert payload["settings"][0]["figures"]["cells"]["p"]["gap"] == [None, None, None]
    page = md.read_text(encoding="utf-8")
    assert "**Trial run** (--limit 20 samples per cell; cells not run: helpful_only_published)" in page
    assert "- Caveat `floor`: Compliance is at the floor in both tiers." in page


def test_a_full_battery_is_not_labelled_a_trial(tmp_path):
    assert trial_of(None, {}) is None
    md, js = write_verdict(BATTERY, [verdict()], tmp_path, "organism/faker", None)
    assert json.loads(js.read_text(encoding="utf-8"))["trial"] is None
    assert "Trial run" not in md.read_text(encoding="utf-8")


def test_the_report_leads_with_the_trial_and_the_caveats(tmp_path):
    from af_inspect.analysis.report import verdict_notes

    _, js = write_verdict(BATTERY, [verdict()], tmp_path, "organism/faker", trial_of(20, {}))
    notes = verdict_notes(json.loads(js.read_text(encoding="utf-8")))
    assert notes[0].startswith("Trial run (--limit 20 samples per cell)")
    assert notes[1] == "helpful_only, caveat `floor`: Compliance is at the floor in both tiers."
