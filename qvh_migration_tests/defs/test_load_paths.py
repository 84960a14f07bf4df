"""Every way of loading the 38 tables is one orchestration, a load batch of partition runs that order
themselves: with LOAD_PMI failing a blocking check, the CLI's serial dry run, its ``--workers 2`` dry run,
the nightly batch and a backfill of the 38 partitions load the same tables and hold back the same
descendants, naming LOAD_PMI, and the failed run names what it holds back."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from qvh_migration import cli
from qvh_migration.definitions import DRY_RUN_JOB, TARGET_TABLE_JOB, defs, synthetic_run_config
from qvh_migration.defs.automation import SENSOR_TAG
from qvh_migration.defs.load_batch import BACKFILL_TAG, BATCH_TAG, HELD_BACK_BY_TAG, PARTITION_TAG
from qvh_migration.etl import files as etl_files
from qvh_migration.etl import load_order
from qvh_migration.run_tags import DRY_RUN_TAG

PATIENTS, SEED = 200, 11
FAILED = "LOAD_PMI"
HELD = re.compile(r"^held back\s+(\S+): not loaded because (\S+) failed", re.M)


def _plant_duplicate_record_number(data_dir: Path) -> None:
    """Two patients share one LOAD_PMI record number: its blocking check record_numbers_unique fails.
    The registry is append-only, so the dry run's upstream stages keep the planted duplicate."""
    path = data_dir / "target" / "key_registry.parquet"
    registry = pd.read_parquet(path)
    rows = registry.index[registry["target_table"] == FAILED]
    registry.loc[rows[1], "record_number"] = registry.loc[rows[0], "record_number"]
    registry.to_parquet(path)


def _loaded(data_dir: Path) -> set[str]:
    return {
        t
        for t in load_order.committed().tables
        if (data_dir / etl_files.table_path(Path("target"), etl_files.TABLES, t)).exists()
    }


def _cli(data_dir: Path, workers: int, capsys: pytest.CaptureFixture[str]) -> tuple[int, set[str], dict[str, str]]:
    args = ["dry-run", "--patients", str(PATIENTS), "--seed", str(SEED), "--data-dir", str(data_dir), "--quiet"]
    plan = cli.plan_from_args(cli.build_parser().parse_args(args))
    capsys.readouterr()
    code = cli.dry_run(plan=plan, quiet=True, workers=workers)
    out = capsys.readouterr().out
    held = dict(HELD.findall(out))
    # The runs record it as a backfill's do, each tagged with the dry run and its batch.
    [dry_run] = re.findall(r"^dry run id (\S+)", out, re.M)
    with dg.DagsterInstance.get() as instance:
        tags = {DRY_RUN_TAG: dry_run, BATCH_TAG: dry_run}
        runs = instance.get_runs(filters=dg.RunsFilter(job_name=TARGET_TABLE_JOB, tags=tags))
        assert len(runs) == len(load_order.committed().tables)
        assert _held_back(instance, [r.run_id for r in runs]) == held
    return code, _loaded(data_dir), held


def _held_back(instance: dg.DagsterInstance, run_ids: list[str]) -> dict[str, str]:
    """Each held-back run's table and ancestor, and the same read from the failed run's own tag."""
    runs = [instance.get_run_by_id(run_id) for run_id in run_ids]
    held = {r.tags[PARTITION_TAG]: r.tags[HELD_BACK_BY_TAG] for r in runs if HELD_BACK_BY_TAG in r.tags}
    [failed] = [r for r in runs if r.tags[PARTITION_TAG] == FAILED]
    tag = failed.tags.get(load_order.HELD_BACK_TAG, "")
    assert dict(pair.split("<") for pair in filter(None, tag.split(";"))) == held
    return held


