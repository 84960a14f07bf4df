"""The ``trial_comparison`` asset and its ``no_mismatches`` check, on a copy of the golden run's files."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from qvh_migration.defs.resources import MigrationSettings
from qvh_migration.defs.trial import trial_comparison


def _copy(file_path_run: Path, tmp_path: Path) -> Path:
    """The golden run's files without its trial comparison, so what the asset writes is its own."""
    data_dir = tmp_path / "data"
    shutil.copytree(file_path_run, data_dir)
    for written in (data_dir / "reports").glob("trial_*"):
        written.unlink()
    return data_dir


def _materialise(data_dir: Path) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [trial_comparison],
        resources={"settings": MigrationSettings(data_dir=str(data_dir))},
        run_config={"ops": {"trial_comparison": {"config": {"minimum_patients": 50, "seed": 0}}}},
        raise_on_error=False,
    )


@pytest.mark.slow  # reads the whole golden dry run
def test_asset_writes_the_reports_and_the_check_passes(file_path_run: Path, tmp_path: Path) -> None:
    data_dir = _copy(file_path_run, tmp_path)
    result = _materialise(data_dir)
    assert result.success
    (check,) = result.get_asset_check_evaluations()
    assert check.check_name == "no_mismatches" and check.passed
    materialisation = result.asset_materializations_for_node("trial_comparison")[0]
    assert materialisation.metadata["patients"].value >= 50
    summary = pd.read_csv(data_dir / "reports" / "trial_summary.csv")
    assert summary["mismatches"].sum() == 0 and summary["values_compared"].sum() > 0


@pytest.mark.slow  # reads the whole golden dry run
def test_missing_staging_database_fails_in_one_line(file_path_run: Path, tmp_path: Path) -> None:
    data_dir = _copy(file_path_run, tmp_path)
    (data_dir / "target" / "staging.duckdb").unlink()
    result = _materialise(data_dir)
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.user_failure_data
    assert "staging.duckdb" in failure.description and "not materialised yet" in failure.description


@pytest.mark.slow  # reads the whole golden dry run
def test_a_transform_the_reference_cannot_evaluate_fails_in_one_line(file_path_run: Path, tmp_path: Path) -> None:
    data_dir = _copy(file_path_run, tmp_path)
    contract_csv = data_dir / "mapping" / "mapping_contract.csv"
    contract = pd.read_csv(contract_csv, dtype=str, keep_default_na=False)
    planted = (contract["target_table"] == "LOAD_ADT_ARCHIVE") & (contract["target_field"] == "PROCEDURE_1_CODE")
    contract.loc[planted, "transform"] = "nth_allergy_1"  # a ranked transform the reference has no rule for
    contract.to_csv(contract_csv, index=False)
    result = _materialise(data_dir)
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.user_failure_data
    assert "\n" not in failure.description and "mapping_contract.csv" in failure.description
    assert "nth_allergy_1" in failure.description and "LOAD_ADT_ARCHIVE.PROCEDURE_1_CODE" in failure.description
