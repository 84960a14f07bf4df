"""STATUS of an outpatient waiting-list entry still on the list: W (on list), L (appointment booked),
or C (cancelled) when the patient died: a dead patient is not waiting.

Guide p50 (LOAD_OPDWAITLIST.STATUS: W On List, D Suspended, L Appointment Booked, A Completed,
C Cancelled). An entry is booked when an appointment of the same patient and referral episode was
booked from the entry's list (OPA.BookFromWL = the entry's TreatmentCode), starts on or after the
entry was added, and has no attendance outcome yet (ApptStatus NR or blank: it is still to come).
"""

from __future__ import annotations

import pandas as pd

from qvh_migration.etl.sources import join_columns, split_field
from qvh_migration.legacy.dates import AUTO, parse_legacy_dates

NOT_OUTCOMED = ("NR", "")


def booked_status(
    rows: pd.DataFrame, appointments: pd.DataFrame | None, sources: list[str], died: pd.Series | None = None
) -> pd.Series:
    """W or L for each entry row (every entry is W when no appointment table was delivered); C for an
    entry whose patient's date of death (``died``, aligned with ``rows``) is recorded."""
    waiting = _booked(rows, appointments, sources[:5])
    if died is None:
        return waiting
    dead = died.astype("string").fillna("").str.strip().ne("")
    return waiting.mask(dead.to_numpy(), "C")


def _booked(rows: pd.DataFrame, appointments: pd.DataFrame | None, sources: list[str]) -> pd.Series:
    (_, treatment), (_, on_list), (table, booked_from), (_, status), (_, start) = (split_field(s) for s in sources)
    waiting = pd.Series("W", index=rows.index, dtype="string")
    if appointments is None or appointments.empty:
        return waiting
    on = join_columns(rows, table, appointments, [])
    state = appointments[status].astype("string").fillna("").str.strip().str.upper()
    from_list = appointments[booked_from].astype("string").fillna("").str.strip()
    open_bookings = appointments.loc[state.isin(NOT_OUTCOMED) & from_list.ne("")]
    right = pd.DataFrame({c: open_bookings[c].astype("string") for c in on})
    right[treatment] = open_bookings[booked_from].astype("string").str.strip()
    right["_start"] = parse_legacy_dates(open_bookings[start], AUTO).to_numpy()
    left = pd.DataFrame({c: rows[c].astype("string") for c in on})
    left[treatment] = rows[treatment].astype("string").str.strip()
    left["_added"] = parse_legacy_dates(rows[on_list], AUTO).to_numpy()
    left = left.reset_index(names="_row")
    merged = left.merge(right, on=[*on, treatment], how="inner")
    hit = merged.loc[
        merged["_start"].notna() & (merged["_added"].isna() | (merged["_start"] >= merged["_added"])), "_row"
    ]
    return waiting.mask(waiting.index.isin(hit.unique()), "L")
