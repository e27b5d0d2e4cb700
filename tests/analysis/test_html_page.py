"""The report page fits a 1280 px window: measured in headless Chromium (Debian's `chromium`), skipped without it.

The page is rendered at 1280 px with a script that records the document's width and every element that
sticks out of the window other than inside a `.scroll` box (wide tables scroll there, by design). The logs
sit under a long path without spaces, the case that overflowed (it is printed in the page's header).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from af_inspect.analysis.figures import TEXT_PX
from af_inspect.cli import main
from analysis_logs import build_folder

pytestmark = pytest.mark.slow  # headless Chromium

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# the flags the machine doc gives for a closed network: no background connections, a fresh profile
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

MEASURE = """<script>window.addEventListener("load", () => {
  const d = document.documentElement;
  const over = [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > d.clientWidth + 1 && !e.closest(".scroll"))
    .map(e => e.tagName + ": " + e.textContent.slice(0, 60));
  const boxes = [...document.querySelectorAll(".scroll")]
    .map(e => [e.scrollWidth > e.clientWidth, e.getBoundingClientRect().right <= d.clientWidth + 1]);
  const imgs = [...document.querySelectorAll("figure img")]
    .map(i => [i.naturalWidth, i.getBoundingClientRect().width]);
  document.body.setAttribute("data-measure", JSON.stringify({width: d.scrollWidth, window: d.clientWidth, over, boxes, imgs}));
});</script>"""


def chromium(*args: str, width: int = 1280, height: int = 900) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}", *args],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip


@pytest.fixture(scope="module")
def report_page(tmp_path_factory) -> Path:
    if not CHROMIUM:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    root = tmp_path_factory.mktemp("page")
    long = root / ("a_long_folder_name_without_any_spaces_to_wrap_at_" * 3) / "and_one_level_more"
    build_folder(long, n_queries=6, keys=["faker", "honest", "refuser_errors"])
    out = root / "out"
    assert main(["report", str(long / "logs"), "-o", str(out), "--reference", "--no-progress"]) == 0
    return out / "report.html"


def test_the_report_page_fits_1280_px_and_wide_tables_scroll_in_their_box(report_page, tmp_path):
    page = tmp_path / "measure.html"
    page.write_text(
        report_page.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"), encoding="utf-8"
    )
    dom = chromium("--virtual-time-budget=5000", "--dump-dom", page.as_uri()).stdout
    found = re.search(r'data-measure="([^"]*)"', dom)
    assert found, dom[-2000:]
    m = json.loads(html.unescape(found.group(1)))
    assert m["window"] <= 1280 and m["width"] <= m["window"], m  # no horizontal scrollbar on the page
    assert m["over"] == [], m["over"]
    assert m["boxes"] and all(inside for _, inside in m["boxes"]), m[
        "boxes"
    ]  # every table box ends in the window
    assert any(scrolls for scrolls, _ in m["boxes"]), m[
        "boxes"
    ]  # the summary is wider, and scrolls in its box
    # both figures, and their smallest text (8 pt at the PNG's dpi) at 10 px or more as shown
    assert len(m["imgs"]) == 2, m["imgs"]
    for natural, shown in m["imgs"]:
        assert shown * TEXT_PX / natural >= 10, (natural, shown, TEXT_PX)
    print(f"page scroll width {m['width']} px in a {m['window']} px window; figures {m['imgs']}")


def test_a_screenshot_at_1280_px(report_page, tmp_path):
    shot = tmp_path / "report-1280.png"
    chromium("--hide-scrollbars", f"--screenshot={shot}", report_page.as_uri(), height=1600)
    assert shot.is_file() and shot.stat().st_size > 10_000
    assert shot.read_bytes()[16:24] == (1280).to_bytes(4, "big") + (1600).to_bytes(
        4, "big"
    )  # PNG width, height
