"""Cross-table parent links, and recall against a small defect ledger."""

from __future__ import annotations

import pandas as pd

from qvh_migration.gates.cross_table import cross_table_integrity
from qvh_migration.gates.detection import detect, load_expectations
from qvh_migration.gates.profiles import load_profile

CONTRACT = pd.DataFrame(
    {
        "target_table": ["LOAD_PMIIDS", "LOAD_PMIIDS"],
        "target_field": ["RECORD_NUMBER", "LOADPMI_RECORD_NUMBER"],
        "parent_table": ["", "LOAD_PMI"],
    }
)


def test_every_parent_link_resolves_to_a_loaded_parent() -> None:
    tables = {
        "LOAD_PMI": pd.DataFrame({"RECORD_NUMBER": [1, 2]}),
        "LOAD_PMIIDS": pd.DataFrame({"RECORD_NUMBER": [10, 11, 12], "LOADPMI_RECORD_NUMBER": [1, 3, None]}),
    }

    def keys(_table: str, frame: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"record_number": frame["RECORD_NUMBER"], "source_key": ["k10", "k11", "k12"]})

    findings, summary = cross_table_integrity(
        CONTRACT, tables.get, keys, {"LOAD_PMIIDS": "CASENOTEDETS"}, load_profile("cutover_ready")
    )
    assert findings[["check", "record_number", "source_key", "source_table"]].values.tolist() == [
        ["parent_link:LOADPMI_RECORD_NUMBER", 11, "k11", "CASENOTEDETS"]
    ]
    assert summary.loc[0, "failures"] == 1 and not summary.loc[0, "passed"]


def test_each_defect_is_counted_once_under_what_caught_it() -> None:
    ledger = pd.DataFrame(
        {
            "table": ["PATDATA", "PATDATA", "OPA", "MERGEDID", "PATDATA"],
            "row_key": ["IPN=1", "IPN=2", "K=3", "OldID=4", "IPN=5"],
            "column": ["NhsNumber", "Sex", "ApptComment", "OldID", "Surname"],
            "defect_kind": [
                "invalid_nhs_check_digit",
                "unmapped_code",
                "over_length_value",
                "merged_patient",
                "non_ascii_name",
            ],
            "detail": ["", "", "70 characters in a field of size 60", "", ""],
        }
    )
    rejects = pd.DataFrame({"source_table": ["PATDATA"], "source_key": ["IPN=2"], "reason_code": ["unmapped_code"]})
    warnings = pd.DataFrame(columns=["source_table", "source_key", "reason_code"])
    findings = pd.DataFrame({"check": ["nhs_number:NHS_NUMBER"], "source_table": ["PATDATA"], "source_key": ["IPN=1"]})
    loaded = pd.DataFrame(
        {
            "target_table": ["LOAD_PMI", "LOAD_PMI", "LOAD_OPD_APPOINTMENTS"],
            "source_table": ["PATDATA", "PATDATA", "OPA"],
            "grain_key": ["IPN=1", "IPN=5", "K=3"],
        }
    )
    reads = {
        "OPA.ApptComment": [("LOAD_OPD_APPOINTMENTS", 2000, "optional")],
        "PATDATA.Surname": [("LOAD_PMI", 35, "mandatory")],
    }
    counts, _ = detect(ledger, rejects, warnings, findings, loaded, {}, load_expectations(), reads)
    by_kind = counts.set_index("defect_kind")
    assert by_kind.loc["invalid_nhs_check_digit", "found"] == 1
    assert by_kind.loc["unmapped_code", "rejected"] == 1
    assert by_kind.loc["over_length_value", "no_target_fault"] == 1  # 70 characters fit the 2000 of the target
    assert by_kind.loc["merged_patient", "filtered"] == 1  # the retired record reached no target table
    assert by_kind.loc["non_ascii_name", "missed"] == 1  # loaded, and no name_charset finding
    assert (counts[["rejected", "found", "warned", "filtered", "no_target_fault", "missed"]].sum(axis=1) == 1).all()
