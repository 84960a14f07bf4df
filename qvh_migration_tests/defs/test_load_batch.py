"""A load batch follows the load-order rule: a child waits for its parent's run in the batch and is held
back (naming the failed ancestor) when that run failed; and with runs created in load order and started
first in, first out, at most N at once, the wait never deadlocks."""

from __future__ import annotations

import time
from types import SimpleNamespace

import dagster as dg
import pytest

from qvh_migration.defs import load_batch
from qvh_migration.etl import load_order

BACKFILL = (load_batch.BACKFILL_TAG, "bf1")
NIGHT = (load_batch.BATCH_TAG, "20261207T020000-abc123")
FAILING = "LOAD_PMI"


def _run(
    instance: dg.DagsterInstance,
    table: str,
    status: dg.DagsterRunStatus,
    batch: load_batch.Batch = BACKFILL,
    **tags: str,
) -> dg.DagsterRun:
    run_tags = {batch[0]: batch[1], load_batch.PARTITION_TAG: table, **tags}
    return instance.add_run(dg.DagsterRun(job_name="target_table_load", status=status, tags=run_tags))


def _finish(instance: dg.DagsterInstance, run: dg.DagsterRun, success: bool) -> None:
    kind = dg.DagsterEventType.RUN_SUCCESS if success else dg.DagsterEventType.RUN_FAILURE
    instance.report_dagster_event(dg.DagsterEvent(event_type_value=kind.value, job_name=run.job_name), run.run_id)


def test_a_run_belongs_to_its_backfill_else_to_the_batch_its_launcher_named() -> None:
    assert load_batch.batch_of({load_batch.BACKFILL_TAG: "bf1", load_batch.BATCH_TAG: "x"}) == BACKFILL
    assert load_batch.batch_of({load_batch.BATCH_TAG: "x"}) == (load_batch.BATCH_TAG, "x")
    assert load_batch.batch_of({"dagster/partition": "LOAD_PMI"}) is None  # a rerun on its own just loads


def test_a_child_of_a_failed_parent_is_held_back_naming_the_first_failed_ancestor() -> None:
    with dg.instance_for_test() as instance:
        failed = _run(instance, "LOAD_PMI", dg.DagsterRunStatus.FAILURE)
        own = _run(instance, "LOAD_PMIIDS", dg.DagsterRunStatus.STARTED)
        found = load_batch.held_back_in_batch(instance, BACKFILL, "LOAD_PMIIDS", own.run_id)
        assert (found.held_back_by, found.failed_run) == ("LOAD_PMI", failed.run_id)
        # A run itself held back is not a failure of its own: its descendants name the first ancestor.
        _run(instance, "LOAD_PMIIDS", dg.DagsterRunStatus.FAILURE, **{load_batch.HELD_BACK_BY_TAG: "LOAD_PMI"})
        assert load_batch.batch_state(instance, BACKFILL).failed == {"LOAD_PMI": failed.run_id}


def test_a_child_of_a_loaded_parent_may_load_and_other_batches_do_not_count() -> None:
    with dg.instance_for_test() as instance:
        _run(instance, "LOAD_PMI", dg.DagsterRunStatus.SUCCESS)
        _run(instance, "LOAD_PMI", dg.DagsterRunStatus.STARTED, batch=NIGHT)
        own = _run(instance, "LOAD_PMIIDS", dg.DagsterRunStatus.STARTED)
        assert load_batch.verdict(instance, BACKFILL, "LOAD_PMIIDS", own.run_id) == load_batch.Verdict(False)


def test_a_child_waits_while_its_parent_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    with dg.instance_for_test() as instance:
        parent = _run(instance, "LOAD_PMI", dg.DagsterRunStatus.STARTED)
        own = _run(instance, "LOAD_PMIIDS", dg.DagsterRunStatus.STARTED)
        polls: list[float] = []

        def parent_fails_meanwhile(seconds: float) -> None:
            polls.append(seconds)
            _finish(instance, parent, success=False)

        monkeypatch.setattr(time, "sleep", parent_fails_meanwhile)
        found = load_batch.held_back_in_batch(instance, BACKFILL, "LOAD_PMIIDS", own.run_id, 3.0)
        assert found.held_back_by == "LOAD_PMI" and polls == [3.0]


def _queue_through(instance: dg.DagsterInstance, batch: load_batch.Batch, limit: int) -> dict[str, str]:
    """The 38 runs created in load order and started first in, first out, at most ``limit`` at once; each
    running run takes one look at its batch per round (waits, loads, or is held back). The planted failure
    fails. Returns the held-back tables and fails the test when a round makes no progress."""
    order = load_order.committed()
    queued = [_run(instance, table, dg.DagsterRunStatus.NOT_STARTED, batch) for table in order.tables]
    running: list[dg.DagsterRun] = []
    held: dict[str, str] = {}
    loaded: set[str] = set()
    while queued or running:
        while queued and len(running) < limit:
            run = queued.pop(0)
            instance.report_dagster_event(
                dg.DagsterEvent(event_type_value=dg.DagsterEventType.RUN_START.value, job_name=run.job_name),
                run.run_id,
            )
            running.append(run)
        progressed = False
        for run in list(running):
            table = run.tags[load_batch.PARTITION_TAG]
            found = load_batch.verdict(instance, batch, table, run.run_id)
            if found.wait:
                continue
            progressed = True
            running.remove(run)
            if found.held_back_by:
                held[table] = found.held_back_by
                instance.add_run_tags(run.run_id, {load_batch.HELD_BACK_BY_TAG: found.held_back_by})
                _finish(instance, run, success=False)
            else:
                assert order.parents[table] <= loaded, f"{table} loaded before its parents"
                _finish(instance, run, success=table != FAILING)
                loaded |= {table} - {FAILING}
        assert progressed, f"deadlock with {limit} at once: {[r.tags[load_batch.PARTITION_TAG] for r in running]}"
    assert load_batch.batch_finished(instance, batch)
    return held


@pytest.mark.parametrize("limit", [1, 2, 38])
def test_the_wait_never_deadlocks_with_at_most_n_running(limit: int) -> None:
    with dg.instance_for_test() as instance:
        held = _queue_through(instance, NIGHT, limit)
    assert held == load_order.held_back(load_order.committed(), [FAILING])
    assert "LOAD_PMIIDS" in held


def _event(kind: str, **data: object) -> SimpleNamespace:
    return SimpleNamespace(event_type_value=kind, event_specific_data=SimpleNamespace(**data))


def test_a_failed_load_check_is_a_failed_load_and_a_failed_gate_is_not() -> None:
    failure = _event("STEP_FAILURE", error=SimpleNamespace(cls_name=load_batch.CHECK_FAILED))

    def check(asset: str) -> SimpleNamespace:
        return _event("ASSET_CHECK_EVALUATION", passed=False, asset_key=dg.AssetKey(asset))

    assert load_batch.events_held_by_gates([check("target_table_gates"), failure])
    # record_numbers_unique or rows_conserved failing: the descendants are held back.
    assert not load_batch.events_held_by_gates([check("target_tables"), failure])
    assert not load_batch.events_held_by_gates([])
