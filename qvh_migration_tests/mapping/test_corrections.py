"""Corrections a migration lead asked for, each pinned as legacy value -> expected target value."""

from __future__ import annotations

import pandas as pd
import pytest

from qvh_migration.legacy.code_sets import SPECIALTY_MAIN_SPECIALTY, SPECIALTY_TREATMENT_FUNCTION
from qvh_migration.mapping import nhs_code_sets as nhs
from qvh_migration.mapping import transforms as t
from qvh_migration.mapping import transforms_activity as act
from qvh_migration.mapping import transforms_registration as reg
from qvh_migration.mapping.crosswalks import NO_CODE, crosswalk_lookup, no_code_legacy
from qvh_migration.mapping.transforms import TRANSFORMS

EXTRACT_DATE = pd.Timestamp("2026-11-30")


def _s(*values: object) -> pd.Series:
    return pd.Series(list(values), dtype="object")


@pytest.mark.parametrize(
    ("code_set", "legacy", "expected"),
    [
        ("intended_management", "R", "4"),  # regular day: planned sequence without overnight stays
        ("intended_management", "N", "5"),  # regular night: admitted at night, home by day
        ("intended_management", "D", "2"),
        ("ethnic_category", "NK", "99"),  # not asked is not known, not Z
        ("ethnic_category", "NSTA", "Z"),  # asked and declined
        ("treatment_function", "SLEP", "347"),
        ("treatment_function", "OMFS", "145"),
        ("treatment_function", "BURN", "161"),
        ("admission_source", "PR", "39"),  # penal establishment, court or police custody in CDS V6-2
        ("admission_source", "NH", "85"),
        ("discharge_destination", "NH", "85"),
        ("discharge_destination", "RH", "65"),
        ("discharge_destination", "DD", "79"),
        ("discharge_destination", "CT", "37"),  # court
        ("discharge_destination", "PE", "38"),  # penal establishment or police custody
        ("discharge_method", "SD", "2"),
        ("priority_type", "U", "2"),
        ("priority_type", "C", "3"),
        ("attendance_status", "NATT", "3"),
    ],
)
def test_crosswalk_corrections(crosswalks, code_set, legacy, expected):
    assert crosswalk_lookup(crosswalks[code_set])[legacy] == expected


@pytest.mark.parametrize(
    ("code_set", "legacy"),
    [
        ("priority_type", "S"),  # soon is not urgent: no national code is invented
        ("attendance_status", "NR"),  # not recorded is not "appointment in the future"
        ("attendance_status", "CANC"),  # no canceller is not "cancelled by the provider"
    ],
)
def test_undecidable_codes_get_no_code_and_a_reason(crosswalks, code_set, legacy):
    frame = crosswalks[code_set]
    assert frame.loc[frame["legacy_code"] == legacy, "target_code"].item() == NO_CODE
    assert legacy not in crosswalk_lookup(frame)
    assert len(no_code_legacy(frame)[legacy]) > 20


def test_archive_encounter_type_follows_the_corrected_intended_management(crosswalks):
    national = _s("D", "I", "R", "N").map(crosswalk_lookup(crosswalks["intended_management"]))
    assert t.inpatient_encounter_type(national).tolist() == ["D", "I", "D", "I"]  # regular day: no overnight stay


def test_code_sets_hold_the_right_codes():
    assert nhs.ETHNIC_CATEGORY["99"].startswith("Not known")
    assert "to be confirmed" not in " ".join(nhs.INTENDED_MANAGEMENT.values())
    assert "overnight stays" in nhs.INTENDED_MANAGEMENT["3"] and "without" in nhs.INTENDED_MANAGEMENT["4"]
    assert "night" in nhs.INTENDED_MANAGEMENT["5"]
    assert nhs.TREATMENT_FUNCTION["347"] == "Sleep Medicine Service"


def test_admitted_care_sets_are_exactly_cds_v6_2():
    source = {"19", "29", "39", "49", "51", "52", "53", "54", "65", "66", "79", "85", "87", "88", "98", "99"}
    destination = {"19", "29", "30", "37", "38", "48", "49", "50", "51", "52", "53", "54", "65", "66", "79", "84"}
    destination |= {"85", "87", "88", "98", "99"}
    assert set(nhs.ADMISSION_SOURCE) == source
    assert set(nhs.DISCHARGE_DESTINATION) == destination
    assert set(nhs.DISCHARGE_METHOD) == {"1", "2", "3", "4", "5", "8", "9"}


