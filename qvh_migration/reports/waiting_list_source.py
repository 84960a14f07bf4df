"""The waiting lists as the legacy PAS shows them, computed from the source extracts alone.

Legacy rules, not the migration's: a logically deleted row is not on any list; an RTT period is
running while it has no end date-time (``RttEndDateTimeInt`` blank), and a pathway is on the
patient tracking list while one of its periods runs (clock start: the running period's start);
an outpatient waiting-list entry is on the list until a removal is recorded for it
(``OPWLREMENTRY``); an inpatient entry is on the list until its last activity admits or removes
the patient (``WLENTRY.EpsCurrActvStsInt``). Nothing here reads the target tables or uses the
ETL's code, so the comparison with the target is a genuine second computation.
"""

from __future__ import annotations

import pandas as pd

from qvh_migration.legacy.dates import parse_legacy_dates
from qvh_migration.legacy.keys import DELETE_FLAG_VALUES, TABLE_KEYS

RTT_PTL, OUTPATIENT_LIST, INPATIENT_LIST = "rtt_ptl", "outpatient_waiting_list", "inpatient_waiting_list"
LIST_COLUMNS = ("list", "entity_key", "patient_key", "pathway_key", "clock_start", "status", "weeks_waited")
# Local activity codes of the last activity of an inpatient entry (WLACTIVITY.EpsActvTypeInt, the
# generator's values, as in row_sources.yaml) that take the entry off the list; confirm against the
# real extracts before cutover.
OFF_LIST_ACTIVITIES = {"6": "admitted", "7": "removed from the waiting list"}
SUSPENDED_ACTIVITY = "5"
PATIENT, PATHWAY, EPISODE = "InternalPatientNumber", "PathwayNumber", "EpisodeNumber"
PATHWAY_GRAIN = (PATIENT, PATHWAY)


def key_text(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    """``Col=value|Col=value``: the defect ledger's row-key form, which the key registry also uses."""
    parts = [f"{c}=" + frame[c].astype("string").fillna("") for c in columns]
    text = parts[0]
    for part in parts[1:]:
        text = text + "|" + part
    return text.astype("string")


def live_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows not logically deleted (any of the legacy delete flags set to its deleted value)."""
    deleted = pd.Series(False, index=frame.index)
    for column, (_active, flag) in DELETE_FLAG_VALUES.items():
        if column in frame.columns:
            deleted |= frame[column].astype("string").str.strip().eq(flag).fillna(False)
    return frame.loc[~deleted]


def weeks_between(start: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    """Whole weeks from each start day to the as-of day (NA where the start is unknown)."""
    days = (as_of.normalize() - start.dt.normalize()).dt.days
    return (days // 7).astype("Int64")


def _blank(values: pd.Series) -> pd.Series:
    return values.astype("string").fillna("").str.strip().eq("")


def _list_frame(
    name: str, keys: pd.Series, patient: pd.Series, pathway: pd.Series, start: pd.Series, status: pd.Series
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "list": name,
            "entity_key": keys.astype("string").to_numpy(),
            "patient_key": patient.astype("string").to_numpy(),
            "pathway_key": pathway.astype("string").to_numpy(),
            "clock_start": start.to_numpy(),
            "status": status.astype("string").to_numpy(),
        }
    )


def source_rtt_ptl(rtt_periods: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Open pathways: one row per pathway with a running period, from its latest running period."""
    rows = live_rows(rtt_periods)
    running = rows.loc[_blank(rows["RttEndDateTimeInt"])].copy()
    running["_start"] = parse_legacy_dates(running["RttStartDateTimeInt"], "auto")
    latest = running.sort_values("_start", kind="stable", na_position="first").drop_duplicates(
        list(PATHWAY_GRAIN), keep="last"
    )
    status = latest["CurrentStatusInt"].astype("string").str.strip().str.zfill(2)
    frame = _list_frame(
        RTT_PTL, key_text(latest, PATHWAY_GRAIN), latest[PATIENT], latest[PATHWAY], latest["_start"], status
    )
    return _with_weeks(frame, as_of)


def source_outpatient_list(entries: pd.DataFrame, removals: pd.DataFrame | None, as_of: pd.Timestamp) -> pd.DataFrame:
    """Outpatient entries with no removal recorded (every live entry when removals were not delivered)."""
    rows = live_rows(entries)
    if removals is not None and not removals.empty:
        shared = [c for c in TABLE_KEYS["OPWLENTRY"] if c in removals.columns] or [PATIENT, EPISODE]
        removed = key_text(live_rows(removals), tuple(shared))
        rows = rows.loc[~key_text(rows, tuple(shared)).isin(set(removed))]
    start = parse_legacy_dates(rows["OPRegDateInt"], "auto")
    status = pd.Series("on list", index=rows.index, dtype="string")
    frame = _list_frame(
        OUTPATIENT_LIST, key_text(rows, TABLE_KEYS["OPWLENTRY"]), rows[PATIENT], rows[EPISODE], start, status
    )
    return _with_weeks(frame, as_of)


def source_inpatient_list(entries: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Inpatient entries whose last activity neither admitted nor removed the patient."""
    rows = live_rows(entries)
    last = rows["EpsCurrActvStsInt"].astype("string").fillna("").str.strip().str.lstrip("0")
    rows, last = rows.loc[~last.isin(set(OFF_LIST_ACTIVITIES))], last.loc[~last.isin(set(OFF_LIST_ACTIVITIES))]
    start = parse_legacy_dates(rows["OriginalDateOnList"], "auto")
    status = last.eq(SUSPENDED_ACTIVITY).map({True: "suspended", False: "waiting"}).astype("string")
    frame = _list_frame(
        INPATIENT_LIST, key_text(rows, TABLE_KEYS["WLENTRY"]), rows[PATIENT], rows[EPISODE], start, status
    )
    return _with_weeks(frame, as_of)


def _with_weeks(frame: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    frame["clock_start"] = pd.to_datetime(frame["clock_start"])
    frame["weeks_waited"] = weeks_between(frame["clock_start"], as_of)
    return frame[list(LIST_COLUMNS)].reset_index(drop=True)


def source_row_keys(rtt_periods: pd.DataFrame) -> pd.DataFrame:
    """Each RTT period's row key with its pathway's key: a pathway's rejects are recorded per period."""
    return pd.DataFrame(
        {
            "entity_key": key_text(rtt_periods, PATHWAY_GRAIN).to_numpy(),
            "source_key": key_text(rtt_periods, TABLE_KEYS["RTTPERIOD"]).to_numpy(),
        }
    )
