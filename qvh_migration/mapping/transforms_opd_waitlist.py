"""Transforms of outpatient waiting-list entries (OPWLENTRY, OPWLREMENTRY; guide pp. 48-51)."""

from __future__ import annotations

import pandas as pd

from qvh_migration.legacy.dates import AUTO, parse_legacy_dates
from qvh_migration.mapping.transforms import _blank_to_na, _executor_only, _text, transform

# Removal codes (OPWLREMENTRY.OpWlRemovalCode) that mean the entry was completed by a booking: the
# appointment was booked from the list and took place (attended or not). Every other removal
# (cancelled by hospital or patient, no longer required) cancelled the entry.
COMPLETED_REMOVALS = ("BKD",)


def _month_start(values: pd.Series) -> pd.Series:
    """CCYYMM or MM/YYYY (a month of precision) to the first day of that month, DD/MM/YYYY."""
    text = _text(values).fillna("")
    ccyymm = text.str.extract(r"^(\d{4})(\d{2})$")
    mm_yyyy = text.str.extract(r"^(\d{2})/(\d{4})$")
    year = ccyymm[0].fillna(mm_yyyy[1])
    month = ccyymm[1].fillna(mm_yyyy[0])
    ok = (
        year.notna()
        & month.astype("string").isin([f"{m:02d}" for m in range(1, 13)])
        & year.fillna("0").astype(int).ge(1900)
    )
    return ("01/" + month + "/" + year).where(ok).astype("string")


@transform("1+")
def appointment_required_date(*series: pd.Series) -> pd.Series:
    """Date a follow-up appointment is required by, DD/MM/YYYY, from the first field that holds one.

    A full date (CCYYMMDD[HHMM] or DD/MM/YYYY[ HH:MM]) is taken as it is; a month (CCYYMM or
    MM/YYYY, the 6- and 7-character required-month fields) gives the first day of that month, the
    earliest day the follow-up is due. Nothing usable -> null (never a guessed date).
    """
    out = pd.Series(pd.NA, index=series[0].index, dtype="string")
    for values in series:
        full = parse_legacy_dates(values, AUTO).dt.strftime("%d/%m/%Y").astype("string")
        found = full.fillna(_month_start(values))
        out = out.fillna(found)
    return out


@transform()
def removed_outpatient_entry_status(series: pd.Series) -> pd.Series:
    """Status of a removed outpatient entry from its removal code: A (completed) when an appointment
    was booked from it (BKD), C (cancelled) for any other removal; blank code -> null."""
    code = _text(series).str.upper()
    return code.isin(COMPLETED_REMOVALS).map({True: "A", False: "C"}).astype("string").mask(code.fillna("").eq(""))


@transform("6", kind="join")
def opd_waitlist_status(
    treatment: pd.Series,
    on_list: pd.Series,
    booked_from: pd.Series,
    status: pd.Series,
    start: pd.Series,
    died: pd.Series,
) -> pd.Series:
    """W (on list), L (appointment booked) or C (removed: the patient died): L when an appointment of
    the entry's referral was booked from this list on or after the entry was added and has no
    attendance outcome yet; C when the patient's date of death is recorded (a dead patient is not
    waiting, guide p50)."""
    return _executor_only("opd_waitlist_status")


DIED_OUTCOME = "DIED"  # staging value for code type 10078 (Outpatient Waiting List Outcome, guide p51)


@transform()
def removal_on_death(died: pd.Series) -> pd.Series:
    """OUTCOME of an entry still on the legacy list whose patient died: DIED (a staging value for code
    type 10078 mapping, guide p51); null while the patient lives (the entry is still waiting)."""
    return _blank_to_na(_text(died)).notna().map({True: DIED_OUTCOME, False: pd.NA}).astype("string")
