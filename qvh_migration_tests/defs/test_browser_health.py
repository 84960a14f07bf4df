"""What an operator sees after one dry run, in a real browser (headless Chromium): each table's
health in its partition (counts, failing checks with their severity, the run), the dry run's ~40
runs found in the run list by its one tag, and check metadata rendered as tables, not raw Markdown.

Screenshots go to the test's tmp dir; with ``QVH_SAVE_SCREENSHOTS`` set they are also copied to
``docs/screenshots/``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from qvh_migration import settings
from qvh_migration.run_tags import DRY_RUN_TAG
from qvh_migration_tests.defs.browser import CHROMIUM_FLAGS, chromium_path
from qvh_migration_tests.defs.test_browser import BIN, _free_port, _wait_until_served, graphql
from qvh_migration_tests.golden import GoldenRun

# Builds a whole dry run, starts a server or a browser, or loads all 38 tables: the full suite only.
pytestmark = pytest.mark.slow

PARTITION = "LOAD_PMI"
DOCS_SCREENSHOTS = settings.PROJECT_ROOT / "docs" / "screenshots"
DRY_RUN_LINE = re.compile(r"^dry run id (\S+) \((dry run [^)]+)\): its runs in `qvh-migration ui` at (\S+)$", re.M)
RUNS = """query Runs($filter: RunsFilter!) {
  runsOrError(filter: $filter) { ... on Runs { results { runId tags { key value } } } }
}"""


@pytest.fixture(scope="module")
def dry_run_served(golden: GoldenRun, tmp_path_factory: pytest.TempPathFactory):
    """A copy of the golden dry run (the command line's), then the webserver over its instance."""
    chromium = chromium_path()
    pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency")
    run = golden.copy_to(tmp_path_factory.mktemp("served"))
    home, data = run.home, run.data_dir
    env = {**os.environ, "DAGSTER_HOME": str(home), "QVH_DATA_DIR": str(data)}
    env.pop("QVH_REQUIREMENT_SPEC_DIR", None)
    found = DRY_RUN_LINE.search(run.out)
    assert found, run.out[-3000:]
    port = _free_port()
    server = subprocess.Popen(
        [str(BIN / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=settings.PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_served(url)
        yield {"url": url, "chromium": chromium, "data": data, "stdout": run.out, "line": found}
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def page(dry_run_served):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=dry_run_served["chromium"], headless=True, args=CHROMIUM_FLAGS
        )
        yield browser.new_page(viewport={"width": 1600, "height": 1100})
        browser.close()


def _shot(page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("QVH_SAVE_SCREENSHOTS"):
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS_SCREENSHOTS / name)
    assert path.stat().st_size > 10_000, name
    return path


def _visible(page, text: str):
    # The UI also keeps hidden copies of names it measures for truncation.
    return page.locator(f'text="{text}" >> visible=true').first


def _failing_group(data: Path, table: str) -> tuple[str, str]:
    """A gate group that failed on ``table`` in this run, and one of its failing checks."""
    from qvh_migration.defs.gates import CHECK_GROUPS

    summary = pd.read_csv(data / "gates" / "summary" / f"{table}.csv", keep_default_na=False)
    failed = summary.loc[~summary["passed"].astype(str).str.lower().isin(["true", "1"])]
    assert not failed.empty, f"the synthetic defects should fail a gate of {table}"
    family, check = failed["family"].iloc[0], failed["check"].iloc[0]
    return next(group for group, families in CHECK_GROUPS.items() if family in families), check


def test_partition_view_shows_the_tables_counts_and_failing_checks(dry_run_served, page, tmp_path: Path) -> None:
    url = dry_run_served["url"]
    page.goto(f"{url}/assets/target_table_gates?view=partitions")
    _visible(page, PARTITION).wait_for(timeout=90_000)
    _visible(page, PARTITION).click()
    page.get_by_text("failing_check_list").first.wait_for(timeout=90_000)
    page.wait_for_timeout(2000)
    _shot(page, tmp_path, "partition_health_load_pmi.png")
    body = page.inner_text("body")
    for label in ("loaded_rows", "rejected_rows", "filtered_rows", "failing_errors", "failing_warnings", "Run"):
        assert label in body, label
    assert "|---" not in body and "| ---" not in body
    # Each gate check is evaluated per partition: the check's partition view marks this table.
    group, check = _failing_group(dry_run_served["data"], PARTITION)
    assert check in body  # listed with its severity in the materialisation's failing checks
    page.goto(f"{url}/assets/target_table_gates?view=checks&checkDetail={group}")
    page.get_by_text("Execution history").first.wait_for(timeout=90_000)  # the check's own tabs
    page.get_by_text("Partitions", exact=True).last.click()
    _visible(page, PARTITION).wait_for(timeout=90_000)
    _visible(page, PARTITION).click()
    _visible(page, "Description").wait_for(timeout=90_000)
    page.wait_for_timeout(1500)
    _shot(page, tmp_path, "check_partition_load_pmi.png")
    body = page.inner_text("body")
    assert "Failed (" in body and "Passed (" in body  # partitions counted by the check's outcome
    assert f"gates/findings/{PARTITION}.parquet" in body


def test_the_dry_runs_runs_are_found_by_their_tag(dry_run_served, page, tmp_path: Path) -> None:
    url, found = dry_run_served["url"], dry_run_served["line"]
    dry_run_id, path = found.group(1), found.group(3)
    assert path == f"/runs?q[0]=tag:{DRY_RUN_TAG}={dry_run_id}"
    tagged = graphql(url, RUNS, {"filter": {"tags": [{"key": DRY_RUN_TAG, "value": dry_run_id}]}})
    runs = tagged["runsOrError"]["results"]
    assert len(runs) >= 38  # the upstream stages, one run per table, the staging build
    all_runs = graphql(url, RUNS, {"filter": {}})["runsOrError"]["results"]
    assert len(all_runs) == len(runs)  # every run of the dry run carries the tag
    page.goto(f"{url}{path}")
    page.get_by_text(runs[0]["runId"][:8]).first.wait_for(timeout=90_000)
    page.wait_for_timeout(1500)
    _shot(page, tmp_path, "runs_of_one_dry_run.png")
    body = page.inner_text("body")
    assert f"{DRY_RUN_TAG}: {dry_run_id}" in body
    assert sum(run["runId"][:8] in body for run in runs[:10]) >= 5
    pack = (dry_run_served["data"] / "reports" / "evidence" / "index.html").read_text(encoding="utf-8")
    assert f"Run <code>{dry_run_id}</code>" in pack


def test_check_metadata_renders_as_a_table(dry_run_served, page, tmp_path: Path) -> None:
    url = dry_run_served["url"]
    page.goto(f"{url}/assets/crosswalk_coverage?view=checks")
    page.get_by_text("all_codes_covered").first.wait_for(timeout=90_000)
    page.get_by_text("all_codes_covered").first.click()
    page.get_by_text("Show Markdown").first.wait_for(timeout=90_000)
    page.get_by_text("Show Markdown").first.click()  # the failing codes' sample
    page.get_by_text("legacy_code").first.wait_for(timeout=90_000)
    page.wait_for_timeout(1000)
    _shot(page, tmp_path, "check_metadata_table.png")
    body = page.inner_text("body")
    assert "unmapped_codes" in body and "occurrences" in body
    assert "|---" not in body and "|:--" not in body and "| ---" not in body
    assert page.locator("table th", has_text="legacy_code").count() >= 1


def test_the_dry_runs_evidence_pack_is_shot_for_the_docs(dry_run_served, page, tmp_path: Path) -> None:
    """The pack of this dry run in the browser, headed by the dry run's id; with ``QVH_SAVE_SCREENSHOTS``
    it replaces ``docs/evidence_pack.png``, so the docs never show figures of an older run."""
    pack = Path(dry_run_served["data"]) / "reports" / "evidence" / "index.html"
    page.goto(pack.as_uri())
    page.wait_for_load_state("load")
    assert dry_run_served["line"].group(1) in page.inner_text("body")  # the header's id is the dry run's
    path = tmp_path / "evidence_pack.png"
    page.screenshot(path=str(path), full_page=False)
    if os.environ.get("QVH_SAVE_SCREENSHOTS"):
        shutil.copy(path, DOCS_SCREENSHOTS.parent / "evidence_pack.png")
    assert path.stat().st_size > 20_000
