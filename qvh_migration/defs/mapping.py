"""Assets of the ``mapping`` group: crosswalks, semantic matrix, mapping contract, coverage and the
data mapping report."""

import time
from pathlib import Path

import dagster as dg
import pandas as pd

from qvh_migration.defs.extract_store import ExtractSource
from qvh_migration.defs.metadata import check_result, fail_clearly, frame_metadata, path_metadata, preview
from qvh_migration.defs.resources import MigrationSettings
from qvh_migration.etl import files as etl_files
from qvh_migration.etl.row_sources import RowSources, load_row_sources
from qvh_migration.extracts import files as extract_files
from qvh_migration.legacy.code_sets import LEGACY_CODE_FIELDS
from qvh_migration.mapping import contract as contract_rules
from qvh_migration.mapping import contract_changes as changes
from qvh_migration.mapping import coverage, crosswalks, curated_rules, decisions, matcher, signoffs, staged_values
from qvh_migration.mapping import data_mapping_report as mapping_report
from qvh_migration.mapping import files as mapping_files
from qvh_migration.mapping import not_migrated_watch as watch
from qvh_migration.mapping.contract_schema import CONTRACT_COLUMN_DESCRIPTIONS
from qvh_migration.specs import files as spec_files
from qvh_migration.specs.files import read_catalog_artifacts

GROUP = "mapping"
PRECISION_AIM, RECALL_AIM = 0.90, 0.98


def reviewed_inputs(settings: MigrationSettings) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The stage's reviewed files, validated together: the crosswalks, and the curated rules against
    them. Every step of the stage that writes reads them through here first, so a fault in either
    (a crosswalk file a rule names removed, say) stops the stage before it replaces any of its files,
    and the stage's files are replaced together or not at all."""
    with fail_clearly():
        loaded = crosswalks.load_crosswalks(settings.crosswalk_path())
        source, fields, _ = read_catalog_artifacts(settings.stage_dir(spec_files.STAGE))
        curated = curated_rules.load_curated_rules(settings.rules_path(), source, fields, set(loaded), every_table=True)
    return loaded, curated


@dg.asset(
    group_name=GROUP,
    deps=["source_catalog", "target_catalog"],
    kinds={"csv"},
    description=(
        "The reviewed crosswalks (`crosswalks/*.csv`, legacy code -> NHS Data Dictionary code), validated: "
        "unique legacy codes, no empty codes, target codes in the NHS code set, and every crosswalk a curated "
        "rule names present (checked before any file of the stage is replaced). "
        f"File: `{mapping_files.STAGE}/{mapping_files.CROSSWALKS_CSV}` (all code sets in one table)."
    ),
)
def crosswalk_catalog(settings: MigrationSettings) -> dg.MaterializeResult:
    loaded, _ = reviewed_inputs(settings)
    combined = pd.concat([frame.assign(code_set=name) for name, frame in loaded.items()], ignore_index=True)
    path = mapping_files.write_crosswalk_table(combined, settings.stage_dir(mapping_files.STAGE))
    per_set = combined.groupby("code_set").size()
    return dg.MaterializeResult(
        metadata={
            **frame_metadata(
                combined, preview_columns=["code_set", "legacy_code", "target_code", "target_description"]
            ),
            "code_sets": len(loaded),
            "codes_per_set": dg.MetadataValue.md(per_set.rename("codes").to_frame().to_markdown()),
            **path_metadata(path),
        }
    )


@dg.asset(
    group_name=GROUP,
    deps=["source_catalog", "target_catalog"],
    kinds={"pandas", "csv"},
    description=(
        "Semantic mapping matrix: for every target field, the top source candidates from all source "
        "fields with a 0-1 score and its evidence (name, description, type/size, code-type fit, table "
        f"affinity). Measured against a hand-checked gold list. "
        f"File: `{mapping_files.STAGE}/{mapping_files.MATRIX_CSV}`."
    ),
)
def semantic_mapping_matrix(context: dg.AssetExecutionContext, settings: MigrationSettings) -> dg.MaterializeResult:
    with fail_clearly():
        source, fields, tables = read_catalog_artifacts(settings.stage_dir(spec_files.STAGE))
    started = time.perf_counter()
    matrix = matcher.build_semantic_matrix(source, fields, tables)
    seconds = time.perf_counter() - started
    path = mapping_files.write_matrix(matrix, settings.stage_dir(mapping_files.STAGE))
    with fail_clearly():
        gold = matcher.read_gold()
    scores = matcher.evaluate_matrix(matrix, gold)
    misses = matcher.gold_misses(matrix, gold)
    context.log.info(
        "matrix built in %.2f s; precision@1 %.3f, recall@5 %.3f",
        seconds,
        scores["precision_at_1"],
        scores["recall_at_5"],
    )
    return dg.MaterializeResult(
        metadata={
            **frame_metadata(matrix),
            "target_fields": int(matrix[["target_table", "target_field"]].drop_duplicates().shape[0]),
            "build_seconds": round(seconds, 3),
            "gold_fields": int(scores["n"]),
            "precision_at_1": round(float(scores["precision_at_1"]), 4),
            "recall_at_5": round(float(scores["recall_at_5"]), 4),
            "gold_misses": preview(misses, rows=25) if not misses.empty else "none",
            **path_metadata(path),
        }
    )


