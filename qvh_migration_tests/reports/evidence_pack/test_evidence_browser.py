"""The evidence pack in a real browser (headless Chromium, offline): every section renders, the charts
and the diagram have size and bars, and the page asks the network for nothing.

The screenshots go to ``build/screenshots/`` (git-ignored) so CI can keep them: the whole pack, and
the worklists' burndown and the trials' trend sections on their own.
"""

from __future__ import annotations

import pytest

from qvh_migration import settings
from qvh_migration.reports.evidence_pack.evidence import SECTIONS
from qvh_migration.reports.evidence_pack.evidence_html import write_pack
from qvh_migration.settings import ProjectPaths
from qvh_migration_tests.defs.browser import CHROMIUM_FLAGS, chromium_path

# Builds a whole dry run, starts a server or a browser, or loads all 38 tables: the full suite only.
pytestmark = pytest.mark.slow

SCREENSHOTS = settings.PROJECT_ROOT / "build" / "screenshots"
# Sizes as the browser laid them out, not as the markup claims them.
MEASURE = """() => {
  const size = (e) => { const r = e.getBoundingClientRect(); return [r.width, r.height]; };
  return {
    sections: [...document.querySelectorAll('main > section')].map((s) => [s.id, ...size(s)]),
    charts: [...document.querySelectorAll('#rejects svg.chart, #findings svg.chart, #waiting-lists svg.chart')]
      .map((s) => size(s)),
    bars: [...document.querySelectorAll('#rejects rect.bar, #findings rect.bar, #waiting-lists rect.bar')]
      .filter((b) => b.getBBox().width > 0 && b.getBBox().height > 0).length,
    // The trials' trend and the worklists' burndown: charts with drawn bars in their own sections.
    trend: ['worklists', 'trials'].map((id) => [id,
      document.querySelectorAll(`#${id} svg.chart`).length,
      [...document.querySelectorAll(`#${id} rect.bar`)].filter((b) => b.getBBox().height > 0).length]),
    erdBoxes: [...document.querySelectorAll('g.erd-table')].filter((g) => g.getBBox().width > 0).length,
    erdEdges: document.querySelectorAll('path.erd-edge').length,
    notice: document.getElementById('masking-notice').innerText,
  };
}"""


def test_the_pack_renders_in_headless_chromium(complete_run: ProjectPaths) -> None:
    chromium = chromium_path()
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency")
    index, evidence = write_pack(complete_run, run_id="run-b")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "evidence_pack.png"
    requested: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("request", lambda request: requested.append(request.url))
        page.goto(index.as_uri())
        page.wait_for_load_state("load")
        measured = page.evaluate(MEASURE)
        page.screenshot(path=str(shot), full_page=True)
        for section in ("worklists", "trials"):
            page.locator(f"#{section}").screenshot(path=str(SCREENSHOTS / f"evidence_{section}.png"))
        browser.close()
    assert [s[0] for s in measured["sections"]] == list(SECTIONS)
    assert all(width > 0 and height > 0 for _, width, height in measured["sections"])
    # Rejects, findings, and one chart per waiting list with bands.
    assert len(measured["charts"]) == 2 + len(evidence["sections"]["waiting-lists"]["bands"]["lists"])
    assert all(width > 50 and height > 20 for width, height in measured["charts"])
    drawn = sum(1 for r in evidence["sections"]["rejects"]["by_reason"] if r["rejected_rows"] > 0)
    drawn += len(evidence["sections"]["findings"]["by_check"])
    drawn += sum(
        (row["source_count"] > 0) + (row["target_count"] > 0)
        for rows in evidence["sections"]["waiting-lists"]["bands"]["lists"].values()
        for row in rows
    )
    assert measured["bars"] == drawn > 0
    assert measured["erdBoxes"] == 38
    assert measured["erdEdges"] == len(evidence["sections"]["erd"]["links"]) > 30
    assert "Identifiers are masked" in measured["notice"]
    assert requested == [index.as_uri()]
    assert shot.stat().st_size > 50_000
    # The burndown (open items per area over the runs) and the trials' trend are drawn, and shot.
    assert all(charts >= 1 and bars > 0 for _, charts, bars in measured["trend"]), measured["trend"]
    assert all((SCREENSHOTS / f"evidence_{s}.png").stat().st_size > 5_000 for s in ("worklists", "trials"))
