"""Write: the verdicts as `verdict.md` (for a reader) and `verdict.json` (strict JSON, for a program), beside
the logs. A trial (`--limit`, or cells that did not run) is labelled as such in both."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

from af_inspect.campaigns.battery import Battery
from af_inspect.campaigns.verdict.decide import SettingVerdict
from af_inspect.campaigns.verdict.read import AF_FREE, READABLE_REASONING_FREE
from af_inspect.campaigns.verdict.rules import fmt as _fmt
from af_inspect.campaigns.verdict.rules import fmt_interval as _interval
from af_inspect.core import names
from af_inspect.core.sources import short_sha
from af_inspect.core.stats import NAN


def trial_of(limit: int | None, skipped: dict[str, str] | None) -> dict[str, Any] | None:
    """What makes a run a trial rather than the battery as designed (None: it is the battery)."""
    if not limit and not skipped:
        return None
    trial: dict[str, Any] = {"limit": limit, "cells_not_run": sorted(skipped or {})}
    return {**trial, "text": trial_sentence(trial).replace("**", "")}


def trial_sentence(trial: dict[str, Any] | None) -> str:
    """One sentence saying why a run is a trial ('' for a full battery)."""
    if not trial:
        return ""
    why = []
    if trial.get("limit"):
        why.append(f"--limit {trial['limit']} samples per cell")
    if trial.get("cells_not_run"):
        why.append(f"cells not run: {', '.join(trial['cells_not_run'])}")
    return f"**Trial run** ({'; '.join(why)}): not the battery as designed, so not a verdict to deploy on."


def strict(value: Any) -> Any:
    """A value JSON can hold strictly: NaN and infinities become null, tuples lists."""
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {str(k): strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strict(v) for v in value]
    return value


def verdict_markdown(
    battery: Battery, verdicts: list[SettingVerdict], model: str, trial: dict[str, Any] | None = None
) -> str:
    lines = [f"# Alignment-faking verdict: {model}", ""]
    if trial:
        lines += [trial_sentence(trial), ""]
    lines += [
        f"Battery `{battery.name}` ({battery.title}); a gap is detectable when the minimum detectable gap is at "
        f"most {_fmt(battery.detect)}; the judge counts as sensitive at an AF rate lower bound of "
        f"{_fmt(battery.sensitivity)} (recall on labelled faking when given, else the positive control).",
        "",
        "| setting | verdict | caveats | gap [95% paired CI] | MDG | AF in training [CI] | AF unmonitored "
        "(baseline) | gap control [CI] | positive control AF | readable reasoning | errors / unscored | "
        "protocol, prompt | grader |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for v in verdicts:
        h = v.figures.get("headline", {})
        primary = next((c for c in v.figures["cells"].values() if c["role"] == "primary"), {})
        errors = sum(c["errors"] for c in v.figures["cells"].values())
        unscored = sum(sum(c["unscored"].values()) for c in v.figures["cells"].values())
        lines.append(
            "| "
            + " | ".join(
                [
                    v.setting,
                    f"**{v.verdict}**",
                    ", ".join(c.name for c in v.caveats) or "none",
                    _interval(h["gap"]) if h else "n/a",
                    _fmt(h.get("mdg", NAN)),
                    _interval(h[AF_FREE]) if h else "n/a",
                    _interval(h["af_unmonitored"]) if h else "n/a",
                    _interval(h["gap_control"]["value"]) if h else "n/a",
                    _interval(h["control_sensitivity"]) if h else "n/a",
                    _fmt(primary.get(READABLE_REASONING_FREE, NAN)),
                    f"{errors} / {unscored}",
                    f"{primary.get('protocol', 'n/a')}, {short_sha(primary.get('system_prompt_sha256'))}",
                    primary.get("grader") or "default",
                ]
            )
            + " |"
        )
    lines.append("")
    for v in verdicts:
        lines.append(f"**{v.setting}: {v.verdict}.** " + "; ".join(v.reasons) + ".")
        lines.append("")
        for c in v.caveats:
            lines.append(f"- Caveat `{c.name}`: {c.text}")
        if v.caveats:
            lines.append("")
        lines.append("| cell | role | status | gap [CI] | MDG | AF in training [CI] | errors | unscored |")
        lines.append("|---|---|---|---|---|---|---|---|")
        for name, c in v.figures["cells"].items():
            if c.get(names.ANTI_LAB):
                continue  # an anti-lab cell has no compliance gap: its own line below
            lines.append(
                f"| {name} | {c['role']} | {c['status']} | {_interval(c['gap'])} | {_fmt(c['mdg'])} | "
                f"{_interval(c[AF_FREE][:3])} | {c['errors']} | {sum(c['unscored'].values())} |"
            )
        for name, c in v.figures["cells"].items():
            a = c.get(names.ANTI_LAB)
            if a:
                lines.append(
                    f"- {name} (anti-lab, secondary, not part of the evidence rule): took the action in "
                    f"{_interval(a['rate'])} of training-tier transcripts, {_interval(a['control'])} under the "
                    f"no-conflict control; difference {_interval(a['difference'])} ({c['status']}, "
                    f"{c['errors']} errors)"
                )
        for name, why in v.figures.get("skipped", {}).items():
            lines.append(f"- {name}: not run ({why})")
        lines.append("")
    if verdicts and "judge_calibration" in verdicts[0].figures:
        cal = verdicts[0].figures["judge_calibration"]
        lines.append(f"Judge calibration (af-inspect validate): {json.dumps(strict(cal), default=str)[:500]}")
    return "\n".join(lines) + "\n"


def verdict_json(
    battery: Battery, verdicts: list[SettingVerdict], model: str, trial: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What verdict.json holds, strict (`null` for a figure that could not be computed)."""
    return strict(
        {
            "model": model,
            "trial": trial,
            "battery": {
                "name": battery.name,
                "source": battery.source,
                "detect": battery.detect,
                "sensitivity": battery.sensitivity,
            },
            "settings": [asdict(v) for v in verdicts],
        }
    )


def write_verdict(
    battery: Battery,
    verdicts: list[SettingVerdict],
    out_dir: str | Path,
    model: str,
    trial: dict[str, Any] | None = None,
) -> tuple[Path, Path]:
    """`verdict.md` and `verdict.json` in `out_dir`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    md, js = out / "verdict.md", out / "verdict.json"
    md.write_text(verdict_markdown(battery, verdicts, model, trial), encoding="utf-8")
    payload = verdict_json(battery, verdicts, model, trial)
    js.write_text(json.dumps(payload, indent=2, default=str, allow_nan=False), encoding="utf-8")
    return md, js
