"""The ETL stage as plain functions the Dagster layer (and the bench) call.

``build_key_registry`` runs once before any table loads; ``run_partition`` loads one target table
from the artifacts on disk, so a partition can be rerun alone, in a fresh process. With a target
URL the partition also loads its table into the PostgreSQL staging server, after its files are
written (the files stay the record of the run even when the server is down).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from qvh_migration.errors import MigrationInputError
from qvh_migration.etl import files as etl_files
from qvh_migration.etl import key_registry as registry_rules
from qvh_migration.etl import load_files
from qvh_migration.etl.duckdb_engine import DEFAULT_ENGINE
from qvh_migration.etl.executor import TableLoad, load_table, table_rules
from qvh_migration.etl.fields import IMPUTE_MODES
from qvh_migration.etl.generations import current_generation
from qvh_migration.etl.patient_link import PATIENT_TABLE
from qvh_migration.etl.postgres_target import PostgresTarget
from qvh_migration.etl.row_sources import RowSources, load_row_sources
from qvh_migration.etl.source_rules import GRAIN_KEY, prepare_rows
from qvh_migration.etl.sources import SourceTables
from qvh_migration.io.artifacts import published_together, write_parquet
from qvh_migration.io.run_folders import RunFolders
from qvh_migration.mapping.crosswalks import load_crosswalks
from qvh_migration.mapping.files import read_contract
from qvh_migration.settings import default_row_sources_file
from qvh_migration.specs import files as spec_files


def extract_reader(folder: Path):
    def read(table: str) -> pd.DataFrame | None:
        path = folder / f"{table}.parquet"
        if not path.exists():
            return None
        try:
            return pd.read_parquet(path)
        except (OSError, ValueError) as exc:  # pyarrow raises both for a damaged or foreign file
            raise MigrationInputError(path, f"not a readable Parquet extract ({type(exc).__name__})") from None

    return read


def extract_column_reader(folder: Path):
    """Reads only some columns of an extract; None when the file is absent or lacks one of them
    (the caller then reads it whole, where the column check names what is wrong)."""

    def read(table: str, columns: list[str]) -> pd.DataFrame | None:
        path = folder / f"{table}.parquet"
        if not path.exists():
            return None
        try:
            if not set(columns) <= set(pq.read_schema(path).names):
                return None
            return pd.read_parquet(path, columns=columns)
        except (OSError, ValueError) as exc:
            raise MigrationInputError(path, f"not a readable Parquet extract ({type(exc).__name__})") from None

    return read


def read_target_catalog(catalogs: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    paths = [catalogs / spec_files.TARGET_FIELDS_FILE, catalogs / spec_files.TARGET_TABLES_FILE]
    for path in paths:
        if not path.exists():
            raise MigrationInputError(path, "target catalog not materialised yet: materialise target_catalog first")
    return pd.read_parquet(paths[0]), pd.read_parquet(paths[1])


def crosswalk_lookups(crosswalk_dir: Path) -> dict[str, pd.Series]:
    """Each reviewed crosswalk as legacy code -> target code."""
    return {
        name: pd.Series(frame["target_code"].astype(str).to_numpy(), index=frame["legacy_code"].astype(str).to_numpy())
        for name, frame in load_crosswalks(crosswalk_dir).items()
    }


def catalog_columns(catalogs: Path) -> dict[str, set[str]]:
    """Source catalog columns per legacy table, to check every extract against."""
    path = catalogs / spec_files.SOURCE_CATALOG_FILE
    if not path.exists():
        raise MigrationInputError(path, "source catalog not materialised yet: materialise source_catalog first")
    catalog = pd.read_parquet(path, columns=["TableName", "Column"])
    return {table: set(columns) for table, columns in catalog.groupby("TableName")["Column"]}


def source_tables(folders: RunFolders) -> SourceTables:
    return SourceTables(
        extract_reader(folders.extracts),
        catalog_columns(folders.catalogs),
        folders.extracts,
        read_columns=extract_column_reader(folders.extracts),
    )


def registry_path(folders: RunFolders) -> Path:
    return folders.target / registry_rules.REGISTRY_FILE


def build_key_registry(
    folders: RunFolders, run_id: str, row_sources_file: Path | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Register every source entity of every table with a row source; returns (registry, new keys)."""
    _, tables = read_target_catalog(folders.catalogs)
    row_sources = load_row_sources(
        row_sources_file or default_row_sources_file(), target_tables=set(tables["table_name"])
    )
    sources = source_tables(folders)
    before = registry_rules.read_registry(registry_path(folders))
    additions: list[pd.DataFrame] = []
    known: dict[str, pd.DataFrame] = {}
    for table, spec in ((t, spec) for t in row_sources.tables for spec in row_sources.parts(t)):
        source = str(spec.source_table)
        # A union's parts register in the file's order; their keys carry their source table.
        if sources.has(source):
            prepared = prepare_rows(spec, sources.raw(source), sources.survivors, sources.districts)
            if table not in known:
                known[table] = before.loc[before["target_table"] == table]
            grown = registry_rules.register(known[table], table, prepared[GRAIN_KEY].astype(str), run_id)
            additions.append(grown.iloc[len(known[table]) :])
            known[table] = grown
        # At a million patients the extracts together outgrow the machine's memory (the step was killed at
        # 23 GB): each is dropped after its part, and read again by a later part that needs it.
        sources.release(source)
    frames = [frame for frame in (before, *additions) if not frame.empty]
    registry = pd.concat(frames, ignore_index=True) if len(frames) > 1 else (frames[0] if frames else before)
    problems = registry_rules.check_append_only(before, registry)
    if problems:  # cannot happen through register(); guards against a hand-edited registry file
        raise MigrationInputError(registry_path(folders), "; ".join(problems))
    added = registry.iloc[len(before) :]
    write_parquet(registry, registry_path(folders))
    return registry, added


