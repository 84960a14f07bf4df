"""Assets of the ``gates`` group: each table's generated checks on its own partition (blocking),
cross-table integrity, recall against the defect ledger, and the release decision."""

from pathlib import Path

import dagster as dg
import pandas as pd

from qvh_migration.defs.etl import _folders, staging_database, target_table_partitions, target_tables
from qvh_migration.defs.metadata import fail_clearly, partitioned_check, path_metadata, preview
from qvh_migration.defs.resources import MigrationSettings
from qvh_migration.defs.table_health import health_metadata
from qvh_migration.gates import explanations, release
from qvh_migration.gates import pipeline as gate_pipeline
from qvh_migration.gates.invariants.declarations import FAMILIES as INVARIANT_FAMILIES
from qvh_migration.gates.profiles import DEFAULT_PROFILE, load_profile
from qvh_migration.gates.table_gates import TableGates

GROUP = "gates"
# One Dagster check per group of check families (fewer events per partition run; the metadata of
# each lists its generated checks). A table where a group does not apply passes it as "not applicable".
CHECK_GROUPS: dict[str, tuple[str, ...]] = {
    "field_types": ("type", "max_length"),
    "mandatory_fields": ("mandatory", "conditional"),
    "code_values": ("code_value", "legacy_code"),
    "formats": ("nhs_number", "postcode", "gp_code", "practice_code", "gmc_code", "name_charset"),
    "dates": ("date_format", "date_range", "birth_not_future", "start_not_after_end"),
    "record_numbers": ("record_number_unique",),
    "episodes": ("episode_within_admission", "first_episode_at_admission", "last_episode_at_discharge",
                 "episodes_contiguous"),
    "rtt": ("rtt_one_start_one_stop", "rtt_start_not_after_stop", "rtt_event_within_period",
            "rtt_periods_no_overlap"),
    "case_notes": ("casenote_before_history",),
    "nhs_pack": ("no_duplicate_patients", "hospital_number_present"),
}  # fmt: skip
FAMILIES: tuple[str, ...] = tuple(f for families in CHECK_GROUPS.values() for f in families)


class GateConfig(dg.Config):
    """Which release profile decides each check's severity and threshold (and heads the decision)."""

    profile: str = DEFAULT_PROFILE


def _gates_dir(settings: MigrationSettings):
    return settings.stage_dir("gates")


def _group_result(result: TableGates, group: str) -> dg.AssetCheckResult:
    families = CHECK_GROUPS[group]
    rows = result.summary.loc[result.summary["family"].isin(families)]
    if rows.empty:
        return dg.AssetCheckResult(check_name=group, passed=True, metadata={"applies": False})
    failed = rows.loc[~rows["passed"].astype(bool)]
    severity = dg.AssetCheckSeverity.ERROR if failed["severity"].eq("ERROR").any() else dg.AssetCheckSeverity.WARN
    sample = result.findings.loc[result.findings["check"].str.split(":").str[0].isin(families)]
    failing = int(failed["failures"].sum())
    named = ", ".join(failed["check"].head(3)) + (", ..." if len(failed) > 3 else "")
    return dg.AssetCheckResult(
        check_name=group,
        passed=failed.empty,
        severity=severity,
        # One line for the terminal and the UI's list; the metadata has every check and a sample.
        description=f"{failing} failing rows in {len(failed)} of {len(rows)} checks ({named}): "
        f"see gates/findings/{result.table}.parquet"
        if not failed.empty
        else f"{len(rows)} checks passed",
        metadata={
            "checks": len(rows),
            "failing_checks": len(failed),
            "failures": int(rows["failures"].sum()),
            "rows_checked": int(rows["rows_checked"].max()),
            "by_check": preview(rows, rows=20, columns=["check", "failures", "severity", "threshold", "passed"]),
            # Values in findings are already masked where the field identifies a patient.
            "sample": preview(sample, columns=["check", "record_number", "field", "value_masked"])
            if not sample.empty
            else "none",
        },
    )


