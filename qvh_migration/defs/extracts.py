"""Assets of the ``extracts`` group: the source extracts, synthetic unless configured otherwise."""

from pathlib import Path

import dagster as dg
import pandas as pd
from pydantic import Field

from qvh_migration.console import report_progress
from qvh_migration.defs.extract_store import ExtractSource
from qvh_migration.defs.metadata import check_result, column_schema, fail_clearly, path_metadata, preview
from qvh_migration.defs.resources import MigrationSettings
from qvh_migration.extracts import checks as extract_checks
from qvh_migration.extracts import files as extract_files
from qvh_migration.extracts.checks import empty_extract_check, manifest_row_counts, nhs_number_check
from qvh_migration.io.masking import mask_identifiers
from qvh_migration.legacy.keys import ALL_TABLES, PRIORITY_TABLES
from qvh_migration.mock import recount
from qvh_migration.mock.extracts import SourceExtracts, generate_extracts
from qvh_migration.mock.parameters import MockParameterError, MockParameters
from qvh_migration.mock.rules import LEDGER_COLUMNS
from qvh_migration.specs import files as spec_files
from qvh_migration.specs.files import read_catalog_artifacts

GROUP = "extracts"
ASSET_NAME = "source_extracts"
LEDGER_KEY = dg.AssetKey([extract_files.STAGE, extract_files.LEDGER_NAME])
PREVIEW_ROWS = 10  # rows a metadata preview shows (``preview``'s default)


class SyntheticExtractConfig(dg.Config):
    """Size and shape of the synthetic extracts (ignored when real extracts are configured)."""

    patients: int = Field(default=2000, description="Synthetic patients to generate (at least 1).")
    seed: int = Field(default=42, description="Random seed: the same seed and parameters give identical files.")
    defect_rate: float = Field(default=0.015, description="Share of rows given a controlled, ledgered defect (0 to 1).")
    write_csv: bool = Field(default=False, description="Also write legacy pipe-delimited cp1252 CSV twins.")


def synthetic_parameter_problems(patients: int | None, seed: int | None, defect_rate: float | None) -> list[str]:
    """One line per bad generator parameter (None keeps the default), each checked on its own so
    the command line can report them all before a run starts."""
    defaults = SyntheticExtractConfig()
    problems = []
    for name, value in {"patients": patients, "seed": seed, "defect_rate": defect_rate}.items():
        if value is None:
            continue
        values = {"patients": defaults.patients, "seed": defaults.seed, "defect_rate": defaults.defect_rate}
        try:
            MockParameters(**{**values, name: value})
        except MockParameterError as exc:
            problems.append(f"--{name.replace('_', '-')}: {exc}")
    return problems


def table_key(table: str) -> dg.AssetKey:
    return dg.AssetKey([extract_files.STAGE, table])


def _table_spec(table: str) -> dg.AssetSpec:
    role = "priority" if table in PRIORITY_TABLES else "supporting"
    return dg.AssetSpec(
        table_key(table),
        deps=["source_catalog"],
        group_name=GROUP,
        kinds={"parquet"},
        tags={"source_table_role": role},
        description=(
            f"Source extract of legacy table {table} ({role}): exactly the catalog's columns, every value a "
            f"string. Synthetic by default; real files or a database when `extract_source` says so. "
            f"File: `{extract_files.STAGE}/{extract_files.table_file(table)}`."
        ),
    )


@dg.multi_asset(
    name=ASSET_NAME,
    specs=[_table_spec(table) for table in ALL_TABLES]
    + [
        dg.AssetSpec(
            LEDGER_KEY,
            deps=["source_catalog"],
            group_name=GROUP,
            kinds={"parquet"},
            description=(
                "Ledger of the defects injected into the synthetic extracts (table, row key, column, defect kind), "
                "so every gate has a known expected count. Empty for real extracts. "
                f"File: `{extract_files.STAGE}/{extract_files.LEDGER_FILE}`."
            ),
        )
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "ledger_matches_recount",
            asset=LEDGER_KEY,
            description="Each defect kind recounted from the data equals the ledger's count.",
        ),
        dg.AssetCheckSpec(
            "delivery_complete",
            asset=LEDGER_KEY,
            blocking=True,
            description=(
                "No real extract is empty while the previous delivery (or the delivery's own manifest.json) "
                "had rows, and no table's row count differs from what its manifest declares."
            ),
        ),
        dg.AssetCheckSpec(
            "every_delivered_file_read",
            asset=LEDGER_KEY,
            description="Every file in a delivered extract folder is a legacy table's extract or its manifest.",
        ),
        dg.AssetCheckSpec(
            "nhs_numbers_valid_or_ledgered",
            asset=table_key("PATDATA"),
            description="Every NHS number is Modulus 11 valid and in the 999 range, or ledgered.",
        ),
    ],
    can_subset=False,
)
def source_extracts(
    context: dg.AssetExecutionContext,
    config: SyntheticExtractConfig,
    settings: MigrationSettings,
    extract_source: ExtractSource,
):
    with fail_clearly():
        source_catalog, _, _ = read_catalog_artifacts(settings.stage_dir(spec_files.STAGE))
        kind = extract_source.source_kind
        if kind == "synthetic":
            try:
                params = MockParameters(config.patients, config.seed, config.defect_rate, config.write_csv)
            except MockParameterError as exc:
                raise dg.Failure(description=f"run config of {ASSET_NAME}: {exc}") from None
            extracts = generate_extracts(source_catalog, params)
            source = {
                "source": "synthetic",
                "patients": params.patients,
                "seed": params.seed,
                "defect_rate": params.defect_rate,
            }
        else:
            tables = extract_source.read_real(source_catalog, ALL_TABLES)
            extracts = SourceExtracts(tables=tables, defect_ledger=pd.DataFrame(columns=list(LEDGER_COLUMNS)))
            source = {"source": kind, "location": extract_source.describe()}
    folder = settings.stage_dir(extract_files.STAGE)
    previous = extract_files.read_manifest(folder)
    declared = extract_source.delivery_manifest()
    extract_files.write_extracts(
        extracts.tables,
        extracts.defect_ledger,
        folder,
        write_csv=config.write_csv,
        origin=kind,
        generation=context.run.run_id,
    )
    context.log.info("%s extracts written to %s", kind, folder)
    for table, frame in extracts.tables.items():
        yield dg.MaterializeResult(
            asset_key=table_key(table),
            metadata={
                **_table_metadata(
                    frame, folder / extract_files.table_file(table), _descriptions(source_catalog, table)
                ),
                **source,
                "origin": kind,
            },
        )
    ledger = extracts.defect_ledger
    yield dg.MaterializeResult(
        asset_key=LEDGER_KEY,
        metadata={
            "dagster/row_count": len(ledger),
            "defects_by_kind": preview(recount.ledger_counts(ledger), rows=60) if len(ledger) else "none",
            # Only the rows shown are masked: masking a million-row table cell by cell took minutes.
            "preview": preview(mask_identifiers(ledger.head(PREVIEW_ROWS))),
            **source,
            "origin": kind,
            **path_metadata(folder / extract_files.LEDGER_FILE),
        },
    )
    yield from _checks(extracts, source_catalog, synthetic=kind == "synthetic")
    yield _delivery_check(extracts, kind, previous, declared)
    unknown = extract_source.unknown_files(set(source_catalog["TableName"].astype(str)))
    yield dg.AssetCheckResult(
        asset_key=LEDGER_KEY,
        check_name="every_delivered_file_read",
        passed=not unknown,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{len(unknown)} files in the extract folder not read: {', '.join(unknown[:10])}"
        + (", ..." if len(unknown) > 10 else "")
        if unknown
        else None,
        metadata={"unknown_files": len(unknown)},
    )


