"""The qvh_migration code location: every migration artifact as a software-defined asset."""

import dagster as dg

from qvh_migration.defs import extracts, mapping, specs
from qvh_migration.defs.extract_store import ExtractSource
from qvh_migration.defs.resources import MigrationSettings

DRY_RUN_JOB = "dry_run"

dry_run_job = dg.define_asset_job(
    DRY_RUN_JOB,
    selection=dg.AssetSelection.all(),
    description="Full dry run: documents to catalogs, synthetic extracts, mapping, with every check.",
)

nightly_dry_run = dg.ScheduleDefinition(
    name="nightly_dry_run",
    job=dry_run_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/London",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Nightly dry run at 02:00 UK time; start it in the UI once the store is set up.",
)


def synthetic_run_config(
    patients: int | None = None, seed: int | None = None, defect_rate: float | None = None
) -> dict:
    """Run config for the synthetic extracts; values left as None keep the asset's defaults."""
    values = {"patients": patients, "seed": seed, "defect_rate": defect_rate}
    config = {k: v for k, v in values.items() if v is not None}
    return {"ops": {extracts.ASSET_NAME: {"config": config}}} if config else {}


defs = dg.Definitions(
    assets=dg.load_assets_from_modules([specs, extracts, mapping]),
    asset_checks=dg.load_asset_checks_from_modules([specs, extracts, mapping]),
    jobs=[dry_run_job],
    schedules=[nightly_dry_run],
    resources={"settings": MigrationSettings(), "extract_source": ExtractSource()},
)
