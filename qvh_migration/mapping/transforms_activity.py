"""Transforms of activity records: outpatient attendance and outcome, RTT clock links, inpatient outcome.

They register in the same registry as ``transforms.py`` and follow its rules: vectorised pure
functions over pandas Series, one Series per source field in the order the rule lists them.
Where a value cannot be decided honestly the result is null rather than a chosen code; the
docstrings say which.
"""

from __future__ import annotations

import pandas as pd

from qvh_migration.mapping.transforms import _blank_to_na, _executor_only, _parse_date, _text, transform


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


ATTENDED = ("ATT", "WLK", "SATT")
# Staging values for the appointment OUTCOME (code type 21) when the appointment did not happen;
# the vendor maps them like the disposal codes (DNA, rescheduled by hospital, cancelled by patient).
DID_NOT_ATTEND = "NATT"
CANCELLED_BY = {"H": "CANC-H", "P": "CANC-P"}
# A cancellation with no canceller keeps the bare legacy status: it reaches the data mapping report
# as a value of its own, so people decide what it becomes - it is never taken to be the hospital.
CANCELLED_UNKNOWN = "CANC"


@transform("3")
def opd_appointment_outcome(status: pd.Series, cancel_by: pd.Series, disposal: pd.Series) -> pd.Series:
    """Outcome of the booking for code type 21: the disposal if attended, NATT for a DNA, CANC-H/CANC-P.

    The target has no attendance status field, so DNAs and cancellations travel in OUTCOME. A
    cancellation with no canceller recorded stays CANC (its own line in the data mapping report,
    never assumed to be the hospital). Null when not yet outcomed (NR, or attended, no disposal).
    """
    code = _text(status).str.upper()
    by = _text(cancel_by).str.upper().map(CANCELLED_BY).fillna(CANCELLED_UNKNOWN)
    outcome = _text(disposal).str.upper().where(code.isin(ATTENDED).fillna(False))
    outcome = outcome.mask(code.eq(DID_NOT_ATTEND).fillna(False), DID_NOT_ATTEND)
    outcome = outcome.mask(code.eq("CANC").fillna(False), by)
    return outcome.mask(outcome.fillna("") == "").astype("string")


STATUS_DESCRIPTIONS = {
    "ATT": "Attended",
    "WLK": "Attended (walk-in)",
    "SATT": "Arrived late, seen",
    "NATT": "Did not attend",
    "NR": "Attendance not recorded",
}
CANCELLED_DESCRIPTIONS = {"H": "Cancelled by hospital", "P": "Cancelled by patient"}


@transform("2")
def appointment_status_description(status: pd.Series, cancel_by: pd.Series) -> pd.Series:
    """Description of the legacy appointment status for the archive, cancellations by who cancelled.

    The archive keeps history as text, so nothing is dropped: a cancellation with no canceller
    says so, and a status this list does not know is kept as its legacy code.
    """
    code = _text(status).str.upper()
    described = code.map(STATUS_DESCRIPTIONS).astype("string")
    cancelled = _text(cancel_by).str.upper().map(CANCELLED_DESCRIPTIONS).fillna("Cancelled (canceller not recorded)")
    described = described.mask(code.eq("CANC").fillna(False), cancelled)
    return described.fillna(_blank_to_na(code)).astype("string")


@transform("3", code_sets=("rtt_period_status", "", ""))
def rtt_period_action_at_activity(status: pd.Series, period_start: pd.Series, activity: pd.Series) -> pd.Series:
    """National RTT status of the activity to START (1x), STOP (3x), or BOTH when it also began the clock.

    BOTH: a stopping status recorded at the same date-time as the period's clock start (the clock
    started and stopped at this activity). Any other status links no clock action (null).
    """
    first = _text(status).str.slice(0, 1)
    action = first.map({"1": "START", "3": "STOP"}).astype("string")
    began_here = (_parse_date(period_start) == _parse_date(activity)).fillna(False)
    return action.mask(action.eq("STOP").fillna(False) & began_here, "BOTH")


CLOCK_STOPPING = ("30", "31", "32", "33", "34", "35", "36")


