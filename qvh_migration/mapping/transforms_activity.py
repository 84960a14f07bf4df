"""Transforms of activity records: outpatient attendance and outcome, RTT clock links, inpatient outcome.

They register in the same registry as ``transforms.py`` and follow its rules: vectorised pure
functions over pandas Series, one Series per source field in the order the rule lists them.
Where a value cannot be decided honestly the result is null, so the load reports the record
instead of choosing a code; the docstrings say which.
"""

from __future__ import annotations

import pandas as pd

from qvh_migration.mapping.transforms import _parse_date, _text, transform


@transform("3")
def refine_attendance_status(
    status: pd.Series, cancel_by: pd.Series, appointment: pd.Series, as_of: pd.Timestamp | None = None
) -> pd.Series:
    """Legacy statuses the crosswalk cannot decide alone: CANC by P -> 2, by H -> 4; NR after ``as_of`` -> 0.

    A cancellation with no canceller and a past appointment left unrecorded keep their legacy code,
    which the attendance_status crosswalk maps to NO_CODE, so the load reports them instead of
    guessing. ``as_of`` is the extract date (today when not given); other statuses pass through.
    """
    code = _text(status).str.upper()
    by = _text(cancel_by).str.upper().map({"P": "2", "H": "4"})
    cutoff = pd.Timestamp.now().normalize() if as_of is None else pd.Timestamp(as_of)
    future = (_parse_date(appointment) > cutoff).fillna(False)
    refined = code.mask(code.eq("CANC").fillna(False) & by.notna(), by)
    return refined.mask(code.eq("NR").fillna(False) & future, "0")
