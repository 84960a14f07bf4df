"""The Pandera schema generated from a small catalog: which checks, and that each one bites."""

from __future__ import annotations

import pandas as pd
import pytest

from qvh_migration.gates.schema import check_names, date_pairs, field_specs, run_schema, table_schema
from qvh_migration_tests.gates.conftest import good_patients


def schema_of(catalog: pd.DataFrame, contract: pd.DataFrame):
    return table_schema(field_specs(catalog, contract, "LOAD_PMI"), "LOAD_PMI")


def test_checks_are_generated_from_the_catalog_contract_and_code_sets(catalog, contract) -> None:
    names = set(check_names(schema_of(catalog, contract)))
    assert {
        "type:RECORD_NUMBER",
        "max_length:PAT_NAME_FAMILY",
        "mandatory:SEX",
        "mandatory:MAIN_CRN",
        "code_value:SEX",
        "code_value:NHS_NUMBER_STATUS",
        "nhs_number:NHS_NUMBER",
        "postcode:POST_CODE",
        "gp_code:GP_NATIONAL_CODE",
        "date_format:DATE_OF_BIRTH",
        "birth_not_future:DATE_OF_BIRTH",
        "start_not_after_end:DATE_OF_BIRTH>DATE_OF_DEATH",
        "conditional:NHS_NUMBER_STATUS",
        "name_charset:PAT_NAME_FAMILY",
    } <= names
    # A mandatory field the contract cannot fill is an unresolved field, not a row fault.
    assert "mandatory:NOT_YET" not in names


def test_clean_rows_have_no_findings(catalog, contract) -> None:
    assert run_schema(schema_of(catalog, contract), good_patients()).empty


@pytest.mark.parametrize(
    ("field", "value", "check"),
    [
        ("NHS_NUMBER", "9434765918", "nhs_number:NHS_NUMBER"),  # wrong Modulus 11 check digit
        ("NHS_NUMBER", "1111111111", "nhs_number:NHS_NUMBER"),  # one digit repeated
        ("SEX", "M", "code_value:SEX"),
        ("SEX", None, "mandatory:SEX"),
        ("PAT_NAME_FAMILY", "WORTHINGTON", "max_length:PAT_NAME_FAMILY"),
        ("PAT_NAME_FAMILY", "MÜLLER", "name_charset:PAT_NAME_FAMILY"),
        ("POST_CODE", "RH193DZ", "postcode:POST_CODE"),
        ("GP_NATIONAL_CODE", "H81001", "gp_code:GP_NATIONAL_CODE"),
        ("DATE_OF_BIRTH", "1950-02-01", "date_format:DATE_OF_BIRTH"),
        ("DATE_OF_BIRTH", "31/02/1950", "date_format:DATE_OF_BIRTH"),
        ("DATE_OF_BIRTH", "01/01/2999", "birth_not_future:DATE_OF_BIRTH"),
        ("DATE_OF_BIRTH", "01/01/1700", "date_range:DATE_OF_BIRTH"),
        ("DATE_OF_BIRTH", "02/01/2020", "start_not_after_end:DATE_OF_BIRTH>DATE_OF_DEATH"),
        ("NHS_NUMBER_STATUS", None, "conditional:NHS_NUMBER_STATUS"),
        ("RECORD_NUMBER", "x", "type:RECORD_NUMBER"),
    ],
)
def test_each_generated_check_finds_its_fault(catalog, contract, field, value, check) -> None:
    frame = good_patients().astype({field: "object"})
    frame.loc[1, field] = value
    found = run_schema(schema_of(catalog, contract), frame)
    assert check in set(found["check"]), found
    assert set(found.loc[found["check"] == check, "row"].astype(int)) == {1}


def test_date_pairs_follow_the_guide_names() -> None:
    from qvh_migration.gates.schema import FieldSpec

    specs = [
        FieldSpec(n, "DATE", None, "optional", "", "DIRECT", "", "")
        for n in ("ADMIT_DATE", "DISCHARGE_DATE", "CLOCK_START", "CLOCK_STOP", "APPLIES_START", "APPLIES_END")
    ]
    assert set(date_pairs(specs)) == {
        ("ADMIT_DATE", "DISCHARGE_DATE"),
        ("CLOCK_START", "CLOCK_STOP"),
        ("APPLIES_START", "APPLIES_END"),
    }
