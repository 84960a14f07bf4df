"""The UI as the control plane, in a real browser: launch one partition through the GraphQL API,
then look at the asset graph, the target table's partitions and a failing check in headless Chromium.

Screenshots go to ``build/screenshots/`` (git-ignored) so CI can keep them. CI installs Debian's
``chromium``; only outside CI does a machine without it skip.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from qvh_migration import settings
from qvh_migration.definitions import TARGET_TABLE_JOB
from qvh_migration_tests import golden as golden_run
from qvh_migration_tests.defs.browser import CHROMIUM_FLAGS, chromium_path
from qvh_migration_tests.golden import GoldenRun

# Builds a whole dry run, starts a server or a browser, or loads all 38 tables: the full suite only.
pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
SCREENSHOTS = settings.PROJECT_ROOT / "build" / "screenshots"
PARTITION = "LOAD_PMI"  # a root table: it needs the upstream stages and no other table
# The golden run's instance lets the webserver launch runs itself (no daemon in the test).
INSTANCE_YAML = golden_run.INSTANCE_YAML


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def graphql(url: str, query: str, variables: dict | None = None) -> dict:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(f"{url}/graphql", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.load(response)
    assert "errors" not in answer, answer["errors"]
    return answer["data"]


def _wait_until_served(url: str) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if graphql(url, "{ assetNodes { id } }")["assetNodes"]:
                return
        except OSError:
            pass
        time.sleep(1)
    pytest.fail("webserver did not serve the code location within 180 s")


@pytest.fixture(scope="module")
def served(golden: GoldenRun, tmp_path_factory: pytest.TempPathFactory):
    """The webserver over a copy of the golden dry run's store (as the nightly dry run leaves it)."""
    chromium = chromium_path()
    pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency")
    run = golden.copy_to(tmp_path_factory.mktemp("served"))
    env = {**os.environ, "DAGSTER_HOME": str(run.home), "QVH_DATA_DIR": str(run.data_dir)}
    env.pop("QVH_REQUIREMENT_SPEC_DIR", None)
    port = _free_port()
    server = subprocess.Popen(
        [str(BIN / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=settings.PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_served(url)
        yield url, chromium
    finally:
        server.terminate()
        server.wait(timeout=30)


LAUNCH = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}
"""
STATUS = "query Status($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"


def launch_partition_run(url: str, partition: str, tags: dict[str, str] | None = None) -> str:
    params = {
        "selector": {
            "repositoryLocationName": "qvh_migration",
            "repositoryName": "__repository__",
            "jobName": TARGET_TABLE_JOB,
        },
        "runConfigData": {},
        "executionMetadata": {
            "tags": [{"key": k, "value": v} for k, v in {"dagster/partition": partition, **(tags or {})}.items()]
        },
    }
    launched = graphql(url, LAUNCH, {"params": params})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    return launched["run"]["runId"]


def wait_for_run(url: str, run_id: str, timeout: float = 300) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = graphql(url, STATUS, {"id": run_id})["runOrError"]["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            return status
        time.sleep(2)
    pytest.fail(f"run {run_id} still not finished after {timeout} s")


def test_partition_run_and_the_ui_in_headless_chromium(served) -> None:
    from playwright.sync_api import sync_playwright

    url, chromium = served
    run_id = launch_partition_run(url, PARTITION)
    assert wait_for_run(url, run_id) == "SUCCESS"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        # The first visit lands on the product: the instance's nux setting keeps the sign-up dialog away.
        page.goto(f"{url}/asset-groups")
        page.get_by_text("Global asset lineage").first.wait_for(timeout=90_000)
        page.wait_for_timeout(1500)
        assert page.get_by_text("Join the Dagster community").count() == 0
        page.screenshot(path=str(SCREENSHOTS / "asset_graph.png"))
        page.goto(f"{url}/locations/qvh_migration/asset-groups/etl/lineage")
        page.get_by_text("key_registry").first.wait_for(timeout=90_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(SCREENSHOTS / "etl_group_graph.png"))

        page.goto(f"{url}/assets/target_tables?view=partitions")
        page.get_by_text(PARTITION).first.wait_for(timeout=90_000)
        page.get_by_text(PARTITION).first.click()  # its counts, masked preview and files
        page.get_by_text("loaded_rows").first.wait_for(timeout=90_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(SCREENSHOTS / "target_tables_partitions.png"))

        # The synthetic extracts carry injected unmapped codes, so the coverage check fails (warning).
        page.goto(f"{url}/assets/crosswalk_coverage?view=checks")
        page.get_by_text("all_codes_covered").first.wait_for(timeout=90_000)
        page.get_by_text("all_codes_covered").first.click()
        page.wait_for_timeout(1500)
        page.screenshot(path=str(SCREENSHOTS / "failing_check.png"))
        body = page.inner_text("body")
        browser.close()
    assert "all_codes_covered" in body and "Failed" in body
    for name in ("asset_graph.png", "etl_group_graph.png", "target_tables_partitions.png", "failing_check.png"):
        assert (SCREENSHOTS / name).stat().st_size > 10_000, name
