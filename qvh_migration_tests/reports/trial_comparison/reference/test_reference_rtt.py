"""The reference evaluator's own RTT rules agree with the load's, case by case (guide pp. 40, 45, 47, 53)."""

from __future__ import annotations

import pandas as pd
import pytest

from qvh_migration.etl.row_checks import row_check_issues
from qvh_migration.mapping.transforms import TRANSFORMS
from qvh_migration.reports.trial_comparison.reference import reference_links as rl
from qvh_migration.reports.trial_comparison.reference.reference_transforms import SCALAR_TRANSFORMS as SCALARS

ACTIONS = [
    # (national status, period id, period start, activity) -> action
    (("10", "1", "202401011000", "202402011000"), None),  # the referral started period 1 (p45)
    (("10", "2", "202401011000", "202402011000"), "START"),  # a restarted period starts here
    (("30", "1", "202401011000", "202402011000"), "STOP"),
    (("30", "2", "202402011000", "202402011000"), "BOTH"),
    (("30", "1", "202402011000", "202402011000"), "STOP"),  # period 1 never began at an appointment
    (("30", None, "", "202402011000"), None),  # no period, no action (p53)
    (("20", "1", "202401011000", "202402011000"), None),
]
END_EVENTS = [(("30", "202402011000"), "30"), (("20", ""), None), (("21", "202402011000"), None), (("33", ""), None)]


@pytest.mark.parametrize(("inputs", "expected"), ACTIONS)
def test_clock_action_reference_and_load_agree(inputs, expected) -> None:
    series = [pd.Series([v], dtype="string") for v in inputs]
    loaded = TRANSFORMS["rtt_action_at_activity"].func(*series).iloc[0]
    assert (None if pd.isna(loaded) else loaded) == expected == SCALARS["rtt_action_at_activity"](*inputs)


@pytest.mark.parametrize(("inputs", "expected"), END_EVENTS)
def test_pathway_end_event_reference_and_load_agree(inputs, expected) -> None:
    series = [pd.Series([v], dtype="string") for v in inputs]
    loaded = TRANSFORMS["rtt_pathway_end_event"].func(*series).iloc[0]
    assert (None if pd.isna(loaded) else loaded) == expected == SCALARS["rtt_pathway_end_event"](*inputs)


def test_row_checks_reference_and_load_agree() -> None:
    rows = [
        {"CLOCK_START": "02/01/2024 10:00", "CLOCK_STOP": "01/01/2024 10:00"},  # stop before start (p47)
        {"CLOCK_START": "01/01/2024 10:00", "CLOCK_STOP": "01/01/2024 10:00"},
        {"CLOCK_START": "01/01/2024 10:00", "CLOCK_STOP": None},
    ]
    loaded = pd.concat(row_check_issues("LOAD_RTT_PERIODS", pd.DataFrame(rows)))
    assert loaded[["row", "field", "reason_code"]].values.tolist() == [[0, "CLOCK_STOP", "end_before_start"]]
    assert [rl.row_checks("LOAD_RTT_PERIODS", r) for r in rows] == [
        [("CLOCK_STOP", "end_before_start", "reject")],
        [],
        [],
    ]
    action = {"LOADRTTPRD_ACTION": "STOP", "LOADRTTPRD_RECORD_NUMBER": None}
    assert rl.row_checks("LOAD_OPD_APPOINTMENTS", action) == [("LOADRTTPRD_ACTION", "action_without_period", "warn")]
