"""Identity and referrer transforms, and the name transforms over columns that arrive in chunks."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
from pandas.core.arrays.string_arrow import ArrowStringArray

from qvh_migration.io.arrow_text import STR_DTYPE
from qvh_migration.mapping.transforms import TRANSFORMS, format_gp_code, format_nhs_number
from qvh_migration.mapping.transforms_identity import nhs_number_status, referrer_code
from qvh_migration.reports.trial_comparison.reference import reference_identity as ri
from qvh_migration.reports.trial_comparison.reference.reference_transforms import gp_code

# 9434765919 is the NHS Data Dictionary's worked example; the others fail the check digit or repeat one digit.
NUMBERS = ["943 476 5919", "0000000000", "1111111111", "999 550 8780", "9995923240", "9998735928", "", "12345"]


def text(values: list[str | None]) -> pd.Series:
    return pd.Series(values, dtype="string")


def test_a_number_failing_modulus_11_or_repeating_one_digit_is_never_loaded() -> None:
    """Guide p18 (NHS_NUMBER into PATIENT_IDS) and NHS Data Dictionary NHS NUMBER: Modulus 11 check digit.

    The old rule kept any ten digits, so 0000000000, 1111111111 and three numbers with a wrong check
    digit were loaded as NHS numbers."""
    loaded = format_nhs_number(text(NUMBERS))
    assert loaded.tolist()[:6] == ["9434765919", pd.NA, pd.NA, pd.NA, pd.NA, pd.NA]
    assert loaded.iloc[6:].isna().all()
    assert [ri.nhs_number(v) for v in NUMBERS[:6]] == ["9434765919", None, None, None, None, None]


def test_an_invalid_number_is_never_verified_its_status_is_trace_required() -> None:
    """Guide pp18-19 (NHS_NUMBER_STATUS, code type 10366): an invalid number held as 01 (verified) or
    06 becomes 03 (trace required); a status that claims a number with none held is 03 too; the old
    rule (a plain crosswalk) loaded five invalid numbers as 01."""
    status = text(["01", "01", "06", "01", "07", ""])
    number = text(["9434765919", "0000000000", "9995508780", "", "", "9995923240"])
    assert nhs_number_status(status, number).tolist() == ["01", "03", "03", "03", "07", "03"]
    assert [ri.nhs_number_status(s, n) for s, n in zip(status, number, strict=True)] == [
        "01",
        "03",
        "03",
        "03",
        "07",
        "03",
    ]


def test_a_dentist_referral_names_the_dentist_and_national_non_g_codes_are_kept() -> None:
    """Guide p42 (REF_GP_CODE, GP_MASTER.registration_code; examples C0000048, D2008756, G3293160).

    The old rule took the patient's GP for a dental referral and turned D2008756 into G9999998."""
    assert format_gp_code(text(["D2008756", "C0000048", "g3293160", "X1", None])).tolist() == [
        "D2008756",
        "C0000048",
        "G3293160",
        "G9999998",
        "G9999998",
    ]
    by, gp, gdp = text(["GDP", "GP", "GDP"]), text(["G1234567", "G1234567", "G7654321"]), text(["D69381", "D1", ""])
    assert referrer_code(by, gp, gdp).tolist() == ["D69381", "G1234567", "G7654321"]
    assert [ri.referrer_code(*v) for v in zip(by, gp, gdp, strict=True)] == ["D69381", "G1234567", "G7654321"]
    assert gp_code("D2008756") == "D2008756"


def chunked(values: list[str | None], size: int = 2) -> pd.Series:
    """A str Series backed by an Arrow column in several chunks, as a large extract arrives."""
    chunks = [pa.array(values[i : i + size], pa.large_string()) for i in range(0, len(values), size)]
    return pd.Series(ArrowStringArray(pa.chunked_array(chunks), dtype=STR_DTYPE))


def test_name_and_address_transforms_accept_a_column_in_several_chunks() -> None:
    """Issue 20: at 1M patients a column arrives in chunks and split_name_family failed on ``.offsets``
    of a ChunkedArray. Every word-splitting transform gives the same answer chunked or not."""
    values = ["JOHN SMITH", "ANN", "MARY JANE KELLY", None, "  ", "A, B, C, D, E"]
    column = chunked(values)
    assert len(pa.array(column.array).chunks) == 3  # the input really is chunked
    for name in (
        "split_name_family",
        "split_name",
        "split_name_first",
        "split_name_second",
        "split_name_third",
        "split_address_line_1",
        "split_address_line_4",
    ):
        func = TRANSFORMS[name].func
        assert func(column).tolist() == func(text(values)).tolist(), name
    assert TRANSFORMS["split_name_family"].func(column).tolist() == ["SMITH", "ANN", "KELLY", pd.NA, pd.NA, "E"]
