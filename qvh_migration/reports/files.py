"""Files of the reports stage: readers of a run's outputs that the reports read (the load summary,
the rejects ledgers, the outcomes, the key registry, the extracts and the gates' findings), by the
names their own stages' files modules give them.

Every reader returns an empty frame of the right columns when a file is absent (a table whose
partition has not run yet), so a report can say so instead of failing.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from qvh_migration.errors import MigrationInputError
from qvh_migration.etl import files as etl_files
from qvh_migration.etl.key_registry import REGISTRY_FILE
from qvh_migration.gates import files as gate_files
from qvh_migration.legacy import as_of

REPORTS_STAGE = "reports"
MANIFEST_FILE = "manifest.json"


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise MigrationInputError(path, f"not a readable Parquet file ({type(exc).__name__})") from None


def read_load_summary(target: Path) -> pd.DataFrame:
    path = target / etl_files.LOAD_SUMMARY_FILE
    if not path.exists():
        raise MigrationInputError(path, "no load summary yet: load the target tables first")
    return pd.read_csv(path, dtype={"filter_reasons": str, "note": str, "source_table": str}, keep_default_na=False)


def read_table_files(target: Path, kind: str, tables: list[str] | None = None) -> pd.DataFrame:
    """Every ``target/<kind>/<T>.parquet`` (rejects, warnings, outcomes) in one frame, with ``target_table``."""
    folder = target / kind
    frames = []
    for path in sorted(folder.glob("*.parquet")) if folder.exists() else []:
        if tables is not None and path.stem not in tables:
            continue
        frame = _read_parquet(path)
        frames.append(frame.assign(target_table=path.stem))
    if not frames:
        return pd.DataFrame({"target_table": pd.Series(dtype="string")})
    return pd.concat(frames, ignore_index=True)


def target_row_count(target: Path, table: str) -> int | None:
    """Rows of ``target/tables/<T>.parquet`` from its footer (None when the table was never loaded)."""
    path = etl_files.table_path(target, etl_files.TABLES, table)
    return pq.ParquetFile(path).metadata.num_rows if path.exists() else None


def extract_row_count(extracts: Path, table: str) -> int | None:
    """Rows of an extract counted from the file itself (None when the table was not delivered)."""
    if not table:
        return None
    path = extracts / f"{table}.parquet"
    return pq.ParquetFile(path).metadata.num_rows if path.exists() else None


def read_extract(extracts: Path, table: str) -> pd.DataFrame | None:
    path = extracts / f"{table}.parquet"
    return _read_parquet(path) if path.exists() else None


def read_manifest(extracts: Path) -> dict:
    return as_of.read_manifest(extracts)


def read_registry(target: Path, tables: list[str]) -> pd.DataFrame:
    """grain_key and record_number of the given tables from ``target/key_registry.parquet``."""
    path = target / REGISTRY_FILE
    if not path.exists():
        raise MigrationInputError(path, "no key registry yet: materialise key_registry first")
    registry = pd.read_parquet(path, filters=[("target_table", "in", tables)])
    return registry[["target_table", "grain_key", "record_number"]]


def read_findings(gates: Path) -> pd.DataFrame:
    """Every gate finding: the per-table findings and the cross-table ones."""
    folder = gates / gate_files.FINDINGS
    frames = [_read_parquet(p) for p in sorted(folder.glob("*.parquet"))] if gates.exists() else []
    cross = gates / gate_files.CROSS_FINDINGS_FILE
    if cross.exists():
        frames.append(_read_parquet(cross))
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in ("check", "severity", "target_table", "field")})
    return pd.concat(frames, ignore_index=True)
