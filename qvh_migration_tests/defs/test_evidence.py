"""The ``evidence_pack`` asset: wired after the release decision and the staging database, in the
``reports`` group and the jobs after the target tables, linking the page from its metadata."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from qvh_migration import settings
from qvh_migration.definitions import STAGING_JOB, TARGET_TABLE_RERUN_JOB, defs
from qvh_migration.defs.evidence import evidence_pack
from qvh_migration.defs.resources import MigrationSettings
from qvh_migration_tests.reports.conftest import write_reports, write_upstream, write_worklists_and_trials

KEY = dg.AssetKey("evidence_pack")


def test_the_asset_sits_after_the_gates_in_the_downstream_jobs() -> None:
    graph = defs.resolve_asset_graph()
    node = graph.get(KEY)
    assert node.group_name == "reports" and node.description
    assert {dg.AssetKey("release_decision"), dg.AssetKey("staging_database")} <= set(node.parent_keys)
    for job in (STAGING_JOB, TARGET_TABLE_RERUN_JOB):
        assert KEY in defs.resolve_job_def(job).asset_layer.selected_asset_keys, job


def test_materialising_writes_the_pack_and_links_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_upstream(data)
    write_reports(data / "reports")
    write_worklists_and_trials(data)
    resource = MigrationSettings(
        data_dir=str(data), requirement_spec_dir=str(settings.PROJECT_ROOT / "requirement_spec")
    )
    result = dg.materialize([evidence_pack], resources={"settings": resource})
    assert result.success
    metadata = result.asset_materializations_for_node("evidence_pack")[0].metadata
    index = data / "reports" / "evidence" / "index.html"
    assert metadata["evidence_pack"].value == str(index) and index.exists()
    assert metadata["open_in_browser"].value == index.as_uri()
    assert metadata["decision"].value == "FAIL"
    assert metadata["not_produced_in_this_run"].value == "none"
    assert result.run_id in index.read_text(encoding="utf-8")
