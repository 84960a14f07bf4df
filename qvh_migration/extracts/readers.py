"""Real source extracts, read from files or a SQL database, shaped like the synthetic ones.

Switching from synthetic to real extracts is configuration only (the ``extract_source``
resource): the assets downstream read the same ``extracts/<TABLE>.parquet`` files either way.
Every table is checked against the source catalog, so a wrong export fails at the door with the
file and column named, not three stages later.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from qvh_migration.console import report_progress
from qvh_migration.errors import CatalogContractError, MigrationInputError
from qvh_migration.extracts.files import LEDGER_FILE, MANIFEST_FILE, csv_file, table_file
from qvh_migration.io.encoding import detect_legacy_encoding

# A legacy PatientCentre export is pipe-delimited in the Windows code page.
LEGACY_CSV_SEPARATOR = "|"
LEGACY_CSV_ENCODING = "cp1252"


def catalog_columns(source_catalog: pd.DataFrame, table: str) -> list[str]:
    columns = source_catalog.loc[source_catalog["TableName"] == table, "Column"].tolist()
    if not columns:
        raise CatalogContractError("source catalog", f"table {table} is not in the source catalog")
    return columns


def conform_to_catalog(frame: pd.DataFrame, expected: list[str], source: str, table: str) -> pd.DataFrame:
    """Check the extract has the catalog's columns (any order, case-insensitive); return them in order."""
    by_lower = {str(c).strip().lower(): c for c in frame.columns}
    missing = [c for c in expected if c.lower() not in by_lower]
    if missing:
        raise CatalogContractError(
            source,
            f"table {table} lacks catalog column(s) {', '.join(missing[:10])}"
            + (f" and {len(missing) - 10} more" if len(missing) > 10 else ""),
            where="header",
        )
    extra = [c for c in frame.columns if str(c).strip().lower() not in {e.lower() for e in expected}]
    if extra:
        raise CatalogContractError(
            source,
            f"table {table} has column(s) the catalog does not know: {', '.join(map(str, extra[:10]))}",
            where="header",
        )
    conformed = frame[[by_lower[c.lower()] for c in expected]]
    conformed.columns = expected
    return conformed.fillna("").astype("str")


def read_file_extracts(folder: Path, source_catalog: pd.DataFrame, tables: Iterable[str]) -> dict[str, pd.DataFrame]:
    """``<TABLE>.parquet`` or a legacy ``<TABLE>.csv`` (pipe-delimited, cp1252) per table."""
    if not folder.is_dir():
        raise MigrationInputError(folder, "extract folder not found")
    extracts: dict[str, pd.DataFrame] = {}
    for table in tables:
        expected = catalog_columns(source_catalog, table)
        # A real export is laid out like the extracts folder itself.
        parquet, csv = folder / table_file(table), folder / csv_file(table)
        if parquet.exists():
            frame = _read(parquet, lambda p: pd.read_parquet(p))
            source = parquet
        elif csv.exists():
            encoding = detect_legacy_encoding(csv)  # cp1252 or UTF-8; anything else is named here
            frame = _read(
                csv,
                lambda p, encoding=encoding: pd.read_csv(
                    p, sep=LEGACY_CSV_SEPARATOR, encoding=encoding, dtype=str, keep_default_na=False
                ),
            )
            source = csv
        else:
            raise MigrationInputError(folder, f"no extract for table {table} ({parquet.name} or {csv.name})")
        extracts[table] = conform_to_catalog(frame, expected, str(source), table)
        report_progress("read extracts", table, len(frame), source.name)
    return extracts


def unknown_files(folder: Path, catalog_tables: Iterable[str]) -> list[str]:
    """Names in a delivered extract folder that no step reads: not a legacy table of the dictionary
    (``<TABLE>.parquet`` or ``.csv``; the tables the run does not copy are still watched), not the
    delivery's manifest. Hidden files are the file system's own."""
    if not folder.is_dir():
        return []
    known = {MANIFEST_FILE, LEDGER_FILE}
    for table in catalog_tables:
        known |= {table_file(table), csv_file(table)}
    return sorted(p.name for p in folder.iterdir() if p.name not in known and not p.name.startswith("."))


def _read(path: Path, reader) -> pd.DataFrame:
    try:
        return reader(path)
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise MigrationInputError(path, f"cannot read extract ({type(exc).__name__}: {exc})") from exc


def read_duckdb_extracts(
    database: Path, source_catalog: pd.DataFrame, tables: Iterable[str]
) -> dict[str, pd.DataFrame]:
    """One table per source table in a DuckDB database (a staging copy of the legacy system)."""
    import duckdb

    if not database.is_file():
        raise MigrationInputError(database, "extract database not found")
    try:
        connection = duckdb.connect(str(database), read_only=True)
    except duckdb.Error as exc:
        raise MigrationInputError(database, f"cannot open DuckDB database ({exc})") from exc
    with connection:
        present = {row[0].upper(): row[0] for row in connection.execute("SHOW TABLES").fetchall()}
        extracts: dict[str, pd.DataFrame] = {}
        for table in tables:
            if table not in present:
                raise MigrationInputError(database, f"no table {table} in the extract database")
            frame = connection.execute(f'SELECT * FROM "{present[table]}"').df()
            extracts[table] = conform_to_catalog(frame, catalog_columns(source_catalog, table), str(database), table)
            report_progress("read extracts", table, len(frame), database.name)
    return extracts
