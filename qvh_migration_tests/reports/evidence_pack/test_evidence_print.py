"""The evidence pack printed on A4 in headless Chromium: a sane number of pages, and nothing cut off
(no table wider than the page, no cell whose text overflows it, the diagram within the page's width).

The PDF goes to the test's tmp dir.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from qvh_migration.reports.evidence_pack.evidence_html import write_pack
from qvh_migration.settings import ProjectPaths
from qvh_migration_tests.defs.browser import CHROMIUM_FLAGS, chromium_path

# Builds a whole dry run, starts a server or a browser, or loads all 38 tables: the full suite only.
pytestmark = pytest.mark.slow

A4_POINTS = (595, 842)
# A4's width less the print CSS's 12 mm margins, in CSS pixels (96 per inch).
PRINTABLE_PX = round((210 - 2 * 12) / 25.4 * 96)
# Whatever is wider than the page, or holds more than it shows, as [what, width, page or box width].
OVERFLOWS = """() => {
  const page = document.documentElement.clientWidth;
  const out = [];
  if (document.documentElement.scrollWidth > page + 1) out.push(['page', document.documentElement.scrollWidth, page]);
  for (const t of document.querySelectorAll('table')) {
    const r = t.getBoundingClientRect();
    const where = 'table in ' + t.closest('section').id;
    if (t.scrollWidth > page + 1 || r.right > page + 1) out.push([where, t.scrollWidth, page]);
  }
  for (const c of document.querySelectorAll('th, td')) {
    if (c.scrollWidth > c.clientWidth + 1) out.push(['cell ' + c.innerText.slice(0, 40), c.scrollWidth, c.clientWidth]);
  }
  for (const s of document.querySelectorAll('svg')) {
    const r = s.getBoundingClientRect();
    if (r.right > page + 1) out.push(['svg ' + s.getAttribute('class'), r.right, page]);
  }
  const erd = document.querySelector('svg.erd').getBoundingClientRect();
  return {overflows: out, tables: document.querySelectorAll('table').length, erd: [erd.width, erd.height]};
}"""


def _print_to_pdf(chromium: str, index: Path, pdf: Path) -> None:
    command = [chromium, "--headless", *CHROMIUM_FLAGS, "--no-pdf-header-footer", f"--print-to-pdf={pdf}"]
    done = subprocess.run([*command, index.as_uri()], capture_output=True, text=True, timeout=180)
    assert pdf.exists() and pdf.stat().st_size > 10_000, done.stderr[-2000:]


def test_the_pack_prints_on_a4_with_nothing_cut(complete_run: ProjectPaths, tmp_path: Path) -> None:
    chromium = chromium_path()
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency")
    pdfium = pytest.importorskip("pypdfium2")
    index, _ = write_pack(complete_run, run_id="20261207T051000-abc123")
    pdf = tmp_path / "evidence_pack.pdf"
    _print_to_pdf(chromium, index, pdf)
    document = pdfium.PdfDocument(str(pdf))
    pages = len(document)
    assert 1 <= pages <= 40, pages
    width, height = document[0].get_size()
    assert (round(width), round(height)) == A4_POINTS
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": PRINTABLE_PX, "height": 1000})
        page.emulate_media(media="print")
        page.goto(index.as_uri())
        page.wait_for_load_state("load")
        measured = page.evaluate(OVERFLOWS)
        causes = page.locator("#waiting-lists table").all_inner_texts()
        browser.close()
    assert measured["tables"] > 5
    assert measured["overflows"] == []
    assert 0 < measured["erd"][0] <= PRINTABLE_PX and measured["erd"][1] > 0
    assert any("cause" in text for text in causes)
