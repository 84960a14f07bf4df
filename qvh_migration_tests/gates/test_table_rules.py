"""Each table rule of the guide with a failing and a passing case."""

from __future__ import annotations

import pandas as pd

from qvh_migration.gates.table_rules import run_table_rules
from qvh_migration_tests.gates.conftest import good_patients

ADMISSIONS = pd.DataFrame(
    {"RECORD_NUMBER": [1, 2], "ADMIT_DATE": ["01/03/2024", "10/03/2024"], "DISCHARGE_DATE": ["05/03/2024", None]}
)
PERIODS = pd.DataFrame(
    {
        "RECORD_NUMBER": [1, 2],
        "LOADRTTPWY_RECORD_NUMBER": [7, 7],
        "CLOCK_START": ["01/01/2024", "01/03/2024"],
        "CLOCK_STOP": ["01/02/2024", None],
    }
)
IDS = pd.DataFrame({"RECORD_NUMBER": [1], "ADDITIONAL_ID": ["Q0100001"]})
PARENTS = {"LOAD_ADT_ADMISSIONS": ADMISSIONS, "LOAD_RTT_PERIODS": PERIODS, "LOAD_PMIIDS": IDS}


def checks(table: str, frame: pd.DataFrame) -> dict[str, set[int]]:
    found = run_table_rules(table, frame, PARENTS.get)
    return {c: set(rows["row"].astype(int)) for c, rows in found.groupby("check")}


def episodes(*rows: tuple[int, str, str | None]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "RECORD_NUMBER": range(10, 10 + len(rows)),
            "ADT_ADM_RECORD_NUMBER": [r[0] for r in rows],
            "START_DATE": [r[1] for r in rows],
            "END_DATE": [r[2] for r in rows],
        }
    )


def test_record_number_unique() -> None:
    assert checks("LOAD_PMIIDS", pd.DataFrame({"RECORD_NUMBER": [1, 2, 3]})) == {}
    assert checks("LOAD_PMIIDS", pd.DataFrame({"RECORD_NUMBER": [1, 2, 2]})) == {"record_number_unique": {1, 2}}


def test_episodes_lie_inside_their_admission_and_chain_without_gaps() -> None:
    good = episodes((1, "01/03/2024", "03/03/2024"), (1, "03/03/2024", "05/03/2024"), (2, "10/03/2024", None))
    assert checks("LOAD_ADT_EPISODES", good) == {}
    before = episodes((1, "28/02/2024", "05/03/2024"))
    assert checks("LOAD_ADT_EPISODES", before) == {
        "episode_within_admission": {0},
        "first_episode_at_admission": {0},
    }
    short = episodes((1, "01/03/2024", "04/03/2024"))
    assert checks("LOAD_ADT_EPISODES", short) == {"last_episode_at_discharge": {0}}
    gap = episodes((1, "01/03/2024", "02/03/2024"), (1, "03/03/2024", "05/03/2024"))
    assert checks("LOAD_ADT_EPISODES", gap) == {"episodes_contiguous": {0, 1}}
    overlap = episodes((1, "01/03/2024", "04/03/2024"), (1, "03/03/2024", "05/03/2024"))
    assert checks("LOAD_ADT_EPISODES", overlap) == {"episodes_contiguous": {0, 1}}


def events(*rows: tuple[int, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "RECORD_NUMBER": range(1, len(rows) + 1),
            "LOADRTTPRD_RECORD_NUMBER": [r[0] for r in rows],
            "EVENT_ACTION_CODE": [r[1] for r in rows],
            "EVENT_DATE": [r[2] for r in rows],
        }
    )


def test_rtt_events() -> None:
    assert checks("LOAD_RTT_EVENTS", events((1, "START", "01/01/2024"), (1, "STOP", "01/02/2024"))) == {}
    two_starts = events((1, "START", "01/01/2024"), (1, "START", "02/01/2024"))
    assert checks("LOAD_RTT_EVENTS", two_starts) == {"rtt_one_start_one_stop": {0, 1}}
    reversed_clock = events((1, "START", "20/01/2024"), (1, "STOP", "10/01/2024"))
    assert checks("LOAD_RTT_EVENTS", reversed_clock) == {"rtt_start_not_after_stop": {0}}
    outside = events((1, "START", "01/01/2024"), (1, "STOP", "01/06/2024"))
    assert checks("LOAD_RTT_EVENTS", outside) == {"rtt_event_within_period": {1}}


def test_rtt_periods_do_not_overlap() -> None:
    assert checks("LOAD_RTT_PERIODS", PERIODS) == {}
    overlapping = PERIODS.assign(CLOCK_START=["01/01/2024", "15/01/2024"])
    assert checks("LOAD_RTT_PERIODS", overlapping) == {"rtt_periods_no_overlap": {1}}


def test_case_notes_are_loaded_before_their_history() -> None:
    history = pd.DataFrame({"RECORD_NUMBER": [1, 2], "ID_NUMBER": ["Q0100001", "Q0100002"]})
    assert checks("LOAD_PMICASENOTEHISTORY", history.iloc[:1]) == {}
    assert checks("LOAD_PMICASENOTEHISTORY", history) == {"casenote_before_history": {1}}


def test_nhs_pack_duplicates_and_hospital_numbers() -> None:
    assert checks("LOAD_PMI", good_patients()) == {}
    same_number = good_patients().assign(NHS_NUMBER=["9434765919", "9434765919", "4010232137"])
    assert checks("LOAD_PMI", same_number) == {"no_duplicate_patients": {0, 1}}
    no_crn = good_patients().assign(MAIN_CRN=["Q1", None, "Q3"])
    assert checks("LOAD_PMI", no_crn) == {"hospital_number_present": {1}}


def test_rules_compare_legacy_times_within_a_day() -> None:
    from qvh_migration.gates.table_rules import date_pair_rules, episode_rules

    # Same day in the guide's date-only format; the legacy times put the discharge before the admission.
    spell = pd.DataFrame({"ADMIT_DATE": ["01/03/2024 14:00"], "DISCHARGE_DATE": ["01/03/2024 09:00"]})
    found = pd.concat(date_pair_rules(spell, [("ADMIT_DATE", "DISCHARGE_DATE")]))
    assert found["check"].tolist() == ["start_not_after_end:ADMIT_DATE>DISCHARGE_DATE"]
    timed = ADMISSIONS.assign(ADMIT_DATE=["01/03/2024 10:00", "10/03/2024 08:00"])
    early = episodes((1, "01/03/2024 09:30", "05/03/2024"))
    rules = pd.concat(episode_rules(early, {"LOAD_ADT_ADMISSIONS": timed}.get))
    assert {"episode_within_admission", "first_episode_at_admission"} <= set(rules["check"])
