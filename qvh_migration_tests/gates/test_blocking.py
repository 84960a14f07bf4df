"""ERROR checks block: a failing partition's gated table does not materialise; WARN checks do not block."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from qvh_migration.defs import etl as etl_defs
from qvh_migration.defs import gates as gate_defs
from qvh_migration.defs.resources import MigrationSettings
from qvh_migration_tests.gates.conftest import good_patients


def stage_run(data: Path, catalog: pd.DataFrame, contract: pd.DataFrame, patients: pd.DataFrame) -> None:
    for stage in ("catalogs", "mapping", "target/tables"):
        (data / stage).mkdir(parents=True, exist_ok=True)
    catalog.to_parquet(data / "catalogs" / "target_catalog.parquet")
    pd.DataFrame({"table_name": ["LOAD_PMI"], "load_order": [4]}).to_parquet(
        data / "catalogs" / "target_tables.parquet"
    )
    contract.to_csv(data / "mapping" / "mapping_contract.csv", index=False)
    patients.to_parquet(data / "target" / "tables" / "LOAD_PMI.parquet")


def gate(data: Path) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [etl_defs.target_tables, gate_defs.target_table_gates, gate_defs.gated_tables],
        selection=[gate_defs.target_table_gates, gate_defs.gated_tables],
        partition_key="LOAD_PMI",
        resources={"settings": MigrationSettings(data_dir=str(data))},
        raise_on_error=False,
    )


def materialised(result: dg.ExecuteInProcessResult) -> set[str]:
    return {m.asset_key.to_user_string() for m in result.asset_materializations_for_node("gated_tables")}


@pytest.mark.parametrize(
    ("change", "blocked"),
    [
        ({}, False),
        ({"RECORD_NUMBER": pd.array([1, 1, 3], dtype="Int64")}, True),  # ERROR: record numbers repeat
        ({"POST_CODE": ["RH19 3DZ", "RH19 3D", "TN1 1AA"]}, False),  # WARN in development
    ],
)
def test_error_checks_block_warn_checks_do_not(tmp_path: Path, catalog, contract, change, blocked) -> None:
    stage_run(tmp_path, catalog, contract, good_patients().assign(**change))
    result = gate(tmp_path)
    assert (tmp_path / "gates" / "findings" / "LOAD_PMI.parquet").exists()
    assert (materialised(result) == set()) is blocked
    assert (tmp_path / "gates" / "cleared" / "LOAD_PMI.txt").exists() is not blocked
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert set(evaluations) == set(gate_defs.CHECK_GROUPS)
    if blocked:
        assert not evaluations["record_numbers"].passed
    if "POST_CODE" in change:
        assert not evaluations["formats"].passed
        assert evaluations["formats"].severity == dg.AssetCheckSeverity.WARN


def test_a_blocked_partition_shows_failed_in_the_partition_view(tmp_path: Path, catalog, contract) -> None:
    """The gated table's partition reads FAILED (not missing) when its blocking checks fail."""
    instance = dg.DagsterInstance.ephemeral()
    for table, patients in (("clean", good_patients()), ("blocked", good_patients().assign(
            RECORD_NUMBER=pd.array([1, 1, 3], dtype="Int64")))):  # fmt: skip
        stage_run(tmp_path / table, catalog, contract, patients)
        dg.materialize(
            [etl_defs.target_tables, gate_defs.target_table_gates, gate_defs.gated_tables],
            selection=[gate_defs.target_table_gates, gate_defs.gated_tables],
            partition_key="LOAD_PMI",
            resources={"settings": MigrationSettings(data_dir=str(tmp_path / table))},
            raise_on_error=False,
            instance=instance,
        )
        status = instance.get_status_by_partition(
            dg.AssetKey("gated_tables"), ["LOAD_PMI"], etl_defs.target_table_partitions
        )["LOAD_PMI"]
        expected = dg.AssetPartitionStatus.FAILED if table == "blocked" else dg.AssetPartitionStatus.MATERIALIZED
        assert status == expected, table


def test_a_table_note_does_not_exempt_a_mandatory_field(tmp_path: Path, catalog, contract) -> None:
    """MAIN_CRN is mandatory and empty in every row; the load's note "left empty" explains, never exempts."""
    from qvh_migration.etl import files as etl_files
    from qvh_migration.gates import pipeline as gate_pipeline
    from qvh_migration.gates.profiles import load_profile

    stage_run(tmp_path, catalog, contract, good_patients().assign(MAIN_CRN=pd.array([None] * 3, dtype="string")))
    note = pd.DataFrame({"reason_code": ["table_note"], "message": ["MAIN_CRN: source table X not in the extracts; "
                                                                     "field left empty"]})  # fmt: skip
    path = etl_files.table_path(tmp_path / "target", etl_files.WARNINGS, "LOAD_PMI")
    path.parent.mkdir(parents=True, exist_ok=True)
    note.to_parquet(path)
    folders = etl_defs._folders(MigrationSettings(data_dir=str(tmp_path)))
    result, _ = gate_pipeline.gate_partition(folders, tmp_path / "gates", "LOAD_PMI", load_profile("pre_production"))
    row = result.summary.set_index("check").loc["mandatory:MAIN_CRN"]
    assert row["failures"] == 3 and not row["passed"] and result.blocked
