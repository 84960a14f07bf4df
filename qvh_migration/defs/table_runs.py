"""Load the 38 target tables, parents first: serially as one run per partition, or in parallel as
one run of the ``target_tables_parallel`` job on Dagster's multiprocess executor. Both follow the
rule of ``etl/load_order.py``: a failed table holds back its descendants, and the tables held back
are named (``held_back``) and recorded on the run (tag ``qvh/held_back``).

The serial path is what the nightly sensors do (a ``target_table_load`` run per partition). The
parallel path keeps at most ``workers`` tables loading at once and starts a table as soon as its
parents have loaded. Every table writes only its own files and the key registry is fixed before
any table loads, so both give the same tables, keys and check results (a test compares them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from qvh_migration.defs.resources import settings_without_target_url
from qvh_migration.etl import load_order


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
    """True when a run's only step failures are blocking gate checks that failed (a table held by its
    gates, loaded). A failed blocking check of ``target_tables`` itself is a failed load."""
    return events_held_by_gates(result.all_events)  # type: ignore[attr-defined]


CHECK_FAILED = "DagsterAssetCheckFailedError"


def run_held_by_gates(instance: Any, run_id: str) -> bool:
    """``held_by_gates`` of a stored run, from its event log."""
    events = [entry.dagster_event for entry in instance.all_logs(run_id) if entry.dagster_event is not None]
    return events_held_by_gates(events)


def events_held_by_gates(events: list[Any]) -> bool:
    failures = [e for e in events if e.event_type_value == "STEP_FAILURE"]
    load_check_failed = any(
        e.event_type_value == "ASSET_CHECK_EVALUATION"
        and not e.event_specific_data.passed
        and e.event_specific_data.asset_key.to_user_string() == "target_tables"
        for e in events
    )
    return (
        bool(failures)
        and not load_check_failed
        and all(
            getattr(e.event_specific_data.error, "cls_name", "") == "DagsterAssetCheckFailedError" for e in failures
        )
    )


def load_one(job: Any, table: str, run_config: dict, tags: dict[str, str]) -> TableRun:
    """Runs one partition of ``job`` (the resolved ``target_table_load`` job, handed in by the caller
    that holds the definitions) on the instance of this process's DAGSTER_HOME."""
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance, run_config=run_config, partition_key=table, tags=tags, raise_on_error=False
        )
    checks = {e.check_name: bool(e.passed) for e in result.get_asset_check_evaluations()}
    lines = [
        f"FAILED        {e.step_key}: {e.event_specific_data.error.message.strip()}"
        for e in result.all_events
        if e.event_type_value == "STEP_FAILURE"
    ]
    return TableRun(table, result.run_id, result.success, checks, lines, held_by_gates(result))


@dataclass(frozen=True)
class LoadedTables:
    """Every table run of a parents-first load, and the tables it held back with their failed ancestor."""

    runs: list[TableRun]
    held_back: dict[str, str]


def load_tables(
    job: Any,
    run_config: dict,
    workers: int = 1,
    tags: dict[str, str] | None = None,
    on_done: Callable[[TableRun], None] | None = None,
) -> LoadedTables:
    """Every target table once its parents have loaded; a failed table's descendants are held back (a table
    held only by its gates is loaded: its descendants run, as in the dry run).

    ``job`` is the resolved ``target_table_load`` job; ``run_config`` that of one of its runs (settings
    resource, impute mode, profile).
    """
    tags = tags or {}
    if workers <= 1:
        return _serial(job, run_config, tags, on_done)
    return _parallel(run_config, workers, tags, on_done)


def parallel_run_config(run_config: dict, workers: int) -> dict:
    """The parallel job's run config from a per-table run's: same settings, impute mode, engine and profile."""
    ops = run_config.get("ops", {})
    options = {
        "impute_mode": ops.get("target_tables", {}).get("config", {}).get("impute_mode"),
        "engine": ops.get("target_tables", {}).get("config", {}).get("engine"),
        "profile": ops.get("target_table_gates", {}).get("config", {}).get("profile"),
    }
    # The job has the settings resource (without a target URL: runs read it from the environment) and its own
    # options; the extract source is upstream's.
    given = run_config.get("resources", {})
    resources = {"settings": settings_without_target_url(given["settings"])} if "settings" in given else {}
    resources["table_load_options"] = {"config": {k: v for k, v in options.items() if v}}
    config = {k: v for k, v in run_config.items() if k not in ("ops", "resources")}
    return {**config, "resources": resources, "execution": {"config": {"max_concurrent": workers}}}


