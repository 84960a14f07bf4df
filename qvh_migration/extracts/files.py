"""Files of the extracts stage: writing and reading the source extracts, synthetic or real.

Files: ``<TABLE>.parquet`` per table, ``defect_ledger.parquet`` (empty for real extracts),
``manifest.json`` (row counts, sizes, SHA-256) and, when asked, ``<TABLE>.csv``: pipe-delimited,
CRLF, Windows-1252 like a legacy PatientCentre export.  Characters Windows-1252 cannot hold (a few
non-ASCII name defects such as "NGUYỄN") become "?" in the CSV only; Parquet keeps the true text
and the manifest counts the cells that were changed, so the loss is visible rather than silent.

Atomicity: the whole set is built aside and swapped in (``io.artifacts.atomic_directory``), so a
failure leaves the previous files untouched and never a half-written set; files this run does not
produce go with the old folder. Determinism: no timestamps or pandas metadata in the Parquet files,
fixed writer settings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from qvh_migration.console import report_progress
from qvh_migration.errors import MigrationInputError
from qvh_migration.io.arrow_text import series_arrow
from qvh_migration.io.artifacts import atomic_directory, content_sha256

STAGE = "extracts"
LEDGER_NAME = "defect_ledger"
LEDGER_FILE = f"{LEDGER_NAME}.parquet"
MANIFEST_FILE = "manifest.json"
CSV_ENCODING = "cp1252"
ROW_GROUP_SIZE = 256_000


def table_file(table: str) -> str:
    """File name of one table's extract (the ledger's is ``LEDGER_FILE``)."""
    return f"{table}.parquet"


def csv_file(table: str) -> str:
    return f"{table}.csv"


def _arrow_table(df: pd.DataFrame) -> pa.Table:
    table = pa.Table.from_pandas(df, preserve_index=False)
    return table.replace_schema_metadata(None)


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    pq.write_table(
        _arrow_table(df),
        path,
        compression="zstd",
        compression_level=3,
        use_dictionary=True,
        write_statistics=True,
        row_group_size=ROW_GROUP_SIZE,
        store_schema=False,
    )


def _unencodable_cells(df: pd.DataFrame) -> int:
    """Cells Windows-1252 cannot represent (only non-ASCII values are inspected)."""
    count = 0
    for col in df.columns:
        arr = series_arrow(df[col])
        odd = arr.filter(pc.invert(pc.string_is_ascii(arr)))
        for value in odd.to_pylist():  # non-ASCII values are rare defect cells, not whole columns
            try:
                value.encode(CSV_ENCODING)
            except UnicodeEncodeError:
                count += 1
    return count


def _write_csv(df: pd.DataFrame, path: Path) -> int:
    df.to_csv(path, sep="|", index=False, encoding=CSV_ENCODING, errors="replace", lineterminator="\r\n")
    return _unencodable_cells(df)


def write_extracts(
    tables: Mapping[str, pd.DataFrame],
    ledger: pd.DataFrame,
    out_dir: Path | str,
    write_csv: bool = False,
    origin: str = "",
    generation: str = "",
) -> dict[str, Any]:
    """Write all tables and the ledger into ``out_dir`` atomically; returns the manifest.

    ``origin`` (synthetic, files, duckdb, sql) is recorded so the next delivery is compared only
    with a delivery of the same kind; ``generation`` (the writing run's id) so every table built
    from these extracts can say which delivery it holds (``etl/generations.py``).
    """
    with atomic_directory(Path(out_dir)) as staging:
        return _write_all(tables, ledger, staging, write_csv, origin, generation)


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of the extracts in ``folder`` ({} when there are none, or it cannot be read)."""
    path = Path(folder) / MANIFEST_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_all(
    tables: Mapping[str, pd.DataFrame],
    ledger: pd.DataFrame,
    folder: Path,
    write_csv: bool,
    origin: str = "",
    generation: str = "",
) -> dict[str, Any]:
    files: dict[str, dict[str, Any]] = {}
    counts: dict[str, dict[str, Any]] = {}
    for name, df in [*tables.items(), (LEDGER_NAME, ledger)]:
        path = folder / (LEDGER_FILE if name == LEDGER_NAME else table_file(name))
        _write_parquet(df, path)
        files[path.name] = {"bytes": path.stat().st_size, "sha256": content_sha256(path)}
        counts[name] = {"rows": len(df), "columns": len(df.columns)}
        report_progress("write extracts", name, len(df))
        if write_csv and name != LEDGER_NAME:
            csv_path = folder / csv_file(name)
            replaced = _write_csv(df, csv_path)
            files[csv_path.name] = {
                "bytes": csv_path.stat().st_size,
                "sha256": content_sha256(csv_path),
                "cells_with_replaced_characters": replaced,
            }
    manifest = {
        "origin": origin,
        "generation": generation,
        "tables": counts,
        "files": files,
        "csv": {
            "delimiter": "|",
            "encoding": CSV_ENCODING,
            "line_terminator": "CRLF",
            "unencodable": "replaced with '?'",
        }
        if write_csv
        else None,
        "empty_value": "",
    }
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def read_extract_tables(folder: Path, tables: Iterable[str]) -> dict[str, pd.DataFrame]:
    """The written extracts (whatever their origin) of the given tables that exist in ``folder``."""
    present = {table: folder / table_file(table) for table in tables if (folder / table_file(table)).exists()}
    if not present:
        raise MigrationInputError(folder, "no source extracts yet: materialise the extracts assets first")
    return {table: pd.read_parquet(path) for table, path in present.items()}


def read_ledger(folder: Path) -> pd.DataFrame:
    path = folder / LEDGER_FILE
    if not path.exists():
        raise MigrationInputError(path, "no defect ledger yet: materialise the extracts assets first")
    return pd.read_parquet(path)
