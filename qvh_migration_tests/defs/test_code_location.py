"""The code location loads the ways a data engineer starts it: Definitions, dg, and the webserver."""

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
from qvh_migration.definitions import defs
from qvh_migration_tests.defs.browser import chromium_path

BIN = Path(sys.executable).parent


def test_definitions_resolve_with_groups_and_descriptions() -> None:
    repository = defs.get_repository_def()
    graph = repository.asset_graph
    specs_assets = [key for key in graph.get_all_asset_keys() if graph.get(key).group_name == "specs"]
    assert {k.to_user_string() for k in specs_assets} >= {"source_catalog", "target_catalog", "schema_catalog_summary"}
    for key in graph.get_all_asset_keys():
        assert graph.get(key).description, f"{key.to_user_string()} has no description"
    assert defs.resolve_job_def("dry_run") is not None


def test_dg_check_defs_passes() -> None:
    result = subprocess.run(
        [str(BIN / "dg"), "check", "defs"], cwd=settings.PROJECT_ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All definitions loaded successfully" in result.stdout + result.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def webserver(tmp_path_factory: pytest.TempPathFactory):
    """The UI as ``dagster dev`` serves it: the webserver on workspace.yaml."""
    home = tmp_path_factory.mktemp("dagster_home")
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\nnux:\n  enabled: false\n")
    port = _free_port()
    server = subprocess.Popen(
        [str(BIN / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=settings.PROJECT_ROOT,
        env={**os.environ, "DAGSTER_HOME": str(home)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"http://127.0.0.1:{port}", _wait_for_assets(port)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_for_assets(port: int) -> list[dict]:
    query = json.dumps({"query": "{ assetNodes { assetKey { path } groupName } }"}).encode()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/graphql", data=query, headers={"Content-Type": "application/json"}
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                nodes = json.load(response)["data"]["assetNodes"]
            if nodes:
                return nodes
        except OSError:
            pass
        time.sleep(1)
    pytest.fail("webserver did not serve the code location within 120 s")


def test_webserver_loads_workspace_yaml(webserver) -> None:
    _, nodes = webserver
    groups = {"/".join(n["assetKey"]["path"]): n["groupName"] for n in nodes}
    assert groups["target_catalog"] == "specs"
    assert groups["extracts/PATDATA"] == "extracts"
    assert groups["mapping_contract"] == "mapping"


def test_asset_page_in_a_real_browser(webserver) -> None:
    """Opens the target catalog's page in headless Chromium, as a data engineer would."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency")
    url, _ = webserver
    chromium = chromium_path()
    flags = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=flags)
        page = browser.new_page()
        page.goto(f"{url}/assets/target_catalog")
        page.get_by_text("38 LOAD_ staging tables").first.wait_for(timeout=60_000)
        body = page.inner_text("body")
        browser.close()
    assert "specs" in body and "dry_run" in body
