"""Write the trial comparison: CSVs, the one-sheet-per-table workbook, and the chosen patients.

``build_trial_report`` is what the Dagster asset calls: choose the patients, compare, mask, write.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from qvh_migration.errors import MigrationInputError
from qvh_migration.io.artifacts import same_workbook, write_atomically, write_csv
from qvh_migration.io.masking import mask_values
from qvh_migration.mapping.files import read_contract
from qvh_migration.reports.trial_comparison import trial_comparison, trial_patients

COMPARISON_CSV = "trial_comparison.csv"
COMPARISON_XLSX = "trial_comparison.xlsx"
PATIENTS_CSV = "trial_patients.csv"
SUMMARY_CSV = "trial_summary.csv"
MISMATCH_FILL = PatternFill(start_color="FFC7CE", end_color="FFC7CE", fill_type="solid")
# Files the comparison reads; each is named when it is missing.
INPUTS = (
    "catalogs/target_catalog.parquet",
    "catalogs/target_tables.parquet",
    "mapping/mapping_contract.csv",
    "target/key_registry.parquet",
    "target/staging.duckdb",
    "extracts/PATDATA.parquet",
)


@dataclass(frozen=True)
class TrialReport:
    comparison: pd.DataFrame  # masked
    patients: pd.DataFrame  # masked
    summary: pd.DataFrame
    paths: dict[str, Path]

    @property
    def mismatches(self) -> int:
        return int(self.comparison["mismatch"].sum())


def write_workbook(comparison: pd.DataFrame, path: Path) -> Path:
    """One sheet per target table: bold header, mismatching lines highlighted, autofilter."""

    def write(tmp: Path) -> None:
        book = Workbook()
        book.remove(book.active)
        for table, part in comparison.groupby("target_table", sort=False):
            sheet = book.create_sheet(str(table)[:31])
            columns = list(part.columns)
            sheet.append(columns)
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            for record in part.itertuples(index=False):
                sheet.append(["" if pd.isna(v) else v for v in record])
                if bool(record.mismatch):
                    for cell in sheet[sheet.max_row]:
                        cell.fill = MISMATCH_FILL
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{sheet.max_row}"
            sheet.freeze_panes = "A2"
        if not book.sheetnames:
            book.create_sheet("no rows").append(list(comparison.columns))
        book.save(tmp)

    return write_atomically(path, write, unchanged=same_workbook)


def build_trial_report(
    data_dir: Path,
    crosswalk_dir: Path,
    reports_dir: Path,
    *,
    minimum_patients: int = trial_patients.DEFAULT_PATIENTS,
    seed: int = 0,
    row_sources_file: Path | None = None,
) -> TrialReport:
    for relative in INPUTS:
        if not (data_dir / relative).exists():
            raise MigrationInputError(data_dir / relative, "not materialised yet: run the stages before the reports")
    chosen = trial_patients.choose_patients(
        trial_patients.extract_reader(data_dir / "extracts"),
        read_contract(data_dir / "mapping"),
        data_dir / "target",
        minimum=minimum_patients,
        seed=seed,
    )
    compared = trial_comparison.compare(data_dir, crosswalk_dir, chosen["patient_key"].tolist(), row_sources_file)
    summary = trial_comparison.summary(compared)
    shown = trial_comparison.masked(compared)
    patients = chosen.assign(patient_key=mask_values(chosen["patient_key"].astype(str)))
    paths = {
        "comparison": write_csv(shown, reports_dir / COMPARISON_CSV),
        "workbook": write_workbook(shown, reports_dir / COMPARISON_XLSX),
        "patients": write_csv(patients, reports_dir / PATIENTS_CSV),
        "summary": write_csv(summary, reports_dir / SUMMARY_CSV),
    }
    return TrialReport(shown, patients, summary, paths)