@dg.asset(
    group_name=GROUP,
    deps=[semantic_mapping_matrix, crosswalk_catalog],
    kinds={"pandas", "csv", "excel"},
    description=(
        "Mapping contract: exactly one row per target field, classified DIRECT, CROSSWALK, TRANSFORM, "
        "DERIVED, DEFAULT, GENERATED, NOT_MIGRATED or UNRESOLVED, with rule id, sources, transform or "
        "crosswalk, confidence, status and rationale. Curated YAML rules override the matrix; unresolved "
        f"mandatory fields are blockers. Files: `{mapping_files.STAGE}/{mapping_files.CONTRACT_CSV}` and "
        f"`{mapping_files.CONTRACT_XLSX}`."
    ),
    check_specs=[
        dg.AssetCheckSpec(
            "one_row_per_target_field",
            asset="mapping_contract",
            description="Every target field has exactly one contract row.",
        ),
        dg.AssetCheckSpec(
            "no_mandatory_blockers", asset="mapping_contract", description="No mandatory target field is UNRESOLVED."
        ),
    ],
)
def mapping_contract(settings: MigrationSettings) -> dg.MaterializeResult:
    folder = settings.stage_dir(mapping_files.STAGE)
    _, curated = reviewed_inputs(settings)
    with fail_clearly():
        _, fields, tables = read_catalog_artifacts(settings.stage_dir(spec_files.STAGE))
        matrix = mapping_files.read_matrix(folder)
    contract = contract_rules.build_mapping_contract(fields, tables, matrix, curated, LEGACY_CODE_FIELDS)
    path, workbook = mapping_files.write_contract(contract, folder)
    counts = contract_rules.class_counts(contract)
    blocked = contract_rules.blockers(contract)
    return dg.MaterializeResult(
        metadata={
            **frame_metadata(
                contract,
                preview_columns=["target_table", "target_field", "mapping_class", "status"],
                descriptions=CONTRACT_COLUMN_DESCRIPTIONS,
            ),
            **{f"class_{name}": int(count) for name, count in counts.items()},
            "approved": int((contract["status"] == "approved").sum()),
            "blockers": len(blocked),
            "blocker_list": preview(blocked, rows=50, columns=["target_table", "target_field", "rationale"])
            if not blocked.empty
            else "none",
            **path_metadata(path, workbook),
        },
        check_results=[
            check_result("one_row_per_target_field", contract_rules.one_row_per_target_field(contract, fields)),
            check_result(
                "no_mandatory_blockers",
                contract_rules.no_mandatory_blockers(contract),
                severity=dg.AssetCheckSeverity.WARN,
                # the terminal shows this: how many, and where to look
                description=f"{len(blocked)} mandatory target fields UNRESOLVED: see mapping/mapping_contract.csv"
                if not blocked.empty
                else None,
            ),
        ],
    )


@dg.asset(
    group_name=GROUP,
    deps=[mapping_contract, crosswalk_catalog],
    kinds={"csv"},
    description=(
        "Contract change log: the run's contract and crosswalks compared with the signed copy of the last "
        "sign-off (`qvh_migration/mapping/signoffs.yaml`, `qvh-migration sign-contract`). One row per field "
        "whose class, rule, crosswalk, code handling or status changed (or that appeared or went), with its "
        "rationale now and before, and per crosswalk entry whose target changed. With no sign-off it says so "
        f"and lists nothing. Files: `{mapping_files.STAGE}/{changes.CHANGES_CSV}` and `{changes.CHANGES_JSON}`."
    ),
)
def contract_changes(settings: MigrationSettings) -> dg.MaterializeResult:
    with fail_clearly():
        log, summary = changes.changes_for_run(settings.paths().data_dir, signoffs.default_signoffs_file())
    paths = changes.write_changes(log, summary, settings.stage_dir(mapping_files.STAGE))
    return dg.MaterializeResult(
        metadata={
            **frame_metadata(log, preview_columns=["scope", "item", "change", "changed"]),
            "basis": summary["basis"],
            "fields_changed": summary["fields_changed"],
            "crosswalk_entries_changed": summary["crosswalk_entries_changed"],
            **path_metadata(*paths),
        }
    )


