"""The executor on a tiny hand-made world: every contract class, every reject and filter reason."""

from __future__ import annotations

import pandas as pd
import pytest

from qvh_migration.etl import key_registry
from qvh_migration.etl.executor import load_table
from qvh_migration.etl.row_sources import RowFilter, RowSource, RowSources
from qvh_migration.etl.source_rules import GRAIN_KEY, prepare_rows
from qvh_migration.etl.sources import SourceTables

EXTRACTS = {
    "PATDATA": pd.DataFrame(
        {
            "InternalPatientNumber": ["1", "2", "3", "4", "5"],
            "DistrictNumber": ["Q1", "Q2", "Q3", "Q4", "Q5"],
            "Sex": ["M", "F", "M", "Z", "F"],
            "GpCode": ["G1", "G2", "", "G1", "G2"],
            "InternalDateOfBirth": ["19800101", "2024-01-05", "19900101", "19850101", "19700101"],
            "Surname": ["ADAMS", "BAKER", "COOKE", "DAVIS", "EDWARDSON"],
        }
    ),
    "MERGEDID": pd.DataFrame({"OldID": ["3"], "NewestID": ["1"]}),
    "GP": pd.DataFrame({"GpCode": ["G1", "G2"], "PracticeCode": ["P1", "P2"], "MfRecStsInd": ["0", "1"]}),
    "OPREFERRAL": pd.DataFrame(
        {
            "InternalPatientNumber": ["1", "3", "9", "2"],
            "EpisodeNumber": ["E1", "E3", "E9", "E2"],
            "DistrictNumber": ["Q1", "Q3", "Q9", "Q2"],
            "ReferralDate": ["20200101", "20200202", "20200303", "20100101"],
        }
    ),
}
CROSSWALKS = {"sex": pd.Series({"M": "1", "F": "2"})}


def rule(table: str, order: int, name: str, cls: str, **kw: object) -> dict[str, object]:
    base = {
        "target_table": table,
        "field_order": order,
        "target_field": name,
        "data_type": "VARCHAR2",
        "length": 10,
        "mapping_class": cls,
        "source_fields": "",
        "transform": "",
        "crosswalk": "",
        "default_value": "",
        "generator": "",
        "parent_table": "",
        "mandatory_class": "optional",
        "status": "approved",
        "rule_id": f"{table}.{name}",
        "comment": "",
    }
    return {**base, **kw}


PMI_RULES = pd.DataFrame(
    [
        rule(
            "LOAD_PMI",
            1,
            "RECORD_NUMBER",
            "GENERATED",
            generator="sequence",
            data_type="NUMBER",
            mandatory_class="mandatory",
        ),
        rule("LOAD_PMI", 2, "SYSTEM_CODE", "GENERATED", generator="system_code"),
        rule(
            "LOAD_PMI",
            3,
            "EXTERNAL_SYSTEM_ID",
            "GENERATED",
            generator="source_key",
            source_fields="PATDATA.InternalPatientNumber",
        ),
        rule("LOAD_PMI", 4, "MAIN_CRN", "DIRECT", source_fields="PATDATA.DistrictNumber", mandatory_class="mandatory"),
        rule("LOAD_PMI", 5, "SEX", "CROSSWALK", source_fields="PATDATA.Sex", crosswalk="sex"),
        rule(
            "LOAD_PMI",
            6,
            "DATE_OF_BIRTH",
            "TRANSFORM",
            source_fields="PATDATA.InternalDateOfBirth",
            transform="format_date_ddmmyyyy",
            data_type="DATE",
            comment="Must be in format: DD/MM/YYYY",
        ),
        rule(
            "LOAD_PMI",
            7,
            "PRACTICE_CODE",
            "DERIVED",
            source_fields="PATDATA.GpCode;GP.PracticeCode",
            transform="lookup_by_key",
        ),
        rule("LOAD_PMI", 8, "ID_TYPE", "DEFAULT", default_value="DISTRICT"),
        rule("LOAD_PMI", 9, "NATIONALITY", "NOT_MIGRATED", mandatory_class="mandatory"),
        rule("LOAD_PMI", 10, "OCCUPATION", "UNRESOLVED"),
        rule("LOAD_PMI", 11, "SURNAME", "DIRECT", source_fields="PATDATA.Surname", length=6),
    ]
)
REF_RULES = pd.DataFrame(
    [
        rule("LOAD_REFERRALS", 1, "RECORD_NUMBER", "GENERATED", generator="sequence", data_type="NUMBER"),
        rule(
            "LOAD_REFERRALS",
            2,
            "LOADPMI_RECORD_NUMBER",
            "DERIVED",
            parent_table="LOAD_PMI",
            data_type="NUMBER",
            mandatory_class="mandatory",
        ),
        rule("LOAD_REFERRALS", 3, "MAIN_CRN", "DIRECT", source_fields="OPREFERRAL.DistrictNumber"),
        rule(
            "LOAD_REFERRALS",
            4,
            "REFERRAL_DATE",
            "DIRECT",
            source_fields="OPREFERRAL.ReferralDate",
            data_type="DATE",
            comment="Must be in format: DD/MM/YYYY HH24:MI",
        ),
    ]
)
ROW_SOURCES = RowSources(
    "PC60",
    {
        "LOAD_PMI": RowSource("LOAD_PMI", "PATDATA", ("InternalPatientNumber",)),
        "LOAD_REFERRALS": RowSource(
            "LOAD_REFERRALS",
            "OPREFERRAL",
            ("InternalPatientNumber", "EpisodeNumber"),
            (RowFilter("ReferralDate", "on_or_after", "20150101", "archived referral"),),
        ),
    },
)


