from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from qvh_migration.errors import CatalogContractError, MigrationInputError
from qvh_migration.extracts.readers import read_duckdb_extracts, read_file_extracts

CATALOG = pd.DataFrame({"TableName": ["OPA", "OPA", "OPA"], "Column": ["InternalPatientNumber", "ApptDate", "Sex"]})
ROWS = pd.DataFrame({"sex": ["F"], "InternalPatientNumber": ["000000001"], "ApptDate": ["01/02/2026"]})


def test_legacy_csv_is_read_in_catalog_order(tmp_path: Path) -> None:
    ROWS.to_csv(tmp_path / "OPA.csv", sep="|", index=False, encoding="cp1252")
    frame = read_file_extracts(tmp_path, CATALOG, ["OPA"])["OPA"]
    assert list(frame.columns) == ["InternalPatientNumber", "ApptDate", "Sex"]
    assert frame.iloc[0].tolist() == ["000000001", "01/02/2026", "F"]


def test_parquet_preferred_and_missing_column_named(tmp_path: Path) -> None:
    ROWS.drop(columns="ApptDate").to_parquet(tmp_path / "OPA.parquet")
    with pytest.raises(CatalogContractError, match=r"OPA\.parquet.*lacks catalog column\(s\) ApptDate"):
        read_file_extracts(tmp_path, CATALOG, ["OPA"])


def test_unknown_column_and_missing_table(tmp_path: Path) -> None:
    ROWS.assign(Extra="x").to_parquet(tmp_path / "OPA.parquet")
    with pytest.raises(CatalogContractError, match="does not know: Extra"):
        read_file_extracts(tmp_path, CATALOG, ["OPA"])
    with pytest.raises(MigrationInputError, match="no extract for table OPA"):
        read_file_extracts(_empty(tmp_path), CATALOG, ["OPA"])


def _empty(tmp_path: Path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder


def test_duckdb_database(tmp_path: Path) -> None:
    database = tmp_path / "legacy.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.register("rows", ROWS)
        connection.execute("CREATE TABLE opa AS SELECT * FROM rows")
    frame = read_duckdb_extracts(database, CATALOG, ["OPA"])["OPA"]
    assert frame.iloc[0].tolist() == ["000000001", "01/02/2026", "F"]
    with pytest.raises(MigrationInputError, match="extract database not found"):
        read_duckdb_extracts(tmp_path / "absent.duckdb", CATALOG, ["OPA"])
