"""The legacy code sets the crosswalk author works from."""

from __future__ import annotations

import pandas as pd

from qvh_migration.legacy.code_sets import (
    LEGACY_CODE_FIELDS,
    LEGACY_CODE_SETS,
    RTT_STATUS_INTERNAL_VALUE,
    RTT_STOP_CODES,
    SPECIALTY_TREATMENT_FUNCTION,
    code_values,
    code_weights,
)
from qvh_migration.mock.defect_values import UNMAPPED_CODES

EXPECTED_SETS = {
    "sex",
    "ethnic_category",
    "marital_status",
    "religion",
    "administrative_category",
    "source_of_referral",
    "priority_type",
    "admission_method",
    "admission_source",
    "discharge_method",
    "discharge_destination",
    "attendance_status",
    "outcome_of_attendance",
    "first_attendance",
    "intended_management",
    "nhs_number_status",
    "rtt_period_status",
    "treatment_function",
}


def test_exactly_the_agreed_code_set_names() -> None:
    assert set(LEGACY_CODE_SETS) == EXPECTED_SETS


def test_codes_are_unique_labelled_and_weighted() -> None:
    for name, codes in LEGACY_CODE_SETS.items():
        values = [c.code for c in codes]
        assert len(values) == len(set(values)), name
        assert all(c.code and c.code == c.code.strip() and c.label for c in codes), name
        assert all(c.weight > 0 for c in codes), name
        assert abs(sum(code_weights(name)) - 1.0) < 1e-9


def test_local_codes_need_a_crosswalk() -> None:
    """Apart from NHS number status (01-08, as PatientCentre stores it), the sets are local codes."""
    assert code_values("nhs_number_status") == [f"0{i}" for i in range(1, 9)]
    assert "1" not in code_values("sex") and "2" not in code_values("sex")
    assert not set(code_values("treatment_function")) & {"100", "120", "130", "140", "144", "145", "160", "161"}
    assert not set(code_values("admission_method")) & {"11", "12", "13", "21", "22"}
    assert set(SPECIALTY_TREATMENT_FUNCTION) == set(code_values("treatment_function"))
    assert set(RTT_STATUS_INTERNAL_VALUE) == set(code_values("rtt_period_status"))
    assert set(RTT_STOP_CODES) <= set(code_values("rtt_period_status"))


def test_every_coded_field_exists_and_every_code_fits_it(source_catalog: pd.DataFrame) -> None:
    sizes = {(r.TableName, r.Column): r.size_chars for r in source_catalog.itertuples()}
    for (table, column), code_set in LEGACY_CODE_FIELDS.items():
        assert (table, column) in sizes, f"{table}.{column} is not in the catalog"
        longest = max(len(c) for c in code_values(code_set))
        assert longest <= sizes[(table, column)], f"{code_set} code too long for {table}.{column}"


def test_unmapped_codes_are_outside_the_sets_and_fit_every_field(source_catalog: pd.DataFrame) -> None:
    sizes = {(r.TableName, r.Column): r.size_chars for r in source_catalog.itertuples()}
    assert set(UNMAPPED_CODES) == EXPECTED_SETS
    for name, codes in UNMAPPED_CODES.items():
        assert not set(codes) & set(code_values(name)), name
    for (table, column), code_set in LEGACY_CODE_FIELDS.items():
        assert any(len(c) <= sizes[(table, column)] for c in UNMAPPED_CODES[code_set]), (table, column)
