"""Assets of the ``mock`` group: the source extracts (synthetic unless configured otherwise)."""

import dagster as dg
import numpy as np
import pandas as pd

from qvh_migration.console import report_progress
from qvh_migration.defs.extract_store import ExtractSource
from qvh_migration.defs.metadata import column_schema, fail_clearly, path_metadata, preview
from qvh_migration.defs.resources import MigrationSettings
from qvh_migration.io.masking import mask_identifiers
from qvh_migration.mock import recount
from qvh_migration.mock.extracts import SourceExtracts, generate_extracts
from qvh_migration.mock.parameters import MockParameterError, MockParameters
from qvh_migration.mock.rules import ALL_TABLES, PRIORITY_TABLES
from qvh_migration.mock.writer import LEDGER_FILE, profile_extract, write_extracts
from qvh_migration.specs.catalogs import read_catalog_artifacts

GROUP = "mock"
LEDGER_KEY = dg.AssetKey(["extracts", "defect_ledger"])
LEDGER_COLUMNS = ["table", "row_key", "column", "defect_kind", "detail"]


class MockExtractConfig(dg.Config):
    """Size and shape of the synthetic extracts (ignored when real extracts are configured)."""

    patients: int = 2000
    seed: int = 42
    defect_rate: float = 0.015
    write_csv: bool = False


def _table_spec(table: str) -> dg.AssetSpec:
    role = "priority" if table in PRIORITY_TABLES else "supporting"
    return dg.AssetSpec(
        dg.AssetKey(["extracts", table]),
        deps=["source_catalog"],
        group_name=GROUP,
        kinds={"parquet"},
        tags={"source_table_role": role},
        description=(
            f"Source extract of legacy table {table} ({role}): exactly the catalog's columns, every value a "
            f"string. Synthetic by default; real files or a database when `extract_source` says so. "
            f"File: `extracts/{table}.parquet`."
        ),
    )


@dg.multi_asset(
    name="synthetic_source_extracts",
    specs=[_table_spec(table) for table in ALL_TABLES]
    + [dg.AssetSpec(LEDGER_KEY, deps=["source_catalog"], group_name=GROUP, kinds={"parquet"}, description=(
        "Ledger of the defects injected into the synthetic extracts (table, row key, column, defect kind), "
        "so every gate has a known expected count. Empty for real extracts. File: `extracts/defect_ledger.parquet`."
    ))],
    check_specs=[
        dg.AssetCheckSpec("ledger_matches_recount", asset=LEDGER_KEY,
                          description="Each defect kind recounted from the data equals the ledger's count."),
        dg.AssetCheckSpec("nhs_numbers_valid_or_ledgered", asset=dg.AssetKey(["extracts", "PATDATA"]),
                          description="Every NHS number is Modulus 11 valid and in the 999 range, or ledgered."),
    ],
    can_subset=False,
)
def synthetic_source_extracts(
    context: dg.AssetExecutionContext, config: MockExtractConfig, settings: MigrationSettings,
    extract_source: ExtractSource,
):
    with fail_clearly():
        source_catalog, _, _ = read_catalog_artifacts(settings.stage_dir("catalogs"))
        if extract_source.kind == "synthetic":
            try:
                params = MockParameters(config.patients, config.seed, config.defect_rate, config.write_csv)
            except MockParameterError as exc:
                raise dg.Failure(description=f"run config of synthetic_source_extracts: {exc}") from None
            extracts = generate_extracts(source_catalog, params)
        else:
            tables = extract_source.read_real(source_catalog, ALL_TABLES)
            extracts = SourceExtracts(tables=tables, defect_ledger=pd.DataFrame(columns=LEDGER_COLUMNS))
    folder = settings.stage_dir("extracts")
    write_extracts(extracts, folder, write_csv=config.write_csv)
    context.log.info("%s extracts written to %s", extract_source.kind, folder)
    for table, frame in extracts.tables.items():
        yield dg.MaterializeResult(asset_key=dg.AssetKey(["extracts", table]), metadata=_table_metadata(
            frame, extract_source.kind, folder / f"{table}.parquet"))
    ledger = extracts.defect_ledger
    yield dg.MaterializeResult(asset_key=LEDGER_KEY, metadata={
        "dagster/row_count": len(ledger),
        "defects_by_kind": preview(recount.ledger_counts(ledger), rows=60) if len(ledger) else "none",
        "preview": preview(mask_identifiers(ledger)),
        "origin": extract_source.kind,
        **path_metadata(folder / LEDGER_FILE),
    })
    yield from _checks(extracts, source_catalog, synthetic=extract_source.kind == "synthetic")


