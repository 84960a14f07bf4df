"""A small catalog and contract, in the shapes the target catalog and the mapping contract have."""

from __future__ import annotations

import pandas as pd
import pytest

FIELDS = [
    # field, type, length, mandatory class, condition, mapping class, crosswalk, comment
    ("RECORD_NUMBER", "NUMBER", "42", "mandatory", "", "GENERATED", "", "Record number."),
    ("NHS_NUMBER", "VARCHAR2", "10", "optional", "", "DIRECT", "", "NHS number."),
    ("NHS_NUMBER_STATUS", "VARCHAR2", "2", "conditional", "if NHS_NUMBER is supplied", "CROSSWALK",
     "nhs_number_status", "Status."),
    ("SEX", "VARCHAR2", "1", "mandatory", "", "CROSSWALK", "sex", "Sex."),
    ("PAT_NAME_FAMILY", "VARCHAR2", "8", "mandatory", "", "DIRECT", "", "Surname."),
    ("POST_CODE", "VARCHAR2", "8", "optional", "", "DIRECT", "", "Postcode."),
    ("GP_NATIONAL_CODE", "VARCHAR2", "8", "optional", "", "DIRECT", "", "GP."),
    ("DATE_OF_BIRTH", "DATE", "", "mandatory", "", "TRANSFORM", "", "Must be in format: DD/MM/YYYY"),
    ("DATE_OF_DEATH", "DATE", "", "optional", "", "TRANSFORM", "", "Must be in format: DD/MM/YYYY"),
    ("MAIN_CRN", "VARCHAR2", "10", "mandatory", "", "DIRECT", "", "Hospital number."),
    ("NOT_YET", "VARCHAR2", "10", "mandatory", "", "UNRESOLVED", "", "Unresolved."),
]  # fmt: skip


@pytest.fixture()
def catalog() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "table_name": "LOAD_PMI",
                "field_order": str(i + 1),
                "field_name": f,
                "data_type": t,
                "length": n,
                "mandatory_class": m,
                "mandatory_condition": c,
                "comment": note,
            }
            for i, (f, t, n, m, c, _cls, _x, note) in enumerate(FIELDS)
        ]
    )


@pytest.fixture()
def contract() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "target_table": "LOAD_PMI",
                "target_field": f,
                "data_type": t,
                "length": n,
                "mapping_class": cls,
                "crosswalk": x,
                "status": "approved",
                "parent_table": "",
                "source_fields": "",
                "mandatory_class": m,
            }
            for f, t, n, m, _c, cls, x, _note in FIELDS
        ]
    )


def good_patients(rows: int = 3) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "RECORD_NUMBER": pd.array(range(1, rows + 1), dtype="Int64"),
            "NHS_NUMBER": ["9434765919", "9434765870", "4010232137"][:rows],
            "NHS_NUMBER_STATUS": ["01"] * rows,
            "SEX": ["1", "2", "9"][:rows],
            "PAT_NAME_FAMILY": ["SMITH", "JONES", "O'NEILL"][:rows],
            "POST_CODE": ["RH19 3DZ", "TN1 1AA", "ZZ99 3VZ"][:rows],
            "GP_NATIONAL_CODE": ["G1234567"] * rows,
            "DATE_OF_BIRTH": ["01/02/1950", "03/04/1960", "05/06/1970"][:rows],
            "DATE_OF_DEATH": [None, "01/01/2020", None][:rows],
            "MAIN_CRN": ["Q1", "Q2", "Q3"][:rows],
            "NOT_YET": [None] * rows,
        }
    ).astype({c: "string" for c in ["NHS_NUMBER", "PAT_NAME_FAMILY", "DATE_OF_DEATH", "NOT_YET"]})