def test_every_crosswalk_target_is_in_its_set(crosswalks):
    for name, frame in crosswalks.items():
        targets = set(frame["target_code"]) - {NO_CODE}
        assert targets <= set(nhs.NHS_CODE_SETS[name]), name


def test_generator_specialty_master_carries_the_corrected_treatment_function():
    assert SPECIALTY_TREATMENT_FUNCTION["SLEP"] == "347"
    assert SPECIALTY_MAIN_SPECIALTY["SLEP"] == "340"  # consultants' main specialty stays respiratory


def test_attendance_refined_from_canceller_and_date():
    status = _s("CANC", "CANC", "CANC", "NR", "NR", "ATT")
    cancel_by = _s("P", "H", "", "", "", "")
    when = _s("202401011000", "202401011000", "202401011000", "202401011000", "202701011000", "202401011000")
    refined = act.refine_attendance_status(status, cancel_by, when, as_of=EXTRACT_DATE)
    # CANC and NR left as they are go to NO_CODE in the crosswalk and are reported.
    assert refined.tolist() == ["2", "4", "CANC", "NR", "0", "ATT"]


def _rule(contract: pd.DataFrame, table: str, field: str) -> pd.Series:
    row = contract[(contract["target_table"] == table) & (contract["target_field"].str.upper() == field)]
    assert len(row) == 1, (table, field)
    return row.iloc[0]


def _run(name: str, crosswalks: dict[str, pd.DataFrame], *legacy: pd.Series) -> pd.Series:
    """Run a transform as the contract says: each input through the crosswalk the transform declares."""
    spec = TRANSFORMS[name]
    inputs = [
        column.map(crosswalk_lookup(crosswalks[code_set])) if code_set else column
        for column, code_set in zip(legacy, spec.code_sets or ("",) * len(legacy), strict=True)
    ]
    return spec.func(*inputs)


# LOAD_PMI: a GP is always loaded (G9999998 when unknown), so its practice and start date must be too.
def test_default_gp_gets_default_practice():
    practice = reg.practice_for_gp(_s("G1234567", "G9999998", "bad", "G7654321"), _s("A81006", "A81006", "", None))
    assert practice.tolist() == ["A81006", "V81999", "V81999", "V81999"]


def test_practice_applies_from_falls_back_to_date_of_birth():
    assert reg.date_or_fallback(_s("20190304", ""), _s("19700101", "19800202")).tolist() == ["04/03/2019", "02/02/1980"]


def test_gdp_practice_applies_from_only_with_a_gdp():
    assert reg.date_when_present(_s("D12345", ""), _s("19700101", "19700101")).tolist()[0] == "01/01/1970"
    assert pd.isna(reg.date_when_present(_s(""), _s("19700101")).iloc[0])


def test_urgency_fields_keep_soon(contract):
    for table, field in [("LOAD_REFERRALS", "REF_URGENCY"), ("LOAD_IWL", "URGENCY")]:
        rule = _rule(contract, table, field)
        assert (rule["mapping_class"], rule["crosswalk"], rule["code_handling"]) == ("DIRECT", "", "pas_code_type")
    archive = _rule(contract, "LOAD_OPD_ARCHIVE", "APPOINTMENT_PRIORITY")
    assert archive["source_fields"] == "OPA.RefPriority;URG.Description" and archive["crosswalk"] == ""


def test_pmi_rules(contract):
    assert _rule(contract, "LOAD_PMI", "PRACTICE_NATIONAL_CODE")["transform"] == "practice_for_gp"
    applies = _rule(contract, "LOAD_PMI", "PRACTICE_APPLIES_FROM")
    assert applies["transform"] == "date_or_fallback" and applies["status"] == "approved"
    gdp = _rule(contract, "LOAD_PMI", "GDP_PRACTICE_APPLIES_FROM")
    assert gdp["mapping_class"] == "DERIVED" and gdp["source_fields"] == "PATDATA.GdpCode;PATDATA.InternalDateOfBirth"


# LOAD_OPD_APPOINTMENTS: DNAs and cancellations travel in OUTCOME; a clock may start and stop at one visit.
def test_outcome_carries_dna_and_cancellations():
    status = _s("ATT", "SATT", "NATT", "CANC", "CANC", "CANC", "NR", "ATT")
    cancel_by = _s("", "", "", "H", "P", "", "", "")
    disposal = _s("ADM", "FUP", "DIS", "", "", "", "", "")
    outcome = act.opd_appointment_outcome(status, cancel_by, disposal)
    assert outcome.tolist()[:6] == ["ADM", "FUP", "NATT", "CANC-H", "CANC-P", "CANC"]  # canceller unknown: not H
    assert outcome.iloc[6:].isna().all()  # not outcomed yet, and attended without a disposal