@transform("4", code_sets=("rtt_period_status", "", "", ""))
def rtt_action_at_activity(
    status: pd.Series, period_id: pd.Series, period_start: pd.Series, activity: pd.Series
) -> pd.Series:
    """The clock action an activity takes on its linked period (guide p53: START, STOP, BOTH or null).

    STOP for a stopping status (30-36). START for a starting status (1x) only on a restarted period
    (period id above 1): a pathway's first period starts at its referral (REFERRAL_AS_START_ENCOUNTER
    Y, guide p45), so an appointment recording 10 there is not a second start encounter. BOTH for a
    stop at the very moment a restarted period began. Null when the activity has no period (no
    RTTEPIPERIOD row): an action needs its LOADRTTPRD_RECORD_NUMBER.
    """
    national = _text(status).str.zfill(2)
    period = pd.to_numeric(_text(period_id), errors="coerce")
    restarted = period.gt(1).fillna(False)
    stop = national.isin(CLOCK_STOPPING).fillna(False)
    start = national.str.slice(0, 1).eq("1").fillna(False) & restarted
    began_here = restarted & (_parse_date(period_start) == _parse_date(activity)).fillna(False)
    action = pd.Series(pd.NA, index=status.index, dtype="string")
    action = action.mask(start, "START").mask(stop, "STOP").mask(stop & began_here, "BOTH")
    return action.where(period.notna())


@transform("2", code_sets=("rtt_period_status", ""))
def rtt_pathway_end_event(status: pd.Series, clock_stop: pd.Series) -> pd.Series:
    """The national status that ended the pathway (30-36, code type 10833 "stop" reasons, guide p40),
    only when its clock stopped; empty for an open pathway and for any other status."""
    national = _text(status).str.zfill(2)
    ended = _parse_date(clock_stop).notna() & national.isin(CLOCK_STOPPING).fillna(False)
    return national.where(ended).astype("string")


@transform("3")
def rtt_stop_reason(status: pd.Series, status_national: pd.Series, clock_stop: pd.Series) -> pd.Series:
    """The legacy status that stopped the clock (national 30-36), only for periods with a clock stop.

    Running clocks get nothing. A stopped period whose status is not a stopping one (e.g. a later
    status overwrote it, or a transfer 21 ended it with the clock still running) also gets nothing,
    rather than a reason that did not stop the clock.
    """
    stopped = _parse_date(clock_stop).notna()
    stopping = _text(status_national).str.zfill(2).isin(CLOCK_STOPPING).fillna(False)
    return _blank_to_na(_text(status)).where(stopped & stopping).astype("string")


@transform()
def referral_starts_period(period_id: pd.Series) -> pd.Series:
    """Y for a pathway's first period (its clock starts at the referral), N for restarted periods.

    A period after the first on the same pathway was restarted by status 11 (end of active
    monitoring) or 12 (new condition or treatment decision) at an activity, not at the referral.
    """
    first_period = pd.to_numeric(_text(period_id), errors="coerce").eq(1).fillna(False)
    return first_period.map({True: "Y", False: "N"}).astype("string")


DIED = ("4", "5")  # discharge method: patient died, stillbirth
DESTINATION_DIED = "79"
# Discharge destinations that are another hospital provider (CDS V6-2 list): a transfer.
HOSPITAL_DESTINATIONS = ("30", "48", "49", "50", "51", "52", "53", "84", "87")
SPELL_NOT_FINISHED = ("8", "98")


@transform("2", code_sets=("discharge_method", "discharge_destination"))
def inpatient_admission_outcome(method: pd.Series, destination: pd.Series) -> pd.Series:
    """DIED, TRANSFERRED or DISCHARGED (code type 10) from the national discharge method and destination.

    Died: method 4/5 or destination 79. Transferred: destination another hospital provider.
    Discharged: any other finished spell with a known method or destination. Null while the spell
    is open (method 8 / destination 98) or when neither is known (reported).
    """
    how = _text(method)
    where = _text(destination)
    died = how.isin(DIED).fillna(False) | where.eq(DESTINATION_DIED).fillna(False)
    transferred = where.isin(HOSPITAL_DESTINATIONS).fillna(False)
    open_spell = how.isin(SPELL_NOT_FINISHED).fillna(False) | where.isin(SPELL_NOT_FINISHED).fillna(False)
    known = how.notna() | where.notna()
    outcome = pd.Series(pd.NA, index=how.index, dtype="string")
    outcome = outcome.mask(known & ~open_spell, "DISCHARGED")
    outcome = outcome.mask(transferred, "TRANSFERRED")
    return outcome.mask(died, "DIED")


