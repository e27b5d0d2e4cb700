"""Score labelled transcripts with an AF classifier and compare its answers with the labels.

What `af-inspect validate` does, without the command line: pick the usable records, import them as a log,
score it with the classifier's scorer and its grader, and report against the labels (binary labels:
AUROC, precision/recall, calibration; fraction labels: rank agreement). The command parses arguments and
prints; everything that decides lives here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inspect_ai.log import EvalLog, EvalSample
from inspect_ai.model import GenerateConfig, Model
from inspect_ai.scorer import Scorer

from af_inspect.calibration.importer import TranscriptRecord, imported_model_name, records_to_log
from af_inspect.calibration.labelsets import GOLD106
from af_inspect.calibration.validation import (
    DEFAULT_BINS,
    PUBLISHED_FIGURE,
    LabelError,
    RankReport,
    ValidationReport,
    binary_label,
    collect,
    collect_fractions,
    fraction_label,
    rank_agreement,
    validate_scores,
)
from af_inspect.scorers.grader import grader_for

MAX_LISTED = 20
"""Bad label rows listed in the error before `... and N more`."""


def grader_roles(roles: dict[str, str]) -> dict[str, str]:
    """The model roles with the grader the grader rule gives: imported transcripts' model never grades."""
    return {**roles, "grader": grader_for(imported_model_name(["labelled"]), roles.get("grader"))}


def label_kind(values: list[Any]) -> str:
    """`binary` when every label is 0/1, `fraction` when every label is a number in [0, 1], else `mixed`."""
    if all(binary_label(v) is not None for v in values):
        return "binary"
    if all(fraction_label(v) is not None for v in values):
        return "fraction"
    return "mixed"


def usable_records(
    records: list[TranscriptRecord], label: str, skip_unlabelled: bool
) -> tuple[list[TranscriptRecord], int, str]:
    """The records to score, how many were left out for want of a label, and the labels' kind.

    Raises LabelError naming each bad record's file and line when a label is missing (and not skipped) or
    the labels mix kinds."""
    left_out = 0
    if skip_unlabelled:
        kept = [r for r in records if r.labels.get(label) is not None]
        left_out, records = len(records) - len(kept), kept
    kind = label_kind([r.labels.get(label) for r in records]) if records else "binary"
    if kind == "mixed" or not records:
        bad = [
            f"{r.source_file}:{r.source_line}: labels.{label} is {r.labels.get(label)!r}; "
            "expected 0 or 1 (true/false), or a fraction in [0, 1]."
            for r in records
            if fraction_label(r.labels.get(label)) is None
        ]
        more = f"\n... and {len(bad) - MAX_LISTED} more." if len(bad) > MAX_LISTED else ""
        hint = "" if skip_unlabelled else " (--skip-unlabelled leaves out records without it)"
        raise LabelError(
            f"{len(bad)} record(s) without a usable label{hint}:\n" + "\n".join(bad[:MAX_LISTED]) + more
        )
    return records, left_out, kind


def make_scorer(name: str, **params: Any) -> Scorer:
    """The AF scorer by its registry name, with its parameters.

    Inspect finds `af_inspect/...` (and another installed package's scorers) through the package's entry
    point; af-inspect's AF scorers are registered already, since this module's caller imports them."""
    from inspect_ai.util import registry_create

    try:
        return registry_create("scorer", name, **params)
    except (LookupError, TypeError, ValueError) as e:
        raise ValueError(f"Scorer {name!r} is not available: {e}") from None


def resolve_roles(roles: dict[str, str], config: GenerateConfig | None = None) -> dict[str, Model]:
    """Each role's model, resolved now so a missing key or unknown provider fails before scoring."""
    from inspect_ai.model import get_model

    models: dict[str, Model] = {}
    cfg = config or GenerateConfig()
    for role, spec in roles.items():
        try:
            models[role] = get_model(spec, config=cfg)  # inspect-evals-lint: ignore[IEBP001] -- CLI check
        except Exception as e:  # PrerequisiteError (missing key) is not a ValueError
            message = getattr(e, "message", None) or str(e)
            raise ValueError(f"Cannot use {spec!r} as the {role}: {message}") from None
    return models


def score_name(samples: list[EvalSample]) -> str:
    """The key of the AF score on the samples (the log was imported fresh, so it is the only one)."""
    found = {k for s in samples for k in (s.scores or {})}
    if len(found) != 1:
        raise ValueError(f"Expected one score per sample, found: {sorted(found) or 'none'}.")
    return found.pop()


def instrument_line(samples: list[EvalSample], name: str) -> str:
    """What judged the transcripts: a fetched instrument with its sha256, or this project's rubric."""
    for sample in samples:
        md = (sample.scores or {}).get(name)
        md = md.metadata if md is not None else None
        if not md or "rubric" not in md:
            continue
        rec = md.get("instrument")
        rec = rec[0] if isinstance(rec, list) else rec
        if not rec:
            return f"{md['rubric']} (af-inspect's own rubric, not a published file)"
        if not rec.get("fetched"):
            return f"{rec['id']} ({rec['path']}): not fetched, the offline organism/judge answered by its id"
        return f"{rec['id']} ({rec['url']}, {rec['pin']}), sha256 {rec['sha256']}"
    return "unknown (no transcript was judged)"


def published_figure_applies(labels: str | None, classifier: str, grader: str, instrument: str) -> bool:
    """The published AUROC holds for the fetched file graded by GPT-4o on the 106 labels, counted upstream."""
    return (
        labels == GOLD106
        and classifier == "published"
        and "gpt-4o" in grader.lower()
        and "sha256" in instrument
    )


@dataclass
class ClassifierCheck:
    """A scored log of labelled transcripts and its report against the labels."""

    scored: EvalLog
    report: ValidationReport | RankReport

    @property
    def n_scored(self) -> int:
        return self.report.n_scored


def check_classifier(
    records: list[TranscriptRecord],
    origin: str,
    *,
    kind: str,
    label: str,
    scorer: Scorer,
    models: dict[str, Model],
    grader: str,
    threshold: float,
    context: dict[str, Any],
    labels: str | None = None,
    classifier: str = "published",
    display: str = "none",
) -> ClassifierCheck:
    """Import the records, score them with `scorer` (its grader, named `grader`, from `models`), and report
    against the labels.

    `context` (classifier, votes, grader, file, ...) is carried into the report; the instrument line and, where
    it applies, the published figure are added here."""
    from inspect_ai import score

    scored = score(
        records_to_log(records, origin), [scorer], model_roles=models, display=display, action="overwrite"
    )
    samples = scored.samples or []
    name = score_name(samples)
    context = {**context, "instrument": instrument_line(samples, name)}
    if kind == "fraction":
        report: ValidationReport | RankReport = rank_agreement(
            collect_fractions(samples, name, label), threshold
        )
    else:
        report = validate_scores(collect(samples, name, label), DEFAULT_BINS)
        if published_figure_applies(labels, classifier, grader, context["instrument"]):
            context["published"] = PUBLISHED_FIGURE
    report.context = context
    return ClassifierCheck(scored, report)
