"""LOAD_OPDWAITLIST rules against the guide's LOAD_OPDWAITLIST pages (pp. 48-51): TARGET_DATE for
follow-ups, STATUS L for booked entries, removed entries row-sourced from OPWLREMENTRY.

Each test reads the curated rule as it stands in the rules file, so it failed on the old rule."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from qvh_migration.etl.row_sources import RowSourceUnion, load_row_sources
from qvh_migration.etl.waitlist_status import booked_status
from qvh_migration.mapping.transforms import TRANSFORMS
from qvh_migration.reports.trial_comparison.reference import reference_opd_waitlist as rw

RULES = Path(__file__).resolve().parents[2] / "qvh_migration" / "mapping" / "rules" / "LOAD_OPDWAITLIST.yaml"


def _rule(field: str) -> dict:
    return yaml.safe_load(RULES.read_text(encoding="utf-8"))["rules"][field]


def _sources(rule: dict) -> list[str]:
    value = rule.get("source") or []
    return value if isinstance(value, list) else [value]


def test_target_date_of_a_follow_up_comes_from_its_required_date_or_month() -> None:
    """Guide p50: TARGET_DATE (DD/MM/YYYY) is mandatory when NEW_FOLLOWUP_FLAG is F. The old rule read
    the 6-character required month (CCYYMM) as a full date and left every follow-up's target empty."""
    rule = _rule("TARGET_DATE")
    columns = {
        "FollUpApptReqDtEXT": ["202603150000", "", ""],
        "OpWlDateAppointmentRequiredInternal": ["202603", "202611", ""],
    }
    inputs = [pd.Series(columns[s], dtype="string") for s in _sources(rule)]
    values = TRANSFORMS[rule["transform"]].func(*inputs)
    assert values.tolist()[:2] == ["15/03/2026", "01/11/2026"]
    assert pd.isna(values.iloc[2])  # nothing recorded: never a guessed date
    for i, expected in enumerate(["15/03/2026", "01/11/2026", None]):
        assert rw.appointment_required_date(*(columns[s][i] for s in _sources(rule))) == expected


def _entries_and_appointments() -> tuple[pd.DataFrame, pd.DataFrame]:
    entries = pd.DataFrame(
        {
            "InternalPatientNumber": ["1", "2", "3", "4"],
            "EpisodeNumber": ["10", "20", "30", "40"],
            "TreatmentCode": ["PLASFUWL"] * 4,
            "OPRegDateInt": ["202601051000"] * 4,
        },
        dtype="string",
    )
    appointments = pd.DataFrame(
        {
            "InternalPatientNumber": ["1", "2", "3", "4"],
            "EpisodeNumber": ["10", "20", "30", "40"],
            "PtApptStartDtimeInt": ["202612011030", "202612011030", "202512011030", "202612011030"],
            # booked and to come; attended; booked before the entry was added; a direct booking
            "BookFromWL": ["PLASFUWL", "PLASFUWL", "PLASFUWL", ""],
            "ApptStatus": ["NR", "ATT", "NR", "NR"],
        },
        dtype="string",
    )
    return entries, appointments


def test_an_entry_with_a_booked_appointment_to_come_is_l() -> None:
    """Guide p50: STATUS L is "Appointment Booked". The old rule loaded every entry as W (a DEFAULT)."""
    rule = _rule("STATUS")
    assert rule["class"] != "DEFAULT"
    entries, appointments = _entries_and_appointments()
    sources = [s if "." in s else f"OPWLENTRY.{s}" for s in _sources(rule)]
    assert booked_status(entries, appointments, sources).tolist() == ["L", "W", "W", "W"]
    columns = [s.split(".")[-1] for s in sources]
    rows = appointments.to_dict("records")
    expected = [rw.booked_status(e, rows, columns[:5]) for e in entries.to_dict("records")]
    assert expected == ["L", "W", "W", "W"]


def test_an_entry_left_on_the_list_of_a_patient_who_died_is_removed() -> None:
    """Guide p50 (STATUS W On List, C Cancelled) and p51 (OUTCOME code type 10078, DATE_REMOVED): a dead
    patient is not waiting. The old rule read no date of death and loaded the entry W (scenario S21);
    now it is C, with the outcome DIED and the date of death as the date removed."""
    rule = _rule("STATUS")
    sources = [s if "." in s else f"OPWLENTRY.{s}" for s in _sources(rule)]
    assert sources[-1] == "PATDATA.PtDateOfDeathInt"
    entries, appointments = _entries_and_appointments()
    died = pd.Series(["", "20210309", "", ""], dtype="string", index=entries.index)
    assert booked_status(entries, appointments, sources, died).tolist() == ["L", "C", "W", "W"]
    outcome, removed = _rule("OUTCOME"), _rule("DATE_REMOVED")
    assert _sources(outcome) == _sources(removed) == ["PATDATA.PtDateOfDeathInt"]
    assert TRANSFORMS[outcome["transform"]].func(died).fillna("").tolist() == ["", "DIED", "", ""]
    assert TRANSFORMS[removed["transform"]].func(died).fillna("").tolist() == ["", "09/03/2021", "", ""]
    assert [rw.removal_on_death(v) for v in ("", "20210309", None)] == [None, "DIED", None]


def test_removed_entries_are_row_sourced_from_opwlrementry() -> None:
    """Guide pp. 50-51: STATUS A/C, OUTCOME (code type 10078) and DATE_REMOVED describe removed entries.
    The old row source loaded OPWLENTRY only, so no removed entry (OPWLREMENTRY) was migrated."""
    spec = load_row_sources().tables["LOAD_OPDWAITLIST"]
    assert isinstance(spec, RowSourceUnion)
    assert spec.source_tables == ("OPWLENTRY", "OPWLREMENTRY")
    removed = {f.target_field: f for f in spec.parts[1].fields}
    assert {"STATUS", "OUTCOME", "DATE_REMOVED", "TARGET_DATE"} <= set(removed)
    status = TRANSFORMS[removed["STATUS"].transform].func(pd.Series(["BKD", "CANH", "CANP", ""], dtype="string"))
    assert status.fillna("").tolist() == ["A", "C", "C", ""]
    assert [rw.removed_outpatient_entry_status(c) for c in ("BKD", "CANH", "")] == ["A", "C", None]
