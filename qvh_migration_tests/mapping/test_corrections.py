"""Corrections a migration lead asked for, each pinned as legacy value -> expected target value."""

from __future__ import annotations

import pandas as pd
import pytest

from qvh_migration.mapping import nhs_code_sets as nhs
from qvh_migration.mapping import transforms_activity as act
from qvh_migration.mapping.crosswalks import NO_CODE, crosswalk_lookup, no_code_legacy
from qvh_migration.mock.legacy_code_sets import SPECIALTY_MAIN_SPECIALTY, SPECIALTY_TREATMENT_FUNCTION

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
