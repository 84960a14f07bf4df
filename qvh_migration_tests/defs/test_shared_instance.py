"""The shared team instance (deploy/dagster.yaml) against a real PostgreSQL server."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from qvh_migration import settings
from qvh_migration.definitions import CATALOGS_JOB, defs
from qvh_migration_tests.defs.pg_server import create_database, instance_environment, postgres_server

# Builds a whole dry run, starts a server or a browser, or loads all 38 tables: the full suite only.
pytestmark = pytest.mark.slow

SHARED_YAML = settings.PROJECT_ROOT / "deploy" / "dagster.yaml"


@pytest.fixture(scope="module")
def postgres_url() -> str:
    with postgres_server() as admin_url:
        yield create_database(admin_url, "dagster")


@pytest.fixture
def shared_home(tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(SHARED_YAML, home / "dagster.yaml")  # the shipped example, unchanged
    for name, value in instance_environment(postgres_url, "dagster").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("QVH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("QVH_REQUIREMENT_SPEC_DIR", raising=False)
    return home


def test_example_instance_queues_runs_and_limits_partitions(shared_home: Path) -> None:
    with dg.DagsterInstance.from_config(str(shared_home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        queue = instance.get_concurrency_config().run_queue_config
        limits = {(limit["key"], limit.get("value")): limit["limit"] for limit in queue.tag_concurrency_limits}
        assert limits[("qvh/stage", "target_table")] == 2
        assert queue.max_concurrent_runs >= 2
        assert not instance.nux_enabled


def test_run_history_lands_in_postgres_and_another_process_reads_it(shared_home: Path, postgres_url: str) -> None:
    import psycopg2

    with dg.DagsterInstance.from_config(str(shared_home)) as instance:
        result = defs.resolve_job_def(CATALOGS_JOB).execute_in_process(instance=instance)
        assert result.success
    # A second instance on the same database (the webserver, or a colleague's machine) sees the run.
    with dg.DagsterInstance.from_config(str(shared_home)) as other:
        run = other.get_run_by_id(result.run_id)
        assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS
        assert other.get_latest_materialization_event(dg.AssetKey("target_catalog")).run_id == result.run_id
    with psycopg2.connect(postgres_url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM runs WHERE run_id = %s", (result.run_id,))
        assert cursor.fetchone()[0] == 1
        cursor.execute("SELECT count(*) FROM event_logs WHERE run_id = %s", (result.run_id,))
        assert cursor.fetchone()[0] > 10
