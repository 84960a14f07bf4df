"""The reference evaluator's own waiting-list and wait-reset rules agree with the ETL's, value by value.

The reference never calls the ETL's code; these tests run both on the same grid of legacy values so
a change to one without the other fails here before it fails the trial comparison.
"""

from __future__ import annotations

import itertools
from datetime import datetime

import pandas as pd
import pytest

from qvh_migration.mapping.transforms import TRANSFORMS
from qvh_migration.reports.trial_comparison.reference import reference_activity as ra

DATES = ("", "202609081400", "20261030", "202612311200", "30/10/2026", "nonsense")
GRIDS = {
    "tci_status": (
        ("2", "3", "4", "02", "5", ""),
        ("", "1", "2"),
        ("", "202603020730", "202603050730"),
        ("2", "6", "7", "3", ""),
        ("", "202603021200", "202603050730"),
    ),
    "tci_cancelled_date": (("2", "3", "4", "6"), DATES),
    "community_contact_outcome": (("ATT", "SATT", "WLK", "DNA", "NATT", "CND", "CNW", "", "X"), ("", "FURA", "disc")),
    "estimated_discharge_or_next_day": (DATES, DATES),
}


def _etl(name: str, columns: list[tuple[str, ...]], **kw: object) -> list[object]:
    series = [pd.Series([v or None for v in column], dtype="string") for column in columns]
    result = TRANSFORMS[name].func(*series, **kw).astype("string")
    return [None if pd.isna(v) else str(v) for v in result]


@pytest.mark.parametrize("name", sorted(GRIDS))
def test_reference_scalars_agree_with_the_etl(name: str) -> None:
    """Guide pp. 58, 71-73: the rules of items 5, 7 and 11 give the same value in both evaluators."""
    rows = list(itertools.product(*GRIDS[name]))
    columns = [tuple(r[i] for r in rows) for i in range(len(GRIDS[name]))]
    expected = [ra.SCALARS[name](*(v or None for v in row)) for row in rows]
    assert _etl(name, columns) == expected


@pytest.mark.parametrize("as_of", [None, datetime(2026, 10, 30), datetime(2026, 9, 8)])
def test_reference_iwl_status_agrees_on_the_as_of_day(as_of: datetime | None) -> None:
    """Guide p. 66: suspensions judged on the as-of day the same way in both evaluators."""
    grid = (("1", "2", "3", "4", "5", "05", "6", "7", ""), DATES, DATES, ("", "1", "2"))
    rows = list(itertools.product(*grid))
    columns = [tuple(r[i] for r in rows) for i in range(len(grid))]
    expected = [ra.inpatient_waitlist_status(*(v or None for v in row), as_of=as_of) for row in rows]
    stamp = None if as_of is None else pd.Timestamp(as_of)
    assert _etl("inpatient_waitlist_status", columns, as_of=stamp) == expected
    # The planted fault: a lapsed suspension is W, never D, on 30/10/2026.
    if as_of == datetime(2026, 10, 30):
        assert ra.inpatient_waitlist_status("5", "202609081400", None, None, as_of=as_of) == "W"


@pytest.mark.parametrize("as_of", [None, datetime(2026, 12, 1)])
def test_reference_patient_classification_agrees(as_of: datetime | None) -> None:
    """Guide p. 75, NHS Data Dictionary PATIENT CLASSIFICATION: both evaluators classify the stay alike."""
    grid = (("1", "2", "3", "4", "5", "8", ""), ("", "202311060800", "20261130", "nonsense"), DATES)
    rows = list(itertools.product(*grid))
    columns = [tuple(r[i] for r in rows) for i in range(len(grid))]
    expected = [ra.patient_classification(*(v or None for v in row), as_of=as_of) for row in rows]
    stamp = None if as_of is None else pd.Timestamp(as_of)
    assert _etl("patient_classification", columns, as_of=stamp) == expected
    assert ra.patient_classification("2", "202311060800", "202311071015") == "1"  # stayed the night


def test_reference_wait_reset_matches_the_rule() -> None:
    """Guide pp. 41, 53: the latest reset of an open referral with an archived DNA or patient cancellation."""
    archived_dna = ("NATT", None, "201801101000", None, False)
    archived_patient = ("CANC", "P", "201811201000", "201811020900", False)
    live_hospital = ("CANC", "H", "202002031000", "202001150900", True)
    live_dna = ("NATT", None, "202001011000", None, True)
    assert ra.override_wait_reset(None, [archived_dna, archived_patient, live_hospital]) == "02/11/2018"
    assert ra.override_wait_reset(None, [archived_dna, live_dna]) == "01/01/2020"
    assert ra.override_wait_reset(None, [live_dna, live_hospital]) is None
    assert ra.override_wait_reset("201901011200", [archived_dna]) is None
