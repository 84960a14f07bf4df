"""The ``scenario_acceptance`` asset (group ``reports``): the scenario book run with this run's rules."""

import tempfile
from pathlib import Path

import dagster as dg

from qvh_migration.defs.metadata import fail_clearly, path_metadata, preview
from qvh_migration.defs.resources import MigrationSettings
from qvh_migration.etl.pipeline import catalog_columns
from qvh_migration.io.masking import identifier_fields
from qvh_migration.mapping.files import read_contract
from qvh_migration.scenarios import acceptance, book

GROUP = "reports"


@dg.asset(
    group_name=GROUP,
    deps=["mapping_contract", "crosswalk_catalog", dg.AssetKey(["extracts", "defect_ledger"])],
    kinds={"pandas", "csv"},
    description=(
        "Scenario book: hand-written legacy cases (`qvh_migration/scenarios/book/`) and the Altera rows the "
        "vendor guide's pages say they must produce, loaded together by the ETL's own table loads with this "
        "run's contract, crosswalks and row sources (in a throwaway folder), and compared field by field. "
        "Independent of the contract, unlike the trial comparison. Files: `reports/scenario_acceptance.csv` "
        "(every expectation: expected, loaded, guide page), `reports/scenario_summary.csv`."
    ),
    check_specs=[
        dg.AssetCheckSpec(
            "scenarios_pass",
            asset="scenario_acceptance",
            description="Every scenario of the book loads the rows the guide says it must.",
        )
    ],
)
def scenario_acceptance(settings: MigrationSettings) -> dg.MaterializeResult:
    catalogs = settings.stage_dir("catalogs")
    inputs = acceptance.RunInputs(
        catalogs,
        settings.stage_dir("extracts"),
        settings.stage_dir("mapping"),
        settings.crosswalk_path(),
        settings.row_sources_path(),
    )
    with fail_clearly(), tempfile.TemporaryDirectory(prefix="scenario-book-") as work:
        scenarios = book.load_book(catalog=catalog_columns(catalogs), target=acceptance.target_fields(catalogs))
        run = acceptance.run_book(scenarios, inputs, Path(work) / "data")
        results = acceptance.compare(scenarios, run)
        identifying = identifier_fields(read_contract(settings.stage_dir("mapping")))
        paths = acceptance.write_results(results, settings.stage_dir("reports"), identifying)
    summary = acceptance.summarise(results)
    failing = acceptance.masked(results.loc[~results["passed"]], identifying)
    passed = int(summary["passed"].sum())
    return dg.MaterializeResult(
        metadata={
            "scenarios": len(summary),
            "scenarios_passed": passed,
            "failing_expectations": len(failing),
            "summary": preview(summary, rows=60),
            **path_metadata(*paths),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="scenarios_pass",
                passed=passed == len(summary),
                metadata={
                    "scenarios_failed": ", ".join(summary.loc[~summary["passed"], "scenario"]) or "none",
                    "failing": preview(
                        failing, rows=40, columns=["scenario", "target_table", "field", "expected", "loaded", "page"]
                    )
                    if not failing.empty
                    else "none",
                },
                description=f"{passed} of {len(summary)} scenarios pass: see reports/scenario_acceptance.csv",
            )
        ],
    )
