"""Assets of the ``etl`` group: the key registry, the 38 target tables (one partition each), and
the staging database built from them."""

import logging
from typing import Literal

import dagster as dg
import pandas as pd
from pydantic import Field

from qvh_migration.defs import load_batch
from qvh_migration.defs.metadata import fail_clearly, frame_metadata, partitioned_check, path_metadata, preview
from qvh_migration.defs.resources import MigrationSettings
from qvh_migration.etl import files as etl_files
from qvh_migration.etl import load_order, pipeline
from qvh_migration.etl.ddl import DIALECTS
from qvh_migration.etl.duckdb_engine import DEFAULT_ENGINE
from qvh_migration.etl.fields import IMPUTE_MODES
from qvh_migration.etl.postgres_target import describe_server
from qvh_migration.io.masking import mask_identifiers
from qvh_migration.io.run_folders import RunFolders
from qvh_migration.specs.field_descriptions import field_descriptions

GROUP = "etl"
LOAD_FILE_KEYS = ("load_file", "control_file")
# Partitions are fixed at definition time, from the guide's committed facts (38 tables in load order);
# the target_catalog check confirms the parsed guide still has the same tables.
TARGET_TABLE_NAMES = list(load_order.committed().tables)
ENGINE_HELP = (
    "Engine computing the fields: duckdb (the default) runs every field with an SQL form as one DuckDB query "
    "per table and the rest in pandas; pandas runs every field in pandas (the reference). Both load the same rows."
)
target_table_partitions = dg.StaticPartitionsDefinition(TARGET_TABLE_NAMES)


def _folders(settings: MigrationSettings) -> RunFolders:
    return RunFolders.of(settings)


class TargetLoadConfig(dg.Config):
    """How a target-table load treats legacy codes that have no crosswalk entry."""

    impute_mode: Literal["strict", "lenient"] = Field(
        default="strict",
        description="Unmapped legacy codes: strict rejects the row (cutover); lenient loads the field empty and warns.",
    )
    engine: Literal["duckdb", "pandas"] = Field(default=DEFAULT_ENGINE, description=ENGINE_HELP)


@dg.asset(
    group_name=GROUP,
    deps=["mapping_contract", dg.AssetKey(["extracts", "defect_ledger"])],
    kinds={"parquet"},
    description=(
        "Key registry: every source entity's `record_number` per target table, assigned once before any "
        "table loads and never moved (append-only), so a rerun of one table never changes a key another "
        "table points at. File: `target/key_registry.parquet`."
    ),
)
def key_registry(context: dg.AssetExecutionContext, settings: MigrationSettings) -> dg.MaterializeResult:
    with fail_clearly():
        registry, added = pipeline.build_key_registry(
            _folders(settings), context.run.run_id, settings.row_sources_path()
        )
    per_table = registry.groupby("target_table").size().rename("record_numbers").to_frame()
    per_table["new_in_this_run"] = added.groupby("target_table").size().reindex(per_table.index).fillna(0).astype(int)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(registry),
            "new_keys": len(added),
            "keys_per_table": dg.MetadataValue.md(per_table.to_markdown()),
            **path_metadata(pipeline.registry_path(_folders(settings))),
        }
    )


@dg.asset(
    group_name=GROUP,
    partitions_def=target_table_partitions,
    deps=[key_registry, "mapping_contract", "crosswalk_catalog"],
    kinds={"pandas", "parquet"},
    description=(
        "Target staging tables, one partition per `LOAD_` table: the mapping contract executed over the "
        "source extracts. Every source row is loaded, rejected (with a reason) or filtered (with a reason). "
        "Files: `target/tables/<T>.parquet`, `target/rejects/<T>.parquet`, `target/warnings/<T>.parquet`, "
        "`target/load_summary.csv`, and the vendor's load files `target/load_files/<T>.csv` + `<T>.ctl` "
        "(SQL*Loader). With `QVH_TARGET_URL` (or `settings.target_url`) the table is also loaded into that "
        "PostgreSQL server in one transaction. Rerun one partition after fixing its rules or crosswalks."
    ),
    check_specs=[
        # Evaluated per partition, so each table shows its own result in the partition view.
        partitioned_check(
            "rows_conserved",
            target_table_partitions,
            asset="target_tables",
            blocking=True,
            description="Source rows = loaded + rejected + filtered, per source table.",
        ),
        partitioned_check(
            "record_numbers_unique",
            target_table_partitions,
            asset="target_tables",
            blocking=True,
            description="Every RECORD_NUMBER of the table is present and unique.",
        ),
    ],
)
def target_tables(
    context: dg.AssetExecutionContext, config: TargetLoadConfig, settings: MigrationSettings
) -> dg.MaterializeResult:
    # A run of a load batch (a backfill, the dry run, the nightly chain) waits for its parents' runs and is
    # held back when an ancestor failed: the same rule on every path.
    load_batch.hold_back_or_load(context)
    return table_load_result(
        settings, context.partition_key, config.impute_mode, context.run.run_id, context.log, config.engine
    )


