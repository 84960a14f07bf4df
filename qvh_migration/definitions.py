"""The qvh_migration code location: every migration artifact as a software-defined asset."""

import dagster as dg

from qvh_migration.defs import etl, extracts, gates, mapping, specs
from qvh_migration.defs.extract_store import ExtractSource
from qvh_migration.defs.resources import MigrationSettings

DRY_RUN_JOB = "dry_run"

TARGET_TABLE_JOB = "target_table_rerun"
STAGING_JOB = "staging_database_build"
RELEASE_JOB = "release_gates"
_TABLE_GATES = dg.AssetSelection.assets(gates.target_table_gates, gates.gated_tables)
_RELEASE = dg.AssetSelection.assets(gates.cross_table_integrity, gates.defect_detection, gates.release_decision)
_PER_TABLE = dg.AssetSelection.assets(etl.target_tables, etl.staging_database) | _TABLE_GATES | _RELEASE

dry_run_job = dg.define_asset_job(
    DRY_RUN_JOB,
    selection=dg.AssetSelection.all() - _PER_TABLE,
    description=(
        "Dry run up to the key registry: documents to catalogs, extracts, mapping, keys, with every check. "
        "The target tables follow, one run per partition (`qvh-migration dry-run` runs all of it)."
    ),
)
target_table_job = dg.define_asset_job(
    TARGET_TABLE_JOB,
    selection=dg.AssetSelection.assets(etl.target_tables) | _TABLE_GATES,
    description="Load one target table (one partition), run its checks and gates; rerun it after fixing its mapping.",
)
staging_job = dg.define_asset_job(
    STAGING_JOB,
    selection=dg.AssetSelection.assets(etl.staging_database),
    description="Rebuild target/staging.duckdb from the target-table partitions.",
)

release_job = dg.define_asset_job(
    RELEASE_JOB,
    selection=_RELEASE,
    description="After every partition: cross-table integrity, recall against the defect ledger, release decision.",
)

nightly_dry_run = dg.ScheduleDefinition(
    name="nightly_dry_run",
    job=dry_run_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/London",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Nightly dry run at 02:00 UK time; start it in the UI once the store is set up.",
)


def target_table_run_config(impute_mode: str | None = None) -> dict:
    """Run config for a target-table partition run; None keeps the default (strict)."""
    return {"ops": {"target_tables": {"config": {"impute_mode": impute_mode}}}} if impute_mode else {}


def gate_run_config(profile: str | None = None, assets: tuple[str, ...] = ("target_table_gates",)) -> dict:
    """Run config choosing the release profile of the gates; None keeps the default (development)."""
    return {"ops": {a: {"config": {"profile": profile}} for a in assets}} if profile else {}


def synthetic_run_config(
    patients: int | None = None, seed: int | None = None, defect_rate: float | None = None
) -> dict:
    """Run config for the synthetic extracts; values left as None keep the asset's defaults."""
    values = {"patients": patients, "seed": seed, "defect_rate": defect_rate}
    config = {k: v for k, v in values.items() if v is not None}
    return {"ops": {extracts.ASSET_NAME: {"config": config}}} if config else {}


defs = dg.Definitions(
    assets=dg.load_assets_from_modules([specs, extracts, mapping, etl, gates]),
    asset_checks=dg.load_asset_checks_from_modules([specs, extracts, mapping, etl, gates]),
    jobs=[dry_run_job, target_table_job, staging_job, release_job],
    schedules=[nightly_dry_run],
    resources={"settings": MigrationSettings(), "extract_source": ExtractSource()},
)
