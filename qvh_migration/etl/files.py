"""Where the target tables live: one set of files per partition, and the staging database.

Each partition replaces only its own files (``tables/``, ``rejects/``, ``warnings/``,
``summary/``), each atomically, so partitions running in parallel processes never touch each
other's output. ``staging.duckdb`` has one writer only: it is built from those files by its own
step, into a new file that replaces the old one when complete (DuckDB allows one writing
process per database file, and a reader never sees a half-built database).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from qvh_migration.errors import MigrationInputError
from qvh_migration.etl.ddl import DIALECTS, ddl_script, duckdb_ddl, quote
from qvh_migration.etl.executor import SUMMARY_COLUMNS, TableLoad
from qvh_migration.etl.generations import GENERATION, STAGING_GENERATION_FILE, require_one_generation
from qvh_migration.etl.load_order import ordered_tables
from qvh_migration.io.artifacts import atomic_path, published_together, write_csv, write_json, write_parquet

TABLES, REJECTS, WARNINGS, SUMMARY, OUTCOMES = "tables", "rejects", "warnings", "summary", "outcomes"
ENGINES = "engines"  # which engine computed each field (etl/duckdb_engine.py)
LOAD_SUMMARY_FILE = "load_summary.csv"
STAGING_DATABASE_FILE = "staging.duckdb"
DDL_DIR = Path("ddl")
DDL_FILE = DDL_DIR / "duckdb.sql"


def ddl_path(target_dir: Path, dialect: str) -> Path:
    return target_dir / DDL_DIR / f"{dialect}.sql"


def write_ddl_files(target_dir: Path, target_fields: pd.DataFrame, target_tables: pd.DataFrame) -> list[Path]:
    """``ddl/duckdb.sql``, ``ddl/postgresql.sql``, ``ddl/oracle.sql``: the 38 tables per dialect."""
    paths = []
    for dialect in DIALECTS:
        path = ddl_path(target_dir, dialect)
        with atomic_path(path) as tmp:
            tmp.write_text(ddl_script(dialect, target_fields, target_tables), encoding="utf-8")
        paths.append(path)
    return paths


def table_path(target_dir: Path, kind: str, table: str) -> Path:
    suffix = ".csv" if kind == SUMMARY else ".parquet"
    return target_dir / kind / f"{table}{suffix}"


def write_table_files(target_dir: Path, load: TableLoad, generation: str = "") -> dict[str, Path]:
    """Write one partition's own files, each atomically; its summary records the extracts' generation."""
    summary = load.summary.assign(**{GENERATION: generation})
    return {
        TABLES: write_parquet(load.table, table_path(target_dir, TABLES, load.target_table)),
        REJECTS: write_parquet(load.rejects, table_path(target_dir, REJECTS, load.target_table)),
        WARNINGS: write_parquet(load.warnings, table_path(target_dir, WARNINGS, load.target_table)),
        OUTCOMES: write_parquet(load.outcomes, table_path(target_dir, OUTCOMES, load.target_table)),
        ENGINES: write_parquet(load.engines, table_path(target_dir, ENGINES, load.target_table)),
        SUMMARY: write_csv(summary, table_path(target_dir, SUMMARY, load.target_table)),
    }


def refresh_load_summary(target_dir: Path) -> Path:
    """``load_summary.csv`` from every partition's own summary (whichever partition wrote last)."""
    files = sorted((target_dir / SUMMARY).glob("*.csv"))
    frames = [pd.read_csv(f, dtype={"filter_reasons": str, "note": str}, keep_default_na=False) for f in files]
    combined = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    return write_csv(combined, target_dir / LOAD_SUMMARY_FILE)


def published_outcomes(target_dir: Path, table: str) -> pd.DataFrame | None:
    """Each record's outcome in ``table``'s last load (None when it was never loaded)."""
    path = table_path(target_dir, OUTCOMES, table)
    return pd.read_parquet(path) if path.exists() else None


def build_staging_database(
    target_dir: Path, target_fields: pd.DataFrame, target_tables: pd.DataFrame, extracts_dir: Path | None = None
) -> Path:
    """(Re)build ``staging.duckdb`` from the partition files, in load order, constraints on.

    Refused when the partitions are not all from the current extracts (``etl/generations.py``);
    the database and ``staging.json`` (the generation it holds) are published together.
    """
    extracts_dir = extracts_dir or target_dir.parent / "extracts"
    generation = require_one_generation(extracts_dir, target_dir, "staging database build", with_staging=False)
    statements = duckdb_ddl(target_fields, target_tables)
    write_ddl_files(target_dir, target_fields, target_tables)
    database = target_dir / STAGING_DATABASE_FILE
    order = ordered_tables(target_tables)
    with published_together(), atomic_path(database) as tmp:
        tmp.unlink()  # DuckDB wants to create the file itself
        with duckdb.connect(str(tmp)) as con:
            for statement in statements:
                con.execute(statement)
            for table in order:
                path = table_path(target_dir, TABLES, table)
                if not path.exists():
                    continue
                try:
                    con.execute(f"INSERT INTO {quote(table)} BY NAME SELECT * FROM read_parquet(?)", [str(path)])
                except duckdb.Error as exc:
                    problem = str(exc).splitlines()[0]
                    raise MigrationInputError(path, f"cannot load into staging: {problem}", where=table) from None
        write_json({GENERATION: generation}, target_dir / STAGING_GENERATION_FILE)
    return database
