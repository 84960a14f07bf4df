"""Assets of the ``specs`` group: the requirement documents as catalogs."""

import time

import dagster as dg
import pandas as pd

from qvh_migration.defs.metadata import check_result, fail_clearly, frame_metadata, path_metadata, preview
from qvh_migration.defs.resources import MigrationSettings
from qvh_migration.specs import catalog_build
from qvh_migration.specs import checks as catalog_checks
from qvh_migration.specs import files as spec_files
from qvh_migration.specs.catalog_schema import COLUMN_DESCRIPTIONS

GROUP = "specs"


@dg.asset(
    group_name=GROUP,
    kinds={"pandas", "csv"},
    description=(
        "Source catalog: every row and column of the INQuire dictionary (sheet `Columns`), plus parsed "
        "code lists, date pairs, logical-delete flags, master-file tables and release-number "
        "descriptions; merged with the PC60 Word dictionary where available. "
        f"File: `{spec_files.STAGE}/{spec_files.SOURCE_CATALOG_CSV}`."
    ),
)
def source_catalog(context: dg.AssetExecutionContext, settings: MigrationSettings) -> dg.MaterializeResult:
    started = time.perf_counter()
    documents = settings.paths().documents
    with fail_clearly():
        result = catalog_build.source_catalog(documents, settings.stage_dir(spec_files.STAGE))
    catalog = result.catalog
    context.log.info(
        "source catalog %s from %s", "reused" if result.reused else "parsed", documents.source_dictionary.name
    )
    return dg.MaterializeResult(
        metadata={
            **frame_metadata(
                catalog,
                preview_columns=["TableName", "Column", "Size", "description_kind"],
                descriptions=COLUMN_DESCRIPTIONS,
            ),
            **documents.as_metadata(),
            "tables": int(catalog["TableName"].nunique()),
            "fields": len(catalog),
            "code_list_fields": int((catalog["description_kind"] == "code_list").sum()),
            "date_pairs": int((catalog["date_pair_role"] == "internal").sum()),
            "logical_delete_flags": int(catalog["is_logical_delete_flag"].sum()),
            "master_file_tables": int(catalog.loc[catalog["is_master_file_table"], "TableName"].nunique()),
            "pc60_conflicts": len(result.pc60_conflicts),
            "document_digest": result.digest[:16],
            "reused_previous_parse": result.reused,
            "asset_seconds": round(time.perf_counter() - started, 3),
            **path_metadata(settings.stage_dir(spec_files.STAGE) / spec_files.SOURCE_CATALOG_CSV),
        },
        data_version=dg.DataVersion(result.digest[:16]),
    )


@dg.asset(
    group_name=GROUP,
    kinds={"pandas", "csv"},
    description=(
        "Target catalog: the 38 LOAD_ staging tables and their fields from the vendor's migration guide "
        "(type, length, code type, `Loaded into`, comment, page), each classified mandatory / "
        f"conditional / optional with its evidence. Files: `{spec_files.STAGE}/{spec_files.TARGET_FIELDS_CSV}`, "
        f"`{spec_files.STAGE}/{spec_files.TARGET_TABLES_CSV}`."
    ),
    check_specs=[
        dg.AssetCheckSpec(
            "every_table_has_its_fields",
            asset="target_catalog",
            description="Every staging table has fields, and its field count matches the table list.",
        ),
        dg.AssetCheckSpec(
            "mandatory_classes_have_evidence",
            asset="target_catalog",
            description="Every mandatory or conditional field says why (phrase, key rule or override).",
        ),
        dg.AssetCheckSpec(
            "parent_links_resolve",
            asset="target_catalog",
            description="Every parent link names a staging table the guide defines.",
        ),
    ],
)
def target_catalog(context: dg.AssetExecutionContext, settings: MigrationSettings) -> dg.MaterializeResult:
    started = time.perf_counter()
    documents = settings.paths().documents
    with fail_clearly():
        result = catalog_build.target_catalog(
            documents, settings.stage_dir(spec_files.STAGE), settings.overrides_path(), settings.rules_path()
        )
    fields = result.fields
    classes = fields["mandatory_class"].value_counts()
    context.log.info("target catalog %s from %s", "reused" if result.reused else "parsed", documents.target_guide.name)
    return dg.MaterializeResult(
        metadata={
            **frame_metadata(
                fields,
                preview_columns=["table_name", "field_name", "data_type", "length", "mandatory_class"],
                descriptions=COLUMN_DESCRIPTIONS,
            ),
            "target_guide": documents.target_guide.name,
            "pages": result.page_count,
            "tables": int(fields["table_name"].nunique()),
            "fields": len(fields),
            "mandatory": int(classes.get("mandatory", 0)),
            "conditional": int(classes.get("conditional", 0)),
            "optional": int(classes.get("optional", 0)),
            "unplaced_lines": len(result.unplaced),
            "tables_preview": preview(
                result.tables, rows=40, columns=["load_order", "table_name", "field_count", "parent_links"]
            ),
            "document_digest": result.digest[:16],
            "reused_previous_parse": result.reused,
            "asset_seconds": round(time.perf_counter() - started, 3),
            **path_metadata(settings.stage_dir(spec_files.STAGE) / spec_files.TARGET_FIELDS_CSV),
        },
        data_version=dg.DataVersion(result.digest[:16]),
        check_results=target_catalog_checks(fields, result.tables),
    )


def target_catalog_checks(fields: pd.DataFrame, tables: pd.DataFrame) -> list[dg.AssetCheckResult]:
    outcomes = catalog_checks.target_catalog_checks(fields, tables)
    return [check_result(name, outcome) for name, outcome in outcomes.items()]


@dg.asset(
    group_name=GROUP,
    deps=[source_catalog, target_catalog],
    kinds={"json"},
    description=(
        "Schema summary: table and field counts per catalog, per-table field counts, mandatory classes, "
        "dictionary conflicts and anything the readers could not place. "
        f"File: `{spec_files.STAGE}/{spec_files.SUMMARY_FILE}`."
    ),
)
def schema_catalog_summary(settings: MigrationSettings) -> dg.MaterializeResult:
    documents = settings.paths().documents
    folder = settings.stage_dir(spec_files.STAGE)
    with fail_clearly():
        source = catalog_build.source_catalog(documents, folder)
        target = catalog_build.target_catalog(documents, folder, settings.overrides_path(), settings.rules_path())
    summary = catalog_build.schema_summary(
        source.catalog,
        source.pc60_conflicts,
        target.fields,
        target.tables,
        target.unplaced,
        target.notes,
        documents.as_metadata(),
    )
    path = spec_files.write_schema_summary(summary, folder)
    per_table = "\n".join(f"| {name} | {count} |" for name, count in summary["target"]["fields_per_table"].items())
    return dg.MaterializeResult(
        metadata={
            "source_tables": summary["source"]["tables"],
            "source_fields": summary["source"]["fields"],
            "target_tables": summary["target"]["tables"],
            "target_fields": summary["target"]["fields"],
            "mandatory": summary["target"]["mandatory"],
            "conditional": summary["target"]["conditional"],
            "optional": summary["target"]["optional"],
            "unplaced": len(summary["unplaced"]),
            "reader_notes": len(summary["reader_notes"]),
            "pc60_conflicts": summary["source"]["pc60_conflicts"],
            "target_fields_per_table": dg.MetadataValue.md("| table | fields |\n|---|---|\n" + per_table),
            **path_metadata(path),
        }
    )
