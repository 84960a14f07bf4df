"""Transforms of the inpatient waiting list: an entry's status, its TCIs' status and cancelled date.

Same rules as ``transforms.py``: vectorised pure functions over pandas Series, one per source field
in the order the rule lists them. The activity codes are WLACTIVITY.EpsActvTypeInt's local values
(1 added, 2 TCI offered, 3/4 TCI cancelled by hospital/patient, 5 suspended, 6 admitted,
7 removed), as ``etl/row_sources.yaml`` filters them; WLACTIVITY.OpCancelled says when an operation
was cancelled (dictionary C1795: 1 on the day of surgery, 2 before the day).
"""

from __future__ import annotations

import pandas as pd

from qvh_migration.mapping.transforms import _blank_to_na, _parse_date, _text, strip_leading_zeros, transform

OFFERED, CANCELLED_BY_HOSPITAL, CANCELLED_BY_PATIENT, SUSPENDED, ADMITTED, REMOVED = "2", "3", "4", "5", "6", "7"
CANCELLATIONS = (CANCELLED_BY_HOSPITAL, CANCELLED_BY_PATIENT)
# What the entry's latest activity leaves it as (guide pp. 66 and 71: W/D/L/A/N/C).
ENTRY_STATUS = {"1": "W", OFFERED: "L", "3": "W", "4": "W", SUSPENDED: "D", ADMITTED: "A", REMOVED: "C"}
ON_THE_DAY = "1"  # OpCancelled: cancelled on the day of surgery, i.e. after the patient was admitted


def _day(series: pd.Series) -> pd.Series:
    return _parse_date(series).dt.normalize()


def _cancelled_on_the_day(activity: pd.Series, op_cancelled: pd.Series) -> pd.Series:
    cancelled = activity.isin(CANCELLATIONS).fillna(False)
    return cancelled & _text(op_cancelled).str.strip().eq(ON_THE_DAY).fillna(False)


@transform("4", as_of=True)
def inpatient_waitlist_status(
    current: pd.Series,
    suspended_until: pd.Series,
    revised_until: pd.Series,
    op_cancelled: pd.Series,
    as_of: pd.Timestamp | None = None,
) -> pd.Series:
    """IWL status W/D/L/A/N/C from the entry's latest activity, suspensions judged on the as-of day.

    Inputs: WLENTRY.EpsCurrActvStsInt, then the latest WLACTIVITY row's DefEndDateInt,
    DefRevisedEndDateInt and OpCancelled. A suspension is in force (D) while its end (the revised
    end when recorded) is on or after ``as_of`` or open-ended; one that ended before is W again.
    A TCI cancelled on the day of surgery leaves the patient admitted, not treated (N); other
    cancellations put the entry back to W. Without an as-of day a suspension stays D.
    """
    activity = strip_leading_zeros(current)
    status = activity.map(ENTRY_STATUS).astype("string")
    ends = _day(_blank_to_na(_text(revised_until)).fillna(_text(suspended_until)))
    lapsed = (ends < pd.Timestamp(as_of).normalize()).fillna(False) if as_of is not None else False
    status = status.mask(activity.eq(SUSPENDED).fillna(False) & lapsed, "W")
    return status.mask(_cancelled_on_the_day(activity, op_cancelled), "N").astype("string")


@transform("5")
def tci_status(
    activity_type: pd.Series,
    op_cancelled: pd.Series,
    tci_at: pd.Series,
    entry_status: pd.Series,
    entry_admission: pd.Series,
) -> pd.Series:
    """TCI status L/A/N/C from the activity and the entry's outcome (guide p71).

    Inputs: WLACTIVITY.EpsActvTypeInt, OpCancelled, TCIDTimeInt, then WLENTRY.EpsCurrActvStsInt and
    AdmissionDateTmInt. A cancellation is C, or N when cancelled on the day of surgery (admitted,
    not treated). An offer is the entry's current TCI when it falls on the entry's admission day (or
    the entry records none): A when the entry was admitted, L while the entry has it booked. Any
    other offer was superseded (cancelled and re-offered, or the entry closed) and is C; its
    cancellation, with date and canceller, is the cancellation activity's own row.
    """
    activity = strip_leading_zeros(activity_type)
    entry = strip_leading_zeros(entry_status)
    entry_day = _day(entry_admission)
    current = (_day(tci_at) == entry_day).fillna(False) | entry_day.isna()
    offer = activity.eq(OFFERED).fillna(False)
    status = pd.Series(pd.NA, index=activity.index, dtype="string")
    status = status.mask(activity.isin(CANCELLATIONS).fillna(False), "C")
    status = status.mask(offer, "C")
    status = status.mask(offer & current & entry.eq(OFFERED).fillna(False), "L")
    status = status.mask(offer & current & entry.eq(ADMITTED).fillna(False), "A")
    return status.mask(_cancelled_on_the_day(activity, op_cancelled), "N").astype("string")


@transform("2")
def tci_cancelled_date(activity_type: pd.Series, when: pd.Series) -> pd.Series:
    """Date of a TCI cancellation activity (type 3/4), DD/MM/YYYY; blank for offers (guide p72)."""
    cancelled = strip_leading_zeros(activity_type).isin(CANCELLATIONS).fillna(False)
    return _parse_date(when).dt.strftime("%d/%m/%Y").where(cancelled).astype("string")