@dg.asset(
    group_name=GROUP,
    deps=[crosswalk_catalog, dg.AssetKey(["extracts", "defect_ledger"])],
    kinds={"csv"},
    description=(
        "Crosswalk coverage (the vendor's data mapping report): legacy codes found in the source "
        "extracts that no crosswalk covers, with where they occur and how often. "
        f"File: `{mapping_files.STAGE}/{mapping_files.COVERAGE_CSV}`."
    ),
    check_specs=[
        dg.AssetCheckSpec(
            "all_codes_covered",
            asset="crosswalk_coverage",
            description="Every legacy code in the extracts has a crosswalk entry.",
        )
    ],
)
def crosswalk_coverage(settings: MigrationSettings) -> dg.MaterializeResult:
    loaded, _ = reviewed_inputs(settings)
    with fail_clearly():
        extracts = extract_files.read_extract_tables(
            settings.stage_dir(extract_files.STAGE), {table for table, _ in LEGACY_CODE_FIELDS}
        )
    report = coverage.crosswalk_coverage(extracts, loaded, LEGACY_CODE_FIELDS)
    path = mapping_files.write_coverage(report, settings.stage_dir(mapping_files.STAGE))
    summary = coverage.coverage_summary(report)
    variants = coverage.case_variants(report, loaded)
    return dg.MaterializeResult(
        metadata={
            **frame_metadata(report),
            "unmapped_codes": len(report),
            "unmapped_occurrences": int(report["occurrences"].sum()) if not report.empty else 0,
            "by_code_set": preview(summary, rows=20) if not summary.empty else "none",
            "case_variants": preview(variants, rows=20) if not variants.empty else "none",
            **path_metadata(path),
        },
        check_results=[
            check_result(
                "all_codes_covered",
                coverage.all_codes_covered(report),
                severity=dg.AssetCheckSeverity.WARN,
                description=f"{len(report)} legacy codes without a crosswalk{coverage.case_variants_note(variants)}: "
                "see mapping/crosswalk_coverage.csv"
                if not report.empty
                else None,
            )
        ],
    )


