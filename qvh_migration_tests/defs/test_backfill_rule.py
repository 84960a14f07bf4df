"""A backfill of the 38 partitions follows the load-order rule: a child waits for its parent's run in the
backfill, and is held back (naming the failed ancestor) when that run failed."""

from __future__ import annotations

import time
from types import SimpleNamespace

import dagster as dg
import pytest

from qvh_migration.defs import table_runs

BACKFILL = "bf1"


def _run(instance: dg.DagsterInstance, table: str, status: dg.DagsterRunStatus, **tags: str) -> dg.DagsterRun:
    run_tags = {table_runs.BACKFILL_TAG: BACKFILL, table_runs.PARTITION_TAG: table, **tags}
    return instance.add_run(dg.DagsterRun(job_name="target_table_load", status=status, tags=run_tags))


def test_a_child_of_a_failed_parent_is_held_back_naming_the_first_failed_ancestor() -> None:
    with dg.instance_for_test() as instance:
        _run(instance, "LOAD_PMI", dg.DagsterRunStatus.FAILURE)
        own = _run(instance, "LOAD_PMIIDS", dg.DagsterRunStatus.STARTED)
        assert table_runs.held_back_in_backfill(instance, BACKFILL, "LOAD_PMIIDS", own.run_id) == "LOAD_PMI"
        # A run itself held back is not a failure of its own: its descendants name the first ancestor.
        assert table_runs.backfill_outcomes(instance, BACKFILL, own.run_id)[1] == {"LOAD_PMI"}


def test_a_child_of_a_loaded_parent_may_load() -> None:
    with dg.instance_for_test() as instance:
        _run(instance, "LOAD_PMI", dg.DagsterRunStatus.SUCCESS)
        own = _run(instance, "LOAD_PMIIDS", dg.DagsterRunStatus.STARTED)
        assert table_runs.held_back_in_backfill(instance, BACKFILL, "LOAD_PMIIDS", own.run_id) is None


def test_a_child_waits_while_its_parent_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    with dg.instance_for_test() as instance:
        parent = _run(instance, "LOAD_PMI", dg.DagsterRunStatus.STARTED)
        own = _run(instance, "LOAD_PMIIDS", dg.DagsterRunStatus.STARTED)
        polls: list[float] = []

        def parent_fails_meanwhile(seconds: float) -> None:
            polls.append(seconds)
            instance.delete_run(parent.run_id)
            _run(instance, "LOAD_PMI", dg.DagsterRunStatus.FAILURE)

        monkeypatch.setattr(time, "sleep", parent_fails_meanwhile)
        assert table_runs.held_back_in_backfill(instance, BACKFILL, "LOAD_PMIIDS", own.run_id, 3.0) == "LOAD_PMI"
        assert polls == [3.0]


def _event(kind: str, **data: object) -> SimpleNamespace:
    return SimpleNamespace(event_type_value=kind, event_specific_data=SimpleNamespace(**data))


def test_a_failed_load_check_is_a_failed_load_and_a_failed_gate_is_not() -> None:
    failure = _event("STEP_FAILURE", error=SimpleNamespace(cls_name=table_runs.CHECK_FAILED))

    def check(asset: str) -> SimpleNamespace:
        return _event("ASSET_CHECK_EVALUATION", passed=False, asset_key=dg.AssetKey(asset))

    assert table_runs.events_held_by_gates([check("target_table_gates"), failure])
    # record_numbers_unique or rows_conserved failing: the descendants are held back.
    assert not table_runs.events_held_by_gates([check("target_tables"), failure])
    assert not table_runs.events_held_by_gates([])
