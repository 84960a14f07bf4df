"""Schedules and sensors: the nightly dry run, and reacting to new documents or a new extract delivery.

A night is the upstream run, one load batch of the 38 target-table partition runs, then the downstream
run:

1. ``nightly_dry_run`` (02:00 Europe/London) requests the ``dry_run`` job (catalogs, extracts,
   mapping, key registry, and whatever else runs before the target tables), tagged as a dry run.
2. ``load_tables_after_upstream`` sees that run succeed and requests all 38 partition runs at once, in
   load order, as one batch (``qvh/load_batch``: the dry run's id). Each run orders itself
   (``defs/load_batch.py``): it waits for its parents' runs in the batch and is held back when an
   ancestor failed, as in a backfill from the UI or the CLI's dry run. The run queue
   (``deploy/dagster.yaml``) decides how many load at once.
3. ``build_after_tables`` sees every run of a nightly batch finished and requests the downstream job
   (staging database, gates, reports), as the CLI's dry run builds them after its tables.

Each request has a run key of batch and table (or ``downstream``), so a sensor that evaluates twice
never launches anything twice. Declarative automation was the alternative; it does not express
"parent partition before child partition" of one partitioned asset, which the batch's runs do.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import dagster as dg

from qvh_migration import run_tags
from qvh_migration.defs import load_batch
from qvh_migration.defs.resources import settings_without_target_url
from qvh_migration.etl import load_order
from qvh_migration.settings import default_spec_dir

# Dagster's tag on a run a sensor launched: which runs are a nightly batch's.
SENSOR_TAG = "dagster/sensor_name"
IMPUTE_TAG = "qvh/impute_mode"
DELIVERY_DIR_ENV = "QVH_EXTRACT_DELIVERY_DIR"
# A delivery folder is read only once this file is in it, so a half-copied delivery is never loaded.
DELIVERY_READY_FILE = "READY"


def _settings_config(run: dg.DagsterRun) -> dict:
    # Later runs of a night read and write where the first run did.
    resources = (run.run_config or {}).get("resources", {})
    if "settings" not in resources:
        return {}
    return {"resources": {"settings": settings_without_target_url(resources["settings"])}}


def _batch_tags(batch: str, run: dg.DagsterRun) -> dict[str, str]:
    """The batch, and the dry run's tags and impute mode of the run that started the night."""
    kept = (run_tags.DRY_RUN_TAG, run_tags.DRY_RUN_NAME_TAG, IMPUTE_TAG)
    return {
        **{k: run.tags[k] for k in kept if run.tags.get(k)},
        run_tags.DRY_RUN_TAG: batch,
        load_batch.BATCH_TAG: batch,
    }


def _load_request(batch: str, table: str, run: dg.DagsterRun, job_name: str) -> dg.RunRequest:
    impute = run.tags.get(IMPUTE_TAG)
    config = _settings_config(run)
    if impute:
        config["ops"] = {"target_tables": {"config": {"impute_mode": impute}}}
    return dg.RunRequest(
        run_key=f"{batch}:{table}",
        job_name=job_name,
        partition_key=table,
        run_config=config,
        tags=_batch_tags(batch, run),
    )


def build_automation(
    upstream_job: dg.UnresolvedAssetJobDefinition,
    load_job: dg.UnresolvedAssetJobDefinition,
    downstream_job: dg.UnresolvedAssetJobDefinition,
    catalogs_job: dg.UnresolvedAssetJobDefinition,
) -> tuple[list[dg.ScheduleDefinition], list[dg.SensorDefinition]]:
    """The nightly schedule and the four sensors, bound to the code location's jobs."""
    order = load_order.committed()

    @dg.schedule(
        name="nightly_dry_run",
        job=upstream_job,
        cron_schedule="0 2 * * *",
        execution_timezone="Europe/London",
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description=(
            "Nightly dry run at 02:00 UK time: the stages before the target tables; the sensors "
            "load_tables_after_upstream and build_after_tables then load the 38 tables as one batch "
            "and build the staging database, gates and reports. Ships stopped."
        ),
    )
    def nightly_dry_run(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        when = context.scheduled_execution_time
        tags = {"qvh/trigger": "nightly", **run_tags.new_dry_run(when).tags}
        return dg.RunRequest(run_key=f"nightly:{when.strftime('%Y-%m-%dT%H:%M')}", tags=tags)

    @dg.run_status_sensor(
        name="load_tables_after_upstream",
        run_status=dg.DagsterRunStatus.SUCCESS,
        monitored_jobs=[upstream_job],
        request_job=load_job,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description=(
            "When a dry run's upstream stages succeed, request the 38 target-table runs as one batch, in load "
            "order; each waits for its parents' runs and is held back when an ancestor failed."
        ),
    )
    def load_tables_after_upstream(context: dg.RunStatusSensorContext):
        run = context.dagster_run
        batch = run_tags.dry_run_id(run.tags, run.run_id)
        for table in order.tables:  # all at once, in load order: each run waits for its parents
            yield _load_request(batch, table, run, load_job.name)

    @dg.sensor(
        name="build_after_tables",
        job=downstream_job,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description=(
            "When every target-table run of a nightly batch has finished (loaded, failed or held back), build the "
            "staging database, gates and reports."
        ),
    )
    def build_after_tables(context: dg.SensorEvaluationContext):
        # The batches load_tables_after_upstream launched lately; a CLI dry run builds its own.
        launched = dg.RunsFilter(job_name=load_job.name, tags={SENSOR_TAG: load_tables_after_upstream.name})
        recent = context.instance.get_runs(filters=launched, limit=2 * len(order.tables))
        first_run: dict[str, dg.DagsterRun] = {}
        for run in recent:
            first_run[run.tags[load_batch.BATCH_TAG]] = run
        for batch, run in first_run.items():
            built = dg.RunsFilter(job_name=downstream_job.name, tags={load_batch.BATCH_TAG: batch})
            if context.instance.get_runs_count(filters=built):
                continue
            if load_batch.batch_finished(context.instance, (load_batch.BATCH_TAG, batch)):
                yield dg.RunRequest(
                    run_key=f"{batch}:downstream",
                    run_config=_settings_config(run),
                    tags=_batch_tags(batch, run),
                )

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
        build_after_tables,
        requirement_documents_changed,
        extract_delivery,
    ]
    return [nightly_dry_run], sensors


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
