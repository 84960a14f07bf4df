"""Small fakes for the mapping tests (the real catalogs and contract are in ``shared_fixtures.py``)."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture
def tiny_source() -> pd.DataFrame:
    """A three-table source catalog with the columns the rules loader reads."""
    rows = [
        ("PATDATA", "InternalPatientNumber"),
        ("PATDATA", "DistrictNumber"),
        ("PATDATA", "Sex"),
        ("PATDATA", "Forenames"),
        ("PATDATA", "InternalDateOfBirth"),
        ("PREVADDRESS", "Postcode"),
        ("GP", "PracticeCode"),
    ]
    return pd.DataFrame(rows, columns=["TableName", "Column"])


@pytest.fixture
def tiny_target() -> pd.DataFrame:
    rows = [
        ("LOAD_PMI", 1, "RECORD_NUMBER", "NUMBER", 42, "", "", "", "mandatory"),
        ("LOAD_PMI", 2, "SYSTEM_CODE", "VARCHAR2", 10, "10599", "Dataload System", "", "mandatory"),
        ("LOAD_PMI", 3, "MAIN_CRN", "VARCHAR2", 30, "", "", "", "optional"),
        ("LOAD_PMI", 4, "SEX", "VARCHAR2", 80, "3", "Sex", "Maps to: code type 3", "optional"),
        ("LOAD_PMI", 5, "PAT_NAME_1", "VARCHAR2", 40, "", "", "", "optional"),
        ("LOAD_PMI", 6, "DATE_OF_BIRTH", "DATE", 10, "", "", "Must be in format: DD/MM/YYYY", "mandatory"),
        ("LOAD_PMIIDS", 1, "RECORD_NUMBER", "NUMBER", 42, "", "", "", "mandatory"),
        ("LOAD_PMIIDS", 2, "LOADPMI_RECORD_NUMBER", "NUMBER", 42, "", "", "", "mandatory"),
    ]
    columns = [
        "table_name",
        "field_order",
        "field_name",
        "data_type",
        "length",
        "code_type",
        "code_type_name",
        "comment",
        "mandatory_class",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    frame["length"] = frame["length"].astype("Int64")
    frame["loaded_into"] = ""
    frame["mandatory_condition"] = ""
    return frame


@pytest.fixture
def tiny_tables() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "table_name": ["LOAD_PMI", "LOAD_PMIIDS"],
            "functional_area": ["PATIENT DEMOGRAPHIC DATA", "PATIENT DEMOGRAPHIC DATA"],
            "description": ["Main patient demographic data.", "Additional patient identifiers."],
            "parent_links": ["", "LOAD_PMI.LOADPMI_RECORD_NUMBER"],
        }
    )
