"""What the vendor loads into the Oracle staging schema: a CSV and a SQL*Loader control file per table.

``target/load_files/<LOAD_TABLE>.csv``: UTF-8, comma-separated, text enclosed in double quotes
(a quote inside doubled), one header row of the guide's field names, fields in the guide's order,
a missing value as an empty unquoted field (NULL to SQL*Loader and to PostgreSQL's COPY alike),
dates as the guide's text (``DD/MM/YYYY``, ``DD/MM/YYYY HH24:MI``).

``target/load_files/<LOAD_TABLE>.ctl``: skips the header, reads each field with its type:
``CHAR(n)`` at the guide's length (SQL*Loader's default of 255 would reject longer text),
``INTEGER EXTERNAL`` for numbers, and ``DATE "<mask>"`` with the mask of that field's own format,
since a DATE field's format is per field in the guide. ``TRAILING NULLCOLS`` lets trailing empty
fields load as NULL; ``APPEND`` leaves truncation to the DBA's load procedure.

The same CSV bytes (without the header) feed PostgreSQL's ``COPY`` (``etl/postgres_target.py``).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from qvh_migration.etl.ddl import Column, name_in, table_columns
from qvh_migration.io.artifacts import atomic_path

LOAD_FILES = "load_files"
BATCH_ROWS = 50_000


def csv_path(target_dir: Path, table: str) -> Path:
    return target_dir / LOAD_FILES / f"{table}.csv"


def control_path(target_dir: Path, table: str) -> Path:
    return target_dir / LOAD_FILES / f"{table}.ctl"


def in_guide_order(frame: pd.DataFrame, columns: list[Column]) -> pa.Table:
    """The table's values as Arrow, one column per guide field in the guide's order.

    A field the table lacks (none after the contract ETL, but a hand-made frame may) is all NULL.
    """
    by_upper = {str(c).upper(): c for c in frame.columns}
    arrays, names = [], []
    for column in columns:
        source = by_upper.get(column.name.upper())
        if source is None:
            arrays.append(pa.nulls(len(frame), pa.int64() if column.data_type == "NUMBER" else pa.string()))
        elif column.data_type == "NUMBER":
            arrays.append(pa.array(pd.to_numeric(frame[source], errors="raise"), type=pa.int64(), from_pandas=True))
        else:
            arrays.append(pa.array(frame[source].astype("string"), type=pa.string(), from_pandas=True))
        names.append(column.name.upper())
    return pa.Table.from_arrays(arrays, names=names)


def csv_batches(table: pa.Table, *, header: bool, batch_rows: int | None = None) -> Iterator[bytes]:
    """The table as CSV bytes, a batch of rows at a time (bounded memory for large tables)."""
    batch_rows = batch_rows or BATCH_ROWS
    first = True
    for start in range(0, max(table.num_rows, 1), batch_rows):
        part = table.slice(start, batch_rows)
        if part.num_rows == 0 and not (header and first):
            break
        buffer = io.BytesIO()
        options = pacsv.WriteOptions(include_header=header and first, quoting_style="needed")
        pacsv.write_csv(part, buffer, write_options=options)
        first = False
        yield buffer.getvalue()


def control_file(table: str, columns: list[Column]) -> str:
    fields = []
    for column in columns:
        if column.data_type == "NUMBER":
            spec = "INTEGER EXTERNAL"
        elif column.data_type == "DATE":
            spec = f'DATE "{column.oracle_date_mask}"'
        else:
            spec = f"CHAR({column.length or 4000})"
        fields.append(f"  {name_in('oracle', column.name)} {spec}")
    return (
        f"-- {table}: generated from the target catalog; fields in the guide's order.\n"
        "OPTIONS (SKIP=1)\n"
        "LOAD DATA\n"
        "CHARACTERSET AL32UTF8\n"
        f"INFILE '{table}.csv'\n"
        f"BADFILE '{table}.bad'\n"
        f"DISCARDFILE '{table}.dsc'\n"
        "APPEND\n"
        f"INTO TABLE {name_in('oracle', table)}\n"
        "FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"'\n"
        "TRAILING NULLCOLS\n"
        "(\n" + ",\n".join(fields) + "\n)\n"
    )


def write_load_files(target_dir: Path, table: str, frame: pd.DataFrame, target_fields: pd.DataFrame) -> list[Path]:
    """Write one table's CSV and control file, each atomically."""
    columns = table_columns(target_fields, table)
    data = in_guide_order(frame, columns)
    paths = [csv_path(target_dir, table), control_path(target_dir, table)]
    with atomic_path(paths[0]) as tmp, tmp.open("wb") as handle:
        for chunk in csv_batches(data, header=True):
            handle.write(chunk)
    with atomic_path(paths[1]) as tmp:
        tmp.write_text(control_file(table, columns), encoding="utf-8")
    return paths
