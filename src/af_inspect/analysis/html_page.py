"""One self-contained HTML page: tables, figures embedded as base64 PNG, links into `inspect view`."""

from __future__ import annotations

import base64
import html
import math
import os
import re
from pathlib import Path
from urllib.parse import quote

import pandas as pd

DEFAULT_VIEWER = "http://127.0.0.1:7575"
"""Where `inspect view --log-dir LOG_DIR` serves by default."""

CSS = """
/* fits a 1280 px window: wide tables scroll inside their own box (.scroll), long paths and names wrap
   (tests/test_html_page.py checks both in headless Chromium) */
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1280px;
       padding: 0 1rem; color: #1d1d1f; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2.2rem;
     border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
.meta { color: #555; font-size: .9rem; }
.warn { background: #fff4e5; border-left: 4px solid #f0a020; padding: .5rem .8rem; margin: .8rem 0; }
.scroll { overflow-x: auto; max-width: 100%; }
p, dd, figcaption, .meta, .warn, code { overflow-wrap: anywhere; }
table { border-collapse: collapse; font-size: .85rem; margin: .6rem 0; }
th, td { border-bottom: 1px solid #e3e3e3; padding: .3rem .55rem; text-align: left; vertical-align: top; }
th { background: #f6f6f6; position: sticky; top: 0; }
tr.incomplete td { background: #fff8ec; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.nw { white-space: nowrap; }
figure { margin: 1rem 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: .85rem; max-width: 900px; }
code { background: #f3f3f3; padding: 0 .25rem; border-radius: 3px; font-size: .85em; }
dl dt { font-weight: 600; margin-top: .4rem; } dl dd { margin-left: 1.2rem; }
"""


def table_html(
    df: pd.DataFrame, row_classes: list[str] | None = None, raw_columns: tuple[str, ...] = ()
) -> str:
    """An escaped HTML table; cells of `raw_columns` are inserted as given (already-safe HTML)."""
    if df.empty:
        return "<p><em>(none)</em></p>"
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for i, (_, row) in enumerate(df.iterrows()):
        cls = f' class="{row_classes[i]}"' if row_classes and row_classes[i] else ""
        cells = []
        for c, v in row.items():
            text = str(v) if c in raw_columns else html.escape(str(v))
            cls_ = "num" if _numeric_text(str(v)) else ("nw" if len(str(v)) <= 24 else "")
            cells.append(f'<td class="{cls_}">{text}</td>' if cls_ else f"<td>{text}</td>")
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


_NUMERIC = re.compile(r"^(—|[+\-<]?\d[\d.]*(%|/\d+)?( \[.*\])?( \(.*\))?( / .*)?)$")


def _numeric_text(s: str) -> bool:
    """Cells that read as numbers (12.5%, 9/24 (38%), +4.0 [-1.2, +9.0], 4.0% [1.2%, 9.0%] (n=10), —) are
    right-aligned and kept on one line (a wrapped interval made every summary row four lines high)."""
    return bool(_NUMERIC.match(s.strip()))


def png_width(path: Path) -> int:
    """A PNG's width in pixels (from its header)."""
    return int.from_bytes(Path(path).read_bytes()[16:20], "big")


MIN_TEXT_PX = 10
"""The smallest text a figure may show at on the page."""


def embed_png(path: Path | None, alt: str, caption: str, text_px: float | None = None) -> str:
    """A figure with its PNG inlined as a data URI (the page works when moved or mailed).

    `text_px`: the height of the figure's smallest text in the PNG's pixels. The image shrinks to its box
    but never below the width at which that text would be under `MIN_TEXT_PX`: a narrower window scrolls
    the figure in its box instead."""
    if path is None or not Path(path).is_file():
        return f"<p><em>{html.escape(alt)}: nothing to draw.</em></p>"
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    width = png_width(Path(path))
    style = f"width:100%;max-width:{width}px"
    if text_px:
        style += f";min-width:{min(width, math.ceil(width * MIN_TEXT_PX / text_px))}px"
    return (
        f'<figure><div class="scroll"><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}" '
        f'style="{style}"></div><figcaption>{html.escape(caption)}</figcaption></figure>'
    )


def viewer_link(viewer: str, log_dir: Path, log: str, sample_id: str, epoch: int) -> str:
    """The `inspect view` URL of one transcript (log path relative to the folder the viewer serves)."""
    rel = os.path.relpath(log, log_dir) if log_dir.is_dir() else Path(log).name
    return (
        f"{viewer.rstrip('/')}/#/logs/{quote(rel.replace(os.sep, '/'), safe='/')}"
        f"/samples/sample/{quote(str(sample_id), safe='')}/{int(epoch)}/"
    )


def page(title: str, sections: list[tuple[str, str]], meta: str, warnings: list[str]) -> str:
    """The whole document: a header, warnings, then (heading, html) sections."""
    warn = "".join(f'<div class="warn">{w}</div>' for w in warnings)
    body = "".join(f"<h2>{html.escape(h)}</h2>{content}" if h else content for h, content in sections)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
        f'<style>{CSS}</style></head><body><h1>{html.escape(title)}</h1><p class="meta">{meta}</p>{warn}{body}'
        "</body></html>\n"
    )
