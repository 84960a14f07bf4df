"""The ``trial_comparison`` asset (group ``reports``): the guide's source-to-target comparison for
at least 50 patients chosen to cover the range of values, checked by a separate reference evaluator."""

import dagster as dg
from pydantic import Field

from qvh_migration.defs.etl import staging_database
from qvh_migration.defs.metadata import fail_clearly, frame_metadata, path_metadata, preview
from qvh_migration.defs.resources import MigrationSettings
from qvh_migration.reports.trial_comparison import trial_report
from qvh_migration.reports.trial_comparison.trial_comparison import ROW_FIELD

GROUP = "reports"
COLUMN_DESCRIPTIONS = {
    "patient_key": "internal patient number (masked)",
    "record_number": "the target row's record number (key registry)",
    "field": f"target field, or {ROW_FIELD} for the row's outcome (loaded / rejected: reasons / filtered: reason)",
    "source_value": "the legacy value(s) the field comes from (masked where identifying)",
    "expected_value": "what the reference evaluator expects",
    "target_value": "what the staging database holds",
    "basis": "reference (independently re-implemented) or shared_code (the ETL's transform on one row)",
}


class TrialConfig(dg.Config):
    """How many patients the trial comparison covers at least."""

    minimum_patients: int = Field(
        default=50, ge=1, description="At least this many patients (more when needed to cover)."
    )
    seed: int = Field(default=0, description="Seed of the sample that tops the edge cases and code cover up.")


@dg.asset(
    group_name=GROUP,
    deps=[staging_database],
    kinds={"python", "csv", "excel"},
    description=(
        "Trial comparison (the guide's trial-load check): at least 50 patients chosen to cover every legacy "
        "code value of the coded fields and the edge cases (merged, deceased, no GP, several addresses, "
        "aliases, cancelled and DNA appointments, restarted RTT clock, multi-episode admission, rejected "
        "row, each injected defect kind); for every migrated field of their rows, the source value, the "
        "value a separate row-by-row reference evaluator of the contract expects, and the value in the "
        "staging database, side by side, mismatches flagged; one outcome line per row. Files: "
        "`reports/trial_comparison.csv`, `reports/trial_comparison.xlsx` (one sheet per table), "
        "`reports/trial_patients.csv`, `reports/trial_summary.csv`. Identifiers masked. It shows that the "
        "execution matches the contract, not that the contract matches the guide (a wrong rule is wrong on "
        "both sides): `scenario_acceptance` judges the rules."
    ),
    check_specs=[dg.AssetCheckSpec("no_mismatches", asset="trial_comparison", blocking=False)],
)
def trial_comparison(context: dg.AssetExecutionContext, config: TrialConfig, settings: MigrationSettings):
    with fail_clearly():
        report = trial_report.build_trial_report(
            settings.paths().data_dir,
            settings.crosswalk_path(),
            settings.stage_dir("reports"),
            minimum_patients=config.minimum_patients,
            seed=config.seed,
            row_sources_file=settings.row_sources_path(),
        )
    context.log.info(f"trial comparison: {len(report.patients)} patients, {report.mismatches} mismatches")
    yield dg.MaterializeResult(
        metadata={
            **frame_metadata(report.comparison, descriptions=COLUMN_DESCRIPTIONS),
            "patients": len(report.patients),
            "mismatches": report.mismatches,
            "summary": preview(report.summary, rows=40),
            "shared_code_values": int((report.comparison["basis"] == "shared_code").sum()),
            **path_metadata(*report.paths.values()),
        }
    )
    wrong = report.comparison.loc[report.comparison["mismatch"]]
    yield dg.AssetCheckResult(
        check_name="no_mismatches",
        passed=wrong.empty,
        severity=dg.AssetCheckSeverity.ERROR,
        description="every compared value and row outcome agrees with the reference evaluator",
        metadata={
            "mismatches": len(wrong),
            "values_compared": int(report.summary["values_compared"].sum()),
            "by_table_and_field": preview(
                wrong.groupby(["target_table", "field"]).size().rename("mismatches").reset_index(), rows=30
            ),
            "sample": preview(wrong, rows=10),
        },
    )


__all__ = ["trial_comparison"]
