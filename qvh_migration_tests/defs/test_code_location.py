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
    result = subprocess.run([str(BIN / "dg"), "check", "defs"], cwd=settings.PROJECT_ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All definitions loaded successfully" in result.stdout + result.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_webserver_loads_workspace_yaml(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    server = subprocess.Popen(
        [str(BIN / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=settings.PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        query = json.dumps({"query": "{ assetNodes { assetKey { path } groupName } }"}).encode()
        deadline = time.monotonic() + 120
        while True:
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=query,
                                                 headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=10) as response:
                    nodes = json.load(response)["data"]["assetNodes"]
                if nodes:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("webserver did not serve the code location within 120 s")
            time.sleep(1)
        groups = {"/".join(n["assetKey"]["path"]): n["groupName"] for n in nodes}
        assert groups["target_catalog"] == "specs"
    finally:
        server.terminate()
        server.wait(timeout=30)
