"""The defect ledger agrees with a recount from the data itself."""

from __future__ import annotations

import pandas as pd
import pytest

from qvh_migration.legacy.keys import row_keys
from qvh_migration.mock.extracts import SourceExtracts, generate_extracts
from qvh_migration.mock.parameters import MockParameters
from qvh_migration.mock.recount import ledger_counts, recount_defects
from qvh_migration.mock.rules import DEFECT_KINDS, LEDGER_COLUMNS

REQUIRED_KINDS = {
    "invalid_nhs_check_digit",
    "dummy_nhs_number",
    "missing_mandatory_value",
    "unmapped_code",
    "orphan_child_row",
    "episode_outside_spell",
    "overlapping_episodes",
    "future_date_of_birth",
    "end_before_start",
    "duplicate_patient",
    "logically_deleted_row",
    "merged_patient",
    "over_length_value",
    "non_ascii_name",
    "malformed_legacy_date",
    "invalid_code_shape",
}


def _compare(ex: SourceExtracts, catalog: pd.DataFrame) -> pd.DataFrame:
    recount = recount_defects(ex.tables, catalog)
    ledger = ledger_counts(ex.defect_ledger)
    merged = recount.merge(ledger, on=["table", "defect_kind"], how="outer", suffixes=("_recount", "_ledger"))
    return merged.fillna(0)


def test_every_kind_is_injected_at_the_default_rate(extracts: SourceExtracts) -> None:
    assert set(DEFECT_KINDS) == REQUIRED_KINDS
    assert set(extracts.defect_ledger["defect_kind"]) == REQUIRED_KINDS
    assert list(extracts.defect_ledger.columns) == list(LEDGER_COLUMNS)


@pytest.mark.parametrize("fixture", ["extracts", "heavy_extracts", "clean_extracts"])
def test_ledger_matches_recount(fixture: str, request, source_catalog) -> None:
    ex = request.getfixturevalue(fixture)
    diff = _compare(ex, source_catalog)
    mismatches = diff[diff["count_recount"] != diff["count_ledger"]]
    assert mismatches.empty, mismatches.to_string()


def test_each_ledger_row_points_at_one_row(heavy_extracts: SourceExtracts) -> None:
    ex = heavy_extracts
    for table, group in ex.defect_ledger.groupby("table"):
        keys = row_keys(ex.tables[table], table)
        assert not keys.duplicated().any(), table
        assert group["row_key"].isin(keys).all(), table
        for column in group["column"].unique():
            assert column in ex.tables[table].columns, (table, column)
    # One defect per row and kind.
    assert not ex.defect_ledger.duplicated(["table", "row_key", "defect_kind"]).any()


def test_defect_rate_is_roughly_the_share_of_rows(extracts: SourceExtracts) -> None:
    counts = extracts.defect_ledger.groupby("table").size()
    for table in ("PATDATA", "OPA", "OPREFERRAL", "WLACTIVITY"):
        share = counts[table] / len(extracts.tables[table])
        assert 0.008 < share < 0.04, (table, share)


def test_no_defects_at_rate_zero(clean_extracts: SourceExtracts, source_catalog) -> None:
    assert len(clean_extracts.defect_ledger) == 0
    assert list(clean_extracts.defect_ledger.columns) == list(LEDGER_COLUMNS)
    assert recount_defects(clean_extracts.tables, source_catalog).empty
    assert len(clean_extracts.tables["MERGEDID"]) == 0


def test_merges_and_duplicates_are_coherent(heavy_extracts: SourceExtracts) -> None:
    pat = heavy_extracts.tables["PATDATA"]
    merged = heavy_extracts.tables["MERGEDID"]
    assert len(merged) > 0
    live = set(pat["InternalPatientNumber"])
    assert merged["NewestID"].isin(live).all()
    assert not merged["OldID"].isin(live).any()  # retired numbers
    assert merged["NextID"].isin(live | set(merged["OldID"])).all()
    dup = heavy_extracts.defect_ledger[heavy_extracts.defect_ledger["defect_kind"] == "duplicate_patient"]
    originals = dup["detail"].str.extract(r"InternalPatientNumber=(\d{9})")[0]
    assert originals.isin(live).all()


def test_same_seed_same_ledger(source_catalog) -> None:
    a = generate_extracts(source_catalog, MockParameters(patients=300, seed=11))
    b = generate_extracts(source_catalog, MockParameters(patients=300, seed=11))
    pd.testing.assert_frame_equal(a.defect_ledger, b.defect_ledger)
    c = generate_extracts(source_catalog, MockParameters(patients=300, seed=12))
    assert not a.defect_ledger.equals(c.defect_ledger)


def test_tiny_and_extreme_inputs(source_catalog) -> None:
    for params in (MockParameters(patients=1), MockParameters(patients=5, defect_rate=1.0)):
        ex = generate_extracts(source_catalog, params)
        diff = _compare(ex, source_catalog)
        assert (diff["count_recount"] == diff["count_ledger"]).all(), diff.to_string()
