"""Watch the tables the migration does not load: a delivery that holds their rows is a finding.

``row_sources.yaml`` says why a staging table loads no rows (no mental health service at QVH, an
extract not delivered, rules not curated yet) and which legacy tables would hold its rows
(``watch_tables``). If a delivery does hold rows in one of them, the reason no longer holds and
those rows would be left behind without anyone deciding so: the check names the table and count.

Rows are counted where a delivery can hold them: the extracts folder, and the configured real
source (a folder of files, a DuckDB file or a database), which may hold tables the extract step
does not copy. Counting reads file metadata or ``count(*)``, never the rows themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import pyarrow.parquet as pq

from qvh_migration.check_outcome import CheckOutcome
from qvh_migration.errors import MigrationInputError
from qvh_migration.extracts.files import csv_file, table_file
from qvh_migration.io.previews import markdown

FINDING_COLUMNS: tuple[str, ...] = ("target_table", "legacy_table", "rows", "where", "reason")


class RowSources(Protocol):
    """What the watch reads of ``etl.row_sources.RowSources`` (the ETL's reviewed file; the mapping
    stage runs before the ETL, so it names the shape it needs rather than importing it)."""

    tables: Mapping[str, Any]
    watch_tables: Mapping[str, Any]


def watched_legacy_tables(row_sources: RowSources) -> set[str]:
    return {table for watch in row_sources.watch_tables.values() for table in watch.source_tables}


def folder_row_counts(folder: Path, tables: Iterable[str]) -> dict[str, int]:
    """Rows of each table present in a folder as ``<T>.parquet`` (footer) or legacy ``<T>.csv``."""
    counts: dict[str, int] = {}
    for table in sorted(set(tables)):
        parquet, csv = folder / table_file(table), folder / csv_file(table)
        try:
            if parquet.exists():
                counts[table] = int(pq.ParquetFile(parquet).metadata.num_rows)
            elif csv.exists():
                # Pipe-delimited legacy export with a header row; one column is enough to count rows.
                frame = pd.read_csv(csv, sep="|", usecols=[0], dtype=str, encoding="cp1252", keep_default_na=False)
                counts[table] = len(frame)
        except (OSError, ValueError) as exc:
            raise MigrationInputError(parquet if parquet.exists() else csv, f"cannot count rows ({exc})") from None
    return counts


def duckdb_row_counts(database: Path, tables: Iterable[str]) -> dict[str, int]:
    """Rows of each table present (any case) in a DuckDB database."""
    import duckdb

    if not database.is_file():
        return {}
    try:
        with duckdb.connect(str(database), read_only=True) as connection:
            present = {row[0].upper(): row[0] for row in connection.execute("SHOW TABLES").fetchall()}
            return {
                table: int(connection.execute(f'SELECT count(*) FROM "{present[table.upper()]}"').fetchone()[0])
                for table in sorted(set(tables))
                if table.upper() in present
            }
    except duckdb.Error as exc:
        raise MigrationInputError(database, f"cannot count rows ({exc})") from None


def sql_row_counts(url: str, tables: Iterable[str]) -> dict[str, int]:
    """Rows of each table present (any case) in a source database reached by SQLAlchemy URL."""
    import sqlalchemy as sa

    from qvh_migration.extracts.sql_source import SourceDatabaseError, connect_engine, describe_source

    engine = connect_engine(url)
    try:
        present = {name.upper(): name for name in sa.inspect(engine).get_table_names()}
        with engine.connect() as connection:
            return {
                table: int(connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one())
                for table in sorted(set(tables))
                if (name := present.get(table.upper()))
            }
    except sa.exc.SQLAlchemyError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SourceDatabaseError(describe_source(url), f"counting watched tables failed: {first}") from None
    finally:
        engine.dispose()


def not_migrated_rows(row_sources: RowSources, counts_by_place: dict[str, dict[str, int]]) -> pd.DataFrame:
    """One row per (target table loading no rows, watched legacy table, place) that holds rows."""
    findings = [
        (watch.target_table, legacy, rows, place, row_sources.tables[watch.target_table].rationale)
        for watch in row_sources.watch_tables.values()
        for legacy in watch.source_tables
        for place, counts in counts_by_place.items()
        if (rows := counts.get(legacy, 0)) > 0
    ]
    frame = pd.DataFrame(findings, columns=list(FINDING_COLUMNS))
    return frame.astype({"rows": "int64"})


def not_migrated_tables_empty(row_sources: RowSources, findings: pd.DataFrame) -> CheckOutcome:
    """No delivered legacy table holds rows for a staging table the migration does not load."""
    unwatched = sorted(t for t, w in row_sources.watch_tables.items() if not w.source_tables)
    metadata: dict[str, object] = {
        "watched_target_tables": len(row_sources.watch_tables),
        "watched_legacy_tables": len(watched_legacy_tables(row_sources)),
        "target_tables_with_delivered_rows": int(findings["target_table"].nunique()),
        "no_legacy_table_in_dictionary": ", ".join(unwatched) or "none",
        "findings": markdown(findings, rows=len(findings)) if not findings.empty else "none",
    }
    return CheckOutcome(findings.empty, metadata)


def findings_summary(findings: pd.DataFrame) -> str:
    """One line for the terminal: each table and the rows it would leave behind."""
    parts = []
    for table, rows in findings.groupby("target_table", sort=True):
        held = ", ".join(
            f"{legacy} {count:,} rows" for legacy, count in zip(rows["legacy_table"], rows["rows"], strict=True)
        )
        parts.append(f"{table} ({held})")
    return (
        "delivered rows for tables the contract does not migrate: "
        + "; ".join(parts)
        + ": see watch_tables in qvh_migration/etl/row_sources.yaml"
    )
