"""Load the 38 target tables as one run per partition, parents first, serially or on N workers.

Dagster's multiprocess executor parallelises the steps of one run; a partition is one step in its
own run, so the parallelism here is across runs, as a server's run queue gives it (deploy/dagster.yaml
lets two partition runs proceed at once). This module does the same without a server: a pool of
worker processes, each running the ``target_table_load`` job for one partition against the shared
instance (``DAGSTER_HOME``), and a table starts only once its parents have loaded, exactly the order
the nightly sensors follow. Every partition writes only its own files and the key registry is
fixed before any table loads, so the result is the same as a serial run.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field

from qvh_migration.defs.automation import ready_tables, table_parents


@dataclass(frozen=True)
class TableRun:
    """What one partition run left behind, small enough to cross a process boundary."""

    table: str
    run_id: str
    success: bool
    checks: dict[str, bool] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)


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
    return TableRun(table, result.run_id, result.success, checks, lines)


def load_tables(
    run_config: dict,
    workers: int = 1,
    tags: dict[str, str] | None = None,
    on_done: Callable[[TableRun], None] | None = None,
) -> list[TableRun]:
    """Every target table once its parents have loaded; a failed table's descendants do not run."""
    parents = table_parents()
    tags = tags or {}
    if workers <= 1:
        return _serial(parents, run_config, tags, on_done)
    done: list[TableRun] = []
    loaded: set[str] = set()
    requested: set[str] = set()
    # spawn, not fork: each worker imports the code location afresh, as a launched run would.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        running: dict[Future[TableRun], str] = {}

        def submit_ready() -> None:
            for table in ready_tables(parents, loaded, requested):
                requested.add(table)
                running[pool.submit(load_one, table, run_config, tags)] = table

        submit_ready()
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                del running[future]
                outcome = future.result()
                done.append(outcome)
                if outcome.success:
                    loaded.add(outcome.table)
                if on_done:
                    on_done(outcome)
            submit_ready()
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
        loaded |= {table} if outcome.success else set()
        if on_done:
            on_done(outcome)
    return done
