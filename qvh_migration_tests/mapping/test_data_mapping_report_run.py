"""The data mapping report of a real run (300 synthetic patients, the 38 tables staged): every coded field,
every staged value, files for the vendor."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from qvh_migration.definitions import STAGING_JOB, defs
from qvh_migration.etl.row_sources import load_row_sources
from qvh_migration.extracts.files import read_ledger
from qvh_migration.mapping.crosswalks import load_crosswalks
from qvh_migration.mapping.data_mapping_report import STATUSES, coded_fields, every_legacy_value_mapped
from qvh_migration.mapping.decisions import load_decisions, open_decisions
from qvh_migration.mapping.files import (
    DATA_MAPPING_REPORT_CSV,
    DATA_MAPPING_REPORT_XLSX,
    read_contract,
    write_data_mapping_report,
)
from qvh_migration.mapping.not_migrated_watch import folder_row_counts, not_migrated_rows, watched_legacy_tables
from qvh_migration.mapping.staged_values import (
    every_staged_value_listed,
    missing_staged_values,
    read_staged_values,
    report_for_run,
)

pytestmark = pytest.mark.slow  # the 38 tables are loaded


@pytest.fixture(scope="module")
def report_dir(file_path_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run's report files, written as the data_mapping_report asset writes them."""
    folder = tmp_path_factory.mktemp("mapping_report")
    report, _ = report_for_run(
        file_path_run / "mapping", file_path_run / "extracts", file_path_run / "target" / "tables", load_crosswalks()
    )
    write_data_mapping_report(report, folder, open_decisions(load_decisions()))
    return folder


def _report(folder: Path) -> pd.DataFrame:
    frame = pd.read_csv(folder / DATA_MAPPING_REPORT_CSV, dtype=str, keep_default_na=False)
    return frame.astype({"count": "int64", "ledgered_count": "int64", "staged_count": "int64"})


def test_the_report_is_built_after_the_tables_are_staged() -> None:
    """The report reads the staged tables, so it runs in the job after the 38 tables, not before them."""
    keys = {k.to_user_string() for k in defs.resolve_job_def(STAGING_JOB).asset_layer.executable_asset_keys}
    assert "data_mapping_report" in keys


def test_every_value_the_load_staged_is_in_the_report(file_path_run: Path, report_dir: Path) -> None:
    """Issue 18 item 15 (guide p. 56: OUTCOME maps to the code type of its encounter type; p. 20: the vendor
    maps each code-type value): the report lists, per coded field, every value the staged tables hold with
    its count, e.g. the outpatient outcomes CANC-H / CANC-P and the admission outcomes."""
    report = _report(report_dir)
    staged = read_staged_values(file_path_run / "target" / "tables", read_contract(file_path_run / "mapping"))
    assert len(staged.values) > 100
    assert every_staged_value_listed(report, staged).passed, missing_staged_values(report, staged).head(20)
    listed = report[report["staged_count"] > 0].drop_duplicates(["target_table", "target_field", "staged_value"])
    expected = staged.values.set_index(["target_table", "target_field", "staged_value"])["staged_count"]
    assert listed.set_index(["target_table", "target_field", "staged_value"])["staged_count"].equals(
        expected.reindex(listed.set_index(["target_table", "target_field", "staged_value"]).index)
    )
    outcome = set(
        report.loc[
            report["target_field"].eq("OUTCOME") & report["target_table"].eq("LOAD_OPD_APPOINTMENTS"), "staged_value"
        ]
    )
    assert {"CANC-H", "CANC-P"} & set(staged.of("LOAD_OPD_APPOINTMENTS", "OUTCOME").index) <= outcome


def test_the_report_lists_every_coded_field_of_the_contract(file_path_run: Path, report_dir: Path) -> None:
    report = _report(report_dir)
    coded = coded_fields(read_contract(file_path_run / "mapping"))
    assert len(coded) > 100
    assert set(zip(report["target_table"], report["target_field"], strict=True)) == set(
        zip(coded["target_table"], coded["target_field"], strict=True)
    )
    assert set(report["status"]) <= set(STATUSES) and {"mapped", "vendor_maps", "as_is"} <= set(report["status"])
    sex = report[(report["target_table"] == "LOAD_PMI") & (report["target_field"] == "SEX")]
    assert sex["count"].sum() > 250 and (sex.loc[sex["legacy_value"] == "F", "proposed_target_value"] == "2").all()
    book = openpyxl.load_workbook(report_dir / DATA_MAPPING_REPORT_XLSX, read_only=True)
    assert book.sheetnames[:2] == ["Summary", "Open decisions"] and len(book.sheetnames) > 20


def test_synthetic_unmapped_values_are_all_injected_defects(file_path_run: Path, report_dir: Path) -> None:
    report = _report(report_dir)
    ledger = read_ledger(file_path_run / "extracts")
    outcome, _ = every_legacy_value_mapped(report)
    assert outcome.passed, outcome.metadata["unexplained"]
    if (ledger["defect_kind"] == "unmapped_code").any():
        assert outcome.metadata["explained_by_ledger_values"] > 0


def test_the_watch_finds_only_tables_that_load_no_rows(upstream_data: Path) -> None:
    sources = load_row_sources()
    counts = {"extracts": folder_row_counts(upstream_data / "extracts", watched_legacy_tables(sources))}
    findings = not_migrated_rows(sources, counts)
    assert set(findings["target_table"]) <= {t for t, s in sources.tables.items() if not s.loads_rows}
    assert (findings["rows"] > 0).all()
