"""The watch on tables the migration does not load: delivered rows for them are named with their count."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from qvh_migration.etl.row_sources import RowSource, RowSources, WatchedTable
from qvh_migration.mapping.not_migrated_watch import (
    duckdb_row_counts,
    findings_summary,
    folder_row_counts,
    not_migrated_rows,
    not_migrated_tables_empty,
    watched_legacy_tables,
)

REASON = "QVH provides no mental health services (no detentions)"


@pytest.fixture
def row_sources() -> RowSources:
    tables = {
        "LOAD_PMI": RowSource("LOAD_PMI", "PATDATA", ("InternalPatientNumber",), rationale="patients"),
        "LOAD_MH_DETENTION_MASTER": RowSource("LOAD_MH_DETENTION_MASTER", None, rationale=REASON),
        "LOAD_MH_CPA_MASTER": RowSource("LOAD_MH_CPA_MASTER", None, rationale="no CPA"),
    }
    watch = {
        "LOAD_MH_DETENTION_MASTER": WatchedTable("LOAD_MH_DETENTION_MASTER", ("LEGALSTATUSDETS",), "legal status"),
        "LOAD_MH_CPA_MASTER": WatchedTable("LOAD_MH_CPA_MASTER", (), "none in the dictionary"),
    }
    return RowSources("PC60", tables, watch)


def _legal_status(rows: int) -> pd.DataFrame:
    return pd.DataFrame({"InternalPatientNumber": [str(i) for i in range(rows)], "LegalStatus": ["3"] * rows})


def test_the_check_warns_naming_the_table_and_its_rows(row_sources: RowSources, tmp_path: Path) -> None:
    _legal_status(4).to_parquet(tmp_path / "LEGALSTATUSDETS.parquet", index=False)
    _legal_status(9).to_parquet(tmp_path / "PATDATA.parquet", index=False)  # a loaded table is no finding
    counts = {"extracts": folder_row_counts(tmp_path, watched_legacy_tables(row_sources) | {"PATDATA"})}
    findings = not_migrated_rows(row_sources, counts)
    outcome = not_migrated_tables_empty(row_sources, findings)
    assert not outcome.passed
    assert findings[["target_table", "legacy_table", "rows"]].values.tolist() == [
        ["LOAD_MH_DETENTION_MASTER", "LEGALSTATUSDETS", 4]
    ]
    assert findings.at[0, "reason"] == REASON
    assert "LOAD_MH_DETENTION_MASTER (LEGALSTATUSDETS 4 rows)" in findings_summary(findings)
    assert outcome.metadata["no_legacy_table_in_dictionary"] == "LOAD_MH_CPA_MASTER"


def test_the_check_passes_when_watched_tables_are_absent_or_empty(row_sources: RowSources, tmp_path: Path) -> None:
    assert not_migrated_tables_empty(row_sources, not_migrated_rows(row_sources, {"extracts": {}})).passed
    _legal_status(0).to_parquet(tmp_path / "LEGALSTATUSDETS.parquet", index=False)
    counts = {"extracts": folder_row_counts(tmp_path, watched_legacy_tables(row_sources))}
    assert counts["extracts"] == {"LEGALSTATUSDETS": 0}
    assert not_migrated_tables_empty(row_sources, not_migrated_rows(row_sources, counts)).passed


def test_rows_are_counted_in_legacy_csv_files_and_databases(row_sources: RowSources, tmp_path: Path) -> None:
    _legal_status(3).to_csv(tmp_path / "LEGALSTATUSDETS.csv", sep="|", index=False, encoding="cp1252")
    assert folder_row_counts(tmp_path, {"LEGALSTATUSDETS", "USERS"}) == {"LEGALSTATUSDETS": 3}
    database = tmp_path / "legacy.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.execute("CREATE TABLE legalstatusdets AS SELECT * FROM range(5)")
    assert duckdb_row_counts(database, {"LEGALSTATUSDETS", "USERS"}) == {"LEGALSTATUSDETS": 5}
    findings = not_migrated_rows(row_sources, {"extracts": {}, "duckdb legacy": {"LEGALSTATUSDETS": 5}})
    assert findings[["where", "rows"]].values.tolist() == [["duckdb legacy", 5]]


def test_a_real_delivery_folder_is_watched_beside_the_extracts(row_sources: RowSources, tmp_path: Path) -> None:
    from qvh_migration.defs.extract_store import ExtractSource
    from qvh_migration.defs.mapping import watched_row_counts

    extracts, delivery = tmp_path / "extracts", tmp_path / "delivery"
    extracts.mkdir(), delivery.mkdir()
    _legal_status(2).to_parquet(delivery / "LEGALSTATUSDETS.parquet", index=False)
    counts = watched_row_counts(row_sources, extracts, ExtractSource(kind="files", location=str(delivery)))
    assert counts == {"extracts": {}, f"files {delivery}": {"LEGALSTATUSDETS": 2}}
    assert not not_migrated_tables_empty(row_sources, not_migrated_rows(row_sources, counts)).passed
    synthetic = watched_row_counts(row_sources, extracts, ExtractSource(kind="synthetic"))
    assert synthetic == {"extracts": {}}
