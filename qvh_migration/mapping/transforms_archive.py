"""Transforms of the read-only archive tables: durations and ages the archive stores as numbers.

The live tables let the target compute these; the archive keeps them as values, so they are
derived here from the legacy dates (null when either date is missing or unreadable).
"""

from __future__ import annotations

import pandas as pd

from qvh_migration.mapping.transforms import _executor_only, _parse_date, transform


def _whole(values: pd.Series) -> pd.Series:
    return values.astype("Int64").astype("string")


@transform("2")
def days_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """Whole days from the first date to the second (calendar days; 0 for a same-day stay)."""
    first = _parse_date(start).dt.normalize()
    last = _parse_date(end).dt.normalize()
    return _whole((last - first).dt.days)


@transform("2")
def age_in_years(birth: pd.Series, when: pd.Series) -> pd.Series:
    """Age in completed years on the second date, from the date of birth."""
    born, on = _parse_date(birth), _parse_date(when)
    years = on.dt.year - born.dt.year
    before_birthday = (on.dt.month < born.dt.month) | ((on.dt.month == born.dt.month) & (on.dt.day < born.dt.day))
    return _whole(years - before_birthday.astype("Int64"))


# The archive's attendance times are times of day (HH24:MI, guide p88): the tracking step's time only.
@transform("2", kind="join")
def tracking_time_arrived_hhmi(step: pd.Series, when: pd.Series) -> pd.Series:
    """Time of day (HH24:MI) of the appointment's arrival tracking step (OPATTTRACK)."""
    return _executor_only("tracking_time_arrived_hhmi")


@transform("2", kind="join")
def tracking_time_seen_hhmi(step: pd.Series, when: pd.Series) -> pd.Series:
    """Time of day (HH24:MI) of the appointment's seen-by-clinician tracking step (OPATTTRACK)."""
    return _executor_only("tracking_time_seen_hhmi")


@transform("2", kind="join")
def tracking_time_completed_hhmi(step: pd.Series, when: pd.Series) -> pd.Series:
    """Time of day (HH24:MI) of the appointment's completion tracking step (OPATTTRACK)."""
    return _executor_only("tracking_time_completed_hhmi")
