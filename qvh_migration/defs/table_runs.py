"""Load the 38 target tables, parents first: serially as one run per partition, or in parallel as
one run of the ``target_tables_parallel`` job on Dagster's multiprocess executor.

The serial path is what the nightly sensors do (a ``target_table_load`` run per partition). The
parallel path keeps at most ``workers`` tables loading at once and starts a table as soon as its
parents have loaded. Every table writes only its own files and the key registry is fixed before
any table loads, so both give the same tables, keys and check results (a test compares them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from qvh_migration.defs.automation import table_parents


@dataclass(frozen=True)
class TableRun:
    """What one partition run left behind, small enough to cross a process boundary."""

    table: str
    run_id: str
    success: bool
    checks: dict[str, bool] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    blocked: bool = False  # loaded, but held by an ERROR gate (not cleared); its children still load


def held_by_gates(result: object) -> bool:
    """True when a run's only step failures are blocking checks that failed (a table held by its gates)."""
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]  # type: ignore[attr-defined]
    return bool(failures) and all(
        getattr(e.event_specific_data.error, "cls_name", "") == "DagsterAssetCheckFailedError" for e in failures
    )


def load_one(table: str, run_config: dict, tags: dict[str, str]) -> TableRun:
    """Runs one partition on the instance of this process's DAGSTER_HOME."""
    import dagster as dg

    from qvh_migration.definitions import TARGET_TABLE_JOB, defs

    with dg.DagsterInstance.get() as instance:
        result = defs.resolve_job_def(TARGET_TABLE_JOB).execute_in_process(
            instance=instance, run_config=run_config, partition_key=table, tags=tags, raise_on_error=False
        )
    checks = {e.check_name: bool(e.passed) for e in result.get_asset_check_evaluations()}
    lines = [
        f"FAILED        {e.step_key}: {e.event_specific_data.error.message.strip()}"
        for e in result.all_events
        if e.event_type_value == "STEP_FAILURE"
    ]
    return TableRun(table, result.run_id, result.success, checks, lines, held_by_gates(result))


def load_tables(
    run_config: dict,
    workers: int = 1,
    tags: dict[str, str] | None = None,
    on_done: Callable[[TableRun], None] | None = None,
) -> list[TableRun]:
    """Every target table once its parents have loaded; a failed table's descendants do not run (a table
    held only by its gates is loaded: its descendants run, as in the dry run).

    ``run_config`` is that of a ``target_table_load`` run (settings resource, impute mode, profile).
    """
    parents = table_parents()
    tags = tags or {}
    if workers <= 1:
        return _serial(parents, run_config, tags, on_done)
    return _parallel(run_config, workers, tags, on_done)


def parallel_run_config(run_config: dict, workers: int) -> dict:
    """The parallel job's run config from a per-table run's: same settings, impute mode and profile."""
    ops = run_config.get("ops", {})
    options = {
        "impute_mode": ops.get("target_tables", {}).get("config", {}).get("impute_mode"),
        "profile": ops.get("target_table_gates", {}).get("config", {}).get("profile"),
    }
    # The job has the settings resource and its own options; the extract source is upstream's.
    resources = {k: v for k, v in run_config.get("resources", {}).items() if k == "settings"}
    resources["table_load_options"] = {"config": {k: v for k, v in options.items() if v}}
    config = {k: v for k, v in run_config.items() if k not in ("ops", "resources")}
    return {**config, "resources": resources, "execution": {"config": {"max_concurrent": workers}}}


def _parallel(
    run_config: dict, workers: int, tags: dict[str, str], on_done: Callable[[TableRun], None] | None
) -> list[TableRun]:
    import dagster as dg

    from qvh_migration.defs.parallel_load import op_name, parallel_load_job

    tables = list(table_parents())
    with dg.DagsterInstance.get() as instance:
        result = dg.execute_job(
            dg.reconstructable(parallel_load_job),
            instance=instance,
            run_config=parallel_run_config(run_config, workers),
            tags=tags,
            raise_on_error=False,
        )
        run_id = result.run_id
        events = result.all_events
    succeeded = {e.step_key for e in events if e.event_type_value == "STEP_SUCCESS"}
    failures = {
        e.step_key: f"FAILED        {e.step_key}: {e.event_specific_data.error.message.strip()}"
        for e in events
        if e.event_type_value == "STEP_FAILURE"
    }
    checks: dict[str, dict[str, bool]] = {table: {} for table in tables}
    held: set[str] = set()
    for event in events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if evaluation.partition in checks:
                checks[evaluation.partition][evaluation.check_name] = bool(evaluation.passed)
                if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
                    held.add(evaluation.partition)
    done = []
    for table in tables:
        step = op_name(table)
        if step not in succeeded and step not in failures:
            continue  # a parent failed, so this table never started
        lines = [failures[step]] if step in failures else []
        outcome = TableRun(table, run_id, step in succeeded, checks[table], lines, table in held)
        done.append(outcome)
        if on_done:
            on_done(outcome)
    return done


def _serial(
    parents: dict[str, set[str]], run_config: dict, tags: dict[str, str], on_done: Callable[[TableRun], None] | None
) -> list[TableRun]:
    done: list[TableRun] = []
    loaded: set[str] = set()
    for table in parents:  # load order: parents come first
        if not parents[table] <= loaded:
            continue  # a parent failed; loading this table would link against a stale parent
        outcome = load_one(table, run_config, tags)
        done.append(outcome)
        loaded |= {table} if outcome.success or outcome.blocked else set()
        if on_done:
            on_done(outcome)
    return done
