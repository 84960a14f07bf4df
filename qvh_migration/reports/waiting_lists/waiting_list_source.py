"""The waiting lists as the legacy PAS shows them, computed from the source extracts alone.

Legacy rules, not the migration's: a logically deleted row is not on any list; an RTT period is
running while it has no end date-time (``RttEndDateTimeInt`` blank), and a pathway is on the
patient tracking list while one of its periods runs and its status is not 98 (not applicable to
RTT: a NON-RTT pathway is never on the PTL). The clock start is the legacy system's own: its
18-week breach date (``RttBreachDateInt``, ``RttBreachDate``) less 18 weeks, so a target that
took another date for the clock start differs even when it read ``RttStartDateTimeInt`` as this
side did; the legacy's weeks waited (``RttDurn``) travel with it. Only where the legacy holds no
breach date (or a pause moved it) is the recorded start used. An outpatient waiting-list entry is
on the list until a removal is recorded for it (``OPWLREMENTRY``) and is due from the date the
appointment is required (or, where the legacy holds none, its date on list); an inpatient entry
is on the list until its last activity admits or removes the patient (``WLENTRY.EpsCurrActvStsInt``).
Nothing here reads the target tables or uses the ETL's code, so the comparison with the target is
a genuine second computation.
"""

from __future__ import annotations

import pandas as pd

from qvh_migration.legacy.dates import parse_legacy_dates
from qvh_migration.legacy.keys import DELETE_FLAG_VALUES, TABLE_KEYS

RTT_PTL, OUTPATIENT_LIST, INPATIENT_LIST = "rtt_ptl", "outpatient_waiting_list", "inpatient_waiting_list"
LIST_COLUMNS = (
    "list",
    "entity_key",
    "patient_key",
    "pathway_key",
    "clock_start",
    "status",
    "weeks_waited",
    "ptl_type",  # admitted / non_admitted on the PTL (an inpatient entry on the list on the pathway)
    "legacy_weeks",  # the legacy's own weeks waited (RTTPERIOD.RttDurn); NA elsewhere
    "recorded_start",  # the start the legacy recorded (RTTPERIOD.RttStartDateTimeInt); NaT elsewhere
)
ADMITTED, NON_ADMITTED = "admitted", "non_admitted"
NON_RTT_STATUS = "98"  # national RTT period status: not applicable to RTT
# The RTT standard the legacy's breach date is set by: 18 weeks from the clock start.
BREACH_WEEKS = 18
# Local activity codes of the last activity of an inpatient entry (WLACTIVITY.EpsActvTypeInt, the
# generator's values, as in row_sources.yaml) that take the entry off the list; confirm against the
# real extracts before cutover.
OFF_LIST_ACTIVITIES = {"6": "admitted", "7": "removed from the waiting list"}
SUSPENDED_ACTIVITY = "5"
# The date an outpatient entry is due from, first found: the follow-up appointment required date
# (the 6-character internal form is read only when it is a whole date), else the date on list.
OUTPATIENT_DUE_COLUMNS = ("FollUpApptReqDtEXT", "OpWlDateAppointmentRequiredInternal", "OPRegDateInt")
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


