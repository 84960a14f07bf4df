"""Assets of the ``reports`` group (reconciliation, waiting-list parity, run-over-run deltas):
they read the run's files once every partition has loaded and the gates have run."""

from datetime import UTC, datetime

import dagster as dg
from pydantic import Field

from qvh_migration.defs.etl import TARGET_TABLE_NAMES, staging_database
from qvh_migration.defs.gates import release_decision
from qvh_migration.defs.metadata import check_result, fail_clearly, frame_metadata, path_metadata, preview
from qvh_migration.defs.resources import MigrationSettings
from qvh_migration.io.masking import mask_identifiers
from qvh_migration.io.run_folders import RunFolders
from qvh_migration.reports.reconciliation import deltas
from qvh_migration.reports.reconciliation import reconciliation as recon
from qvh_migration.reports.waiting_lists import waiting_list_policy, waiting_list_run
from qvh_migration.run_tags import dry_run_id

GROUP = "reports"
RECONCILIATION_COLUMNS = {
    "entity": "What the rows are (patients, referrals, RTT pathways, ...)",
    "target_table": "The LOAD_ staging table",
    "source_table": "The legacy table its rows come from",
    "source_rows": "Rows of the source table, counted from the extract file itself",
    "loaded": "Source rows loaded (load summary)",
    "rejected": "Distinct source rows in the rejects ledger",
    "filtered": "Source rows filtered out, with a reason (load summary)",
    "difference": "source_rows - loaded - rejected - filtered; 0 or explained",
    "rejected_by_reason": "reason: rows; a row rejected for two reasons counts under both",
    "filtered_by_reason": "reason: rows",
    "explanation": "Why the table is not migrated (empty when nothing explains a difference)",
    "target_rows": "Rows in the target table (one per pathway for LOAD_RTT_PATHWAYS)",
    "status": "balanced, not_migrated or unexplained",
    "gap": "Where an unexplained difference shows (extract vs load, ledger vs summary, ...)",
}
PARITY_COLUMNS = {
    "list": "rtt_ptl, outpatient_waiting_list or inpatient_waiting_list",
    "patient_key": "Internal patient number, masked",
    "pathway_key": "RTT pathway number (PTL) or episode number (waiting lists)",
    "source_clock_start": "Clock start by the legacy's breach date (PTL), date due (outpatient), date on list "
    "(inpatient), by the legacy rules (DD/MM/YYYY)",
    "target_clock_start": "CLOCK_START (PTL), TARGET_DATE (outpatient), WAITLIST_DATE (inpatient) as loaded",
    "source_status": "Status by the legacy rules (national RTT status for the PTL)",
    "target_status": "Status as loaded",
    "source_weeks_waited": "Whole weeks from the clock start to the as-of day (source)",
    "target_weeks_waited": "Whole weeks from the clock start to the as-of day (target)",
    "difference": "missing_in_target, extra_in_target or value_mismatch",
    "cause": "The reject, filter or mapping (target field and rule status) behind the difference",
    "source_legacy_weeks": "The legacy's own weeks waited (RTTPERIOD.RttDurn), PTL only",
    "source_ptl_type": "admitted or non_admitted (PTL only), source",
    "target_ptl_type": "admitted or non_admitted (PTL only), target",
    "cause_kind": "reject, filter, mapping or unexplained",
    "explained": "False when no reject, filter or mapping explains the difference",
}
DELTA_COLUMNS = {
    "scope": "finding, reject or reconciliation",
    "target_table": "The LOAD_ staging table",
    "check": "Gate check, reject reason code, or reconciliation status",
    "key": "Field (findings, rejects) or source table (reconciliation)",
    "status": "new, resolved or persisting since the previous run",
    "previous_count": "Rows in the previous run",
    "current_count": "Rows in this run",
}


def _folders(settings: MigrationSettings) -> RunFolders:
    return RunFolders.of(settings)


@dg.asset(
    group_name=GROUP,
    deps=[staging_database],
    kinds={"pandas", "csv"},
    description=(
        "Reconciliation per entity and target table: source rows counted from the extract itself against "
        "loaded, rejected (rejects ledger, by reason) and filtered (by reason); the difference is 0, or the row "
        "says where rows went missing. Tables not migrated carry their reason. File: `reports/reconciliation.csv`."
    ),
    check_specs=[
        dg.AssetCheckSpec(
            "differences_explained",
            asset="reconciliation",
            description="Every table balances (difference 0) or is not migrated with its reason.",
        )
    ],
)
def reconciliation(settings: MigrationSettings) -> dg.MaterializeResult:
    folders = _folders(settings)
    with fail_clearly():
        frame = recon.reconcile_run(folders, TARGET_TABLE_NAMES, settings.row_sources_path())
        path = recon.write_reconciliation(frame, folders.reports)
    outcome = recon.differences_explained(frame)
    return dg.MaterializeResult(
        metadata={
            **frame_metadata(frame, descriptions=RECONCILIATION_COLUMNS),
            "preview": preview(
                frame,
                rows=40,
                columns=["entity", "target_table", "source_rows", "loaded", "rejected", "filtered", "difference"],
            ),
            "source_rows": int(frame["source_rows"].sum()),
            "unexplained": int(outcome.metadata["unexplained"]),
            **path_metadata(path),
        },
        check_results=[
            check_result(
                "differences_explained",
                outcome,
                description=f"{outcome.metadata['unexplained']} tables with an unexplained difference "
                f"({outcome.metadata['unexplained_tables']}): see reports/reconciliation.csv"
                if not outcome.passed
                else "every table balances or is not migrated with its reason",
            )
        ],
    )


