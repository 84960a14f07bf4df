"""Every way of loading the 38 tables follows the same rule: with LOAD_PMI failing a blocking check, the
CLI's serial dry run, its ``--workers 2`` dry run, the nightly sensor chain and a backfill of the 38
partitions load the same tables and hold back the same descendants, naming LOAD_PMI."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from qvh_migration import cli
from qvh_migration.definitions import DRY_RUN_JOB, TARGET_TABLE_JOB, defs, synthetic_run_config
from qvh_migration.defs import table_runs
from qvh_migration.etl import files as etl_files
from qvh_migration.etl import load_order

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
    return code, _loaded(data_dir), dict(HELD.findall(out))


def _chain(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[set[str], dict[str, str]]:
    """The nightly chain: each requested table run executed, the sensors evaluated after each."""
    monkeypatch.setenv("QVH_DATA_DIR", str(data_dir))
    children = defs.resolve_sensor_def("load_children_after_parents")
    hold = defs.resolve_sensor_def("hold_back_after_failure")
    held: dict[str, str] = {}
    with dg.DagsterInstance.get() as instance:
        upstream = defs.resolve_job_def(DRY_RUN_JOB).execute_in_process(
            instance=instance, run_config=synthetic_run_config(patients=PATIENTS, seed=SEED)
        )
        assert upstream.success
        roots = defs.resolve_sensor_def("load_tables_after_upstream")
        context = dg.build_run_status_sensor_context(
            sensor_name=roots.name,
            dagster_event=upstream.get_run_success_event(),
            dagster_instance=instance,
            dagster_run=upstream.dagster_run,
        )
        queue = list(roots(context) or [])
        seen: set[str] = set()
        while queue:
            request = queue.pop(0)
            if request.run_key in seen or request.job_name != TARGET_TABLE_JOB:
                continue
            seen.add(request.run_key)
            result = defs.resolve_job_def(TARGET_TABLE_JOB).execute_in_process(
                instance=instance,
                run_config=request.run_config,
                partition_key=request.partition_key,
                tags={**request.tags, "dagster/partition": request.partition_key},
                raise_on_error=False,
            )
            run = instance.get_run_by_id(result.run_id)
            if result.success:
                event = result.get_run_success_event()
                context = dg.build_run_status_sensor_context(
                    sensor_name=children.name, dagster_event=event, dagster_instance=instance, dagster_run=run
                )
                queue += list(children(context) or [])
            else:
                event = result.get_run_failure_event()
                context = dg.build_run_status_sensor_context(
                    sensor_name=hold.name, dagster_event=event, dagster_instance=instance, dagster_run=run
                ).for_run_failure()
                queue += list(hold(context) or [])
                tag = instance.get_run_by_id(result.run_id).tags.get(load_order.HELD_BACK_TAG, "")
                held |= dict(pair.split("<") for pair in filter(None, tag.split(";")))
    return _loaded(data_dir), held


def _backfill(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[set[str], dict[str, str]]:
    """A backfill of the 38 partitions as the daemon launches it: one run each, submitted in partition
    (load) order, run one at a time as a run-queue limit of one does, each tagged with the backfill."""
    monkeypatch.setenv("QVH_DATA_DIR", str(data_dir))
    held: dict[str, str] = {}
    with dg.DagsterInstance.get() as instance:
        assert (
            defs.resolve_job_def(DRY_RUN_JOB)
            .execute_in_process(instance=instance, run_config=synthetic_run_config(patients=PATIENTS, seed=SEED))
            .success
        )
        for table in load_order.committed().tables:
            result = defs.resolve_job_def(TARGET_TABLE_JOB).execute_in_process(
                instance=instance,
                partition_key=table,
                tags={table_runs.BACKFILL_TAG: "bf1"},
                raise_on_error=False,
            )
            ancestor = instance.get_run_by_id(result.run_id).tags.get(table_runs.HELD_BACK_BY_TAG)
            if ancestor:
                held[table] = ancestor
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
    folders = {name: tmp_path_factory.mktemp(name) for name in ("serial", "parallel", "chain", "backfill")}
    for folder in folders.values():
        shutil.copytree(base, folder, dirs_exist_ok=True)

    serial_code, serial_loaded, serial_held = _cli(folders["serial"], 1, capsys)
    parallel_code, parallel_loaded, parallel_held = _cli(folders["parallel"], 2, capsys)
    chain_loaded, chain_held = _chain(folders["chain"], monkeypatch)
    backfill_loaded, backfill_held = _backfill(folders["backfill"], monkeypatch)

    expected_held = load_order.held_back(load_order.committed(), [FAILED])
    assert "LOAD_PMIIDS" in expected_held
    assert serial_held == parallel_held == chain_held == backfill_held == expected_held
    # The failed table's files are written (its check fails after the load); no descendant's are.
    expected_loaded = set(load_order.committed().tables) - set(expected_held)
    assert serial_loaded == parallel_loaded == chain_loaded == backfill_loaded == expected_loaded
    assert serial_code != 0 and parallel_code != 0
