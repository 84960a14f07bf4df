"""All 38 target tables in one run, in parallel on Dagster's multiprocess executor.

A partition run loads one table; a backfill of the 38 partitions as 38 runs gets its parallelism
from the run queue (``deploy/dagster.yaml``). This job gets it inside one run instead: one op per
target table, each depending on the ops of its parent tables, so the multiprocess executor starts
a table as soon as its parents have loaded and keeps at most ``max_concurrent`` (default 2) tables
loading at once. Each op does what the per-table run does, through the same functions: the
``target_tables`` partition with its two blocking checks, then the table's gates, then
``gated_tables`` when no ERROR check failed. It records them as materialisations and check
evaluations of those partitions, so the UI's partition view is the same whichever way a table
was loaded. A table whose load or blocking checks fail stops its descendants only (the graph's edges
are the parent links of ``etl/load_order.py``, and the executor skips the ops downstream of a failed
one); a table held by its gates is not cleared, and its descendants still load (as in the serial dry
run), so the release decision judges every table.
"""

import dagster as dg
from pydantic import Field

from qvh_migration.defs.etl import ENGINE_HELP, table_load_result
from qvh_migration.defs.gates import record_cleared, table_gates_result
from qvh_migration.defs.resources import MigrationSettings
from qvh_migration.etl import load_order
from qvh_migration.etl.duckdb_engine import DEFAULT_ENGINE
from qvh_migration.gates.profiles import DEFAULT_PROFILE

PARALLEL_LOAD_JOB = "target_tables_parallel"
DEFAULT_WORKERS = 2
TARGET_ASSET = dg.AssetKey("target_tables")
GATES_ASSET = dg.AssetKey("target_table_gates")
CLEARED_ASSET = dg.AssetKey("gated_tables")


class TableLoadOptions(dg.ConfigurableResource):
    """The choices of a per-table run, once for all 38 tables of the parallel load."""

    impute_mode: str = Field(
        default="strict",
        description="Unmapped legacy codes: strict rejects the row (cutover); lenient loads the field empty and warns.",
    )
    profile: str = Field(default=DEFAULT_PROFILE, description="Release profile that scores the gates.")
    engine: str = Field(default=DEFAULT_ENGINE, description=ENGINE_HELP)


def op_name(table: str) -> str:
    return f"load_{table.lower()}"


def _report(context: dg.OpExecutionContext, asset: dg.AssetKey, table: str, result: dg.MaterializeResult) -> bool:
    """Log the asset's materialisation and checks for this partition; True when no ERROR check failed."""
    context.log_event(dg.AssetMaterialization(asset_key=asset, partition=table, metadata=result.metadata or {}))
    blocked = False
    for check in result.check_results or []:
        context.log_event(
            dg.AssetCheckEvaluation(
                asset_key=asset,
                check_name=check.check_name or "",
                passed=bool(check.passed),
                metadata=check.metadata or {},
                severity=check.severity,
                description=check.description,
                blocking=True,
                partition=table,
            )
        )
        blocked |= not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    return not blocked


def _table_op(table: str, parents: frozenset[str]) -> dg.OpDefinition:
    @dg.op(
        name=op_name(table),
        ins={f"{parent.lower()}_loaded": dg.In(dg.Nothing) for parent in sorted(parents)},
        out=dg.Out(dg.Nothing),
        required_resource_keys={"settings", "table_load_options"},
        tags={"qvh/target_table": table},
        description=f"Load {table}, run its blocking checks and its gates (partition {table}).",
    )
    def load_table(context: dg.OpExecutionContext) -> None:
        settings: MigrationSettings = context.resources.settings
        options: TableLoadOptions = context.resources.table_load_options
        loaded = table_load_result(
            settings, table, options.impute_mode, context.run.run_id, context.log, options.engine
        )
        if not _report(context, TARGET_ASSET, table, loaded):
            raise dg.Failure(description=f"{table}: a blocking check of target_tables failed")
        gated = table_gates_result(settings, table, options.profile)
        if not _report(context, GATES_ASSET, table, gated):
            context.log.error(f"{table}: held by an ERROR gate, not cleared (see gates/findings/{table}.parquet)")
            return
        path = record_cleared(settings, table, context.run.run_id)
        context.log_event(
            dg.AssetMaterialization(
                asset_key=CLEARED_ASSET, partition=table, metadata={"path": dg.MetadataValue.path(str(path))}
            )
        )

    return load_table


def build_parallel_load_job(workers: int = DEFAULT_WORKERS) -> dg.JobDefinition:
    parents = load_order.committed().parents
    ops = {table: _table_op(table, ps) for table, ps in parents.items()}
    dependencies = {
        op_name(table): {f"{parent.lower()}_loaded": dg.DependencyDefinition(op_name(parent)) for parent in sorted(ps)}
        for table, ps in parents.items()
    }
    graph = dg.GraphDefinition(
        name=PARALLEL_LOAD_JOB,
        node_defs=list(ops.values()),
        dependencies=dependencies,
        description=(
            "All 38 target tables in one run, parents before children, at most `max_concurrent` at once on the "
            "multiprocess executor (default 2): each table's load, blocking checks and gates, recorded against its "
            "partition. Then run `staging_database_build` (the CLI's `--workers N` does both)."
        ),
    )
    return graph.to_job(
        resource_defs={"settings": MigrationSettings(), "table_load_options": TableLoadOptions()},
        executor_def=dg.multiprocess_executor,
        # A default the Launchpad shows and a run may change.
        config={"execution": {"config": {"max_concurrent": workers}}},
        tags={"qvh/stage": "target_table"},
    )


def parallel_load_job() -> dg.JobDefinition:
    """The job as the multiprocess executor rebuilds it in each worker process (``dg.reconstructable``)."""
    return build_parallel_load_job()


target_tables_parallel = parallel_load_job()
