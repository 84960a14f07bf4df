"""Jobs, the nightly schedule's run requests, the nightly load batch's sensors, the document and delivery
sensors and the Launchpad config."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from qvh_migration.definitions import (
    CATALOGS_JOB,
    DRY_RUN_JOB,
    STAGING_JOB,
    TARGET_TABLE_JOB,
    TARGET_TABLE_RERUN_JOB,
    defs,
)
from qvh_migration.defs.automation import DELIVERY_DIR_ENV, IMPUTE_TAG, SENSOR_TAG
from qvh_migration.defs.etl import TARGET_TABLE_NAMES
from qvh_migration.defs.load_batch import BATCH_TAG, PARTITION_TAG
from qvh_migration.etl import load_order
from qvh_migration.run_tags import DRY_RUN_NAME_TAG, DRY_RUN_TAG


def _assets(job_name: str) -> set[str]:
    job = defs.resolve_job_def(job_name)
    return {k.to_user_string() for k in job.asset_layer.executable_asset_keys}


def test_jobs_split_the_graph_around_the_target_tables() -> None:
    upstream = _assets(DRY_RUN_JOB)
    assert {"source_catalog", "extracts/PATDATA", "mapping_contract", "key_registry"} <= upstream
    assert "target_tables" not in upstream and "staging_database" not in upstream
    # The data mapping report is keyed on the staged values: it follows the staging database.
    assert "data_mapping_report" in _assets(STAGING_JOB) and "data_mapping_report" not in upstream
    assert _assets(TARGET_TABLE_JOB) == {"target_tables", "target_table_gates", "gated_tables"}
    assert {"target_tables", "staging_database"} <= _assets(TARGET_TABLE_RERUN_JOB)
    assert "staging_database" in _assets(STAGING_JOB) and "target_tables" not in _assets(STAGING_JOB)
    assert _assets(CATALOGS_JOB) == {"source_catalog", "target_catalog", "schema_catalog_summary"}
    # Together the jobs cover every asset exactly once in the dry-run chain.
    every = {k.to_user_string() for k in defs.get_repository_def().asset_graph.get_all_asset_keys()}
    assert upstream | _assets(TARGET_TABLE_JOB) | _assets(STAGING_JOB) == every


def test_nightly_schedule_requests_the_upstream_run_at_two_uk_time() -> None:
    schedule = defs.resolve_schedule_def("nightly_dry_run")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 2 * * *", "Europe/London")
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    when = datetime(2026, 7, 1, 2, 0, tzinfo=ZoneInfo("Europe/London"))
    with dg.instance_for_test() as instance:
        requests = schedule.evaluate_tick(dg.build_schedule_context(instance, scheduled_execution_time=when))
    [request] = requests.run_requests
    assert request.run_key == "nightly:2026-07-01T02:00"
    assert request.tags[DRY_RUN_NAME_TAG] == "dry run 2026-07-01 01:00"  # a dry run's tags, in UTC
    assert schedule.job_name == DRY_RUN_JOB


def test_chain_loads_every_table_once_parents_first() -> None:
    order = load_order.committed()
    parents = order.parents
    assert set(parents) == set(TARGET_TABLE_NAMES)
    assert parents["LOAD_PMIIDS"] == {"LOAD_PMI"}
    assert parents["LOAD_ADT_EPISODES"] == {"LOAD_ADT_ADMISSIONS"}  # printed as LOAD_ADT
    loaded: list[str] = []
    waves = 0
    while len(loaded) < len(parents):
        wave = load_order.decide(order, loaded=loaded).ready
        assert wave, f"stuck after {loaded}"
        for table in wave:
            assert parents[table] <= set(loaded)
        loaded += wave
        waves += 1
    assert sorted(loaded) == sorted(TARGET_TABLE_NAMES) and len(set(loaded)) == 38
    assert waves < 38  # independent tables share a wave and may load in parallel


def _success(instance: dg.DagsterInstance, job: str, tags: dict[str, str], run_config: dict | None = None):
    run = instance.add_run(
        dg.DagsterRun(job_name=job, status=dg.DagsterRunStatus.SUCCESS, tags=tags, run_config=run_config or {})
    )
    event = dg.DagsterEvent(event_type_value="PIPELINE_SUCCESS", job_name=job)
    return run, event


def _evaluate(sensor_name: str, instance: dg.DagsterInstance, run, event) -> list[dg.RunRequest]:
    sensor = defs.resolve_sensor_def(sensor_name)
    context = dg.build_run_status_sensor_context(
        sensor_name=sensor_name, dagster_event=event, dagster_instance=instance, dagster_run=run
    )
    return list(sensor(context) or [])


def test_upstream_success_requests_the_38_tables_as_one_batch_in_load_order() -> None:
    settings = {"resources": {"settings": {"config": {"data_dir": "/srv/qvh/data"}}}}
    with dg.instance_for_test() as instance:
        run, event = _success(instance, DRY_RUN_JOB, {IMPUTE_TAG: "lenient", DRY_RUN_TAG: "d1"}, settings)
        requests = _evaluate("load_tables_after_upstream", instance, run, event)
    assert [r.partition_key for r in requests] == list(load_order.committed().tables)
    first = requests[0]
    assert first.job_name == TARGET_TABLE_JOB and first.tags[BATCH_TAG] == "d1" == first.tags[DRY_RUN_TAG]
    assert first.run_key == "d1:LOAD_STAFF"
    assert first.run_config["resources"] == settings["resources"]
    assert first.run_config["ops"]["target_tables"]["config"]["impute_mode"] == "lenient"


def _table_run(instance: dg.DagsterInstance, table: str, status: dg.DagsterRunStatus, batch: str = "d1") -> None:
    tags = {BATCH_TAG: batch, PARTITION_TAG: table, SENSOR_TAG: "load_tables_after_upstream"}
    instance.add_run(dg.DagsterRun(job_name=TARGET_TABLE_JOB, status=status, tags=tags))


def _build_requests(instance: dg.DagsterInstance) -> list[dg.RunRequest]:
    sensor = defs.resolve_sensor_def("build_after_tables")
    return list(sensor.evaluate_tick(dg.build_sensor_context(instance)).run_requests)


def test_the_downstream_job_follows_once_every_run_of_the_nightly_batch_finished() -> None:
    with dg.instance_for_test() as instance:
        *first, last = TARGET_TABLE_NAMES
        for table in first:
            _table_run(instance, table, dg.DagsterRunStatus.SUCCESS)
        _table_run(instance, last, dg.DagsterRunStatus.STARTED)
        assert _build_requests(instance) == []
        _table_run(instance, last, dg.DagsterRunStatus.FAILURE)  # a retry, judged by its latest run
        [request] = _build_requests(instance)
        assert request.run_key == "d1:downstream" and request.tags[BATCH_TAG] == "d1"
        assert defs.resolve_sensor_def("build_after_tables").job_name == STAGING_JOB
        # A batch the CLI ran (no sensor tag) builds its own downstream run.
        instance.add_run(dg.DagsterRun(job_name=TARGET_TABLE_JOB, tags={BATCH_TAG: "cli", PARTITION_TAG: last}))
        assert [r.run_key for r in _build_requests(instance)] == ["d1:downstream"]


def test_documents_sensor_fires_on_a_content_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QVH_REQUIREMENT_SPEC_DIR", str(tmp_path))
    (tmp_path / "guide.pdf").write_bytes(b"v1")
    sensor = defs.resolve_sensor_def("requirement_documents_changed")
    with dg.instance_for_test() as instance:
        first = sensor.evaluate_tick(dg.build_sensor_context(instance))
        assert [r.job_name or sensor.job_name for r in first.run_requests] == [CATALOGS_JOB]
        again = sensor.evaluate_tick(dg.build_sensor_context(instance, cursor=first.cursor))
        assert again.run_requests == [] and "unchanged" in again.skip_message
        (tmp_path / "guide.pdf").write_bytes(b"v2")
        changed = sensor.evaluate_tick(dg.build_sensor_context(instance, cursor=first.cursor))
    assert len(changed.run_requests) == 1 and changed.cursor != first.cursor


def test_delivery_sensor_starts_a_dry_run_on_a_complete_delivery(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DELIVERY_DIR_ENV, str(tmp_path))
    delivery = tmp_path / "2026-11-29"
    delivery.mkdir()
    (delivery / "PATDATA.parquet").write_bytes(b"")
    sensor = defs.resolve_sensor_def("extract_delivery")
    with dg.instance_for_test() as instance:
        copying = sensor.evaluate_tick(dg.build_sensor_context(instance))
        assert copying.run_requests == []  # no READY file yet: still being copied
        (delivery / "READY").touch()
        ready = sensor.evaluate_tick(dg.build_sensor_context(instance, cursor=copying.cursor))
        [request] = ready.run_requests
        assert sensor.job_name == DRY_RUN_JOB
        source = request.run_config["resources"]["extract_source"]["config"]
        assert source == {"kind": "files", "location": str(delivery)}
        assert json.loads(ready.cursor) == ["2026-11-29"]
        seen = sensor.evaluate_tick(dg.build_sensor_context(instance, cursor=ready.cursor))
    assert seen.run_requests == []


def _fields(job_name: str, *path: str) -> dict:
    config_type = defs.resolve_job_def(job_name).run_config_schema.config_type
    for name in path:
        config_type = config_type.fields[name].config_type
    return config_type.fields


def test_launchpad_config_has_descriptions_and_defaults() -> None:
    synthetic = _fields(DRY_RUN_JOB, "ops", "source_extracts", "config")
    source = _fields(DRY_RUN_JOB, "resources", "extract_source", "config")
    impute = _fields(TARGET_TABLE_RERUN_JOB, "ops", "target_tables", "config")
    expected = {
        "patients": 2000,
        "seed": 42,
        "defect_rate": 0.015,
        "kind": "",  # empty: sql when QVH_SOURCE_URL is set, else synthetic
        "impute_mode": "strict",
    }
    fields = {**synthetic, **source, **impute}
    for name, default in expected.items():
        assert fields[name].default_value == default, name
        assert fields[name].description, f"{name} has no description in the Launchpad"
    # An unknown impute mode is refused by the Launchpad before a run starts.
    bad = {"ops": {"target_tables": {"config": {"impute_mode": "guess"}}}}
    with pytest.raises(dg.DagsterInvalidConfigError):
        dg.validate_run_config(defs.resolve_job_def(TARGET_TABLE_RERUN_JOB), bad)


def test_no_run_the_nightly_batch_requests_carries_the_target_url() -> None:
    url = "postgresql://qvh@staging.example/hospital"
    settings = {"resources": {"settings": {"config": {"data_dir": "/srv/qvh/data", "target_url": url}}}}
    when = datetime(2026, 7, 1, 2, 0, tzinfo=ZoneInfo("Europe/London"))
    with dg.instance_for_test() as instance:
        nightly = defs.resolve_schedule_def("nightly_dry_run").evaluate_tick(
            dg.build_schedule_context(instance, scheduled_execution_time=when)
        )
        run, event = _success(instance, DRY_RUN_JOB, {}, settings)
        tables = _evaluate("load_tables_after_upstream", instance, run, event)
        for table in TARGET_TABLE_NAMES:
            tags = {BATCH_TAG: run.run_id, PARTITION_TAG: table, SENSOR_TAG: "load_tables_after_upstream"}
            instance.add_run(
                dg.DagsterRun(
                    job_name=TARGET_TABLE_JOB, status=dg.DagsterRunStatus.SUCCESS, tags=tags, run_config=settings
                )
            )
        downstream = _build_requests(instance)
    configs = [r.run_config for r in [*nightly.run_requests, *tables, *downstream]]
    assert tables and downstream
    for config in configs:
        assert "postgresql" not in json.dumps(config), config
    assert tables[0].run_config["resources"]["settings"]["config"] == {"data_dir": "/srv/qvh/data"}


def test_case_note_history_waits_for_the_case_note_identifiers_its_gate_reads() -> None:
    # casenote_before_history reads LOAD_PMIIDS: a batch's run must not judge the history before them.
    assert "LOAD_PMIIDS" in load_order.committed().parents["LOAD_PMICASENOTEHISTORY"]
