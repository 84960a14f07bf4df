"""The data mapping report of a real dry run (300 synthetic patients): every coded field, files for the vendor."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd

from qvh_migration.etl.row_sources import load_row_sources
from qvh_migration.extracts.store import read_ledger
from qvh_migration.mapping.artifacts import DATA_MAPPING_REPORT_CSV, DATA_MAPPING_REPORT_XLSX, read_contract
from qvh_migration.mapping.data_mapping_report import STATUSES, coded_fields, every_legacy_value_mapped
from qvh_migration.mapping.not_migrated_watch import folder_row_counts, not_migrated_rows, watched_legacy_tables


def _report(data_dir: Path) -> pd.DataFrame:
    frame = pd.read_csv(data_dir / "mapping" / DATA_MAPPING_REPORT_CSV, dtype=str, keep_default_na=False)
    return frame.astype({"count": "int64", "ledgered_count": "int64"})


def test_the_report_lists_every_coded_field_of_the_contract(upstream_data: Path) -> None:
    report = _report(upstream_data)
    coded = coded_fields(read_contract(upstream_data / "mapping"))
    assert len(coded) > 100
    assert set(zip(report["target_table"], report["target_field"], strict=True)) == set(
        zip(coded["target_table"], coded["target_field"], strict=True)
    )
    assert set(report["status"]) <= set(STATUSES) and {"mapped", "vendor_maps", "as_is"} <= set(report["status"])
    sex = report[(report["target_table"] == "LOAD_PMI") & (report["target_field"] == "SEX")]
    assert sex["count"].sum() > 250 and (sex.loc[sex["legacy_value"] == "F", "proposed_target_value"] == "2").all()
    book = openpyxl.load_workbook(upstream_data / "mapping" / DATA_MAPPING_REPORT_XLSX, read_only=True)
    assert book.sheetnames[0] == "Summary" and len(book.sheetnames) > 20


def test_synthetic_unmapped_values_are_all_injected_defects(upstream_data: Path) -> None:
    report = _report(upstream_data)
    ledger = read_ledger(upstream_data / "extracts")
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
