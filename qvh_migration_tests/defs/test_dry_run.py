"""End-to-end: the dry-run job on the shipped stand-ins, as the README's dry-run command runs it (the golden
run's, read back from its run storage)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from qvh_migration.definitions import DRY_RUN_JOB, TARGET_TABLE_JOB, defs, synthetic_run_config
from qvh_migration_tests.golden import PATIENTS, SEED, GoldenRun

# Builds a whole dry run, starts a server or a browser, or loads all 38 tables: the full suite only.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dry_run(golden: GoldenRun):
    """The golden run's run of the dry_run job (the stages before the tables), and its data folder (read-only)."""
    return golden.stored_run(golden.upstream_run_id), golden.data_dir


def test_every_asset_materialises_on_the_standins(dry_run) -> None:
    result, data_dir = dry_run
    assert result.success
    for relative in (
        "catalogs/source_catalog.csv",
        "catalogs/target_catalog.csv",
        "catalogs/schema_catalog_summary.json",
        "extracts/PATDATA.parquet",
        "extracts/defect_ledger.parquet",
        "mapping/semantic_mapping_matrix.csv",
        "mapping/mapping_contract.csv",
        "mapping/mapping_contract.xlsx",
        "mapping/crosswalk_coverage.csv",
        "mapping/crosswalks.csv",
    ):  # the data mapping report follows the staged tables (staging job)
        assert (data_dir / relative).stat().st_size > 0, relative
    summary = json.loads((data_dir / "catalogs/schema_catalog_summary.json").read_text())
    assert summary["documents"]["documents"] == "stand-ins"
    assert (summary["source"]["fields"], summary["target"]["fields"]) == (5387, 884)


def test_checks_pass_except_the_expected_coverage_warning(dry_run) -> None:
    result, data_dir = dry_run
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert evaluations["ledger_matches_recount"].passed
    assert evaluations["nhs_numbers_valid_or_ledgered"].passed
    assert evaluations["one_row_per_target_field"].passed
    # Injected unmapped codes must surface in the coverage report, and only those.
    ledger = pd.read_parquet(data_dir / "extracts/defect_ledger.parquet")
    coverage = pd.read_csv(data_dir / "mapping/crosswalk_coverage.csv", dtype=str)
    injected = (ledger["defect_kind"] == "unmapped_code").sum()
    assert not evaluations["all_codes_covered"].passed if injected else evaluations["all_codes_covered"].passed
    assert coverage["occurrences"].astype(int).sum() == injected
    # The data mapping report (and its every_legacy_value_mapped check) follows the staged tables:
    # mapping/test_data_mapping_report_run.py checks it on a run with the 38 tables.
    assert "every_legacy_value_mapped" not in evaluations


def test_previews_mask_identifiers(dry_run) -> None:
    result, _ = dry_run
    patdata = next(
        m for m in result.get_asset_materialization_events() if m.asset_key.to_user_string() == "extracts/PATDATA"
    )
    preview = patdata.materialization.metadata["preview (identifiers masked)"].value
    assert "999 " not in preview


def test_bad_run_config_fails_clearly(golden: GoldenRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # On a copy of the golden run's stages the catalogs are current, so the run gets to the extracts at once.
    monkeypatch.setenv("QVH_DATA_DIR", str(golden.copy_upstream_to(tmp_path / "data")))
    monkeypatch.delenv("QVH_REQUIREMENT_SPEC_DIR", raising=False)
    result = defs.resolve_job_def(DRY_RUN_JOB).execute_in_process(
        run_config=synthetic_run_config(patients=0), raise_on_error=False
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "patients must be at least 1" in failure.event_specific_data.error.message


def test_extract_metadata_says_which_source_was_used(dry_run) -> None:
    result, _ = dry_run
    patdata = next(
        m for m in result.get_asset_materialization_events() if m.asset_key.to_user_string() == "extracts/PATDATA"
    )
    metadata = patdata.materialization.metadata
    assert (metadata["source"].value, metadata["patients"].value, metadata["seed"].value) == (
        "synthetic",
        PATIENTS,
        SEED,
    )


def _column_schema(result, asset: str):
    event = next(m for m in result.get_asset_materialization_events() if m.asset_key.to_user_string() == asset)
    return event.materialization.metadata["dagster/column_schema"].value


def test_column_schemas_are_unique_and_described(dry_run) -> None:
    result, _ = dry_run
    for event in result.get_asset_materialization_events():
        schema = event.materialization.metadata.get("dagster/column_schema")
        if schema is not None:
            names = [c.name.lower() for c in schema.value.columns]
            assert len(names) == len(set(names)), f"{event.asset_key.to_user_string()} repeats a column name"
    for asset in ("extracts/PATDATA", "mapping_contract", "source_catalog"):
        columns = _column_schema(result, asset).columns
        described = sum(bool(c.description) for c in columns)
        assert described >= 0.8 * len(columns), f"{asset}: {described} of {len(columns)} columns described"


def test_target_table_schema_carries_the_guide_comments(golden: GoldenRun) -> None:
    loaded = golden.stored_partition_run(TARGET_TABLE_JOB, "LOAD_PMI")
    columns = _column_schema(loaded, "target_tables").columns
    assert sum(bool(c.description) for c in columns) >= 0.8 * len(columns)
    conserved = next(e for e in loaded.get_asset_check_evaluations() if e.check_name == "rows_conserved")
    assert {"source_rows", "loaded_rows", "rejected_rows", "filtered_rows", "reject_sample"} <= set(conserved.metadata)


def test_failing_coverage_check_shows_a_sample(dry_run) -> None:
    result, _ = dry_run
    coverage = next(e for e in result.get_asset_check_evaluations() if e.check_name == "all_codes_covered")
    if not coverage.passed:
        assert coverage.metadata["unmapped_codes"].value > 0
        assert "legacy_code" in coverage.metadata["sample"].value


def test_every_asset_has_an_owner_kinds_and_a_description() -> None:
    graph = defs.get_repository_def().asset_graph
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.owners and node.kinds and node.description, key.to_user_string()
