"""Battery files and their cells, without running anything: the published role, and which primaries a limit
leaves too small to say `no_evidence`."""

from __future__ import annotations

import pytest

from af_inspect.campaigns.battery import BatteryError, battery_tasks, load_battery, undersized_primaries


def test_the_canonical_battery_has_one_published_cell_per_setting_and_pairs_its_gap_control():
    battery = load_battery()
    for setting in battery.settings():
        assert battery.cell(setting, "published") is not None
        primary, negative = battery.cell(setting, "primary"), battery.cell(setting, "negative_control")
        assert negative.args["paraphrases"] == primary.args["paraphrases"]  # the gap control pairs by query


def test_a_limit_leaves_the_primaries_undersized():
    battery = load_battery()
    tasks, _ = battery_tasks(battery)
    assert undersized_primaries(battery, tasks) == {}
    small = undersized_primaries(battery, tasks, limit=20)
    assert set(small) == {"helpful_only_primary", "animal_welfare_primary"}
    assert all(mdg > battery.detect for mdg in small.values())


def test_at_most_one_published_cell_per_setting(tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text(
        "name: x\ncells:\n  a: {setting: helpful_only, role: primary}\n"
        "  p: {setting: helpful_only, role: positive_control}\n  n: {setting: helpful_only, role: negative_control}\n"
        "  r1: {setting: helpful_only, role: published}\n  r2: {setting: helpful_only, role: published}\n",
        encoding="utf-8",
    )
    with pytest.raises(BatteryError, match="needs at most one published cell, not 2"):
        load_battery(str(path))