def _table_metadata(frame: pd.DataFrame, origin: str, path) -> dict[str, object]:
    profile = profile_extract(frame)
    rates = pd.DataFrame.from_dict(profile["columns"], orient="index")
    filled = rates[rates["empty_rate"] + rates["null_rate"] < 1.0]
    return {
        "dagster/row_count": len(frame),
        "dagster/column_schema": column_schema(frame),
        "origin": origin,
        "columns": len(frame.columns),
        "columns_filled": len(filled),
        "empty_rate_by_column": dg.MetadataValue.md(rates.round(4).to_markdown()),
        "preview (identifiers masked)": preview(mask_identifiers(frame)),
        **path_metadata(path),
    }


def _checks(extracts: SourceExtracts, source_catalog: pd.DataFrame, synthetic: bool):
    rows = sum(len(frame) for frame in extracts.tables.values())
    report_progress("check extracts", "all tables", rows, "recounting defects for the ledger check")
    found = recount.recount_defects(extracts.tables, source_catalog)
    expected = recount.ledger_counts(extracts.defect_ledger)
    merged = found.merge(expected, on=["table", "defect_kind"], how="outer", suffixes=("_found", "_ledger"))
    merged = merged.fillna(0)
    differing = merged[merged["count_found"] != merged["count_ledger"]]
    # Real extracts have no injected defects to reconcile: report what the recount finds instead.
    yield dg.AssetCheckResult(
        asset_key=LEDGER_KEY, check_name="ledger_matches_recount", passed=differing.empty or not synthetic,
        description=None if synthetic else "real extracts: no ledger to reconcile; data faults found are listed",
        metadata={
            "kinds_checked": len(merged),
            "differences" if synthetic else "faults_found": preview(differing, rows=30) if len(differing) else "none",
        },
    )
    patdata = extracts.tables.get("PATDATA")
    if patdata is not None:
        invalid, dummy = recount.nhs_number_faults(patdata)
        present = (patdata["NhsNumber"].str.strip() != "").to_numpy()
        # Synthetic data must stay in the never-issued 999 range; real numbers are checked for validity only.
        in_range = recount.nhs_number_in_999_range(patdata)
        outside = present & ~dummy & ~in_range if synthetic else np.zeros(len(patdata), dtype=bool)
        ledger = extracts.defect_ledger
        ledgered = ledger[(ledger["table"] == "PATDATA")
                          & ledger["defect_kind"].isin(["invalid_nhs_check_digit", "dummy_nhs_number"])]
        unexplained = int(invalid.sum() + dummy.sum()) - len(ledgered)
        yield dg.AssetCheckResult(
            asset_key=dg.AssetKey(["extracts", "PATDATA"]), check_name="nhs_numbers_valid_or_ledgered",
            passed=unexplained == 0 and not outside.any(),
            # In real data an invalid number is a finding for the trace, not a broken generator.
            severity=dg.AssetCheckSeverity.ERROR if synthetic else dg.AssetCheckSeverity.WARN,
            metadata={"invalid_check_digit": int(invalid.sum()), "dummy": int(dummy.sum()),
                      "ledgered": len(ledgered), "outside_999_range": int(outside.sum())},
        )
