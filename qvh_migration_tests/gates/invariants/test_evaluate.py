"""Each business invariant fails on its planted fault and passes on the clean run (guide and RTT rules)."""

from __future__ import annotations

import pytest

from qvh_migration.gates.invariants.declarations import load_invariants
from qvh_migration_tests.gates.invariants.conftest import clean_world, failures, set_cell

# invariant -> (table, row, planted values): each one a fault the invariant guards against.
FAULTS: dict[str, list[tuple[str, int, dict]]] = {
    "identity:activity_patient_in_pmi": [("LOAD_REFERRALS", 0, {"MAIN_CRN": "Q9"})],
    "identity:nhs_status_verified_only_with_valid_number": [("LOAD_PMI", 0, {"NHS_NUMBER": "9434765918"})],
    "identity:nhs_number_passes_modulus_11": [("LOAD_PMI", 0, {"NHS_NUMBER": "0000000000",
                                                                 "NHS_NUMBER_STATUS": "03"})],
    "identity:one_patient_per_identifier": [("LOAD_PMI", 1, {"NHS_NUMBER": "9434765919"}),
                                            ("LOAD_PMIIDS", 1, {"ADDITIONAL_ID": "C1"})],
    "identity:activity_identifier_equals_patient": [("LOAD_OPD_APPOINTMENTS", 0, {"MAIN_CRN": "Q2"})],
    "identity:activity_not_before_birth": [("LOAD_REFERRALS", 0, {"REF_DATE": "01/01/1949"})],
    "identity:activity_not_after_death": [("LOAD_IWL", 1, {"WAITLIST_DATE": "11/08/2022"})],
    "waiting_list:deceased_no_open_iwl_entry": [("LOAD_IWL", 1, {"STATUS": "W"})],
    "waiting_list:deceased_no_open_opd_waitlist_entry": [("LOAD_OPDWAITLIST", 1, {"STATUS": "W"})],
    "waiting_list:deceased_no_outstanding_tci": [("LOAD_IWL_TCIS", 0, {"LOADIWL_RECORD_NUMBER": 2, "STATUS": "L",
                                                                       "CANCELLED_DATE": None})],
    "waiting_list:no_appointment_after_death": [("LOAD_OPD_APPOINTMENTS", 1, {"CANCELLED_DATE": None})],
    "waiting_list:tci_cancelled_date_only_if_cancelled": [("LOAD_IWL_TCIS", 1, {"CANCELLED_DATE": "01/06/2021"}),
                                                          ("LOAD_IWL_TCIS", 0, {"CANCELLED_DATE": None})],
    "waiting_list:admitted_entry_no_outstanding_tci": [("LOAD_IWL_TCIS", 1, {"STATUS": "L"})],
    "rtt:first_seen_is_earliest_attended": [("LOAD_REFERRALS", 1, {"FIRST_SEEN": "01/09/2022"}),
                                            ("LOAD_REFERRALS", 0, {"FIRST_SEEN": "10/03/2021"}),
                                            ("LOAD_REFERRALS", 0, {"FIRST_SEEN": None})],
    "rtt:pathway_end_event_only_when_ended": [("LOAD_RTT_PATHWAYS", 1, {"PATHWAY_END_EVENT": "10"})],
    "rtt:one_start_encounter_per_period": [("LOAD_OPD_APPOINTMENTS", 0, {"LOADRTTPRD_ACTION": "START"})],
    "rtt:rtt_action_links_a_period": [("LOAD_OPD_APPOINTMENTS", 0, {"LOADRTTPRD_RECORD_NUMBER": None})],
    "rtt:clock_start_not_after_stop": [("LOAD_RTT_PERIODS", 0, {"CLOCK_STOP": "01/02/2021 10:00"}),
                                       ("LOAD_RTT_PATHWAYS", 0, {"PATHWAY_END_DATE": "01/02/2021 10:00"})],
    "episode_integrity:primary_procedure_loaded": [("LOAD_ADT_CODING", 0, {"NOTE_TYPE": "Secondary"})],
    "episode_integrity:activity_within_parent_span": [("LOAD_ADT_EPISODES", 0, {"END_DATE": "04/06/2021 12:00"}),
                                                      ("LOAD_ADT_WARDSTAYS", 0, {"START_DATE": "31/05/2021 10:00"}),
                                                      ("LOAD_OPD_APPOINTMENTS", 0, {"APPT_DATE": "28/02/2021 09:00"})],
    "episode_integrity:start_not_after_end": [("LOAD_ADT_WARDSTAYS", 0, {"END_DATE": "01/06/2021 09:00"})],
    "episode_integrity:admission_has_episode": [("LOAD_ADT_EPISODES", 0, {"START_DATE": "01/06/2021 11:00"})],
    "completeness:mandatory_fields_filled": [("LOAD_IWL", 0, {"LOADREF_RECORD_NUMBER": None})],
    "completeness:conditional_fields_filled": [("LOAD_OPDWAITLIST", 0, {"TARGET_DATE": None})],
    "completeness:table_with_source_rows_loads_rows": [("load_summary", 1, {"loaded_rows": 0})],
    "completeness:table_extract_present": [("load_summary", 3, {"note": "source table RTTEVENTS not in the extracts"})],
}  # fmt: skip
CASES = [(check, table, row, values) for check, faults in FAULTS.items() for table, row, values in faults]


def test_the_clean_run_keeps_every_invariant() -> None:
    found = failures(clean_world())
    assert set(found) == {i.check for i in load_invariants()}  # every declared invariant ran
    assert {check: n for check, n in found.items() if n} == {}


def test_every_invariant_has_a_planted_fault() -> None:
    assert set(FAULTS) == {i.check for i in load_invariants()}


@pytest.mark.parametrize(("check", "table", "row", "values"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_a_planted_fault_fails_its_invariant(check: str, table: str, row: int, values: dict) -> None:
    assert failures(clean_world(), only=check) == {check: 0}
    assert failures(set_cell(clean_world(), table, row, **values), only=check)[check] >= 1


def test_every_tci_carrying_a_cancelled_date_fails_as_today() -> None:
    """Today's rule: the activity date as CANCELLED_DATE on every offer (status L), as in the domain review."""
    world = set_cell(clean_world(), "LOAD_IWL_TCIS", 1, STATUS="L", CANCELLED_DATE="15/04/2021")
    found = failures(world)
    assert found["waiting_list:tci_cancelled_date_only_if_cancelled"] == 1
    assert found["waiting_list:admitted_entry_no_outstanding_tci"] == 1


def test_a_check_whose_tables_are_absent_is_not_run() -> None:
    world = clean_world()
    del world["inv_source_first_seen"]
    assert "rtt:first_seen_is_earliest_attended" not in failures(world)
