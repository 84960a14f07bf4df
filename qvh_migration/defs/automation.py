"""Schedules and sensors: the nightly dry run, and reacting to new documents or a new extract delivery.

A night is a chain of runs, not one run request per stage, because the target tables must load in
dependency order: a child table links against its parent's last published load, and all of them
need the key registry. Launching the unpartitioned run and 38 partition runs at the same moment
would race. So:

1. ``nightly_dry_run`` (02:00 Europe/London) requests the ``dry_run`` job (catalogs, extracts,
   mapping, key registry, and whatever else runs before the target tables).
2. ``load_tables_after_upstream`` sees that run succeed and requests every table with no parent.
3. ``load_children_after_parents`` sees each table succeed and requests every table whose parents
   have all loaded in this cycle; when all 38 have, it requests the downstream job (staging database,
   gates, reports). A failed table stops its own descendants and the downstream job, nothing else.
4. ``hold_back_after_failure`` sees a table fail and tags its run with the descendants it holds back.

Which tables are ready and which are held back is ``etl/load_order.py``'s rule, the one the CLI's
dry run and the parallel job follow too.

Every run of a cycle carries the ``qvh/cycle`` tag (the first run's id) and each request has a run
key of cycle and table, so a sensor that evaluates twice never launches a table twice. Declarative
automation was the alternative; it does not express "parent partition before child partition" of
one partitioned asset, which this chain does, and the run queue still caps how many load at once.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import dagster as dg

from qvh_migration.defs.resources import settings_without_target_url
from qvh_migration.etl import load_order
from qvh_migration.settings import default_spec_dir

CYCLE_TAG = "qvh/cycle"
IMPUTE_TAG = "qvh/impute_mode"
PARTITION_TAG = "dagster/partition"
DELIVERY_DIR_ENV = "QVH_EXTRACT_DELIVERY_DIR"
# A delivery folder is read only once this file is in it, so a half-copied delivery is never loaded.
DELIVERY_READY_FILE = "READY"


def _settings_config(run: dg.DagsterRun) -> dict:
    # Later runs of a cycle read and write where the first run did.
    resources = (run.run_config or {}).get("resources", {})
    if "settings" not in resources:
        return {}
    return {"resources": {"settings": settings_without_target_url(resources["settings"])}}


def _load_request(cycle: str, table: str, run: dg.DagsterRun, job_name: str) -> dg.RunRequest:
    impute = run.tags.get(IMPUTE_TAG)
    config = _settings_config(run)
    if impute:
        config["ops"] = {"target_tables": {"config": {"impute_mode": impute}}}
    tags = {CYCLE_TAG: cycle, **({IMPUTE_TAG: impute} if impute else {})}
    return dg.RunRequest(
        run_key=f"{cycle}:{table}", job_name=job_name, partition_key=table, run_config=config, tags=tags
    )


def build_automation(
    upstream_job: dg.UnresolvedAssetJobDefinition,
    load_job: dg.UnresolvedAssetJobDefinition,
    downstream_job: dg.UnresolvedAssetJobDefinition,
    catalogs_job: dg.UnresolvedAssetJobDefinition,
) -> tuple[list[dg.ScheduleDefinition], list[dg.SensorDefinition]]:
    """The nightly schedule and the five sensors, bound to the code location's jobs."""
    order = load_order.committed()

    @dg.schedule(
        name="nightly_dry_run",
        job=upstream_job,
        cron_schedule="0 2 * * *",
        execution_timezone="Europe/London",
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description=(
            "Nightly dry run at 02:00 UK time: the stages before the target tables; the sensors "
            "load_tables_after_upstream and load_children_after_parents then load the 38 tables parents "
            "first and build the staging database, gates and reports. Ships stopped."
        ),
    )
    def nightly_dry_run(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        stamp = context.scheduled_execution_time.strftime("%Y-%m-%dT%H:%M")
        return dg.RunRequest(run_key=f"nightly:{stamp}", tags={"qvh/trigger": "nightly"})

    @dg.run_status_sensor(
        name="load_tables_after_upstream",
        run_status=dg.DagsterRunStatus.SUCCESS,
        monitored_jobs=[upstream_job],
        request_job=load_job,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description="When a dry run's upstream stages succeed, load every target table that has no parent.",
    )
    def load_tables_after_upstream(context: dg.RunStatusSensorContext):
        run = context.dagster_run
        cycle = run.tags.get(CYCLE_TAG, run.run_id)
        for table in load_order.decide(order, loaded=()).ready:
            yield _load_request(cycle, table, run, load_job.name)

    @dg.run_status_sensor(
        name="load_children_after_parents",
        run_status=dg.DagsterRunStatus.SUCCESS,
        monitored_jobs=[load_job],
        request_jobs=[load_job, downstream_job],
        default_status=dg.DefaultSensorStatus.STOPPED,
        description=(
            "When a target table loads, load each table whose parents have now all loaded in this cycle; "
            "after the 38th, build the staging database, gates and reports."
        ),
    )
    def load_children_after_parents(context: dg.RunStatusSensorContext):
        run = context.dagster_run
        cycle = run.tags.get(CYCLE_TAG)
        if not cycle:
            return  # a table rerun by hand is not part of a nightly chain
        loaded, failed = _cycle_outcomes(context.instance, load_job.name, cycle)
        if loaded >= set(order.tables):
            yield dg.RunRequest(
                run_key=f"{cycle}:downstream",
                job_name=downstream_job.name,
                run_config=_settings_config(run),
                tags={CYCLE_TAG: cycle},
            )
            return
        # Every table the rule lets start; run keys drop the ones an earlier tick requested.
        for table in load_order.decide(order, loaded=loaded, failed=failed).ready:
            yield _load_request(cycle, table, run, load_job.name)

    @dg.run_status_sensor(
        name="hold_back_after_failure",
        run_status=dg.DagsterRunStatus.FAILURE,
        monitored_jobs=[load_job],
        request_jobs=[load_job],
        default_status=dg.DefaultSensorStatus.STOPPED,
        description=(
            "When a target table's load or blocking checks fail in a nightly chain, tag its run with the "
            f"descendants it holds back ({load_order.HELD_BACK_TAG}); they are not requested this cycle. A table "
            "held only by its gates is loaded: its children are requested as after a success."
        ),
    )
    def hold_back_after_failure(context: dg.RunStatusSensorContext):
        run = context.dagster_run
        cycle = run.tags.get(CYCLE_TAG)
        if not cycle:
            return
        loaded, failed = _cycle_outcomes(context.instance, load_job.name, cycle)
        if run.tags.get(PARTITION_TAG) in loaded:  # held by its gates only
            for table in load_order.decide(order, loaded=loaded, failed=failed).ready:
                yield _load_request(cycle, table, run, load_job.name)
        held = load_order.held_back(order, failed)
        if held and run.tags.get(PARTITION_TAG) in failed:
            context.instance.add_run_tags(run.run_id, {load_order.HELD_BACK_TAG: load_order.held_back_tag(held)})
            for table, ancestor in held.items():
                context.log.warning(load_order.held_back_line(table, ancestor))

    @dg.sensor(
        name="requirement_documents_changed",
        job=catalogs_job,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description=(
            "Re-materialises the catalogs when the requirement documents change (content hash of every file "
            f"in the documents folder, {default_spec_dir().name}/ unless QVH_REQUIREMENT_SPEC_DIR says otherwise)."
        ),
    )
    def requirement_documents_changed(context: dg.SensorEvaluationContext):
        digest = documents_hash(default_spec_dir())
        if digest == context.cursor:
            return dg.SkipReason("requirement documents unchanged")
        context.update_cursor(digest)
        return dg.RunRequest(run_key=f"documents:{digest}", tags={"qvh/documents_sha256": digest[:16]})

    @dg.sensor(
        name="extract_delivery",
        job=upstream_job,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description=(
            f"Starts a dry run on each new delivery of real extracts: a sub-folder of {DELIVERY_DIR_ENV} holding "
            f"<TABLE>.parquet or .csv files and, once copying is complete, a {DELIVERY_READY_FILE} file."
        ),
    )
    def extract_delivery(context: dg.SensorEvaluationContext):
        folder = os.environ.get(DELIVERY_DIR_ENV)
        if not folder:
            return dg.SkipReason(f"{DELIVERY_DIR_ENV} is not set")
        seen = set(json.loads(context.cursor)) if context.cursor else set()
        deliveries = complete_deliveries(Path(folder))
        new = [d for d in deliveries if d.name not in seen]
        context.update_cursor(json.dumps(sorted(seen | {d.name for d in new})))
        if not new:
            return dg.SkipReason("no new complete delivery")
        return [
            dg.RunRequest(
                run_key=f"delivery:{d.name}",
                run_config={"resources": {"extract_source": {"config": {"kind": "files", "location": str(d)}}}},
                tags={"qvh/trigger": "extract_delivery", "qvh/delivery": d.name},
            )
            for d in new
        ]

    sensors = [
        load_tables_after_upstream,
        load_children_after_parents,
        hold_back_after_failure,
        requirement_documents_changed,
        extract_delivery,
    ]
    return [nightly_dry_run], sensors


def _cycle_outcomes(instance: dg.DagsterInstance, job_name: str, cycle: str) -> tuple[set[str], set[str]]:
    """The partitions of a cycle's table runs: (loaded, failed). A run failed only by its gates loaded."""
    from qvh_migration.defs.table_runs import run_held_by_gates

    statuses = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE]
    runs = instance.get_runs(filters=dg.RunsFilter(job_name=job_name, statuses=statuses, tags={CYCLE_TAG: cycle}))
    loaded: set[str] = set()
    failed: set[str] = set()
    for run in runs:
        table = run.tags.get(PARTITION_TAG)
        if table and (run.status == dg.DagsterRunStatus.SUCCESS or run_held_by_gates(instance, run.run_id)):
            loaded.add(table)
        elif table:
            failed.add(table)
    return loaded, failed


def documents_hash(folder: Path) -> str:
    """SHA-256 over every document's name and content; changes when any document is added, edited or removed."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []:
        digest.update(path.name.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def complete_deliveries(folder: Path) -> list[Path]:
    """Delivery sub-folders with their READY file, oldest name first."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and (p / DELIVERY_READY_FILE).is_file())