def test_archive_keeps_cancellations_and_unrecorded_statuses_as_descriptions():
    described = act.appointment_status_description(
        _s("CANC", "CANC", "CANC", "NR", "NATT", "XYZ"), _s("H", "P", "", "", "", "")
    )
    assert described.tolist() == [
        "Cancelled by hospital",
        "Cancelled by patient",
        "Cancelled (canceller not recorded)",
        "Attendance not recorded",
        "Did not attend",
        "XYZ",
    ]


def test_rtt_action_both_when_the_clock_starts_and_stops_at_the_appointment(crosswalks):
    action = _run(
        "rtt_period_action_at_activity",
        crosswalks,
        _s("FACT", "FDT", "FDT", "SUBA"),
        _s("202401011000", "202401011000", "202312011000", "202312011000"),
        _s("202401011000", "202401011000", "202401011000", "202401011000"),
    )
    assert action.tolist()[:3] == ["START", "BOTH", "STOP"] and pd.isna(action.iloc[3])


def test_opd_rules(contract):
    outcome = _rule(contract, "LOAD_OPD_APPOINTMENTS", "OUTCOME")
    assert outcome["source_fields"] == "OPA.ApptStatus;OPA.CancelBy;OPA.Disposal"
    assert outcome["transform"] == "opd_appointment_outcome" and outcome["crosswalk"] == ""
    action = _rule(contract, "LOAD_OPD_APPOINTMENTS", "LOADRTTPRD_ACTION")
    assert action["crosswalk"] == "rtt_period_status;;;" and action["transform"] == "rtt_action_at_activity"


# LOAD_RTT_PERIODS: stop reasons only for stopped clocks; restarted periods do not start at the referral.
def test_stop_reason_only_for_stopped_clocks():
    reason = act.rtt_stop_reason(
        _s("FDT", "DNTT", "SUBA", "FDT", "TRAN"),
        _s("30", "34", "20", "30", "21"),
        _s("202401011000", "202402011000", "", "", "202403011000"),
    )
    assert reason.tolist()[:2] == ["FDT", "DNTT"] and reason.iloc[2:].isna().all()


def test_restarted_periods_are_not_started_by_the_referral():
    assert act.referral_starts_period(_s("1", "2", "3", "0001")).tolist() == ["Y", "N", "N", "Y"]


def test_rtt_period_rules(contract):
    parent = _rule(contract, "LOAD_RTT_PERIODS", "LOADREF_RECORD_NUMBER")
    # The pathway is part of the key: period ids repeat across a patient's pathways.
    assert "RTTEPIPERIOD.PathwayNumber" in parent["source_fields"].split(";")
    stop = _rule(contract, "LOAD_RTT_PERIODS", "STOP_EVENT_REASON_CODE")
    assert stop["transform"] == "rtt_stop_reason" and "RTTPERIOD.RttEndDateTimeInt" in stop["source_fields"]
    starts = _rule(contract, "LOAD_RTT_PERIODS", "REFERRAL_AS_START_ENCOUNTER")
    assert (starts["mapping_class"], starts["transform"]) == ("TRANSFORM", "referral_starts_period")


# LOAD_ADT_ADMISSIONS: a transfer is a normal discharge method to another hospital.
@pytest.mark.parametrize(
    ("method", "destination", "expected"),
    [
        ("CA", "TH", "TRANSFERRED"),  # clinical advice, to another NHS hospital (51)
        ("CA", "PV", "TRANSFERRED"),  # to an independent hospital (87)
        ("CA", "HM", "DISCHARGED"),
        ("SD", "NH", "DISCHARGED"),  # self-discharge to a care home
        ("DE", "DD", "DIED"),
        ("DE", "HM", "DIED"),  # method wins when the destination was not updated
    ],
)
def test_admission_outcome_uses_method_and_destination(crosswalks, method, destination, expected):
    outcome = _run("inpatient_admission_outcome", crosswalks, _s(method), _s(destination))
    assert outcome.item() == expected


def test_admission_outcome_open_spell_is_blank():
    assert act.inpatient_admission_outcome(_s("8", None), _s("98", None)).isna().all()


def test_adt_rule(contract):
    outcome = _rule(contract, "LOAD_ADT_ADMISSIONS", "ADMISSION_OUTCOME")
    assert outcome["source_fields"] == "ADMITDISCH.MethodOfDischarge;ADMITDISCH.DestinationOnDischarge"
    assert outcome["crosswalk"] == "discharge_method;discharge_destination"
