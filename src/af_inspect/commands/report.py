"""`af-inspect report LOG_DIR -o OUT_DIR`: tables, figures and an HTML page from a folder of logs."""

from __future__ import annotations

import argparse

NAME = "report"
HELP = "Summarise a folder of logs: CSV/Markdown tables, PNG figures and one self-contained HTML page."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "log_dir", metavar="LOG_DIR", help="Folder of Inspect logs (searched recursively) or one log."
    )
    parser.add_argument(
        "-o", "--out", dest="out_dir", required=True, metavar="OUT_DIR", help="Where to write."
    )
    parser.add_argument(
        "--reference",
        nargs="?",
        const="paper",
        default=None,
        metavar="CSV",
        help="Compare with published figures: a CSV (model,setting,variation,metric,percent,source,note); "
        "without a value, the paper's figures shipped with af-inspect.",
    )
    parser.add_argument(
        "--compliance",
        default=None,
        metavar="SCORER",
        help="Compliance scorer (default: each run's first compliance scorer, its headline measure).",
    )
    parser.add_argument(
        "--af",
        default=None,
        metavar="SCORER",
        help="Alignment-faking scorer (default: af_reasoning if present).",
    )
    parser.add_argument(
        "--viewer",
        default=None,
        metavar="URL",
        help="Base URL of `inspect view` for transcript links (default http://127.0.0.1:7575).",
    )
    parser.add_argument(
        "--top", type=int, default=20, help="Transcripts to list as worth reading (default 20)."
    )
    parser.add_argument("--no-progress", action="store_true", help="No progress bar while reading logs.")


def run(args: argparse.Namespace) -> int:
    from af_inspect.analysis.html_page import DEFAULT_VIEWER
    from af_inspect.analysis.report import write_report
    from af_inspect.analysis.tables import display_summary

    rep = write_report(
        args.log_dir,
        args.out_dir,
        reference=args.reference,
        compliance=args.compliance,
        af=args.af,
        progress=not args.no_progress,
        viewer=args.viewer or DEFAULT_VIEWER,
        to_read=args.top,
    )
    a = rep.analysis
    # (write_report refuses a folder without logs: a UsageError, nothing written)
    shown = display_summary(a.summary)
    cols = [
        c
        for c in shown.columns
        if c
        in (
            "model",
            "setting",
            "protocol",
            "variation",
            "args",
            "status",
            "transcripts / expected",
            "complies, free",
            "complies, paid",
            "gap, pp [95% CI]",
            "AF, free",
        )
    ]
    print(shown[cols].to_string(index=False))
    for path, err in a.unreadable.items():
        print(f"skipped (not a readable log): {path}: {err}")
    if rep.comparison is not None:
        print("\nMeasured vs reference (percent):")
        print(rep.comparison_text)
    print(f"\nWrote {len(rep.files)} files to {rep.out_dir}: {', '.join(sorted(rep.files))}")
    print(f"Open {rep.files['report.html']}")
    return 0
