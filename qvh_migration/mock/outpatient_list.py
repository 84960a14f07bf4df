"""Outpatient follow-up waiting list, discharges, attendance tracking and patient alerts.

An entry is added when a clinic outcome is "follow-up to waiting list" (FUWL), with the date the
follow-up is required by.  When the next appointment is booked from the list the entry stays on the
list as booked (STATUS L) until that appointment is outcomed; it then leaves the list for
OPWLREMENTRY: "booked" when the patient attended or did not attend, "cancelled by hospital/patient"
when the booked appointment was cancelled.  An entry at a referral's last appointment still waits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from qvh_migration.legacy.code_sets import code_values
from qvh_migration.mock.catalog import ColumnValue, Dates
from qvh_migration.mock.outpatients import ATTEND, DISCHARGED, DISPOSAL, Appointments, Referrals
from qvh_migration.mock.parameters import EXTRACT_MINUTE, MINUTES_PER_DAY, NO_TIME
from qvh_migration.mock.patients import Patients
from qvh_migration.mock.reference import SPECIALTIES, Reference, internal_numbers, op_waiting_list_code
from qvh_migration.mock.strings import pick

Table = tuple[dict[str, ColumnValue], int]
# OPWLREMENTRY.OpWlRemovalCode: why an entry left the list (code type 10078 examples, guide p51).
OP_REMOVALS = (("BKD", "APPOINTMENT BOOKED"), ("CANH", "CANCELLED BY HOSPITAL"), ("CANP", "CANCELLED BY PATIENT"))
# Follow-up intervals a clinician asks for (weeks).
FOLLOW_UP_WEEKS = np.array([4, 6, 8, 12, 26, 52])
# OPDISCHARGE.ReasonCode from how the referral ended: discharged, onward referral, DNA, cancelled.
DISCHARGE_REASONS = (
    ("TCOM", "TREATMENT COMPLETE"),
    ("ONWD", "REFERRED ON"),
    ("DNA", "DID NOT ATTEND"),
    ("CANC", "APPOINTMENT CANCELLED"),
)
# PMISPECIALREG.SpecialRegister codes and descriptions (the alerts staff must see).
SPECIAL_REGISTERS = (
    ("LATX", "LATEX ALLERGY"),
    ("MRSA", "MRSA POSITIVE"),
    ("SAFC", "CHILD SAFEGUARDING CONCERN"),
    ("VULA", "VULNERABLE ADULT"),
    ("LDIS", "LEARNING DISABILITY"),
    ("DEMT", "DEMENTIA"),
    ("INTP", "INTERPRETER REQUIRED"),
    ("HEAR", "HEARING IMPAIRED"),
    ("VIOL", "VIOLENT OR AGGRESSIVE"),
)
TRACKING_STEPS = ("ARR", "SEEN", "COMP")


@dataclass
class OutpatientList:
    appt: np.ndarray  # the appointment whose outcome added the entry
    on_list: np.ndarray
    required: np.ndarray  # date the follow-up is required by (minute)
    booked: np.ndarray  # appointment booked from the entry, -1 none
    removed: np.ndarray  # index into OP_REMOVALS, -1 still on the list
    removed_at: np.ndarray


def build_outpatient_list(rng: np.random.Generator, appts: Appointments) -> OutpatientList:
    rows = np.flatnonzero(appts.disposal == DISPOSAL.index("FUWL"))
    nxt = rows + 1
    booked = np.where(
        (nxt < appts.ref.size) & (appts.ref[np.minimum(nxt, appts.ref.size - 1)] == appts.ref[rows]), nxt, -1
    )
    on_list = appts.minute[rows] + 30
    weeks = FOLLOW_UP_WEEKS[rng.integers(0, FOLLOW_UP_WEEKS.size, rows.size)]
    required = (on_list // MINUTES_PER_DAY + weeks * 7) * MINUTES_PER_DAY
    b = np.maximum(booked, 0)
    status = np.asarray(ATTEND)[appts.status[b]]
    outcomed = (booked >= 0) & (status != "NR")
    cancelled = outcomed & (status == "CANC")
    removed = np.where(~outcomed, -1, np.where(cancelled, np.where(appts.cancel_by_hospital[b], 1, 2), 0))
    removed_at = np.where(cancelled, appts.cancel_minute[b], appts.minute[b] + 30)
    removed_at = np.where(outcomed, np.minimum(removed_at, EXTRACT_MINUTE), NO_TIME)
    return OutpatientList(rows, on_list, required, booked, removed, removed_at)


def _entry_values(pats: Patients, refs: Referrals, appts: Appointments, ol: OutpatientList, sel: np.ndarray) -> dict:
    r = appts.ref[ol.appt[sel]]
    take = pa.array(refs.pid[r])
    return {
        "InternalPatientNumber": pats.text["InternalPatientNumber"].take(take),
        "EpisodeNumber": internal_numbers(refs.episode[r]),
        "DateOnList": Dates(ol.on_list[sel]),
        "OPRegDate": Dates(ol.on_list[sel]),
        "OPRegDateInt": Dates(ol.on_list[sel]),
        "TreatmentCode": pick([op_waiting_list_code(s) for s in SPECIALTIES], refs.spec[r]),
        "Category": pick(code_values("administrative_category"), refs.category[r]),
        "AppointmentType": "FOL",
    }


def render_opwlentry(pats: Patients, refs: Referrals, appts: Appointments, ol: OutpatientList) -> Table:
    """Entries still on the list (waiting, or booked with the appointment still to come)."""
    sel = np.flatnonzero(ol.removed < 0)
    return {
        **_entry_values(pats, refs, appts, ol, sel),
        "OpWlDateIdxDateOnWaitingListNeutral": Dates(ol.on_list[sel]),
        "OpWlDateAppointmentRequiredInternal": Dates(ol.required[sel]),
        "FollUpApptReqDtEXT": Dates(ol.required[sel]),
        "FollUpApptReqdDtEXT": Dates(ol.required[sel]),
        "SchedulingApplicationAreaExternal": "OUTPAT",
    }, sel.size


def render_opwlrementry(
    pats: Patients, ref: Reference, refs: Referrals, appts: Appointments, ol: OutpatientList
) -> Table:
    """Entries removed from the list, with the removal and the month the follow-up was required."""
    sel = np.flatnonzero(ol.removed >= 0)
    r = appts.ref[ol.appt[sel]]
    why = ol.removed[sel]
    return {
        **_entry_values(pats, refs, appts, ol, sel),
        "DateOnListInt": Dates(ol.on_list[sel]),
        "WlDateAppReqInt": Dates(ol.required[sel]),
        "WlDateAppReq": Dates(ol.required[sel]),
        "OpWlPatientCons": pick(ref.consultant_codes, refs.cons[r]),
        "OpWlPatientSpecialty": pick(SPECIALTIES, refs.spec[r]),
        "OpWlRemDatetimeInt": Dates(ol.removed_at[sel]),
        "OpWlRemovalCode": pick([c for c, _ in OP_REMOVALS], why),
        "OpWlRemovalDesc": pick([d for _, d in OP_REMOVALS], why),
        "WLStatus": pick(["R"], np.zeros(sel.size, np.int64)),
        "WLStatusDesc": pick(["REMOVED"], np.zeros(sel.size, np.int64)),
    }, sel.size


def render_opdischarge(pats: Patients, refs: Referrals, appts: Appointments, rtt_code: pa.Array) -> Table:
    """One discharge per discharged referral, at the referral's end, with why it ended."""
    rows = np.flatnonzero(refs.outcome == DISCHARGED)
    last = _end_appointment(refs, appts)[rows]
    status = np.asarray(ATTEND)[appts.status[last]]
    disposal = appts.disposal[last]
    why = np.where(
        status == "NATT", 2, np.where(status == "CANC", 3, np.where(disposal == DISPOSAL.index("REF"), 1, 0))
    )
    take = pa.array(refs.pid[rows])
    return {
        "InternalPatientNumber": pats.text["InternalPatientNumber"].take(take),
        "EpisodeNumber": internal_numbers(refs.episode[rows]),
        "OpRegDtimeInt": Dates(refs.minute[rows]),
        "OpDischargeDTimeInt": Dates(refs.end_minute[rows]),
        "ReasonCode": pick([c for c, _ in DISCHARGE_REASONS], why),
        "Reason": pick([d for _, d in DISCHARGE_REASONS], why),
        "DischargeCode": pick([d for _, d in DISCHARGE_REASONS], why),
        "RTTPeriodStatus": rtt_code.take(pa.array(rows)),
    }, rows.size


