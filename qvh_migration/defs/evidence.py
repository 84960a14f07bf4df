"""The ``evidence_pack`` asset (group ``reports``): one self-contained page per run to sign from."""

import dagster as dg

from qvh_migration.defs.etl import staging_database
from qvh_migration.defs.gates import release_decision
from qvh_migration.defs.metadata import fail_clearly
from qvh_migration.defs.resources import MigrationSettings
from qvh_migration.reports.evidence_pack.evidence import EVIDENCE_FILE, SECTIONS
from qvh_migration.reports.evidence_pack.evidence_html import write_pack
from qvh_migration.run_tags import dry_run_id

GROUP = "reports"


@dg.asset(
    group_name=GROUP,
    # Built last: after the reports it reads (by key, so the modules stay independent).
    deps=[
        release_decision,
        staging_database,
        "reconciliation",
        "waiting_list_parity",
        "run_deltas",
        "trial_comparison",
        "scenario_acceptance",
        "contract_changes",
    ],
    kinds={"html", "json"},
    description=(
        "Evidence pack: one self-contained HTML page (inline CSS and SVG, no network needed) and the same facts "
        "as JSON: input documents and extracts with their SHA-256, code version and mapping contract hash, the "
        "release decision per criterion, per-table load and gate status, rejects and findings charts, "
        "reconciliation, waiting-list parity, trial comparison, run-over-run deltas and a diagram of the 38 "
        "staging tables. Identifiers are masked. Files: `reports/evidence/index.html`, "
        "`reports/evidence/evidence.json`."
    ),
)
def evidence_pack(context: dg.AssetExecutionContext, settings: MigrationSettings) -> dg.MaterializeResult:
    settings.stage_dir("reports")  # fails in one line when the data folder is not writable
    with fail_clearly():
        # The pack names the dry run it describes (all its Dagster runs carry that id), else this run.
        index, evidence = write_pack(settings.paths(), run_id=dry_run_id(context.run.tags, context.run.run_id))
    sections = evidence["sections"]
    missing = [s for s in SECTIONS if not sections[s].get("produced")]
    return dg.MaterializeResult(
        metadata={
            "decision": sections["release"].get("decision") or "no decision",
            "profile": sections["release"].get("profile") or "",
            "evidence_pack": dg.MetadataValue.path(str(index)),
            "open_in_browser": dg.MetadataValue.url(index.as_uri()),
            "evidence_json": dg.MetadataValue.path(str(index.with_name(EVIDENCE_FILE))),
            "sections": len(SECTIONS),
            "not_produced_in_this_run": ", ".join(missing) or "none",
        }
    )