class ParityConfig(dg.Config):
    """The release profile whose verdict the waiting_lists_match check reports (every profile's is kept)."""

    profile: str = Field(
        default=waiting_list_policy.HEADLINE_PROFILE,
        description="development, pre_production or cutover_ready (reports/waiting_lists/waiting_list_policy.yaml)",
    )


@dg.asset(
    group_name=GROUP,
    deps=[staging_database],
    kinds={"duckdb", "pandas", "csv"},
    description=(
        "Waiting-list parity: the RTT patient tracking list (open RTT pathways, NON-RTT excluded, admitted and "
        "non-admitted: clock start by the legacy's own breach date, weeks waited against the legacy's RttDurn), "
        "the outpatient list (date due against TARGET_DATE) and the inpatient list, computed once from the "
        "source extracts by the legacy rules and once from `target/staging.duckdb`, matched entity for entity "
        "through the key registry; PTL technical validation counted on both sides; the predicted change at "
        "go-live. Files: `reports/waiting_list_parity.csv` (each difference with its cause), "
        "`reports/waiting_list_bands.csv`, `reports/waiting_list_validation.csv`, "
        "`reports/waiting_list_summary.json` (with the verdict under every release profile)."
    ),
    check_specs=[
        dg.AssetCheckSpec(
            "waiting_lists_match",
            asset="waiting_list_parity",
            description="The source and target waiting lists agree as the release profile requires "
            "(reports/waiting_lists/waiting_list_policy.yaml): above development every difference fails, "
            "explained or not.",
        )
    ],
)
def waiting_list_parity(config: ParityConfig, settings: MigrationSettings) -> dg.MaterializeResult:
    folders = _folders(settings)
    with fail_clearly():
        policies = waiting_list_policy.load_policies()
        result = waiting_list_run.parity_run(folders, policies)
        paths = waiting_list_run.write_parity(result, folders.reports)
        outcome = waiting_list_policy.waiting_lists_match(result.summary, config.profile)
    lists = result.summary["lists"]
    shown = mask_identifiers(result.differences.head(20).astype(str))
    verdicts = result.summary["verdicts"]
    return dg.MaterializeResult(
        metadata={
            **frame_metadata(result.differences, descriptions=PARITY_COLUMNS),
            "preview": preview(shown, rows=20) if not result.differences.empty else "no differences",
            "as_of": result.summary["as_of"],
            "as_of_basis": result.summary["as_of_basis"],
            **{f"{name}_source": int(s["source"]) for name, s in lists.items()},
            **{f"{name}_target": int(s["target"]) for name, s in lists.items()},
            **{f"{name}_differences": int(s["differences"]) for name, s in lists.items()},
            **{f"verdict_{name}": "PASS" if v["passed"] else "FAIL" for name, v in verdicts.items()},
            "bands": preview(result.bands, rows=45),
            "validation": preview(result.validation.astype(str), rows=30),
            **path_metadata(*paths),
        },
        check_results=[
            check_result(
                "waiting_lists_match",
                outcome,
                severity=dg.AssetCheckSeverity[verdicts[config.profile]["severity"]],
                description=f"{config.profile}: {outcome.metadata['failing_differences']} failing differences "
                f"({outcome.metadata['missing_in_target']} patients missing from a target list), "
                f"{outcome.metadata['band_differences']} band differences, validation increases: "
                f"{outcome.metadata['validation_increases']}; see reports/waiting_list_parity.csv"
                if not outcome.passed
                else f"{config.profile}: {outcome.metadata['differences']} differences, each passing the profile",
            )
        ],
    )


class RunDeltasConfig(dg.Config):
    """How many run snapshots to keep under reports/runs/."""

    keep_runs: int = Field(default=deltas.DEFAULT_KEEP, ge=1, description="Snapshots kept; older ones are pruned.")


@dg.asset(
    group_name=GROUP,
    deps=[reconciliation, release_decision],
    kinds={"csv"},
    description=(
        "Run-over-run deltas: this run's gate findings, rejects and reconciliation gaps, counted per table, "
        "check and key and kept under `reports/runs/<run_id>/` (index `reports/runs/index.csv`, the newest "
        "`keep_runs` kept), compared with the previous run: new, resolved, persisting. File: `reports/deltas.csv`."
    ),
)
def run_deltas(
    context: dg.AssetExecutionContext, config: RunDeltasConfig, settings: MigrationSettings
) -> dg.MaterializeResult:
    folders = _folders(settings)
    finished_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with fail_clearly():
        # Keyed by the dry run (as the evidence pack is), so "runs compared" names dry runs.
        run = dry_run_id(context.run.tags, context.run.run_id)
        result = deltas.deltas_run(folders, run, finished_at, config.keep_runs)
    counts = result.deltas["status"].value_counts()
    return dg.MaterializeResult(
        metadata={
            **frame_metadata(result.deltas, descriptions=DELTA_COLUMNS),
            "preview": preview(result.deltas, rows=20) if not result.deltas.empty else "nothing to compare",
            "previous_run": result.previous_run or "none: no previous run, everything is new",
            **{status: int(counts.get(status, 0)) for status in (deltas.NEW, deltas.RESOLVED, deltas.PERSISTING)},
            "pruned_runs": len(result.pruned),
            **path_metadata(
                folders.reports / deltas.DELTAS_FILE, folders.reports / deltas.RUNS_DIR / deltas.INDEX_FILE
            ),
        }
    )
