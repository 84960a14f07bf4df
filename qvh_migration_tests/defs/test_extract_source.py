"""Real extracts replace the synthetic ones by resource configuration alone."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from qvh_migration.defs import extracts, specs
from qvh_migration.defs.extract_store import ExtractSource
from qvh_migration.defs.resources import MigrationSettings
from qvh_migration_tests.conftest import STANDIN_SPEC_DIR

ASSETS = [specs.source_catalog, specs.target_catalog, extracts.source_extracts]


def _run(data_dir: Path, source: ExtractSource, config: dict | None = None) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        ASSETS,
        resources={
            "settings": MigrationSettings(requirement_spec_dir=str(STANDIN_SPEC_DIR), data_dir=str(data_dir)),
            "extract_source": source,
        },
        run_config={"ops": {"source_extracts": {"config": config or {"patients": 200}}}},
        raise_on_error=False,
    )


@pytest.fixture(scope="module")
def legacy_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of extracts as a real export would deliver them (here made by a synthetic run)."""
    data_dir = tmp_path_factory.mktemp("synthetic")
    assert _run(data_dir, ExtractSource()).success
    export = tmp_path_factory.mktemp("export")
    for parquet in (data_dir / "extracts").glob("*.parquet"):
        if parquet.stem != "defect_ledger":
            shutil.copy(parquet, export / parquet.name)
    return export


def test_file_extracts_materialise_the_same_assets(legacy_export: Path, tmp_path: Path) -> None:
    result = _run(tmp_path, ExtractSource(kind="files", location=str(legacy_export)))
    assert result.success
    written = pd.read_parquet(tmp_path / "extracts" / "PATDATA.parquet")
    assert written.equals(pd.read_parquet(legacy_export / "PATDATA.parquet"))
    assert pd.read_parquet(tmp_path / "extracts" / "defect_ledger.parquet").empty
    metadata = result.asset_materializations_for_node("source_extracts")[0].metadata
    assert metadata["origin"].value == metadata["source"].value == "files"
    assert metadata["location"].value == str(legacy_export.resolve())
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    # The export carries the synthetic defects but no ledger: they are reported, not reconciled.
    assert checks["ledger_matches_recount"].passed
    assert "faults_found" in checks["ledger_matches_recount"].metadata
    nhs = checks["nhs_numbers_valid_or_ledgered"]
    assert not nhs.passed and nhs.severity == dg.AssetCheckSeverity.WARN


def test_a_wrong_export_fails_naming_file_and_column(legacy_export: Path, tmp_path: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(legacy_export, export)
    opa = pd.read_parquet(export / "OPA.parquet").drop(columns=["ApptDate"], errors="ignore")
    opa = opa.drop(columns=[opa.columns[1]])
    opa.to_parquet(export / "OPA.parquet")
    result = _run(tmp_path / "data", ExtractSource(kind="files", location=str(export)))
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = failure.event_specific_data.error.message
    assert "OPA.parquet" in message and "lacks catalog column" in message


def test_a_header_only_extract_after_a_full_delivery_stops_the_run(legacy_export: Path, tmp_path: Path) -> None:
    """The second delivery's OPA has its header and no rows: a blocking failure, not 'no appointments'."""
    data_dir = tmp_path / "data"
    assert _run(data_dir, ExtractSource(kind="files", location=str(legacy_export))).success
    export = tmp_path / "export"
    shutil.copytree(legacy_export, export)
    opa = pd.read_parquet(export / "OPA.parquet")
    opa.iloc[0:0].to_parquet(export / "OPA.parquet")
    result = _run(data_dir, ExtractSource(kind="files", location=str(export)))
    check = next(e for e in result.get_asset_check_evaluations() if e.check_name == "delivery_complete")
    assert not check.passed and check.metadata["emptied_tables"].value == "OPA"
    assert f"the previous delivery had {len(opa):,}" in check.description


def test_unknown_files_in_the_extract_folder_are_named(legacy_export: Path, tmp_path: Path) -> None:
    """A renamed or stray file (``PATDATA_old.parquet``, ``notes.txt``) was never mentioned."""
    export = tmp_path / "export"
    shutil.copytree(legacy_export, export)
    shutil.copy(export / "PATDATA.parquet", export / "PATDATA_old.parquet")
    (export / "notes.txt").write_text("delivered 3 Dec", encoding="utf-8")
    result = _run(tmp_path / "data", ExtractSource(kind="files", location=str(export)))
    check = next(e for e in result.get_asset_check_evaluations() if e.check_name == "every_delivered_file_read")
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert check.description == "2 files in the extract folder not read: PATDATA_old.parquet, notes.txt"
    clean = _run(tmp_path / "clean", ExtractSource(kind="files", location=str(legacy_export)))
    assert next(e for e in clean.get_asset_check_evaluations() if e.check_name == "every_delivered_file_read").passed