@dg.asset(
    group_name=GROUP,
    partitions_def=target_table_partitions,
    deps=[target_tables],
    kinds={"pandas", "pandera", "parquet"},
    description=(
        "The table's generated Pandera schema and table rules run on its partition, scored under the release "
        "profile (`gates/profiles/*.yaml`). Every failing row is kept: `gates/findings/<T>.parquet`; one row "
        "per check in `gates/summary/<T>.csv` and `gates/gate_summary.csv`. ERROR checks block what follows."
    ),
    check_specs=[
        # Evaluated per partition: each table's partition shows its own failing gates.
        partitioned_check(
            group, target_table_partitions, asset="target_table_gates", blocking=True, description=", ".join(families)
        )
        for group, families in CHECK_GROUPS.items()
    ],
)
def target_table_gates(
    context: dg.AssetExecutionContext, config: GateConfig, settings: MigrationSettings
) -> dg.MaterializeResult:
    return table_gates_result(settings, context.partition_key, config.profile)


def table_gates_result(settings: MigrationSettings, table: str, profile_name: str) -> dg.MaterializeResult:
    """Gate one target table: the asset's body."""
    with fail_clearly():
        profile = load_profile(profile_name)
        result, paths = gate_pipeline.gate_partition(_folders(settings), _gates_dir(settings), table, profile)
    return dg.MaterializeResult(
        metadata={
            "profile": profile.name,
            "generated_checks": len(result.summary),
            "failing_checks": int((~result.summary["passed"].astype(bool)).sum()),
            "findings": len(result.findings),
            "blocked": result.blocked,
            # The table's health in its partition view: load counts and the failing checks by severity.
            **health_metadata(_folders(settings).target, table, result.summary),
            **path_metadata(*paths.values()),
        },
        check_results=[_group_result(result, group) for group in CHECK_GROUPS],
    )


@dg.asset(
    group_name=GROUP,
    partitions_def=target_table_partitions,
    deps=[target_table_gates],
    kinds={"parquet"},
    description=(
        "The table cleared by its gates: materialises only when no ERROR check of the partition failed "
        "(the gates' checks are blocking), and records it in `gates/cleared/<T>.txt`."
    ),
)
def gated_tables(context: dg.AssetExecutionContext, settings: MigrationSettings) -> dg.MaterializeResult:
    return dg.MaterializeResult(
        metadata=path_metadata(record_cleared(settings, context.partition_key, context.run.run_id))
    )


def record_cleared(settings: MigrationSettings, table: str, run_id: str) -> Path:
    path = _gates_dir(settings) / "cleared" / f"{table}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"cleared in run {run_id}\n", encoding="utf-8")
    return path


@dg.asset(
    group_name=GROUP,
    deps=[target_table_gates],
    kinds={"pandas", "parquet"},
    description=(
        "Cross-table integrity: every parent link (`*_RECORD_NUMBER`) of every loaded table resolves to a "
        "loaded parent row. Runs after the partitions it reads. File: `gates/cross_table_findings.parquet`."
    ),
    # Not blocking: a dangling link is a finding the release decision counts, and the decision (with the
    # invariants and the evidence pack after it) must still be written when it fails.
    check_specs=[dg.AssetCheckSpec("parent_links_resolve", asset="cross_table_integrity")],
)
def cross_table_integrity(config: GateConfig, settings: MigrationSettings) -> dg.MaterializeResult:
    with fail_clearly():
        profile = load_profile(config.profile)
        findings, summary = gate_pipeline.run_cross_table(_folders(settings), _gates_dir(settings), profile)
    failed = summary.loc[~summary["passed"].astype(bool)]
    return dg.MaterializeResult(
        metadata={"links": len(summary), "findings": len(findings), "profile": profile.name},
        check_results=[
            dg.AssetCheckResult(
                check_name="parent_links_resolve",
                passed=failed.empty,
                severity=dg.AssetCheckSeverity.ERROR
                if failed["severity"].eq("ERROR").any()
                else dg.AssetCheckSeverity.WARN,
                metadata={"links": preview(summary, rows=40) if not summary.empty else "none"},
            )
        ],
    )