@dg.asset(
    group_name=GROUP,
    # After the staging database: the report is keyed on the values the load files hold.
    deps=[mapping_contract, crosswalk_catalog, dg.AssetKey(["extracts", "defect_ledger"]), "staging_database"],
    kinds={"pandas", "csv", "excel"},
    description=(
        "Data mapping report for the vendor, built once the target tables are staged: per code type and coded "
        "target field (the contract's `code_handling`), every value the load files hold (`staged_value`, "
        "`staged_count`) with the legacy values it came from, their counts, the legacy code table's "
        "description and the crosswalk's proposal (status mapped, no_code, unmapped; vendor_maps where the "
        "vendor maps the legacy value, as_is for an uncrosswalked national code, staged_only for a value the "
        "load set that no legacy value reads as, no_values for a coded field with nothing staged), and the "
        "decisions still open (`qvh_migration/mapping/decisions.yaml`). `every_staged_value_listed` fails when "
        "a staged value of a coded field is not in the report. `every_legacy_value_mapped` fails only "
        "on unmapped values the defect ledger does not explain (injected defects are the ETL's to reject): "
        "WARN when they are in pas_code_type fields (the vendor can still map them), ERROR when one is in a "
        "national_code field (the load rejects it). `not_migrated_tables_empty` warns when the extracts or the "
        "configured real source hold rows in a legacy table that would feed a table the contract does not "
        "migrate (`watch_tables` in `qvh_migration/etl/row_sources.yaml`). "
        f"Files: `{mapping_files.STAGE}/{mapping_files.DATA_MAPPING_REPORT_CSV}` and "
        f"`{mapping_files.DATA_MAPPING_REPORT_XLSX}` "
        "(a sheet per code type, unmapped values highlighted)."
    ),
    check_specs=[
        dg.AssetCheckSpec(
            "every_staged_value_listed",
            asset="data_mapping_report",
            description="Every value a coded field holds in the staged tables is a row of the report.",
        ),
        dg.AssetCheckSpec(
            "every_legacy_value_mapped",
            asset="data_mapping_report",
            description="Every legacy value a crosswalk applies to has an entry, unless the defect ledger explains it.",
        ),
        dg.AssetCheckSpec(
            "not_migrated_tables_empty",
            asset="data_mapping_report",
            description="No delivered legacy table holds rows for a staging table the contract does not migrate.",
        ),
    ],
)
def data_mapping_report(settings: MigrationSettings, extract_source: ExtractSource) -> dg.MaterializeResult:
    folder = settings.stage_dir(mapping_files.STAGE)
    extracts_folder = settings.stage_dir(extract_files.STAGE)
    tables_folder = settings.stage_dir("target") / etl_files.TABLES
    loaded, _ = reviewed_inputs(settings)
    with fail_clearly():
        source, _, tables = read_catalog_artifacts(settings.stage_dir(spec_files.STAGE))
        row_sources = load_row_sources(
            settings.row_sources_path(), set(tables["table_name"]), set(source["TableName"].astype(str))
        )
        report, staged = staged_values.report_for_run(folder, extracts_folder, tables_folder, loaded)
        open_decisions = decisions.open_decisions(decisions.load_decisions())
        findings = watch.not_migrated_rows(
            row_sources, watched_row_counts(row_sources, extracts_folder, extract_source)
        )
    paths = mapping_files.write_data_mapping_report(report, folder, open_decisions)
    staged_outcome = staged_values.every_staged_value_listed(report, staged)
    coverage_outcome, national = mapping_report.every_legacy_value_mapped(report)
    unexplained = coverage_outcome.metadata["unexplained_values"]
    return dg.MaterializeResult(
        metadata={
            **frame_metadata(
                report,
                preview_columns=["code_type", "target_table", "target_field", "legacy_value", "count", "status"],
                descriptions=mapping_report.REPORT_COLUMN_DESCRIPTIONS,
            ),
            "coded_fields": int(report[["target_table", "target_field"]].drop_duplicates().shape[0]),
            "code_types": int(report["code_type"].replace("", pd.NA).nunique()),
            **{f"status_{name}": int(count) for name, count in report["status"].value_counts().items()},
            "open_decisions": len(open_decisions),
            **path_metadata(*paths),
        },
        check_results=[
            check_result(
                "every_staged_value_listed",
                staged_outcome,
                description=f"{staged_outcome.metadata['missing_values']} staged values missing from "
                f"mapping/{mapping_files.DATA_MAPPING_REPORT_CSV}"
                if not staged_outcome.passed
                else None,
            ),
            check_result(
                "every_legacy_value_mapped",
                coverage_outcome,
                severity=dg.AssetCheckSeverity.ERROR if national else dg.AssetCheckSeverity.WARN,
                description=f"{unexplained} unmapped legacy values not explained by the defect ledger: "
                f"see mapping/{mapping_files.DATA_MAPPING_REPORT_CSV}"
                if not coverage_outcome.passed
                else None,
            ),
            check_result(
                "not_migrated_tables_empty",
                watch.not_migrated_tables_empty(row_sources, findings),
                severity=dg.AssetCheckSeverity.WARN,
                description=watch.findings_summary(findings) if not findings.empty else None,
            ),
        ],
    )


def watched_row_counts(
    row_sources: RowSources, extracts_folder: Path, extract_source: ExtractSource
) -> dict[str, dict]:
    """Rows of the watched legacy tables in the extracts folder, and in the real source for tables
    the extract step does not copy."""
    watched = watch.watched_legacy_tables(row_sources)
    counts = {"extracts": watch.folder_row_counts(extracts_folder, watched)}
    kind, location = extract_source.resolved()
    others = watched - set(counts["extracts"])
    if kind == "files" and location:
        counts[f"files {location}"] = watch.folder_row_counts(Path(location), others)
    elif kind == "duckdb" and location:
        counts[f"duckdb {location}"] = watch.duckdb_row_counts(Path(location), others)
    elif kind == "sql" and location:
        counts[f"sql {extract_source.describe()}"] = watch.sql_row_counts(location, others)
    return counts
