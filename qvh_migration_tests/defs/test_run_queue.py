"""The shared instance's run queue under a running daemon: partition runs queue, and no more than
the limit of ``deploy/dagster.yaml`` (two target-table partitions) run at once.

A real PostgreSQL server holds the instance, the shipped ``dagster.yaml`` is used unchanged, the
webserver takes the launches (as the UI would) and ``dagster-daemon`` drains the queue.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import dagster as dg
import pytest

from qvh_migration import settings
from qvh_migration.definitions import DRY_RUN_JOB, defs, synthetic_run_config
from qvh_migration_tests.defs.pg_server import create_database, instance_environment, postgres_server
from qvh_migration_tests.defs.test_browser import BIN, _free_port, _wait_until_served, launch_partition_run

# Builds a whole dry run, starts a server or a browser, or loads all 38 tables: the full suite only.
pytestmark = pytest.mark.slow

SHARED_YAML = settings.PROJECT_ROOT / "deploy" / "dagster.yaml"
# Tables with no parent: each loads on its own, so four can be queued together.
# Three tables with no parents: enough for the limit of two to hold one back.
ROOT_TABLES = ("LOAD_STAFF", "LOAD_USERS", "LOAD_SITES")
# A parent and its child (LOAD_PMIIDS links to LOAD_PMI only).
BATCH = ("LOAD_PMI", "LOAD_PMIIDS")
IN_PROGRESS = {dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED}
FINISHED = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory):
    with postgres_server() as admin_url:
        dagster_url = create_database(admin_url, "dagster")
        home = tmp_path_factory.mktemp("dagster_home")
        shutil.copy(SHARED_YAML, home / "dagster.yaml")  # the shipped example, unchanged
        data = tmp_path_factory.mktemp("data")
        env = {
            **os.environ,
            **instance_environment(dagster_url, "dagster"),
            "DAGSTER_HOME": str(home),
            "QVH_DATA_DIR": str(data),
        }
        env.pop("QVH_REQUIREMENT_SPEC_DIR", None)
        with pytest.MonkeyPatch.context() as patch:
            for name in ("DAGSTER_HOME", "QVH_DATA_DIR", *instance_environment(dagster_url, "dagster")):
                patch.setenv(name, env[name])
            patch.delenv("QVH_REQUIREMENT_SPEC_DIR", raising=False)
            with dg.DagsterInstance.get() as instance:
                upstream = defs.resolve_job_def(DRY_RUN_JOB).execute_in_process(
                    instance=instance, run_config=synthetic_run_config(patients=100, seed=5), raise_on_error=False
                )
            assert upstream.success
            port = _free_port()
            quiet = {
                "cwd": settings.PROJECT_ROOT,
                "env": env,
                "stdout": subprocess.DEVNULL,
                "stderr": subprocess.DEVNULL,
            }
            server = subprocess.Popen(
                [str(BIN / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)], **quiet
            )
            daemon = subprocess.Popen([str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"], **quiet)
            url = f"http://127.0.0.1:{port}"
            try:
                _wait_until_served(url)
                yield url, home
            finally:
                for process in (daemon, server):
                    process.terminate()
                    process.wait(timeout=60)


def test_the_queue_runs_at_most_two_partitions_at_once(shared_server) -> None:
    url, home = shared_server
    run_ids = [launch_partition_run(url, table) for table in ROOT_TABLES]
    most_at_once, queued_while_full = 0, False
    deadline = time.monotonic() + 900
    with dg.DagsterInstance.from_config(str(home)) as instance:
        while time.monotonic() < deadline:
            statuses = [instance.get_run_by_id(run_id).status for run_id in run_ids]
            running = sum(status in IN_PROGRESS for status in statuses)
            most_at_once = max(most_at_once, running)
            queued_while_full |= running == 2 and dg.DagsterRunStatus.QUEUED in statuses
            if all(status in FINISHED for status in statuses):
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"runs not finished after 900 s: {statuses}")
    assert statuses == [dg.DagsterRunStatus.SUCCESS] * len(ROOT_TABLES), statuses
    assert most_at_once <= 2, most_at_once
    # The limit was reached and held runs back, rather than runs merely finishing quickly.
    assert queued_while_full


def test_a_batch_under_the_queue_loads_a_child_only_after_its_parent(shared_server) -> None:
    """A parent and its child launched together as one batch, as a backfill's or the nightly sensor's runs
    are: the queue may start both (limit two); the child's run waits in its body until its parent's ends."""
    from qvh_migration.defs import load_batch

    url, home = shared_server
    parent, child = (launch_partition_run(url, table, {load_batch.BATCH_TAG: "queued-batch"}) for table in BATCH)
    deadline = time.monotonic() + 900
    with dg.DagsterInstance.from_config(str(home)) as instance:
        while not all(instance.get_run_by_id(r).status in FINISHED for r in (parent, child)):
            assert time.monotonic() < deadline, "batch not finished after 900 s"
            time.sleep(0.5)
        # Both loaded (a table held only by its ERROR gates fails its run but counts as loaded).
        assert load_batch.batch_state(instance, (load_batch.BATCH_TAG, "queued-batch")).loaded == set(BATCH)
        parent_end = instance.get_run_record_by_id(parent).end_time
        loaded = [
            entry.timestamp
            for entry in instance.all_logs(child)
            if entry.dagster_event is not None and entry.dagster_event.event_type_value == "ASSET_MATERIALIZATION"
        ]
    assert loaded and min(loaded) >= parent_end