def table_load_result(
    settings: MigrationSettings,
    table: str,
    impute_mode: str,
    run_id: str,
    log: logging.Logger,
    engine: str = DEFAULT_ENGINE,
) -> dg.MaterializeResult:
    """Load one target table and describe it for the UI (the asset's body once its batch lets it load)."""
    with fail_clearly():
        load, paths = pipeline.run_partition(
            _folders(settings),
            settings.crosswalk_path(),
            table,
            impute_mode=impute_mode,
            run_id=run_id,
            row_sources_file=settings.row_sources_path(),
            target_url=settings.target_url_value(),
            engine=engine,
        )
    summary = load.totals  # a union table's parts added up (load_summary.csv keeps one row each)
    log.info(
        "%s: %d source rows, %d loaded, %d rejected, %d filtered",
        table,
        summary["source_rows"],
        summary["loaded_rows"],
        summary["rejected_rows"],
        summary["filtered_rows"],
    )
    with fail_clearly():
        target_fields, _ = pipeline.read_target_catalog(_folders(settings).catalogs)
    # The guide's comment on each field is its description in the UI's column schema.
    descriptions = field_descriptions(target_fields, table, [str(c) for c in load.table.columns])
    key = next((c for c in load.table.columns if str(c).upper() == "RECORD_NUMBER"), None)
    unique = key is None or (load.table[key].notna().all() and load.table[key].is_unique)
    reasons = load.rejects["reason_code"].value_counts()
    counts = {k: int(summary[k]) for k in ("source_rows", "loaded_rows", "rejected_rows", "filtered_rows")}
    return dg.MaterializeResult(
        metadata={
            **frame_metadata(load.table, descriptions=descriptions),
            # Previews in the UI mask identifiers, synthetic or not.
            "preview": preview(mask_identifiers(load.table.head(10).astype(str), also=load.identifier_fields))
            if not load.table.empty
            else "no rows",
            **counts,
            "source_table": str(summary["source_table"]),
            "filter_reasons": str(summary["filter_reasons"]) or "none",
            "reject_reasons": preview(reasons.rename("rows").reset_index()) if not reasons.empty else "none",
            "warnings": len(load.warnings),
            "notes": "; ".join(load.notes) or "none",
            "impute_mode": impute_mode,
            "engine": engine,
            # Fields per engine: with duckdb, the fields without an SQL form still run in pandas.
            "fields_by_engine": ", ".join(f"{e} {n}" for e, n in load.engine_counts.items()),
            "postgres_target": describe_server(target_url) if (target_url := settings.target_url_value()) else "none",
            # Keyed by kind: a partition's files share the table's name (tables, rejects, summary, load file).
            **{
                (k if k in LOAD_FILE_KEYS else f"file_{k}"): dg.MetadataValue.path(str(path))
                for k, path in paths.items()
            },
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="rows_conserved",
                passed=load.conserved,
                # Counts, and a sample of rejects whose values are already masked in the rejects file.
                metadata={**counts, "reject_sample": _reject_sample(load.rejects)},
            ),
            dg.AssetCheckResult(
                check_name="record_numbers_unique",
                passed=bool(unique),
                # Record numbers are the migration's own keys, not patient identifiers.
                metadata={"rows": len(load.table), **_duplicate_keys(load.table, key)},
            ),
        ],
    )


def _duplicate_keys(table: pd.DataFrame, key: str | None) -> dict[str, object]:
    if key is None:
        return {"duplicates": 0, "missing": 0, "sample": "none"}
    values = table[key]
    duplicated = values[values.duplicated(keep=False) & values.notna()]
    return {
        "duplicates": int(duplicated.nunique()),
        "missing": int(values.isna().sum()),
        "sample": ", ".join(duplicated.drop_duplicates().head(10).astype(str)) or "none",
    }


def _reject_sample(rejects: pd.DataFrame) -> dg.MetadataValue | str:
    columns = ["source_key", "field", "reason_code", "value_masked"]
    if rejects.empty or not set(columns) <= set(rejects.columns):
        return "none"
    return preview(mask_identifiers(rejects[columns].head(10).astype(str)))


@dg.asset(
    group_name=GROUP,
    deps=[target_tables],
    kinds={"duckdb"},
    description=(
        "Staging database: the 38 tables with DDL generated from the target catalog (lengths as checks, "
        "RECORD_NUMBER primary keys, parent links as foreign keys), loaded from the partition files in the "
        "guide's load order. Built by this one step into a new file, so parallel partitions never contend "
        "for DuckDB's single writer. Files: `target/staging.duckdb`, and the DDL of the 38 tables for DuckDB, "
        "PostgreSQL and Oracle: `target/ddl/duckdb.sql`, `target/ddl/postgresql.sql`, `target/ddl/oracle.sql`."
    ),
)
def staging_database(settings: MigrationSettings) -> dg.MaterializeResult:
    folders = _folders(settings)
    with fail_clearly():
        fields, tables = pipeline.read_target_catalog(folders.catalogs)
        # Partitions that finished at the same moment may each have combined the summary without the
        # other; combine it again once every partition has written its own.
        etl_files.refresh_load_summary(folders.target)
        database = etl_files.build_staging_database(folders.target, fields, tables, folders.extracts)
    summary = pd.read_csv(folders.target / etl_files.LOAD_SUMMARY_FILE, keep_default_na=False)
    return dg.MaterializeResult(
        metadata={
            "tables": len(tables),
            "loaded_rows": int(summary["target_rows"].sum()) if not summary.empty else 0,
            "load_summary": preview(
                summary,
                rows=40,
                columns=["target_table", "source_rows", "loaded_rows", "rejected_rows", "filtered_rows"],
            ),
            **path_metadata(database, *(etl_files.ddl_path(folders.target, d) for d in DIALECTS)),
        }
    )


__all__ = [
    "IMPUTE_MODES",
    "key_registry",
    "staging_database",
    "table_load_result",
    "target_table_partitions",
    "target_tables",
]
