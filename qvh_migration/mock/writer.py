"""Writing extracts to disk atomically and deterministically, and profiling them for metadata.

Files: ``<TABLE>.parquet`` per table, ``defect_ledger.parquet``, ``manifest.json`` (row counts,
sizes, SHA-256) and, when asked, ``<TABLE>.csv``: pipe-delimited, CRLF, Windows-1252 like a legacy
PatientCentre export.  Characters Windows-1252 cannot hold (a few non-ASCII name defects such as
"NGUYỄN") become "?" in the CSV only; Parquet keeps the true text and the manifest counts the cells
that were changed, so the loss is visible rather than silent.

Atomicity: everything is written into a staging directory next to ``out_dir`` and swapped in with
renames, so a failure leaves the previous files untouched and never a half-written set.  The
directory is owned by the writer: files in it that this run does not produce are removed with it.
Determinism: no timestamps or pandas metadata in the Parquet files, fixed writer settings.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from qvh_migration.console import report_progress
from qvh_migration.mock.extracts import SourceExtracts
from qvh_migration.mock.strings import series_arrow

LEDGER_FILE = "defect_ledger.parquet"
MANIFEST_FILE = "manifest.json"
CSV_ENCODING = "cp1252"
ROW_GROUP_SIZE = 256_000


def profile_extract(df: pd.DataFrame) -> dict[str, Any]:
    """Row count and, per column, the share of null and of empty-string values (0.0 for no rows)."""
    n = len(df)
    columns: dict[str, dict[str, float]] = {}
    for col in df.columns:
        arr = series_arrow(df[col].astype("str")) if df[col].dtype != "str" else series_arrow(df[col])
        nulls = arr.null_count
        empties = int(pc.sum(pc.equal(arr, "")).as_py() or 0)
        columns[str(col)] = {
            "null_rate": round(nulls / n, 6) if n else 0.0,
            "empty_rate": round(empties / n, 6) if n else 0.0,
        }
    return {"rows": n, "columns": columns}


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


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_extracts(extracts: SourceExtracts, out_dir: Path | str, write_csv: bool = False) -> dict[str, Any]:
    """Write all tables and the ledger into ``out_dir`` atomically; returns the manifest."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.staging-", dir=out_dir.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; the extracts folder is a normal one
    try:
        manifest = _write_all(extracts, staging, write_csv)
        _swap_in(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def _write_all(extracts: SourceExtracts, folder: Path, write_csv: bool) -> dict[str, Any]:
    files: dict[str, dict[str, Any]] = {}
    tables: dict[str, dict[str, Any]] = {}
    for name, df in [*extracts.tables.items(), ("defect_ledger", extracts.defect_ledger)]:
        path = folder / (LEDGER_FILE if name == "defect_ledger" else f"{name}.parquet")
        _write_parquet(df, path)
        files[path.name] = {"bytes": path.stat().st_size, "sha256": _digest(path)}
        tables[name] = {"rows": len(df), "columns": len(df.columns)}
        report_progress("write extracts", name, len(df))
        if write_csv and name != "defect_ledger":
            csv_path = folder / f"{name}.csv"
            replaced = _write_csv(df, csv_path)
            files[csv_path.name] = {
                "bytes": csv_path.stat().st_size,
                "sha256": _digest(csv_path),
                "cells_with_replaced_characters": replaced,
            }
    manifest = {
        "tables": tables,
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


def _swap_in(staging: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` by ``staging`` with renames; restore the old directory if that fails."""
    if not out_dir.exists():
        os.replace(staging, out_dir)
        return
    backup = out_dir.parent / f".{out_dir.name}.previous-{os.getpid()}"
    if backup.exists():
        shutil.rmtree(backup)
    os.replace(out_dir, backup)
    try:
        os.replace(staging, out_dir)
    except BaseException:
        os.replace(backup, out_dir)
        raise
    shutil.rmtree(backup, ignore_errors=True)
