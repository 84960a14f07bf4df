"""A load batch: the ``target_table_load`` partition runs launched together, each ordering itself.

Every way of loading the 38 tables launches one partition run per table, in load order, tagged with
one batch: a backfill from the UI (``dagster/backfill``), the CLI's dry run and the nightly chain
(``qvh/load_batch``, the dry run's id). Nothing else orders them. In its own body a run in a batch
waits while a parent's run in the same batch has not finished, then applies the rule of
``etl/load_order.py``: when an ancestor failed it is held back (it tags itself and the failed run,
and fails naming the ancestor), else it loads. A run in no batch (one table rerun from the UI) loads.

Why the wait cannot deadlock with at most N runs at once: every launcher creates the runs in load
order (a backfill and a sensor create them in partition order; the CLI creates the next only once the
previous exists), and the run queue (or the CLI's pool) starts them first in, first out. The oldest
running run's parents were created before it, so they started before it and, not being older running
runs, have finished: that run never waits, and each finishing run frees a slot for the next.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from qvh_migration.etl import load_order

BACKFILL_TAG = "dagster/backfill"
BATCH_TAG = "qvh/load_batch"
PARTITION_TAG = "dagster/partition"
HELD_BACK_BY_TAG = "qvh/held_back_by"
TERMINAL = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}
# How often a waiting run looks at its parents' runs: short next to a table's load.
POLL_SECONDS = 2.0
CHECK_FAILED = "DagsterAssetCheckFailedError"

Batch = tuple[str, str]  # (tag key, batch id)


def batch_of(tags: dict[str, str]) -> Batch | None:
    """The batch a run belongs to: its backfill, else the ``qvh/load_batch`` its launcher gave it."""
    for key in (BACKFILL_TAG, BATCH_TAG):
        if tags.get(key):
            return key, tags[key]
    return None


@dataclass
class BatchState:
    """The latest run of each table in a batch: loaded, failed (with the run id), or not finished.
    A run held back by a failed ancestor is neither loaded nor failed: the rule holds it back again."""

    loaded: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)
    pending: set[str] = field(default_factory=set)
    tables: set[str] = field(default_factory=set)


def batch_state(instance: Any, batch: Batch, own_run_id: str | None = None) -> BatchState:
    """Where a batch stands, from the stored runs tagged with it (``own_run_id`` left out)."""
    state = BatchState()
    key, batch_id = batch
    for run in instance.get_runs(filters=dg.RunsFilter(tags={key: batch_id})):  # newest first
        table = run.tags.get(PARTITION_TAG)
        if run.run_id == own_run_id or not table or table in state.tables:
            continue  # a retried table is judged by its latest run
        state.tables.add(table)
        if run.status not in TERMINAL:
            state.pending.add(table)
        elif run.status == dg.DagsterRunStatus.SUCCESS or run_held_by_gates(instance, run.run_id):
            state.loaded.add(table)
        elif HELD_BACK_BY_TAG not in run.tags:
            state.failed[table] = run.run_id
    return state


@dataclass(frozen=True)
class Verdict:
    """What a run of the batch does now: wait, load, or be held back by a failed ancestor (and its run)."""

    wait: bool
    held_back_by: str | None = None
    failed_run: str | None = None


def verdict(instance: Any, batch: Batch, table: str, own_run_id: str) -> Verdict:
    """The rule, applied once: wait while a parent's run in the batch has not finished; then held back
    when an ancestor failed, else load."""
    order = load_order.committed()
    state = batch_state(instance, batch, own_run_id)
    if order.parents[table] & state.pending:
        return Verdict(wait=True)
    ancestor = load_order.held_back(order, state.failed).get(table)
    return Verdict(False, ancestor, state.failed[ancestor] if ancestor else None)


def held_back_in_batch(
    instance: Any, batch: Batch, table: str, own_run_id: str, poll_seconds: float = POLL_SECONDS
) -> Verdict:
    """The verdict once the run need not wait any longer."""
    while (found := verdict(instance, batch, table, own_run_id)).wait:
        time.sleep(poll_seconds)
    return found


def hold_back_or_load(context: dg.AssetExecutionContext) -> None:
    """The ``target_tables`` body's first step: returns when the partition may load; when an ancestor
    failed, tags this run (``qvh/held_back_by``, ``qvh/held_back``) and the failed run (``qvh/held_back``:
    every table it holds back) and fails with the held-back line."""
    batch = batch_of(context.run.tags)
    if batch is None:
        return  # one table run on its own: no batch to wait for
    table, run_id = context.partition_key, context.run.run_id
    found = verdict(context.instance, batch, table, run_id)
    if found.wait:
        parents = ", ".join(sorted(load_order.committed().parents[table]))
        context.log.info(f"{table} waits for its parents' runs in {batch[0]}={batch[1]} to finish ({parents})")
        found = held_back_in_batch(context.instance, batch, table, run_id)
    if found.held_back_by is None or found.failed_run is None:
        return
    ancestor = found.held_back_by
    order = load_order.committed()
    state = batch_state(context.instance, batch, run_id)
    # Every descendant the failed table holds back, so each held-back run writes the same value.
    mine = {t: a for t, a in load_order.held_back(order, state.failed).items() if a == ancestor}
    context.instance.add_run_tags(found.failed_run, {load_order.HELD_BACK_TAG: load_order.held_back_tag(mine)})
    own = {HELD_BACK_BY_TAG: ancestor, load_order.HELD_BACK_TAG: load_order.held_back_tag({table: ancestor})}
    context.instance.add_run_tags(run_id, own)
    raise dg.Failure(
        description=load_order.held_back_line(table, ancestor), metadata={"held_back_by": ancestor}, allow_retries=False
    )


def has_run(instance: Any, batch: Batch, table: str) -> bool:
    """True once a run of ``table`` exists in the batch, whatever its status."""
    key, batch_id = batch
    return instance.get_runs_count(filters=dg.RunsFilter(tags={key: batch_id, PARTITION_TAG: table})) > 0


def batch_finished(instance: Any, batch: Batch) -> bool:
    """True once every one of the 38 tables has a run in the batch and none is still to finish."""
    state = batch_state(instance, batch)
    return state.tables >= set(load_order.committed().tables) and not state.pending


def run_held_by_gates(instance: Any, run_id: str) -> bool:
    """``events_held_by_gates`` of a stored run, from its event log."""
    events = [entry.dagster_event for entry in instance.all_logs(run_id) if entry.dagster_event is not None]
    return events_held_by_gates(events)


def events_held_by_gates(events: list[Any]) -> bool:
    """True when a run's only step failures are blocking gate checks that failed (a table held by its
    gates, loaded). A failed blocking check of ``target_tables`` itself is a failed load."""
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
        and all(getattr(e.event_specific_data.error, "cls_name", "") == CHECK_FAILED for e in failures)
    )