def _parallel(
    run_config: dict, workers: int, tags: dict[str, str], on_done: Callable[[TableRun], None] | None
) -> LoadedTables:
    import dagster as dg

    from qvh_migration.defs.parallel_load import parallel_load_job

    with dg.DagsterInstance.get() as instance:
        result = dg.execute_job(
            dg.reconstructable(parallel_load_job),
            instance=instance,
            run_config=parallel_run_config(run_config, workers),
            tags=tags,
            raise_on_error=False,
        )
        runs = parallel_table_runs(result.run_id, result.all_events)
        held = record_held_back(instance, {r.table: r.run_id for r in runs if not r.success})
    for outcome in runs:
        if on_done:
            on_done(outcome)
    return LoadedTables(runs, held)


def parallel_table_runs(run_id: str, events: list[Any]) -> list[TableRun]:
    """Each table the parallel run started, in load order (a held-back table's op never starts)."""
    from qvh_migration.defs.parallel_load import op_name

    tables = load_order.committed().tables
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
    held = {
        e.event_specific_data.partition
        for e in events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and not e.event_specific_data.passed
        and e.event_specific_data.severity.value == "ERROR"
    }
    runs = []
    for table in tables:
        step = op_name(table)
        if step in succeeded or step in failures:
            lines = [failures[step]] if step in failures else []
            runs.append(TableRun(table, run_id, step in succeeded, checks[table], lines, table in held))
    return runs


def record_held_back(instance: Any, failed: dict[str, str]) -> dict[str, str]:
    """The tables held back by the failed ones (table: run id); each failed run is tagged
    (``qvh/held_back``) with the descendants it holds back."""
    held = load_order.held_back(load_order.committed(), failed)
    for run_id in set(failed.values()):
        mine = {table: ancestor for table, ancestor in held.items() if failed[ancestor] == run_id}
        if mine:
            instance.add_run_tags(run_id, {load_order.HELD_BACK_TAG: load_order.held_back_tag(mine)})
    return held


def _serial(
    job: Any, run_config: dict, tags: dict[str, str], on_done: Callable[[TableRun], None] | None
) -> LoadedTables:
    runs: list[TableRun] = []

    def load(table: str) -> bool:
        outcome = load_one(job, table, run_config, tags)
        runs.append(outcome)
        if on_done:
            on_done(outcome)
        return outcome.success or outcome.blocked  # a table held by its gates is loaded

    load_order.load_parents_first(load_order.committed(), load)
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        held = record_held_back(instance, {r.table: r.run_id for r in runs if not (r.success or r.blocked)})
    return LoadedTables(runs, held)


BACKFILL_TAG = "dagster/backfill"
PARTITION_TAG = "dagster/partition"
HELD_BACK_BY_TAG = "qvh/held_back_by"
TERMINAL = {"SUCCESS", "FAILURE", "CANCELED"}


def backfill_outcomes(instance: Any, backfill_id: str, own_run_id: str) -> tuple[set[str], set[str], set[str]]:
    """Partitions of a backfill's other runs: (loaded, failed, not finished). A run held back by a
    failed ancestor counts as neither loaded nor failed: the rule holds it back again."""
    import dagster as dg

    loaded: set[str] = set()
    failed: set[str] = set()
    pending: set[str] = set()
    for run in instance.get_runs(filters=dg.RunsFilter(tags={BACKFILL_TAG: backfill_id})):
        table = run.tags.get(PARTITION_TAG)
        if run.run_id == own_run_id or not table:
            continue
        if run.status.value not in TERMINAL:
            pending.add(table)
        elif run.status.value == "SUCCESS" or run_held_by_gates(instance, run.run_id):
            loaded.add(table)
        elif HELD_BACK_BY_TAG not in run.tags:
            failed.add(table)
    return loaded, failed, pending


def held_back_in_backfill(
    instance: Any, backfill_id: str, table: str, own_run_id: str, poll_seconds: float = 10.0
) -> str | None:
    """The failed ancestor that holds ``table`` back in its backfill, or None when it may load.

    A backfill submits the 38 partitions in load order, so a parent's run exists before its child's;
    a child waits while a parent's run in the backfill has not finished (the run queue's limit decides
    how many load at once), then the load-order rule decides."""
    import time

    order = load_order.committed()
    while True:
        _, failed, pending = backfill_outcomes(instance, backfill_id, own_run_id)
        if not order.parents[table] & pending:
            return load_order.held_back(order, failed).get(table)
        time.sleep(poll_seconds)