@dg.asset(
    group_name=GROUP,
    deps=[staging_database],
    kinds={"duckdb", "parquet"},
    description=(
        "Business invariants written by hand from the guide's prose and the NHS RTT Rules Suite "
        "(`gates/invariants/<family>.yaml`, each citing its page), run on the staging database and the legacy "
        "extracts, independent of the mapping contract: identity, RTT, episode integrity, waiting lists and "
        "completeness. Files: `gates/invariant_findings.parquet`, `gates/summary/business_invariants.csv`."
    ),
    check_specs=[
        dg.AssetCheckSpec(f"{family}_invariants", asset="business_invariants", description=family)
        for family in INVARIANT_FAMILIES
    ],
)
def business_invariants(config: GateConfig, settings: MigrationSettings) -> dg.MaterializeResult:
    with fail_clearly():
        profile = load_profile(config.profile)
        findings, summary = gate_pipeline.run_business_invariants(_folders(settings), _gates_dir(settings), profile)
    per_invariant = (
        summary.groupby(["family", "check"], as_index=False)
        .agg(failures=("failures", "sum"), tables=("target_table", "nunique"), passed=("passed", "all"))
        .sort_values(["family", "check"])
    )
    return dg.MaterializeResult(
        metadata={
            "profile": profile.name,
            "invariants": len(per_invariant),
            "failing_invariants": int((~per_invariant["passed"]).sum()),
            "findings": len(findings),
            "by_invariant": preview(per_invariant, rows=40) if not per_invariant.empty else "none",
        },
        check_results=[_family_result(family, summary, findings) for family in INVARIANT_FAMILIES],
    )


def _family_result(family: str, summary: pd.DataFrame, findings: pd.DataFrame) -> dg.AssetCheckResult:
    rows = summary.loc[summary["family"] == family]
    failed = rows.loc[~rows["passed"].astype(bool)]
    sample = findings.loc[findings["check"].astype(str).str.startswith(f"{family}:")]
    names = sorted(set(failed["check"]))
    return dg.AssetCheckResult(
        check_name=f"{family}_invariants",
        passed=failed.empty,
        severity=dg.AssetCheckSeverity.ERROR if failed["severity"].eq("ERROR").any() else dg.AssetCheckSeverity.WARN,
        description=f"{int(failed['failures'].sum())} failing rows in {', '.join(names)}: "
        "see gates/invariant_findings.parquet"
        if names
        else f"{rows['check'].nunique()} invariants passed",
        metadata={
            "invariants": int(rows["check"].nunique()),
            "failures": int(rows["failures"].sum()),
            "by_table": preview(rows, rows=40, columns=["check", "target_table", "failures", "threshold", "passed"])
            if not rows.empty
            else "none",
            # Values are masked where the field identifies a patient.
            "sample": preview(sample, columns=["check", "target_table", "record_number", "field", "value_masked"])
            if not sample.empty
            else "none",
        },
    )


@dg.asset(
    group_name=GROUP,
    deps=[cross_table_integrity, business_invariants],
    kinds={"csv"},
    description=(
        "Recall and precision against the defect ledger: per defect kind, how many were injected and how many "
        "the ETL rejected or kept out, reported, or a gate found; and each rejected row and failing invariant row "
        "with the injected defect that explains it (none: a fault of the rules). Files: "
        "`gates/defect_detection.csv`, `gates/failure_explanations.parquet`."
    ),
    check_specs=[
        dg.AssetCheckSpec("no_defect_missed", asset="defect_detection"),
        dg.AssetCheckSpec("every_failure_explained", asset="defect_detection"),
    ],
)
def defect_detection(settings: MigrationSettings) -> dg.MaterializeResult:
    with fail_clearly():
        counts, _ = gate_pipeline.run_detection(_folders(settings), _gates_dir(settings))
    missed = int(counts["missed"].sum())
    return dg.MaterializeResult(
        metadata={"injected": int(counts["injected"].sum()), "missed": missed, "detection": preview(counts, rows=30)},
        check_results=[
            dg.AssetCheckResult(
                check_name="no_defect_missed",
                passed=missed == 0,
                description=f"{missed} injected defects neither rejected nor found: see gates/defect_detection.csv",
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"missed": missed},
            ),
            _explained_result(_gates_dir(settings)),
        ],
    )


