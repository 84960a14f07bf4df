"""The legacy's own RTT figures in the generated RTTPERIOD follow its clock start, as the PAS keeps
them: the waiting-list parity reads them as the independent check of the target's clock start."""

from __future__ import annotations

import pandas as pd

from qvh_migration.mock.extracts import SourceExtracts
from qvh_migration.mock.parameters import EXTRACT_MINUTE


def _moments(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.astype("string").str.strip().replace("", pd.NA), format="%Y%m%d%H%M")


def _off_the_clock(periods: pd.DataFrame) -> pd.Series:
    """Periods whose breach date is not 18 weeks after the start, or whose duration (RttDurn) is not
    the whole weeks from the start to the stop (to the extract moment while the clock runs)."""
    start, end = _moments(periods["RttStartDateTimeInt"]), _moments(periods["RttEndDateTimeInt"])
    breach = _moments(periods["RttBreachDateInt"])
    until = end.fillna(pd.Timestamp(EXTRACT_MINUTE, unit="m"))
    weeks = ((until - start) // pd.Timedelta(weeks=1)).clip(upper=999).astype("int64")
    return breach.sub(start).ne(pd.Timedelta(weeks=18)) | weeks.ne(periods["RttDurn"].astype("int64"))


def test_breach_date_and_duration_follow_the_clock_start(clean_extracts: SourceExtracts) -> None:
    periods = clean_extracts.tables["RTTPERIOD"]
    assert not _off_the_clock(periods).any()
    assert periods["RttEndDateTimeInt"].str.strip().eq("").any()  # running periods are covered too
    moved = periods.copy()
    moved.loc[moved.index[0], "RttStartDateTimeInt"] = "200701010900"  # a start the figures contradict
    assert _off_the_clock(moved).sum() == 1