def _delivery_check(extracts: SourceExtracts, kind: str, previous: dict, declared: dict) -> dg.AssetCheckResult:
    """Synthetic extracts follow their parameters (a smaller run may leave a table empty); a real
    delivery is held to the previous real delivery of the same kind and to its own manifest."""
    current = {table: len(frame) for table, frame in extracts.tables.items()}
    same_origin = previous.get("origin") == kind and kind != "synthetic"
    outcome = empty_extract_check(
        current, manifest_row_counts(previous) if same_origin else {}, manifest_row_counts(declared)
    )
    return check_result(
        "delivery_complete",
        outcome,
        asset_key=LEDGER_KEY,
        description=f"emptied or short extracts: {outcome.metadata['problems']}" if not outcome.passed else None,
    )


def _descriptions(source_catalog: pd.DataFrame, table: str) -> dict[str, str]:
    """Each column's text from the source dictionary (INQuire, else PC60), for the UI's column schema."""
    rows = source_catalog[source_catalog["TableName"] == table]
    text = rows["Description"].fillna("").astype(str)
    if "pc60_description" in rows:
        # INQuire often holds a release number where PC60 has prose; prefer the prose.
        prose = rows["pc60_description"].fillna("").astype(str)
        text = prose.where(prose != "", text)
    return dict(zip(rows["Column"].astype(str), text, strict=True))


def _table_metadata(frame: pd.DataFrame, path: Path, descriptions: dict[str, str]) -> dict[str, object]:
    profile = extract_checks.profile_extract(frame)
    rates = pd.DataFrame.from_dict(profile["columns"], orient="index")
    filled = rates[rates["empty_rate"] + rates["null_rate"] < 1.0]
    return {
        "dagster/row_count": len(frame),
        "dagster/column_schema": column_schema(frame, descriptions),
        "columns": len(frame.columns),
        "columns_filled": len(filled),
        "empty_rate_by_column": dg.MetadataValue.md(rates.round(4).to_markdown()),
        "preview (identifiers masked)": preview(mask_identifiers(frame.head(PREVIEW_ROWS))),
        **path_metadata(path),
    }


def _checks(extracts: SourceExtracts, source_catalog: pd.DataFrame, synthetic: bool):
    rows = sum(len(frame) for frame in extracts.tables.values())
    report_progress("check extracts", "all tables", rows, "recounting defects for the ledger check")
    outcome = recount.ledger_check(extracts.tables, extracts.defect_ledger, source_catalog, synthetic)
    metadata = {
        k: (preview(v, rows=30) if len(v) else "none") if isinstance(v, pd.DataFrame) else v
        for k, v in outcome.metadata.items()
    }
    yield dg.AssetCheckResult(
        asset_key=LEDGER_KEY,
        check_name="ledger_matches_recount",
        passed=outcome.passed,
        metadata=metadata,
        description=None if synthetic else "real extracts: no ledger to reconcile; data faults found are listed",
    )
    patdata = extracts.tables.get("PATDATA")
    if patdata is not None:
        outcome = nhs_number_check(patdata, extracts.defect_ledger, synthetic)
        yield check_result(
            "nhs_numbers_valid_or_ledgered",
            outcome,
            asset_key=table_key("PATDATA"),
            # In real data an invalid number is a finding for the trace, not a broken generator.
            severity=dg.AssetCheckSeverity.ERROR if synthetic else dg.AssetCheckSeverity.WARN,
        )
