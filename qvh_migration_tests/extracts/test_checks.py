"""Extract checks as plain functions: synthetic data must explain every fault, real data reports them."""

from __future__ import annotations

import pandas as pd

from qvh_migration.extracts.checks import nhs_number_check

LEDGER_COLUMNS = ["table", "row_key", "column", "defect_kind", "detail"]


def _patdata(*numbers: str) -> pd.DataFrame:
    return pd.DataFrame({"NhsNumber": list(numbers)})


def test_synthetic_numbers_must_be_valid_in_range_or_ledgered() -> None:
    empty = pd.DataFrame(columns=LEDGER_COLUMNS)
    assert nhs_number_check(_patdata("999 000 0026", ""), empty, synthetic=True).passed
    outcome = nhs_number_check(_patdata("943 476 5919"), empty, synthetic=True)
    assert not outcome.passed and outcome.metadata["outside_999_range"] == 1
    bad = _patdata("999 000 0027", "4444444444")
    assert not nhs_number_check(bad, empty, synthetic=True).passed
    ledger = pd.DataFrame(
        [
            ["PATDATA", "k1", "NhsNumber", "invalid_nhs_check_digit", ""],
            ["PATDATA", "k2", "NhsNumber", "dummy_nhs_number", ""],
        ],
        columns=LEDGER_COLUMNS,
    )
    assert nhs_number_check(bad, ledger, synthetic=True).passed


def test_real_numbers_are_only_checked_for_validity() -> None:
    outcome = nhs_number_check(_patdata("943 476 5919", "943 476 5918"), pd.DataFrame(columns=LEDGER_COLUMNS), False)
    assert not outcome.passed
    assert outcome.metadata == {
        "invalid_check_digit": 1,
        "dummy": 0,
        "ledgered": 0,
        "outside_999_range": 0,
        "sample_masked": "**********18",  # which number, never the number
    }


def test_an_extract_that_empties_between_deliveries_fails() -> None:
    """A header-only OPA once loaded as 'no appointments' and the dry run said it succeeded."""
    from qvh_migration.extracts.checks import empty_extract_check

    previous = {"PATDATA": 10, "OPA": 40, "WARD": 0}
    assert empty_extract_check({"PATDATA": 11, "OPA": 38, "WARD": 0}, previous).passed
    emptied = empty_extract_check({"PATDATA": 11, "OPA": 0, "WARD": 0}, previous)
    assert not emptied.passed and emptied.metadata["emptied_tables"] == "OPA"
    assert "OPA: 0 rows; the previous delivery had 40" in emptied.metadata["problems"]


def test_a_delivery_short_of_its_own_manifest_fails() -> None:
    from qvh_migration.extracts.checks import empty_extract_check

    outcome = empty_extract_check({"PATDATA": 9, "OPA": 0}, {}, declared={"PATDATA": 10, "OPA": 40})
    assert not outcome.passed
    assert outcome.metadata["emptied_tables"] == "OPA"
    assert outcome.metadata["row_counts_differing_from_manifest"] == "OPA, PATDATA"
