"""Launch the 38 target tables as one load batch: one ``target_table_load`` partition run per table,
in load order, ``workers`` at a time. The runs order themselves (``defs/load_batch.py``): a run waits
for its parents' runs in the batch and is held back, naming the failed ancestor, when one failed. So
the CLI's dry run, serial or with ``--workers N``, loads and holds back what a backfill from the UI
and the nightly chain do: they are the same runs, launched differently.

Serially the parents have finished before a child starts, so nothing waits. With workers, a process
pool (spawned, each worker on the instance of DAGSTER_HOME) runs the partitions; the next is handed
over only once the previous one's run exists, so runs are created in load order, which is what keeps
the wait from deadlocking.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from qvh_migration.defs import load_batch
from qvh_migration.etl import load_order

# How often the launcher looks whether the run it handed over exists yet.
HANDOVER_POLL_SECONDS = 0.1


@dataclass(frozen=True)
class TableRun:
    """What one partition run left behind, small enough to cross a process boundary."""

    table: str
    run_id: str
    success: bool
    checks: dict[str, bool] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    blocked: bool = False  # loaded, but held by an ERROR gate (not cleared); its children still load
    held_back_by: str | None = None  # not loaded: this failed ancestor holds it back

    @property
    def loaded(self) -> bool:
        return self.success or self.blocked


def held_by_gates(result: object) -> bool:
    """True when a run's only step failures are blocking gate checks that failed (a table held by its
    gates, loaded). A failed blocking check of ``target_tables`` itself is a failed load."""
    return load_batch.events_held_by_gates(result.all_events)  # type: ignore[attr-defined]


def load_one(job: Any, table: str, run_config: dict, tags: dict[str, str]) -> TableRun:
    """Runs one partition of ``job`` (the resolved ``target_table_load`` job) on the instance of this
    process's DAGSTER_HOME."""
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance, run_config=run_config, partition_key=table, tags=tags, raise_on_error=False
        )
        held_back_by = instance.get_run_by_id(result.run_id).tags.get(load_batch.HELD_BACK_BY_TAG)
    checks = {e.check_name: bool(e.passed) for e in result.get_asset_check_evaluations()}
    lines = [
        f"FAILED        {e.step_key}: {e.event_specific_data.error.message.strip()}"
        for e in result.all_events
        if e.event_type_value == "STEP_FAILURE"
    ]
    return TableRun(table, result.run_id, result.success, checks, lines, held_by_gates(result), held_back_by)


def _load_in_worker(job: Callable[[], Any], table: str, run_config: dict, tags: dict[str, str]) -> TableRun:
    # A job does not pickle; the module-level function that resolves it does, by name.
    return load_one(job(), table, run_config, tags)


@dataclass(frozen=True)
class LoadedTables:
    """Every table run of a batch, and the tables held back with their failed ancestor."""

    runs: list[TableRun]
    held_back: dict[str, str]


def load_tables(
    job: Callable[[], Any],
    run_config: dict,
    workers: int = 1,
    tags: dict[str, str] | None = None,
    on_done: Callable[[TableRun], None] | None = None,
) -> LoadedTables:
    """The 38 partition runs of one batch, in load order, ``workers`` at once; ``on_done`` sees each run
    as it finishes. ``job`` is a module-level function returning the resolved ``target_table_load`` job
    (``definitions.target_table_load``: worker processes call it too); ``run_config`` that of one of its
    runs (settings resource, impute mode, engine, profile); ``tags`` go on every run, with the batch tag
    (``qvh/load_batch``: the given one, else a new id)."""
    import uuid

    tags = {**(tags or {})}
    tags.setdefault(load_batch.BATCH_TAG, str(uuid.uuid4()))
    tables = load_order.committed().tables
    runs: list[TableRun] = []

    def done(run: TableRun) -> None:
        runs.append(run)
        if on_done:
            on_done(run)

    if workers <= 1:
        resolved = job()
        for table in tables:
            done(load_one(resolved, table, run_config, tags))
    else:
        _in_pool(job, tables, run_config, workers, tags, done)
    order = {table: number for number, table in enumerate(tables)}
    runs.sort(key=lambda run: order[run.table])
    return LoadedTables(runs, {r.table: r.held_back_by for r in runs if r.held_back_by})


def _in_pool(
    job: Callable[[], Any],
    tables: tuple[str, ...],
    run_config: dict,
    workers: int,
    tags: dict[str, str],
    done: Callable[[TableRun], None],
) -> None:
    import dagster as dg

    batch = (load_batch.BATCH_TAG, tags[load_batch.BATCH_TAG])
    running: list[Future[TableRun]] = []

    def report_finished() -> None:
        for future in [f for f in running if f.done()]:
            running.remove(future)
            done(future.result())

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        with dg.DagsterInstance.get() as instance:
            for table in tables:
                future = pool.submit(_load_in_worker, job, table, run_config, tags)
                running.append(future)
                # Runs are created in load order: a child's run never exists before its parent's.
                while not (future.done() or load_batch.has_run(instance, batch, table)):
                    report_finished()
                    time.sleep(HANDOVER_POLL_SECONDS)
                report_finished()
        while running:
            wait(running, return_when=FIRST_COMPLETED)
            report_finished()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