def _explained_result(gates_dir: Path) -> dg.AssetCheckResult:
    explained = explanations.read_explanations(gates_dir)
    if explained is None:
        return dg.AssetCheckResult(
            check_name="every_failure_explained", passed=True, description="real extracts: no defect ledger"
        )
    missing = explanations.unexplained_counts(explained)
    unexplained = explained.loc[~explained["explained"].astype(bool)]
    return dg.AssetCheckResult(
        check_name="every_failure_explained",
        passed=not len(unexplained),
        severity=dg.AssetCheckSeverity.ERROR,
        description=f"{missing['reject']} rejected rows and {missing['invariant']} failing invariant rows trace to no "
        "injected defect (a fault of the rules): see gates/failure_explanations.parquet",
        metadata={
            "failures": len(explained),
            "explained": int(explained["explained"].astype(bool).sum()),
            "unexplained_by_table": preview(
                unexplained.groupby(["kind", "target_table", "name"], as_index=False).size(), rows=20
            )
            if len(unexplained)
            else "none",
        },
    )


@dg.asset(
    group_name=GROUP,
    # The reports judge the mapping from outside it (gates/report_figures.py); the decision reads them.
    deps=[
        defect_detection,
        cross_table_integrity,
        business_invariants,
        dg.AssetKey("reconciliation"),
        dg.AssetKey("waiting_list_parity"),
        dg.AssetKey("scenario_acceptance"),
        dg.AssetKey("trial_register"),  # the cutover criteria read the register of trial loads
    ],
    kinds={"json"},
    description=(
        "Release decision: the stored run scored under every release profile side by side (development, "
        "pre_production, cutover_ready), PASS or FAIL per criterion with the figure and the threshold; the "
        f"headline is the configured profile's (default {DEFAULT_PROFILE}). File: `gates/release_decision.json`; "
        "`qvh-migration release --profile <name>` re-scores without rerunning anything."
    ),
)
def release_decision(config: GateConfig, settings: MigrationSettings) -> dg.MaterializeResult:
    with fail_clearly():
        decision = release.decide_all(_folders(settings), _gates_dir(settings), config.profile)
        path = release.write_decision(_gates_dir(settings), decision)
    return dg.MaterializeResult(metadata={**decision_metadata(decision), **path_metadata(path)})


def decision_metadata(decision: dict) -> dict:
    """The decision under every profile side by side, headed by the chosen profile's (the asset's metadata,
    and what `qvh-migration release` records for the UI when it re-scores)."""
    side = pd.DataFrame(
        [
            {
                "profile": d["profile"],
                "decision": d["decision"],
                "failed_criteria": ", ".join(c["criterion"] for c in d["criteria"] if c["result"] == "FAIL") or "none",
                "failed_invariants": len(d.get("failed_invariants", [])),
                "blocked_tables": len(d.get("blocked_tables", [])),
            }
            for d in decision.get("profiles", [decision])
        ]
    )
    return {
        "profile": decision["profile"],
        "decision": decision["decision"],
        **{f"decision_{row.profile}": row.decision for row in side.itertuples(index=False)},
        "by_profile": preview(side, rows=10),
        "criteria": preview(pd.DataFrame(decision["criteria"]), rows=20),
        "failed_invariants": ", ".join(decision.get("failed_invariants", [])) or "none",
    }
