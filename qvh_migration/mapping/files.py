"""Files of the mapping stage: their names, and each reader beside its writer.

The ETL and the gates read the contract through ``read_contract``, so a renamed or re-encoded file
changes here and nowhere else. A step's files (a CSV and its workbook, the matrix as Parquet and
CSV) are published together: a failure while writing either keeps both previous files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from qvh_migration.errors import MigrationInputError
from qvh_migration.io.artifacts import published_together, write_csv, write_parquet
from qvh_migration.mapping.data_mapping_workbook import write_data_mapping_workbook
from qvh_migration.mapping.export import write_contract_xlsx

STAGE = "mapping"
CROSSWALKS_CSV = "crosswalks.csv"
MATRIX_FILE = "semantic_mapping_matrix.parquet"
MATRIX_CSV = "semantic_mapping_matrix.csv"
CONTRACT_CSV = "mapping_contract.csv"
CONTRACT_XLSX = "mapping_contract.xlsx"
COVERAGE_CSV = "crosswalk_coverage.csv"
DATA_MAPPING_REPORT_CSV = "data_mapping_report.csv"
DATA_MAPPING_REPORT_XLSX = "data_mapping_report.xlsx"
OPEN_DECISIONS_CSV = "open_decisions.csv"


def write_crosswalk_table(crosswalks: pd.DataFrame, folder: Path) -> Path:
    return write_csv(crosswalks, folder / CROSSWALKS_CSV)


def write_matrix(matrix: pd.DataFrame, folder: Path) -> Path:
    """Parquet for the next asset, CSV for people; returns the CSV."""
    with published_together():
        write_parquet(matrix, folder / MATRIX_FILE)
        return write_csv(matrix, folder / MATRIX_CSV)


def read_matrix(folder: Path) -> pd.DataFrame:
    path = folder / MATRIX_FILE
    if not path.exists():
        raise MigrationInputError(path, "matrix not materialised yet: materialise semantic_mapping_matrix")
    return pd.read_parquet(path)


def write_contract(contract: pd.DataFrame, folder: Path) -> tuple[Path, Path]:
    """The contract as CSV and as the reviewer's workbook; returns both paths."""
    with published_together():
        return write_csv(contract, folder / CONTRACT_CSV), write_contract_xlsx(contract, folder / CONTRACT_XLSX)


def read_contract(folder: Path) -> pd.DataFrame:
    """The contract as written, every column as text ("" for empty)."""
    path = folder / CONTRACT_CSV
    if not path.exists():
        raise MigrationInputError(path, "mapping contract not materialised yet: materialise mapping_contract")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def write_coverage(report: pd.DataFrame, folder: Path) -> Path:
    return write_csv(report, folder / COVERAGE_CSV)


def write_data_mapping_report(
    report: pd.DataFrame, folder: Path, open_decisions: pd.DataFrame | None = None
) -> tuple[Path, ...]:
    """The report as CSV and as the vendor's workbook, with the decisions still open (a sheet of the
    workbook and ``open_decisions.csv``); returns the paths written, all published together."""
    with published_together():
        csv = write_csv(report, folder / DATA_MAPPING_REPORT_CSV)
        book = write_data_mapping_workbook(report, folder / DATA_MAPPING_REPORT_XLSX, open_decisions)
        if open_decisions is None:
            return csv, book
        return csv, book, write_csv(open_decisions, folder / OPEN_DECISIONS_CSV)
