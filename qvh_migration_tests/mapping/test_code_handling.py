"""code_handling: legacy value through a PAS code type, or a national code, per coded target field."""

from __future__ import annotations

import pandas as pd
import pytest

from qvh_migration.mapping.code_handling import (
    CODE_HANDLINGS,
    NATIONAL_CODE,
    PAS_CODE_TYPE,
    code_handling,
    code_handling_column,
)


@pytest.mark.parametrize(
    ("code_type", "name", "comment", "expected"),
    [
        ("3", "Sex", 'Maps to: code type 3 "Sex" then stored on the patient.', PAS_CODE_TYPE),
        ("10833", "", "Reason the clock stopped. Maps to: code type 10833", PAS_CODE_TYPE),
        ("", "", "Maps to codes; the code type follows the clinic's encounter type (O: 21).", PAS_CODE_TYPE),
        ("", "", "Reason: must be mapped to a valid code of code type 10832 for start actions.", PAS_CODE_TYPE),
        ("", "", "Maps to: code depending on the encounter type (O: 10034, I: 10107).", PAS_CODE_TYPE),
        ("", "", "Maps to: codes.user_code of the site.", ""),
        (
            "10366",
            "NHS Number Status Code",
            "Tracing status. NATIONAL CODES can be found at the dictionary.",
            NATIONAL_CODE,
        ),
        ("", "", "National General Practitioner Code of the registered GP.", NATIONAL_CODE),
        ("", "", "National General Dental Practitioner Code.", NATIONAL_CODE),
        ("", "", "National Practice Code for the GP.", NATIONAL_CODE),
        ("", "", "Practice National Code, stored as given.", NATIONAL_CODE),
        ("", "", "Discharging Consultant GMC, stored as given.", NATIONAL_CODE),
        ("", "", "Practice post code; used to tell apart practices with the same National Practice Code.", ""),
        ("297", "Multiple Note Types", 'Maps to: code type 297 "Multiple Note Types" note subject.', ""),
        (
            "313",
            "Diagnosis Note Types",
            'Maps to: code type 313 "Diagnosis Note Types" (primary, secondary).',
            PAS_CODE_TYPE,
        ),
        ("", "", "Only two accepted values: Y or N.", ""),
        ("", "", "Must be in format: DD/MM/YYYY", ""),
    ],
)
def test_decision_from_comment(code_type, name, comment, expected):
    assert code_handling(code_type, name, comment) == expected


def test_column_over_a_catalog_and_blank_cells():
    fields = pd.DataFrame(
        {
            "code_type": ["29", None, ""],
            "code_type_name": ["Title", None, ""],
            "comment": ['Maps to: code type 29 "Title"', None, "National Practice Code for the GP"],
        },
        index=[5, 6, 7],
    )
    assert code_handling_column(fields).tolist() == [PAS_CODE_TYPE, "", NATIONAL_CODE]
    assert code_handling_column(fields).index.tolist() == [5, 6, 7]


def test_contract_records_code_handling_after_code_type_name(contract):
    columns = list(contract.columns)
    assert columns.index("code_handling") == columns.index("code_type_name") + 1
    assert set(contract["code_handling"]) <= set(CODE_HANDLINGS)
    coded = contract[contract["code_type"] != ""]
    notes = coded["code_type"] == "297"
    assert (coded.loc[~notes, "code_handling"] != "").all()
    assert (coded.loc[notes, "code_handling"] == "").all()


@pytest.mark.parametrize(
    ("table", "field", "expected"),
    [
        ("LOAD_PMI", "SEX", PAS_CODE_TYPE),
        ("LOAD_PMI", "ETHNIC_GROUP", PAS_CODE_TYPE),
        ("LOAD_PMI", "NHS_NUMBER_STATUS", NATIONAL_CODE),
        ("LOAD_PMI", "GP_NATIONAL_CODE", NATIONAL_CODE),
        ("LOAD_PMI", "PRACTICE_POST_CODE", ""),
        ("LOAD_PMI", "COMMENTS", ""),
        ("LOAD_REFERRALS", "REF_URGENCY", PAS_CODE_TYPE),
        ("LOAD_REFERRALS", "REF_SOURCE", PAS_CODE_TYPE),
        ("LOAD_OPD_APPOINTMENTS", "OUTCOME", PAS_CODE_TYPE),
        ("LOAD_ADT_ADMISSIONS", "ADMISSION_OUTCOME", PAS_CODE_TYPE),
        ("LOAD_ADT_ARCHIVE", "CONSULTANT_GMC", NATIONAL_CODE),
    ],
)
def test_real_guide_fields(contract, table, field, expected):
    row = contract[(contract["target_table"] == table) & (contract["target_field"].str.upper() == field)]
    assert row["code_handling"].item() == expected