def _nightly(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[set[str], dict[str, str]]:
    """The nightly batch: the sensor's 38 requests run in the order requested, one at a time as a run-queue
    limit of one does, then the downstream sensor requests the staging build once all have finished."""
    monkeypatch.setenv("QVH_DATA_DIR", str(data_dir))
    sensor = defs.resolve_sensor_def("load_tables_after_upstream")
    with dg.DagsterInstance.get() as instance:
        upstream = defs.resolve_job_def(DRY_RUN_JOB).execute_in_process(
            instance=instance, run_config=synthetic_run_config(patients=PATIENTS, seed=SEED)
        )
        assert upstream.success
        context = dg.build_run_status_sensor_context(
            sensor_name=sensor.name,
            dagster_event=upstream.get_run_success_event(),
            dagster_instance=instance,
            dagster_run=upstream.dagster_run,
        )
        run_ids = []
        for request in sensor(context) or []:
            result = defs.resolve_job_def(TARGET_TABLE_JOB).execute_in_process(
                instance=instance,
                run_config=request.run_config,
                partition_key=request.partition_key,
                # The daemon tags a run with the sensor that requested it.
                tags={**request.tags, SENSOR_TAG: sensor.name},
                raise_on_error=False,
            )
            run_ids.append(result.run_id)
        built = defs.resolve_sensor_def("build_after_tables").evaluate_tick(dg.build_sensor_context(instance))
        assert [r.run_key for r in built.run_requests] == [f"{upstream.run_id}:downstream"]
        held = _held_back(instance, run_ids)
    return _loaded(data_dir), held


def _backfill(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[set[str], dict[str, str]]:
    """A backfill of the 38 partitions as the daemon launches it: one run each, submitted in partition
    (load) order, run one at a time as a run-queue limit of one does, each tagged with the backfill."""
    monkeypatch.setenv("QVH_DATA_DIR", str(data_dir))
    with dg.DagsterInstance.get() as instance:
        assert (
            defs.resolve_job_def(DRY_RUN_JOB)
            .execute_in_process(instance=instance, run_config=synthetic_run_config(patients=PATIENTS, seed=SEED))
            .success
        )
        run_ids = [
            defs.resolve_job_def(TARGET_TABLE_JOB)
            .execute_in_process(
                instance=instance, partition_key=table, tags={BACKFILL_TAG: "bf1"}, raise_on_error=False
            )
            .run_id
            for table in load_order.committed().tables
        ]
        held = _held_back(instance, run_ids)
    return _loaded(data_dir), held


@pytest.mark.slow
def test_every_path_loads_and_holds_back_the_same_tables(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path_factory.mktemp("dagster_home")
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.delenv("QVH_REQUIREMENT_SPEC_DIR", raising=False)
    base = tmp_path_factory.mktemp("base")
    monkeypatch.setenv("QVH_DATA_DIR", str(base))
    with dg.DagsterInstance.get() as instance:
        assert (
            defs.resolve_job_def(DRY_RUN_JOB)
            .execute_in_process(instance=instance, run_config=synthetic_run_config(patients=PATIENTS, seed=SEED))
            .success
        )
    _plant_duplicate_record_number(base)
    folders = {name: tmp_path_factory.mktemp(name) for name in ("serial", "parallel", "nightly", "backfill")}
    for folder in folders.values():
        shutil.copytree(base, folder, dirs_exist_ok=True)

    serial_code, serial_loaded, serial_held = _cli(folders["serial"], 1, capsys)
    workers_code, workers_loaded, workers_held = _cli(folders["parallel"], 2, capsys)
    nightly_loaded, nightly_held = _nightly(folders["nightly"], monkeypatch)
    backfill_loaded, backfill_held = _backfill(folders["backfill"], monkeypatch)

    expected_held = load_order.held_back(load_order.committed(), [FAILED])
    assert "LOAD_PMIIDS" in expected_held
    assert serial_held == workers_held == nightly_held == backfill_held == expected_held
    # The failed table's files are written (its check fails after the load); no descendant's are.
    expected_loaded = set(load_order.committed().tables) - set(expected_held)
    assert serial_loaded == workers_loaded == nightly_loaded == backfill_loaded == expected_loaded
    assert serial_code != 0 and workers_code != 0
