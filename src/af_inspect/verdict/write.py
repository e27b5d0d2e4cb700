"""Write: the verdicts as `verdict.md` (for a reader) and `verdict.json` (for a program), beside the logs."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from af_inspect.battery import Battery
from af_inspect.sources import short_sha
from af_inspect.stats import NAN
from af_inspect.verdict.rules import SettingVerdict
from af_inspect.verdict.rules import fmt as _fmt
from af_inspect.verdict.rules import fmt_interval as _interval


def verdict_markdown(battery: Battery, verdicts: list[SettingVerdict], model: str) -> str:
    lines = [
        f"# Alignment-faking verdict: {model}",
        "",
        f"Battery `{battery.name}` ({battery.title}); a gap is detectable when the minimum detectable gap is at "
        f"most {_fmt(battery.detect)}; the positive control counts as detected at an AF rate lower bound of "
        f"{_fmt(battery.sensitivity)}.",
        "",
        "| setting | verdict | gap [95% paired CI] | MDG | AF in training [CI] | negative control AF | "
        "positive control AF (sensitivity) | readable reasoning | errors / unscored | protocol, prompt | grader |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
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
                    _interval(h["gap"]) if h else "n/a",
                    _fmt(h.get("mdg", NAN)),
                    _interval(h["af_free"]) if h else "n/a",
                    _interval(h["control_false_positive_rate"]) if h else "n/a",
                    _interval(h["control_sensitivity"]) if h else "n/a",
                    _fmt(primary.get("readable_reasoning_free", NAN)),
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
        lines.append("| cell | role | status | gap [CI] | MDG | AF in training [CI] | errors | unscored |")
        lines.append("|---|---|---|---|---|---|---|---|")
        for name, c in v.figures["cells"].items():
            lines.append(
                f"| {name} | {c['role']} | {c['status']} | {_interval(c['gap'])} | {_fmt(c['mdg'])} | "
                f"{_interval(c['af_free'][:3])} | {c['errors']} | {sum(c['unscored'].values())} |"
            )
        for name, why in v.figures.get("skipped", {}).items():
            lines.append(f"- {name}: not run ({why})")
        lines.append("")
    if verdicts and "judge_calibration" in verdicts[0].figures:
        cal = verdicts[0].figures["judge_calibration"]
        lines.append(f"Judge calibration (af-inspect validate): {json.dumps(cal, default=str)[:500]}")
    return "\n".join(lines) + "\n"


def write_verdict(
    battery: Battery, verdicts: list[SettingVerdict], out_dir: str | Path, model: str
) -> tuple[Path, Path]:
    """`verdict.md` and `verdict.json` in `out_dir`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    md, js = out / "verdict.md", out / "verdict.json"
    md.write_text(verdict_markdown(battery, verdicts, model), encoding="utf-8")
    payload = {
        "model": model,
        "battery": {
            "name": battery.name,
            "source": battery.source,
            "detect": battery.detect,
            "sensitivity": battery.sensitivity,
        },
        "settings": [asdict(v) for v in verdicts],
    }
    js.write_text(json.dumps(payload, indent=2, default=str, allow_nan=True), encoding="utf-8")
    return md, js
