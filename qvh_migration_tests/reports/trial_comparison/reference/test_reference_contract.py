"""The reference evaluator, one contract class at a time, on hand-made rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qvh_migration.etl.row_sources import RowSource, RowSources
from qvh_migration.reports.trial_comparison.reference import reference_transforms as rt
from qvh_migration.reports.trial_comparison.reference.reference_contract import ReferenceContract
from qvh_migration.reports.trial_comparison.reference.reference_sources import ReferenceSources, SourceRow

RULE = {
    "target_table": "LOAD_X",
    "field_order": "1",
    "data_type": "VARCHAR2",
    "length": "20",
    "source_table": "PATDATA",
    "source_fields": "",
    "transform": "",
    "crosswalk": "",
    "default_value": "",
    "generator": "",
    "parent_table": "",
    "status": "approved",
    "mandatory_class": "optional",
}


def rule(**changes: str) -> dict[str, str]:
    return {**RULE, "target_field": "F", "mapping_class": "DIRECT", **changes}


@pytest.fixture
def reference(tmp_path: Path) -> ReferenceContract:
    pd.DataFrame({"InternalPatientNumber": ["1", "2"], "DistrictNumber": ["D1", "D2"]}).to_parquet(
        tmp_path / "PATDATA.parquet"
    )
    row_sources = RowSources("PC60", {"LOAD_X": RowSource("LOAD_X", "PATDATA", ("InternalPatientNumber",))})
    return ReferenceContract(
        pd.DataFrame([rule()]),
        {("LOAD_X", "WHEN"): "Must be in format: DD/MM/YYYY HH24:MI"},
        {"sex": {"M": "1", "F": "2", "U": "NO_CODE"}},
        row_sources,
        {"LOAD_X": {"InternalPatientNumber=1": 7}},
        lambda _table: None,
        ReferenceSources(tmp_path),
    )


def value(reference: ReferenceContract, a_rule: dict[str, str], row: dict[str, str | None]):
    source = SourceRow(row, row, "k", "InternalPatientNumber=1", "")
    found, _shown, issues, basis = reference.field_value(a_rule, "LOAD_X", source, [source], 7)
    checked_value, checked = reference.validate(a_rule, found, issues)
    return checked_value, [i.code for i in checked], basis


def test_direct_takes_the_value_and_formats_dates(reference: ReferenceContract) -> None:
    assert value(reference, rule(source_fields="PATDATA.A"), {"A": "abc "})[0] == "abc "
    assert value(reference, rule(source_fields="PATDATA.D", data_type="DATE"), {"D": "20240105"})[0] == "05/01/2024"
    stamped = rule(
        source_fields="PATDATA.D", data_type="DATE", target_field="WHEN", transform="format_datetime_ddmmyyyy_hhmi"
    )
    assert value(reference, stamped, {"D": "202401051430"})[0] == "05/01/2024 14:30"
    assert value(reference, rule(source_fields="PATDATA.D", data_type="DATE"), {"D": "20240230"})[1] == [
        "malformed_date"
    ]


def test_crosswalk_maps_and_no_code_is_empty(reference: ReferenceContract) -> None:
    crosswalked = rule(mapping_class="CROSSWALK", source_fields="PATDATA.S", crosswalk="sex")
    assert value(reference, crosswalked, {"S": " F"})[:2] == ("2", [])
    assert value(reference, crosswalked, {"S": "U"})[:2] == (None, ["no_national_code"])
    assert value(reference, crosswalked, {"S": "Q"})[:2] == (None, ["unmapped_code"])


def test_default_generated_and_unfilled(reference: ReferenceContract) -> None:
    assert value(reference, rule(mapping_class="DEFAULT", default_value="X"), {})[0] == "X"
    assert value(reference, rule(mapping_class="GENERATED", generator="sequence"), {})[0] == "7"
    assert value(reference, rule(mapping_class="GENERATED", generator="system_code"), {})[0] == "PC60"
    key_rule = rule(mapping_class="GENERATED", generator="source_key", source_fields="PATDATA.A;PATDATA.B")
    assert value(reference, key_rule, {"A": " 1", "B": "2"})[0] == "1-2"
    assert value(reference, rule(mapping_class="UNRESOLVED", source_fields="PATDATA.A"), {"A": "z"})[0] is None


def test_transform_and_over_length(reference: ReferenceContract) -> None:
    split = rule(mapping_class="TRANSFORM", source_fields="PATDATA.N", transform="split_name_second")
    assert value(reference, split, {"N": "ANNE  MARIE JO"})[0] == "MARIE"
    too_long = rule(source_fields="PATDATA.A", length="3")
    assert value(reference, too_long, {"A": "ABCD"})[1] == ["over_length"]
    assert value(reference, rule(source_fields="PATDATA.A", mandatory_class="mandatory"), {"A": ""})[1] == [
        "missing_mandatory"
    ]


def test_lookup_by_key_joins_another_table(reference: ReferenceContract) -> None:
    lookup = rule(
        mapping_class="DERIVED",
        source_fields="PATDATA.InternalPatientNumber;PATDATA.DistrictNumber",
        transform="lookup_by_key",
    )
    assert value(reference, lookup, {"InternalPatientNumber": "2"})[0] == "D2"


def test_scalar_transforms_follow_their_intent() -> None:
    assert rt.opd_appointment_outcome("CANC", "P", "") == "CANC-P"
    assert rt.opd_appointment_outcome("NATT", "", "") == "NATT"
    assert rt.rtt_period_action_at_activity("30", "202001011000", "202001011000") == "BOTH"
    assert rt.inpatient_admission_outcome("1", "79") == "DIED"
    assert rt.practice_for_gp("G1234567", "h81001") == "H81001"
    assert rt.practice_for_gp("", "H81001") == "V81999"
    assert rt.date_or_fallback("", "19800102") == "02/01/1980"
    assert rt.as_date("00000000") is None


def test_identity_rules_have_their_own_reference_version(reference: ReferenceContract, tmp_path: Path) -> None:
    """Guide pp18-19, 21, 41 and p19 (code type 10028): the reference evaluates the identity rules itself -
    an invalid NHS number is left empty with a warning, an unmapped optional code loads as not known,
    and a row whose patient did not load into LOAD_PMI is rejected (patient_not_loaded)."""
    nhs = rule(source_fields="PATDATA.N", transform="format_nhs_number")
    assert value(reference, nhs, {"N": "0000000000"})[:2] == (None, ["invalid_nhs_number"])
    assert value(reference, nhs, {"N": "943 476 5919"})[:2] == ("9434765919", [])
    not_known = rule(mapping_class="CROSSWALK", source_fields="PATDATA.S", crosswalk="sex", default_value="X")
    assert value(reference, not_known, {"S": "Q"})[:2] == ("X", ["unmapped_code_not_known"])
    reference.contract = pd.DataFrame([rule(target_field="MAIN_CRN", source_fields="PATDATA.DistrictNumber")])
    reference.registry["LOAD_PMI"] = {"InternalPatientNumber=1": 1, "InternalPatientNumber=2": 2}
    reference.parent_outcomes = lambda table: {1: ("loaded", ""), 2: ("rejected", "")} if table == "LOAD_PMI" else None
    verdicts = {v.patient: (v.outcome, v.reasons) for v in reference.evaluate_table("LOAD_X")}
    assert verdicts == {"1": ("loaded", []), "2": ("rejected", ["MAIN_CRN:patient_not_loaded"])}