def world() -> tuple[SourceTables, dict[str, pd.Series]]:
    sources = SourceTables(lambda table: EXTRACTS.get(table))
    registry = key_registry.empty_registry()
    for table, spec in ROW_SOURCES.tables.items():
        prepared = prepare_rows(spec, sources.raw(str(spec.source_table)), sources.survivors, sources.districts)
        registry = key_registry.register(registry, table, prepared[GRAIN_KEY].astype(str), "run-1")
    return sources, {t: key_registry.record_numbers(registry, t) for t in ROW_SOURCES.tables}


def load(table: str, rules: pd.DataFrame, mode: str = "strict", outcomes=None):
    sources, numbers = world()
    return load_table(
        table,
        rules,
        ROW_SOURCES,
        sources,
        CROSSWALKS,
        numbers,
        impute_mode=mode,
        run_id="run-1",
        parent_outcomes=outcomes,
    )


def test_every_class_executes_and_rows_are_conserved() -> None:
    result = load("LOAD_PMI", PMI_RULES)
    assert result.conserved
    summary = result.summary.iloc[0]
    assert (summary["source_rows"], summary["loaded_rows"], summary["rejected_rows"], summary["filtered_rows"]) == (
        5,
        1,
        3,
        1,
    )
    row = result.table.iloc[0]
    assert list(result.table.columns) == list(PMI_RULES["target_field"])
    assert row["RECORD_NUMBER"] == 1 and row["SYSTEM_CODE"] == "PC60" and row["EXTERNAL_SYSTEM_ID"] == "1"
    assert (row["MAIN_CRN"], row["SEX"], row["DATE_OF_BIRTH"], row["PRACTICE_CODE"]) == ("Q1", "1", "01/01/1980", "P1")
    assert row["ID_TYPE"] == "DISTRICT"
    assert pd.isna(row["NATIONALITY"]) and pd.isna(row["OCCUPATION"])


def test_reject_reasons_name_the_source_row_and_field() -> None:
    rejects = load("LOAD_PMI", PMI_RULES).rejects
    found = set(zip(rejects["source_key"], rejects["field"], rejects["reason_code"], strict=True))
    assert ("InternalPatientNumber=2", "DATE_OF_BIRTH", "malformed_date") in found  # ISO in a CCYYMMDD field
    assert ("InternalPatientNumber=4", "SEX", "unmapped_code") in found
    assert ("InternalPatientNumber=5", "SURNAME", "over_length") in found  # 9 characters, field holds 6
    assert set(rejects.columns) == {
        "run_id",
        "target_table",
        "source_table",
        "source_key",
        "rule_id",
        "field",
        "reason_code",
        "message",
        "value_masked",
    }


def test_merged_patient_is_filtered_and_its_activity_moves_to_the_survivor() -> None:
    pmi = load("LOAD_PMI", PMI_RULES)
    assert "merged patient" in pmi.summary.iloc[0]["filter_reasons"]
    referrals = load("LOAD_REFERRALS", REF_RULES)
    moved = referrals.table.loc[referrals.table["RECORD_NUMBER"] == 2].iloc[0]
    assert moved["MAIN_CRN"] == "Q1"  # the survivor's hospital number, as loaded into LOAD_PMI
    assert moved["LOADPMI_RECORD_NUMBER"] == 1


