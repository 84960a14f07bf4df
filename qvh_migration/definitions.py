"""The qvh_migration code location: every migration artifact as a software-defined asset."""

import os

import dagster as dg

from qvh_migration.defs import etl, evidence, extracts, gates, mapping, reports, scenarios, specs, trial
from qvh_migration.defs import trials as trial_loads
from qvh_migration.defs import worklists as cleansing
from qvh_migration.defs.automation import build_automation
from qvh_migration.defs.extract_store import ExtractSource
from qvh_migration.defs.resources import MigrationSettings

DRY_RUN_JOB = "dry_run"
# The per-partition load a load batch runs 38 times (the CLI, the nightly sensors, a backfill).
TARGET_TABLE_JOB = "target_table_load"
# One partition plus what reads it, for a rerun after a fix.
TARGET_TABLE_RERUN_JOB = "target_table_rerun"
STAGING_JOB = "staging_database_build"
# Cross-table integrity, business invariants, defect detection and the release decision alone.
RELEASE_JOB = "release_gates"
CATALOGS_JOB = "catalogs_refresh"
EXECUTOR_ENV = "QVH_EXECUTOR"
MODULES = [specs, extracts, mapping, etl, gates, reports, trial, scenarios, evidence]
MODULES += [cleansing, trial_loads]  # the cleansing worklists and the register of trial loads
# Who answers for an asset in the UI; a team replaces it with its own (team:... or an email).
OWNER = "team:qvh-migration"

# Selections by graph position, not by name, so gates and reports added to the graph join the
# right job by where they read from: before the target tables, or after them.
TARGETS = dg.AssetSelection.assets(etl.target_tables)
# A target table's own gates share its partition, so they run in the same per-table run.
PER_TABLE = TARGETS | dg.AssetSelection.assets(gates.target_table_gates, gates.gated_tables)
AFTER_TARGETS = TARGETS.downstream() - PER_TABLE
BEFORE_TARGETS = dg.AssetSelection.all() - TARGETS.downstream()
RELEASE = dg.AssetSelection.assets(
    gates.cross_table_integrity, gates.business_invariants, gates.defect_detection, gates.release_decision
)


def _executor() -> dg.ExecutorDefinition | None:
    """QVH_EXECUTOR=k8s runs every step in its own pod (one pod per partition run); the default is
    Dagster's multiprocess executor on this machine."""
    if os.environ.get(EXECUTOR_ENV, "").lower() == "k8s":
        from dagster_k8s import k8s_job_executor

        return k8s_job_executor
    return None


def target_table_run_config(impute_mode: str | None = None, engine: str | None = None) -> dict:
    """Run config for a target-table partition run; None keeps the default (strict, duckdb)."""
    config = {k: v for k, v in (("impute_mode", impute_mode), ("engine", engine)) if v}
    return {"ops": {"target_tables": {"config": config}}} if config else {}


def gate_run_config(profile: str | None = None, assets: tuple[str, ...] = ("target_table_gates",)) -> dict:
    """Run config choosing the release profile of the gates; None keeps the default (pre_production)."""
    return {"ops": {a: {"config": {"profile": profile}} for a in assets}} if profile else {}


def synthetic_run_config(
    patients: int | None = None, seed: int | None = None, defect_rate: float | None = None
) -> dict:
    """Run config for the synthetic extracts; values left as None keep the asset's defaults."""
    values = {"patients": patients, "seed": seed, "defect_rate": defect_rate}
    config = {k: v for k, v in values.items() if v is not None}
    return {"ops": {extracts.ASSET_NAME: {"config": config}}} if config else {}


dry_run_job = dg.define_asset_job(
    DRY_RUN_JOB,
    selection=BEFORE_TARGETS,
    tags={"qvh/stage": "upstream"},
    description=(
        "Dry run of the stages before the target tables: documents to catalogs, extracts, mapping, keys, with "
        "every check. The 38 target tables follow, parents first, then the staging database, gates and reports "
        "(`qvh-migration dry-run` runs all of it; on a server the sensors chain it). Launchpad: scaffold the "
        "config to set patients, seed, defect rate and the extract source."
    ),
)
target_table_job = dg.define_asset_job(
    TARGET_TABLE_JOB,
    selection=PER_TABLE,
    tags={"qvh/stage": "target_table"},
    description="Load one target table (one partition), run its blocking checks and its gates.",
)
target_table_rerun_job = dg.define_asset_job(
    TARGET_TABLE_RERUN_JOB,
    selection=PER_TABLE | AFTER_TARGETS,
    tags={"qvh/stage": "target_table"},
    description=(
        "Rerun one target table after fixing its mapping: the partition, its checks, then everything that reads "
        "the target tables (staging database, gates, reports). Pick the partition and the impute mode."
    ),
)
staging_job = dg.define_asset_job(
    STAGING_JOB,
    selection=AFTER_TARGETS,
    tags={"qvh/stage": "downstream"},
    description="Everything after the 38 target tables: the staging database, gates and reports.",
)
catalogs_job = dg.define_asset_job(
    CATALOGS_JOB,
    selection=dg.AssetSelection.groups(specs.GROUP),
    description="Re-read the requirement documents into the catalogs (the `specs` group).",
)
release_job = dg.define_asset_job(
    RELEASE_JOB,
    selection=RELEASE,
    tags={"qvh/stage": "downstream"},
    description="Re-score the stored run: cross-table integrity, defect detection and the release decision.",
)
JOBS = [dry_run_job, target_table_job, target_table_rerun_job, staging_job, catalogs_job, release_job]


def target_table_load() -> dg.JobDefinition:
    """The resolved ``target_table_load`` job, for ``defs/table_runs.load_tables`` (its worker processes
    import this module and call it)."""
    return defs.resolve_job_def(TARGET_TABLE_JOB)


schedules, sensors = build_automation(dry_run_job, target_table_job, staging_job, catalogs_job)
nightly_dry_run = schedules[0]

defs = dg.Definitions(
    assets=dg.map_asset_specs(
        lambda spec: spec.replace_attributes(owners=[OWNER]), dg.load_assets_from_modules(MODULES)
    ),
    asset_checks=dg.load_asset_checks_from_modules(MODULES),
    jobs=JOBS,
    schedules=schedules,
    sensors=sensors,
    resources={"settings": MigrationSettings(), "extract_source": ExtractSource()},
    executor=_executor(),
)