def _end_appointment(refs: Referrals, appts: Appointments) -> np.ndarray:
    """Row of each referral's ending appointment (its last row when none ended it)."""
    last = np.zeros(refs.pid.size, dtype=np.int64)
    last[appts.ref] = np.arange(appts.ref.size)  # the last row of each referral wins
    ended = np.flatnonzero((appts.position == refs.end_position[appts.ref]) & (refs.end_position[appts.ref] >= 0))
    last[appts.ref[ended]] = ended
    return last


def render_opatttrack(
    rng: np.random.Generator, pats: Patients, ref: Reference, refs: Referrals, appts: Appointments
) -> Table:
    """Arrival, seen and complete steps of attended appointments: arrival <= seen <= complete, same day."""
    attended = np.isin(appts.status, [ATTEND.index(c) for c in ("ATT", "WLK", "SATT")])
    rows = np.flatnonzero(attended & (appts.minute <= EXTRACT_MINUTE))
    k = rows.size
    start = appts.minute[rows]
    arrive = start + rng.integers(-25, 11, k)
    seen = np.maximum(arrive, start) + rng.integers(0, 46, k)
    done = seen + rng.integers(8, 31, k)
    step_rows = np.repeat(rows, 3)
    when = np.stack([arrive, seen, done], axis=1).ravel()
    step = np.tile(np.arange(3), k)
    r = appts.ref[step_rows]
    take = pa.array(refs.pid[r])
    return {
        "InternalPatientNumber": pats.text["InternalPatientNumber"].take(take),
        "EpisodeNumber": internal_numbers(refs.episode[r]),
        "PtApptStartDtimeInt": Dates(appts.minute[step_rows]),
        "PtApptStartTime": Dates(appts.minute[step_rows]),
        "TrackingStep": pick(TRACKING_STEPS, step),
        "SchPatientTrackingStepDatetimeNeutral": Dates(when),
        "PtTrackingStepDate": Dates(when),
        "PtTrackingStepTime": Dates(when),
        "ResCode": pick(ref.consultant_codes, ref.clinic_consultant[appts.clinic[step_rows]]),
    }, step_rows.size