def test_logically_deleted_master_rows_are_not_looked_up() -> None:
    lenient = load("LOAD_PMI", PMI_RULES, mode="lenient")
    warnings = lenient.warnings
    assert ("InternalPatientNumber=2", "lookup_not_found") in set(
        zip(warnings["source_key"], warnings["reason_code"], strict=True)
    )


def test_lenient_mode_loads_unmapped_codes_empty_with_a_warning() -> None:
    lenient = load("LOAD_PMI", PMI_RULES, mode="lenient")
    patient4 = lenient.table.loc[lenient.table["EXTERNAL_SYSTEM_ID"] == "4"].iloc[0]
    assert pd.isna(patient4["SEX"])
    assert "unmapped_code" in set(lenient.warnings["reason_code"])
    assert "unmapped_code" not in set(lenient.rejects["reason_code"])


def test_orphans_rejected_filters_counted_and_dates_in_the_guide_format() -> None:
    referrals = load("LOAD_REFERRALS", REF_RULES)
    assert referrals.conserved
    rejects = referrals.rejects
    assert ("InternalPatientNumber=9|EpisodeNumber=E9", "orphan_parent") in set(
        zip(rejects["source_key"], rejects["reason_code"], strict=True)
    )
    assert "archived referral: 1" in referrals.summary.iloc[0]["filter_reasons"]
    assert referrals.table["REFERRAL_DATE"].iloc[0] == "01/01/2020 00:00"


def test_children_of_rejected_or_filtered_parents_do_not_dangle() -> None:
    outcomes = pd.DataFrame(
        {
            "record_number": [1, 2, 3, 4, 5],
            "outcome": ["rejected", "loaded", "filtered", "loaded", "loaded"],
            "reason": ["", "", "merged", "", ""],
        }
    )
    referrals = load("LOAD_REFERRALS", REF_RULES, outcomes=lambda table: outcomes if table == "LOAD_PMI" else None)
    assert referrals.table.empty  # patient 1 (and the survivor of 3) rejected in LOAD_PMI; E2 archived; E9 orphan
    assert "parent_rejected" in set(referrals.rejects["reason_code"])
    # The rejected link's value is the parent's legacy key, a patient number: masked like one.
    linked = referrals.rejects.loc[referrals.rejects["reason_code"] == "parent_rejected", "value_masked"]
    assert not linked.isin(EXTRACTS["OPREFERRAL"]["InternalPatientNumber"]).any()


def test_suggested_rules_warn_instead_of_rejecting() -> None:
    suggested = PMI_RULES.copy()
    suggested.loc[suggested["target_field"] == "SURNAME", "status"] = "suggested"
    result = load("LOAD_PMI", suggested)
    assert "over_length" not in set(result.rejects["reason_code"])
    assert "over_length" in set(result.warnings["reason_code"])


def test_extracts_newer_than_the_registry_stop_the_load() -> None:
    sources, numbers = world()
    numbers["LOAD_PMI"] = numbers["LOAD_PMI"].iloc[:1]
    with pytest.raises(Exception, match="materialise key_registry first"):
        load_table("LOAD_PMI", PMI_RULES, ROW_SOURCES, sources, CROSSWALKS, numbers)


def test_a_parent_with_an_empty_published_load_is_handled() -> None:
    empty = pd.DataFrame(
        {
            "record_number": pd.Series(dtype="int64"),
            "outcome": pd.Series(dtype="string"),
            "reason": pd.Series(dtype="string"),
        }
    )
    referrals = load("LOAD_REFERRALS", REF_RULES, outcomes=lambda table: empty if table == "LOAD_PMI" else None)
    assert referrals.conserved and len(referrals.table) == 2


def test_a_duplicate_source_key_rejects_both_rows_naming_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """Once, the second PATDATA row of a repeated key was dropped and counted as loaded."""
    twice = pd.concat([EXTRACTS["PATDATA"], EXTRACTS["PATDATA"].iloc[[0]].assign(Surname="ABBOT")], ignore_index=True)
    monkeypatch.setitem(EXTRACTS, "PATDATA", twice)
    result = load("LOAD_PMI", PMI_RULES)
    assert result.conserved
    summary = result.summary.iloc[0]
    assert (summary["source_rows"], summary["loaded_rows"], summary["rejected_rows"]) == (6, 0, 5)
    duplicate = result.rejects.loc[result.rejects["reason_code"] == "duplicate_source_key"]
    assert list(duplicate["source_key"]) == ["InternalPatientNumber=1", "InternalPatientNumber=1"]
    assert set(duplicate["message"]) == {
        "the legacy key appears on extract rows 1, 6: which row is right cannot be told, so neither is loaded"
    }
