"""All 38 partition runs of a batch on two worker processes give the same tables, keys and check results
as one after another."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from qvh_migration.definitions import (
    DRY_RUN_JOB,
    STAGING_JOB,
    TARGET_TABLE_JOB,
    defs,
    synthetic_run_config,
    target_table_load,
)
from qvh_migration.defs.etl import TARGET_TABLE_NAMES
from qvh_migration.defs.table_runs import TableRun, load_tables
from qvh_migration.etl import files as etl_files

# Builds a whole dry run, starts a server or a browser, or loads all 38 tables: the full suite only.
pytestmark = pytest.mark.slow
# The stored Dagster runs of each load, by workers.
STORED: dict[int, list[dg.DagsterRun]] = {}


def _run_tables(data_dir: Path, workers: int, monkeypatch: pytest.MonkeyPatch) -> tuple[list[TableRun], float]:
    import dagster as dg

    monkeypatch.setenv("QVH_DATA_DIR", str(data_dir))  # workers are spawned with this environment
    started = time.monotonic()
    loaded = load_tables(target_table_load, {}, workers=workers)
    assert loaded.held_back == {}
    runs = loaded.runs
    elapsed = time.monotonic() - started
    with dg.DagsterInstance.get() as instance:
        assert defs.resolve_job_def(STAGING_JOB).execute_in_process(instance=instance).success
        STORED[workers] = [instance.get_run_by_id(r.run_id) for r in runs]
    return runs, elapsed


@pytest.fixture(scope="module")
def serial_and_parallel(tmp_path_factory: pytest.TempPathFactory):
    import dagster as dg

    home = tmp_path_factory.mktemp("dagster_home")
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    serial_dir = tmp_path_factory.mktemp("serial")
    parallel_dir = tmp_path_factory.mktemp("parallel")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(home))
        patch.setenv("QVH_DATA_DIR", str(serial_dir))
        patch.delenv("QVH_REQUIREMENT_SPEC_DIR", raising=False)
        with dg.DagsterInstance.get() as instance:
            upstream = defs.resolve_job_def(DRY_RUN_JOB).execute_in_process(
                instance=instance, run_config=synthetic_run_config(patients=200, seed=11)
            )
        assert upstream.success
        # Both loads start from the same catalogs, extracts, contract and key registry.
        shutil.copytree(serial_dir, parallel_dir, dirs_exist_ok=True)
        serial = _run_tables(serial_dir, 1, patch)
        parallel = _run_tables(parallel_dir, 2, patch)
    print(f"38 partitions: serial {serial[1]:.1f} s, two workers {parallel[1]:.1f} s")
    return (serial_dir, serial[0]), (parallel_dir, parallel[0])


def _without_run_ids(frame: pd.DataFrame) -> pd.DataFrame:
    # Each load stamps its own run id; everything else must match.
    return frame.drop(columns=[c for c in frame.columns if "run_id" in str(c).lower()])


def test_every_partition_ran_once_and_succeeded(serial_and_parallel) -> None:
    for _, runs in serial_and_parallel:
        assert sorted(r.table for r in runs) == sorted(TARGET_TABLE_NAMES)
        # A table held by its gates under the profile still loaded (its children ran); nothing else failed.
        assert all(r.success or r.blocked for r in runs), [r.lines for r in runs if not r.success]


def test_same_check_results(serial_and_parallel) -> None:
    (_, serial), (_, parallel) = serial_and_parallel
    assert {r.table: r.checks for r in serial} == {r.table: r.checks for r in parallel}
    assert {r.table: r.blocked for r in serial} == {r.table: r.blocked for r in parallel}


def test_same_tables_rejects_outcomes_and_keys(serial_and_parallel) -> None:
    (serial_dir, _), (parallel_dir, _) = serial_and_parallel
    compared = 0
    for kind in (etl_files.TABLES, etl_files.REJECTS, etl_files.WARNINGS, etl_files.OUTCOMES):
        for table in TARGET_TABLE_NAMES:
            relative = etl_files.table_path(Path("target"), kind, table)
            left, right = serial_dir / relative, parallel_dir / relative
            assert left.exists() == right.exists(), relative
            if left.exists():
                pd.testing.assert_frame_equal(
                    _without_run_ids(pd.read_parquet(left)), _without_run_ids(pd.read_parquet(right))
                )
                compared += 1
    assert compared >= 38 * 3
    registry = Path("target") / "key_registry.parquet"
    pd.testing.assert_frame_equal(pd.read_parquet(serial_dir / registry), pd.read_parquet(parallel_dir / registry))
    summary = Path("target") / etl_files.LOAD_SUMMARY_FILE
    timings = ["seconds"]  # how long each table took is the one thing allowed to differ
    pd.testing.assert_frame_equal(
        pd.read_csv(serial_dir / summary).drop(columns=timings),
        pd.read_csv(parallel_dir / summary).drop(columns=timings),
    )


def test_each_table_is_its_own_partition_run_of_the_batch(serial_and_parallel) -> None:
    from qvh_migration.defs.load_batch import BATCH_TAG, PARTITION_TAG

    for workers, (_, runs) in zip((1, 2), serial_and_parallel, strict=True):
        stored = STORED[workers]
        assert {run.job_name for run in stored} == {TARGET_TABLE_JOB}
        assert [run.tags[PARTITION_TAG] for run in stored] == [r.table for r in runs]
        assert len({run.tags[BATCH_TAG] for run in stored}) == 1