def render_pmispecialreg(rng: np.random.Generator, pats: Patients) -> Table:
    """Alerts on about one patient in twelve, one or two registers each, entered after registration."""
    count = np.where(rng.random(pats.n) < 0.08, np.where(rng.random(pats.n) < 0.2, 2, 1), 0)
    pid = np.repeat(np.arange(pats.n), count)
    second = np.r_[False, pid[1:] == pid[:-1]] if pid.size else np.zeros(0, bool)
    first_reg = rng.integers(0, len(SPECIAL_REGISTERS), pid.size)
    # A patient's second register differs from the first (distinct registers per patient).
    prev = np.r_[0, first_reg[:-1]] if pid.size else first_reg
    reg = np.where(
        second, (prev + 1 + rng.integers(0, len(SPECIAL_REGISTERS) - 1, pid.size)) % len(SPECIAL_REGISTERS), first_reg
    )
    until = pats.last_activity_minute if pats.last_activity_minute is not None else np.full(pats.n, EXTRACT_MINUTE)
    lo, hi = pats.reg_minute[pid], np.maximum(until[pid], pats.reg_minute[pid] + 60)
    when = lo + (rng.random(pid.size) * (hi - lo)).astype(np.int64)
    when = np.minimum(when - when % 5, EXTRACT_MINUTE)
    return {
        "InternalPatientNumber": pats.text["InternalPatientNumber"].take(pa.array(pid)),
        "SpecialRegister": pick([c for c, _ in SPECIAL_REGISTERS], reg),
        "SpecialRegisterDescription": pick([d for _, d in SPECIAL_REGISTERS], reg),
        "ActivityDateTime": Dates(when),
        "DateEntered": Dates(when),
    }, pid.size
