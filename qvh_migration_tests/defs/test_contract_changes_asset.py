"""The ``contract_changes`` asset: in the mapping group, before the evidence pack, writing the change log."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from qvh_migration.definitions import DRY_RUN_JOB, defs
from qvh_migration.defs.mapping import contract_changes
from qvh_migration.defs.resources import MigrationSettings
from qvh_migration.mapping.signoffs import SIGNOFFS_FILE_ENV, sign_contract
from qvh_migration_tests.mapping.test_contract_changes import CROSSWALK, FIELDS, write_mapping

KEY = dg.AssetKey("contract_changes")


def test_the_asset_runs_in_the_dry_run_before_the_pack() -> None:
    graph = defs.resolve_asset_graph()
    assert graph.get(KEY).group_name == "mapping"
    assert {dg.AssetKey("mapping_contract"), dg.AssetKey("crosswalk_catalog")} <= set(graph.get(KEY).parent_keys)
    assert KEY in graph.get(dg.AssetKey("evidence_pack")).parent_keys
    assert KEY in defs.resolve_job_def(DRY_RUN_JOB).asset_layer.selected_asset_keys


def test_materialising_compares_with_the_last_signoff(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir, signoffs = tmp_path / "data", tmp_path / "signoffs.yaml"
    monkeypatch.setenv(SIGNOFFS_FILE_ENV, str(signoffs))
    write_mapping(data_dir, FIELDS, CROSSWALK)
    resource = {"settings": MigrationSettings(data_dir=str(data_dir))}

    def materialise() -> dict:
        result = dg.materialize([contract_changes], resources=resource)
        assert result.success
        return result.asset_materializations_for_node("contract_changes")[0].metadata

    assert materialise()["basis"].value.startswith("no contract signed yet")
    assert (data_dir / "mapping" / "contract_changes.csv").exists()
    sign_contract(data_dir, "migration lead", "trial load 1", datetime(2026, 12, 7, tzinfo=UTC), signoffs)
    write_mapping(data_dir, {**FIELDS, "SEX": {**FIELDS["SEX"], "status": "suggested"}}, CROSSWALK)
    metadata = materialise()
    assert metadata["fields_changed"].value == 1 and metadata["dagster/row_count"].value == 1
