"""The ``cleansing_worklists`` asset (group ``reports``): the run's rejects, findings, invariants and
PTL validation as one worklist per owning team, each row a legacy record to fix before cutover.

The files name patients and stay in ``<data>/worklists/``; the asset's metadata holds counts only."""

from datetime import UTC, datetime

import dagster as dg

from qvh_migration.defs.etl import TARGET_TABLE_NAMES, staging_database
from qvh_migration.defs.metadata import fail_clearly
from qvh_migration.defs.resources import MigrationSettings
from qvh_migration.defs.trials import TrialConfig, trial_name
from qvh_migration.reports.worklists import worklist_areas, worklist_run
from qvh_migration.reports.worklists import worklists as wl

GROUP = "reports"


@dg.asset(
    group_name=GROUP,
    deps=[staging_database, "business_invariants", "cross_table_integrity", "waiting_list_parity"],
    kinds={"pandas", "csv", "excel"},
    description=(
        "Cleansing worklists: one per owning team (registration/PMI, outpatients, inpatients and waiting "
        "list, RTT validation, clinical coding; `reports/worklists/worklist_areas.yaml`), one row per legacy record to "
        "fix in the legacy PAS before cutover, with the problem, field and current value, what to change, "
        "the guide page or rule, the first run that found it and its status across runs (new, persisting, "
        "resolved, reopened). Files under `<data>/worklists/` (restricted: they name patients, see its "
        "README); only counts are shown here and in the evidence pack."
    ),
)
def cleansing_worklists(
    context: dg.AssetExecutionContext, config: TrialConfig, settings: MigrationSettings
) -> dg.MaterializeResult:
    finished_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    with fail_clearly():
        areas = worklist_areas.load_areas(tables=TARGET_TABLE_NAMES)
        result = worklist_run.update_worklists(
            settings.paths().data_dir, areas, context.run.run_id, trial_name(context, config), finished_at
        )
    open_counts = wl.open_by_area(result.history, areas.titles)
    return dg.MaterializeResult(
        metadata={
            "open_items": sum(open_counts.values()),
            **{f"open_{area}": count for area, count in open_counts.items()},
            **{f"items_{status}": count for status, count in wl.status_counts(result.history).items()},
            "runs_counted": int(result.runs["run_id"].nunique()),
            "counted_this_run": result.updated,
            "folder": dg.MetadataValue.path(str(worklist_run.folder_of(settings.paths().data_dir))),
        }
    )