def run_partition(
    folders: RunFolders,
    crosswalk_dir: Path,
    target_table: str,
    *,
    impute_mode: str = "strict",
    run_id: str = "",
    row_sources_file: Path | None = None,
    target_url: str = "",
    engine: str = DEFAULT_ENGINE,
) -> tuple[TableLoad, dict[str, Path]]:
    """Load one target table from the artifacts on disk, write its files and load files, and load it
        into the PostgreSQL staging server at ``target_url`` when one is given. ``engine`` computes the fields
    with an SQL form in DuckDB (``duckdb``, the default) or every field in pandas (``pandas``)."""
    if impute_mode not in IMPUTE_MODES:
        raise MigrationInputError("run config", f"impute_mode {impute_mode!r} is not one of {', '.join(IMPUTE_MODES)}")
    target = PostgresTarget(target_url) if target_url else None
    if target:
        target.preflight()  # wrong credentials or no server: fail before the ETL's work
    fields, tables = read_target_catalog(folders.catalogs)
    if target_table not in set(tables["table_name"]):
        raise MigrationInputError("target catalog", f"{target_table} is not a staging table of the guide")
    row_sources: RowSources = load_row_sources(
        row_sources_file or default_row_sources_file(), target_tables=set(tables["table_name"])
    )
    path = registry_path(folders)
    if not path.exists():
        raise MigrationInputError(path, "key registry not materialised yet: materialise key_registry first")
    rules = table_rules(read_contract(folders.mapping), fields, target_table)
    parents = sorted({p for p in rules["parent_table"] if p})
    # LOAD_PMI's numbers too: activity is checked against the patient's own load (etl/patient_link.py).
    registry = registry_rules.read_registry(path, [target_table, *parents, PATIENT_TABLE])
    numbers = registry_rules.RecordNumbers(registry)
    load = load_table(
        target_table,
        rules,
        row_sources,
        source_tables(folders),
        crosswalk_lookups(crosswalk_dir),
        numbers,
        impute_mode=impute_mode,
        run_id=run_id,
        parent_outcomes=lambda parent: etl_files.published_outcomes(folders.target, parent),
        engine=engine,
    )
    with published_together():  # every file of the partition, renamed into place once the server committed
        paths = etl_files.write_table_files(folders.target, load, current_generation(folders.extracts))
        csv_file, control_file = load_files.write_load_files(folders.target, target_table, load.table, fields)
        paths.update({"load_file": csv_file, "control_file": control_file})
        if target:
            target.load(target_table, load.table, fields, tables)
    paths["load_summary"] = etl_files.refresh_load_summary(folders.target)
    return load, paths
