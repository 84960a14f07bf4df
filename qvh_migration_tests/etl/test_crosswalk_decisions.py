"""The executor honours NO_CODE decisions and transforms that declare one crosswalk per input."""

from __future__ import annotations

import pandas as pd

from qvh_migration.etl.executor import load_table
from qvh_migration_tests.etl.test_executor import PMI_RULES, ROW_SOURCES, rule, world

KEYS = PMI_RULES.iloc[:3]  # RECORD_NUMBER, SYSTEM_CODE, EXTERNAL_SYSTEM_ID
CROSSWALKS = {
    "sex": pd.Series({"M": "1", "F": "2", "Z": "NO_CODE"}),
    "discharge_method": pd.Series({"M": "1", "F": "4", "Z": "1"}),
    "discharge_destination": pd.Series({"G1": "51", "G2": "19"}),
}


def _load(rules: list[dict[str, object]], mode: str = "strict"):
    sources, numbers = world()
    frame = pd.concat([KEYS, pd.DataFrame(rules)], ignore_index=True)
    return load_table("LOAD_PMI", frame, ROW_SOURCES, sources, CROSSWALKS, numbers, impute_mode=mode, run_id="run-1")


def test_no_code_loads_the_row_empty_with_a_warning_even_in_strict_mode():
    result = _load([rule("LOAD_PMI", 4, "SEX", "CROSSWALK", source_fields="PATDATA.Sex", crosswalk="sex")])
    patient4 = result.table.loc[result.table["EXTERNAL_SYSTEM_ID"] == "4"].iloc[0]
    assert pd.isna(patient4["SEX"])
    assert "no_national_code" in set(result.warnings["reason_code"])
    assert result.rejects.empty
    assert "NO_CODE" not in set(result.table["SEX"].dropna())


def test_each_input_goes_through_the_crosswalk_the_transform_declares():
    outcome = rule(
        "LOAD_PMI",
        4,
        "ADMISSION_OUTCOME",
        "TRANSFORM",
        source_fields="PATDATA.Sex;PATDATA.GpCode",
        transform="inpatient_admission_outcome",
        crosswalk="discharge_method;discharge_destination",
        length=80,
    )
    table = _load([outcome]).table.set_index("EXTERNAL_SYSTEM_ID")["ADMISSION_OUTCOME"]
    # method 1 to another NHS hospital (51): transferred; method 4: died, whatever the destination.
    assert table.to_dict() == {"1": "TRANSFERRED", "2": "DIED", "4": "TRANSFERRED", "5": "DIED"}