@transform("2")
def estimated_discharge_or_next_day(expected: pd.Series, admitted: pd.Series) -> pd.Series:
    """Expected discharge DD/MM/YYYY HH24:MI where the source holds one, else admission + 1 day (guide p73).

    The guide recommends admit_date + 1 when the source system holds no expected discharge; the
    admission's time of day is kept. Blank only when neither date is readable.
    """
    fallback = _parse_date(admitted) + pd.Timedelta(days=1)
    return _parse_date(expected).fillna(fallback).dt.strftime("%d/%m/%Y %H:%M").astype("string")


# Patient classification (NHS Data Dictionary PATIENT CLASSIFICATION CODE) from the national
# intended management: 1 ordinary admission, 2 day case, 3 regular day, 4 regular night admission.
ORDINARY, DAY_CASE = "1", "2"
CLASSIFICATION_OF_INTENT = {"1": ORDINARY, "3": ORDINARY, "2": DAY_CASE, "4": "3", "5": "4"}


@transform("3", code_sets=("intended_management", "", ""), as_of=True)
def patient_classification(
    intended: pd.Series, admitted: pd.Series, discharged: pd.Series, as_of: pd.Timestamp | None = None
) -> pd.Series:
    """Actual management (code type 10033, guide p75) as the NHS patient classification of the spell.

    Inputs: the national intended management (ADMITDISCH.IntdMgmt through its crosswalk), the
    admission and the discharge date-time. The NHS Data Dictionary classifies a patient by what
    happened, not what was planned: a planned day case (intended 2) who stayed past the day of
    admission (discharged on a later day, or still in on a later ``as_of`` day) is an ordinary
    admission (1). Intended 1 and 3 stay overnight (1); a planned sequence without overnight stays
    (4) is a regular day admission (3) and one of nights (5) a regular night admission (4).
    Null when the intended management is not known (8/9 or unmapped): no code is guessed.
    """
    code = _text(intended)
    classified = code.map(CLASSIFICATION_OF_INTENT).astype("string")
    admission_day = _parse_date(admitted).dt.normalize()
    left = _parse_date(discharged).dt.normalize()
    if as_of is not None:
        left = left.fillna(pd.Timestamp(as_of).normalize())
    overnight = (left > admission_day).fillna(False)
    return classified.mask(classified.eq(DAY_CASE).fillna(False) & overnight, ORDINARY).astype("string")


# Bookings that reset an outpatient wait (the legacy QM08 wait rules, OPREFERRAL.QM08StartWaitDate):
# a DNA resets it to the appointment day, a cancellation by the patient to the day they cancelled.
# A cancellation by the hospital, or with no canceller recorded, never resets it.
WAIT_RESET_DNA = ("NATT", "DNA")


def wait_reset_days(status: pd.Series, cancel_by: pd.Series, appointment: pd.Series, cancelled: pd.Series) -> pd.Series:
    """The day each booking resets the referral's wait (NaT when it does not reset it)."""
    code = _text(status).str.strip().str.upper()
    day = _parse_date(appointment).dt.normalize()
    by_patient = code.eq("CANC").fillna(False) & _text(cancel_by).str.strip().str.upper().eq("P").fillna(False)
    did_not_attend = code.isin(WAIT_RESET_DNA).fillna(False)
    cancel_day = _parse_date(cancelled).dt.normalize().fillna(day)
    return day.where(did_not_attend).fillna(cancel_day.where(by_patient))


def latest_archived_wait_reset(referral: pd.Series, reset: pd.Series, archived: pd.Series) -> pd.Series:
    """Per referral key: the latest reset day of its bookings, for referrals with a reset in the archive.

    ``referral`` keys each booking to its referral; ``archived`` marks bookings not loaded as
    bookings (before the archive cut-off). A referral whose resets are all loaded needs no override:
    the target computes its wait from them. One whose reset evidence is (partly) archived gets the
    latest reset over all its bookings, so the override agrees with the loaded bookings too.
    """
    frame = pd.DataFrame({"key": referral.astype("string"), "reset": reset, "archived": archived & reset.notna()})
    grouped = frame.groupby("key", dropna=True)
    latest = grouped["reset"].max()
    return latest.where(grouped["archived"].any()).dropna()


@transform("1+", kind="join")
def override_wait_reset_date(*series: pd.Series) -> pd.Series:
    """Latest wait reset (DNA, patient cancellation) of an open referral whose resets are archived, DD/MM/YYYY."""
    return _executor_only("override_wait_reset_date")