def _first_date(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    """The first of ``columns`` (present in ``frame``) holding a date, row by row (NaT when none)."""
    found = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[s]")
    for column in columns:
        if column in frame.columns:
            found = found.fillna(parse_legacy_dates(frame[column].astype("string"), "auto"))
    return found


def rtt_status(periods: pd.DataFrame) -> pd.Series:
    return periods["CurrentStatusInt"].astype("string").fillna("").str.strip().str.zfill(2)


def running_periods(rtt_periods: pd.DataFrame) -> pd.DataFrame:
    """The latest running period of each pathway (NON-RTT ones included), with its legacy figures:
    ``_recorded`` (RttStartDateTimeInt), ``_start`` (the legacy's clock start), ``_durn`` (RttDurn)."""
    rows = live_rows(rtt_periods)
    running = rows.loc[_blank(rows["RttEndDateTimeInt"])].copy()
    running["_recorded"] = parse_legacy_dates(running["RttStartDateTimeInt"], "auto")
    breach = _first_date(running, ("RttBreachDateInt", "RttBreachDate"))
    paused = (
        ~_blank(running["PauseDtInt"]) if "PauseDtInt" in running.columns else pd.Series(False, index=running.index)
    )
    by_breach = (breach - pd.Timedelta(weeks=BREACH_WEEKS)).where(~paused)
    running["_start"] = by_breach.fillna(running["_recorded"])
    durn = running["RttDurn"] if "RttDurn" in running.columns else pd.Series(pd.NA, index=running.index)
    running["_durn"] = pd.to_numeric(durn.astype("string").str.strip(), errors="coerce").astype("Int64")
    return running.sort_values("_recorded", kind="stable", na_position="first").drop_duplicates(
        list(PATHWAY_GRAIN), keep="last"
    )


def source_rtt_ptl(rtt_periods: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Open RTT pathways: one row per pathway with a running period (not NON-RTT), from its latest
    running period, the clock start by the legacy's breach date, the legacy's weeks beside it."""
    latest = running_periods(rtt_periods)
    status = rtt_status(latest)
    latest, status = latest.loc[status.ne(NON_RTT_STATUS)], status.loc[status.ne(NON_RTT_STATUS)]
    frame = _list_frame(
        RTT_PTL, key_text(latest, PATHWAY_GRAIN), latest[PATIENT], latest[PATHWAY], latest["_start"], status
    )
    frame["legacy_weeks"] = latest["_durn"].to_numpy()
    frame["recorded_start"] = latest["_recorded"].to_numpy()
    return _with_weeks(frame, as_of)


def mark_admitted(ptl: pd.DataFrame, inpatient: pd.DataFrame, episode_periods: pd.DataFrame | None) -> pd.DataFrame:
    """``ptl_type`` of each PTL pathway: admitted when an inpatient entry on the list belongs to it
    (RTTEPIPERIOD: episode -> pathway). Without RTTEPIPERIOD no entry can be tied to a pathway."""
    if episode_periods is None or episode_periods.empty:
        return ptl
    links = live_rows(episode_periods)
    on_list = set(f"{PATIENT}=" + inpatient["patient_key"] + f"|{EPISODE}=" + inpatient["pathway_key"])
    linked = links.loc[key_text(links, (PATIENT, EPISODE)).isin(on_list)]
    admitted = set(key_text(linked, PATHWAY_GRAIN))
    return ptl.assign(ptl_type=ptl["entity_key"].isin(admitted).map({True: ADMITTED, False: NON_ADMITTED}))


def source_outpatient_list(entries: pd.DataFrame, removals: pd.DataFrame | None, as_of: pd.Timestamp) -> pd.DataFrame:
    """Outpatient entries with no removal recorded (every live entry when removals were not delivered)."""
    rows = live_rows(entries)
    if removals is not None and not removals.empty:
        shared = [c for c in TABLE_KEYS["OPWLENTRY"] if c in removals.columns] or [PATIENT, EPISODE]
        removed = key_text(live_rows(removals), tuple(shared))
        rows = rows.loc[~key_text(rows, tuple(shared)).isin(set(removed))]
    start = _first_date(rows, OUTPATIENT_DUE_COLUMNS)
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
    frame["ptl_type"] = pd.Series(pd.NA, index=frame.index, dtype="string").mask(
        frame["list"].eq(RTT_PTL), NON_ADMITTED
    )
    if "legacy_weeks" not in frame.columns:
        frame["legacy_weeks"] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    frame["recorded_start"] = pd.to_datetime(frame.get("recorded_start", pd.Series(pd.NaT, index=frame.index)))
    return frame[list(LIST_COLUMNS)].reset_index(drop=True)


def legacy_duration_day(ptl: pd.DataFrame, as_of: pd.Timestamp, stated: bool) -> pd.Timestamp:
    """The day the legacy counted its weeks waited (RttDurn) to: the stated as-of day, else the day
    most open periods' figures agree on (a period of ``w`` weeks from its clock start was counted on
    one of the 7 days from start + w weeks; the latest such day of the most periods), never before
    the as-of day. One period with inconsistent figures cannot move it."""
    known = ptl.dropna(subset=["clock_start", "legacy_weeks"])
    if stated or known.empty:
        return as_of
    low = known["clock_start"].dt.normalize() + pd.to_timedelta(known["legacy_weeks"].astype("int64") * 7, unit="D")
    candidates = pd.Series(sorted(set(low + pd.Timedelta(days=6))))
    agreeing = candidates.map(lambda day: int(((low <= day) & (day <= low + pd.Timedelta(days=6))).sum()))
    best = candidates.loc[agreeing.eq(agreeing.max())].max()
    return max(as_of, pd.Timestamp(best))


def source_row_keys(rtt_periods: pd.DataFrame) -> pd.DataFrame:
    """Each RTT period's row key with its pathway's key: a pathway's rejects are recorded per period."""
    return pd.DataFrame(
        {
            "entity_key": key_text(rtt_periods, PATHWAY_GRAIN).to_numpy(),
            "source_key": key_text(rtt_periods, TABLE_KEYS["RTTPERIOD"]).to_numpy(),
        }
    )
