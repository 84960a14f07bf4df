"""The register of trial loads (group ``reports``): a dry run named as a trial keeps its key figures
in ``reports/trials/register.csv`` and a copy of its evidence pack. A run is named by run config
(``trial``) or, from the UI, by the run tag ``qvh/trial``; an unnamed run is not a trial."""

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
from pydantic import Field

from qvh_migration.defs.metadata import fail_clearly, path_metadata, preview
from qvh_migration.defs.resources import MigrationSettings
from qvh_migration.reports.trial_comparison import trial_register as tr
from qvh_migration.reports.worklists import worklist_run
from qvh_migration.reports.worklists import worklists as wl

GROUP = "reports"
TRIAL_TAG = "qvh/trial"
SHOWN = ["trial", "patients", "wall_seconds", "estimated_cutover_hours", "window_hours", "fits_window", "rejected_rows"]


class TrialConfig(dg.Config):
    """Names a dry run as a trial load (empty: the run tag qvh/trial, else not a trial)."""

    trial: str = Field(default="", description='The trial\'s name, e.g. "Trial 2"; empty: the run tag qvh/trial')
    started_at: str = Field(
        default="", description="When the dry run started (ISO 8601, UTC); empty: when its extracts were written"
    )


def trial_name(context: dg.AssetExecutionContext, config: TrialConfig) -> str:
    return (config.trial or context.run.tags.get(TRIAL_TAG, "")).strip()


def trial_run_config(trial: str, started_at: str) -> dict:
    """Run config naming the dry run's assets as one trial (the CLI's --trial)."""
    config = {"config": {"trial": trial, "started_at": started_at}}
    return {"ops": {name: config for name in ("cleansing_worklists", "trial_register", "trial_pack")}}


def _wall_seconds(config: TrialConfig, extracts: Path) -> float:
    if config.started_at:
        started = datetime.fromisoformat(config.started_at)
    else:  # a run from the UI: from the extracts, the dry run's first artifact
        started = datetime.fromtimestamp((extracts / "manifest.json").stat().st_mtime, tz=UTC)
    return max(0.0, (datetime.now(UTC) - started.astimezone(UTC)).total_seconds())


@dg.asset(
    group_name=GROUP,
    deps=[
        "cleansing_worklists",
        "trial_comparison",
        "scenario_acceptance",
        "waiting_list_parity",
        "business_invariants",
        "cross_table_integrity",
    ],
    kinds={"csv"},
    description=(
        "Register of trial loads: for a dry run named as a trial, its key figures (rows loaded and rejected "
        "by reason, findings by check, failing invariants and scenarios, waiting-list differences, trial "
        "comparison patients and mismatches, open worklist items, open decisions) and its run time against "
        "the cutover window (scaled to the trust's size: an estimate). File: `reports/trials/register.csv`; "
        "the cutover_ready profile reads it."
    ),
)
def trial_register(
    context: dg.AssetExecutionContext, config: TrialConfig, settings: MigrationSettings
) -> dg.MaterializeResult:
    trial = trial_name(context, config)
    reports = settings.stage_dir("reports")
    if not trial:
        return dg.MaterializeResult(metadata={"trial": "not a trial (no trial name, no qvh/trial tag)"})
    with fail_clearly():
        tr.slug(trial)
        window = tr.load_window()
        history = worklist_run.read_history(worklist_run.folder_of(settings.paths().data_dir))
        open_items = sum(wl.open_by_area(history, dict.fromkeys(set(history["area"]))).values())
        figures = tr.trial_figures(settings.paths().data_dir, open_items)
        seconds = _wall_seconds(config, settings.stage_dir("extracts"))
        recorded = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        row = tr.register_row(trial, context.run.run_id, recorded, seconds, figures, window)
        register = tr.add_to_register(tr.read_register(reports), row)
        path = tr.write_register(reports, register)
    return dg.MaterializeResult(
        metadata={
            "trial": trial,
            "trials": len(register),
            "wall_seconds": row["wall_seconds"],
            "estimated_cutover_hours": row["estimated_cutover_hours"],
            "window_hours": row["window_hours"],
            "fits_window": bool(row["fits_window"]),
            "estimate": tr.ESTIMATE_NOTE,
            "register": preview(register, rows=20, columns=SHOWN),
            **path_metadata(path),
        }
    )


@dg.asset(
    group_name=GROUP,
    deps=["evidence_pack"],
    kinds={"html"},
    description="A copy of a trial's evidence pack under `reports/trials/<trial>/evidence/` (nothing for an "
    "unnamed run).",
)
def trial_pack(context: dg.AssetExecutionContext, config: TrialConfig, settings: MigrationSettings):
    trial = trial_name(context, config)
    if not trial:
        return dg.MaterializeResult(metadata={"trial": "not a trial"})
    with fail_clearly():
        copy = tr.copy_pack(settings.stage_dir("reports"), trial)
    return dg.MaterializeResult(metadata={"trial": trial, "copy": dg.MetadataValue.path(str(copy))})
