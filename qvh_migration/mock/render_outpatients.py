"""Column values of OPREFERRAL, OPA, OPWLENTRY and RTTPERIOD from the outpatient model."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from qvh_migration.legacy.code_sets import RTT_STATUS_INTERNAL_VALUE, code_values
from qvh_migration.mock.catalog import ColumnValue, Dates
from qvh_migration.mock.outpatients import ATTEND, DISCHARGED, DISPOSAL, LISTED, Appointments, Referrals
from qvh_migration.mock.parameters import EXTRACT_MINUTE, MINUTES_PER_DAY, NO_TIME
from qvh_migration.mock.patients import Patients
from qvh_migration.mock.reference import (
    HOSPITAL,
    PROVIDER,
    REFERRAL_REASONS,
    SPECIALTIES,
    Reference,
    internal_numbers,
    op_waiting_list_code,
)
from qvh_migration.mock.rtt import RTT, RttPeriods
from qvh_migration.mock.strings import padded, pick, plain_int

Table = tuple[dict[str, ColumnValue], int]
RTT_INT = [RTT_STATUS_INTERNAL_VALUE[c] for c in RTT]
FIRST_ATT = code_values("first_attendance")  # NEW, FOL, NTE, FTE
# Referral reasons each service receives (OPREFREASON codes).
REASONS_BY_SPEC = {
    "PLAS": ("LES", "SKCA", "SCAR"),
    "HAND": ("HAND",),
    "BURN": ("BURN", "SCAR"),
    "MAXF": ("JAW",),
    "OMFS": ("TETH", "JAW"),
    "ORAL": ("TETH",),
    "ORTD": ("ORTH",),
    "OPHC": ("EYEL", "CORN"),
    "ENT": ("OTH",),
    "GS": ("SKCA", "LES"),
    "BRST": ("BREC",),
    "SLEP": ("SLEE",),
}
REASON_CODES = [c for c, _ in REFERRAL_REASONS]


def assign_referral_reasons(rng: np.random.Generator, refs: Referrals) -> None:
    """Each referral's reason, from those its service receives; OPREFERRAL and OPA both show it."""
    out = np.empty(refs.spec.size, dtype=np.int64)
    for s, name in enumerate(SPECIALTIES):
        rows = np.flatnonzero(refs.spec == s)
        options = np.asarray([REASON_CODES.index(c) for c in REASONS_BY_SPEC[name]])
        out[rows] = options[rng.integers(0, options.size, rows.size)]
    refs.reason = out


def _rtt_text(rtt: RttPeriods, rows: np.ndarray) -> tuple[pa.Array, pa.Array]:
    status = rtt.status[rows]
    present = status >= 0
    code = np.maximum(status, 0)
    return pick(RTT, code, present), pick(RTT_INT, code, present)


def render_opreferral(
    rng: np.random.Generator, pats: Patients, ref: Reference, refs: Referrals, appts: Appointments, rtt: RttPeriods
) -> Table:
    n = refs.pid.size
    take = pa.array(refs.pid)
    gdp = np.asarray(code_values("source_of_referral"))[refs.source] == "GDP"
    patient_gdp = pats.gdp[refs.pid]
    gdp_idx = np.where(patient_gdp >= 0, patient_gdp, rng.integers(0, len(ref.gdp_codes), n))
    seen = np.flatnonzero(np.isin(appts.status, [ATTEND.index(c) for c in ("ATT", "WLK", "SATT")]))
    first_seen_min = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_seen_min, appts.ref[seen], appts.minute[seen])
    first_seen = np.where(first_seen_min == np.iinfo(np.int64).max, NO_TIME, first_seen_min)
    status = np.where(refs.outcome == DISCHARGED, 1, np.where(refs.outcome == LISTED, 2, 0))
    status_minute = np.where(refs.outcome == 0, refs.minute, refs.end_minute)
    discharged = np.where(refs.outcome == DISCHARGED, refs.end_minute, NO_TIME)
    rtt_code, rtt_int = _rtt_text(rtt, np.arange(n))
    decided = refs.minute - rng.integers(1, 15, n) * MINUTES_PER_DAY
    return {
        "InternalPatientNumber": pats.text["InternalPatientNumber"].take(take),
        "DistrictNumber": pats.text["DistrictNumber"].take(take),
        "CaseNoteNumber": pats.text["DistrictNumber"].take(take),
        "EpisodeNumber": internal_numbers(refs.episode),
        "ReferralDate": Dates(refs.minute),
        "OpRegDtimeInt": Dates(refs.minute),
        "DecisionToRefer": Dates(decided),
        "ConsCode": pick(ref.consultant_codes, refs.cons),
        "Specialty": pick(SPECIALTIES, refs.spec),
        "PriorityType": pick(code_values("priority_type"), refs.priority),
        "RefBy": pick(code_values("source_of_referral"), refs.source),
        "Category": pick(code_values("administrative_category"), refs.category),
        "EpiGPCode": pick(ref.gp_codes, pats.gp[refs.pid]),
        "EpiGPPracticeCode": pick(ref.practice_codes, ref.gp_practice[pats.gp[refs.pid]]),
        "EpiGDPCode": pick(ref.gdp_codes, gdp_idx, gdp),
        "EpiReferringCon": pick(ref.consultant_codes, np.maximum(refs.referring_cons, 0), refs.referring_cons >= 0),
        "HospitalCode": HOSPITAL,
        "ReasonForRef": pick(REASON_CODES, refs.reason),
        "CurrentStatus": pick(["OPEN", "DISC", "IPWL"], status),
        "StatusDT": Dates(status_minute),
        "StatusDTInt": Dates(status_minute),
        "DischargeDt": Dates(discharged),
        "DischargeTm": Dates(discharged),
        "RTTPeriodStatus": rtt_code,
        "RTTPeriodStatusInt": rtt_int,
        "QM08EndWtDate": Dates(first_seen),
        "Verbal": "NO",
        "WalkinReferral": "NO",
    }, n


def render_opa(
    rng: np.random.Generator, pats: Patients, ref: Reference, refs: Referrals, appts: Appointments, rtt: RttPeriods
) -> Table:
    n = appts.ref.size
    r = appts.ref
    pid = refs.pid[r]
    take = pa.array(pid)
    status = np.asarray(ATTEND)[appts.status]
    telephone = rng.random(n) < 0.07
    category = np.where(appts.position == 0, np.where(telephone, 2, 0), np.where(telephone, 3, 1))
    cancelled = status == "CANC"
    by_h = appts.cancel_by_hospital
    disposal = appts.disposal
    discharge = np.isin(disposal, [DISPOSAL.index("DIS"), DISPOSAL.index("REF")])
    end_minute = appts.minute + np.where(telephone, 10, 20)
    # RTT status at the appointment: first activity, subsequent activity, or the stop it recorded.
    rtt_status = np.where(appts.position == 0, RTT.index("FACT"), RTT.index("SUBA"))
    stops_here = (refs.end_position[r] == appts.position) & rtt.stopped[r] & (refs.outcome[r] == DISCHARGED)
    rtt_status = np.where(stops_here, rtt.status[r], rtt_status)
    rtt_status = np.where(rtt.eligible[r], rtt_status, -1)
    clinic_cons = ref.clinic_consultant[appts.clinic]
    reasons_h = ["CLINIC CANCELLED", "CONSULTANT ON LEAVE", "CLINIC REDUCED"]
    reasons_p = ["PATIENT UNWELL", "PATIENT REQUEST", "TRANSPORT PROBLEM"]
    reason = np.where(by_h, rng.integers(0, 3, n), 3 + rng.integers(0, 3, n))
    opwl = [op_waiting_list_code(s) for s in SPECIALTIES]
    return {
        "InternalPatientNumber": pats.text["InternalPatientNumber"].take(take),
        "EpisodeNumber": internal_numbers(refs.episode[r]),
        "DistrictNumber": pats.text["DistrictNumber"].take(take),
        "CaseNoteNumber": pats.text["DistrictNumber"].take(take),
        "NhsNumber": pats.text["NhsNumber"].take(take),
        "ApptDate": Dates(appts.minute),
        "ApptTime": Dates(appts.minute),
        "PtApptStartDtimeInt": Dates(appts.minute),
        "ApptEndTime": Dates(end_minute),
        "ApptBookedDate": Dates(appts.booked_minute),
        "ApptStatus": pick(ATTEND, appts.status),
        "ApptCategory": pick(FIRST_ATT, category),
        "ApptType": pick(["F2F", "TEL"], telephone.astype(np.int64)),
        "ClinicCode": pick(ref.clinic_codes, appts.clinic),
        "ClinicConsultant": pick(ref.consultant_codes, clinic_cons),
        "ClinicSpecialty": pick(SPECIALTIES, ref.consultant_specialty[clinic_cons]),
        "PtCategory": pick(code_values("administrative_category"), refs.category[r]),
        "Disposal": pick(DISPOSAL, np.maximum(disposal, 0), disposal >= 0),
        "DischDate": Dates(np.where(discharge, end_minute, NO_TIME)),
        "CancelBy": pick(["H", "P"], (~by_h).astype(np.int64), cancelled),
        "ApptCancDate": Dates(appts.cancel_minute),
        "ReasonForCanc": pick(reasons_h + reasons_p, reason, cancelled),
        "BookFromWL": pick(opwl, refs.spec[r], appts.from_wl),
        "RttPeriodStatus": pick(RTT, np.maximum(rtt_status, 0), rtt_status >= 0),
        # The patient's sex and the referral's details, as the appointment carries them.  Each is a
        # take from a small vocabulary by index (no per-row Python objects).
        "Sex": pick(code_values("sex"), pats.sex[pid]),
        "ReferralDate": Dates(refs.minute[r]),
        "RefBy": pick(code_values("source_of_referral"), refs.source[r]),
        "RefConsultant": pick(ref.consultant_codes, refs.cons[r]),
        "RefPriority": pick(code_values("priority_type"), refs.priority[r]),
        "RefSpecialty": pick(SPECIALTIES, refs.spec[r]),
        "ReasonForRef": pick(REASON_CODES, refs.reason[r]),
    }, n


def render_opwlentry(pats: Patients, refs: Referrals, appts: Appointments) -> Table:
    """Follow-up waiting-list entries, added when a clinic outcome was "follow-up to waiting list"."""
    rows = np.flatnonzero(appts.disposal == DISPOSAL.index("FUWL"))
    r = appts.ref[rows]
    take = pa.array(refs.pid[r])
    on_list = appts.minute[rows] + 30
    return {
        "InternalPatientNumber": pats.text["InternalPatientNumber"].take(take),
        "EpisodeNumber": internal_numbers(refs.episode[r]),
        "DateOnList": Dates(on_list),
        "OPRegDate": Dates(on_list),
        "OPRegDateInt": Dates(on_list),
        "OpWlDateIdxDateOnWaitingListNeutral": Dates(on_list),
        "TreatmentCode": pick([op_waiting_list_code(s) for s in SPECIALTIES], refs.spec[r]),
        "Category": pick(code_values("administrative_category"), refs.category[r]),
        "AppointmentType": "FOL",
        "SchedulingApplicationAreaExternal": "OUTPAT",
    }, rows.size


def render_rttperiod(pats: Patients, ref: Reference, refs: Referrals, rtt: RttPeriods) -> Table:
    rows = np.flatnonzero(rtt.eligible)
    take = pa.array(refs.pid[rows])
    start = refs.minute[rows]
    stop = np.where(rtt.stopped[rows], rtt.status_minute[rows], NO_TIME)
    until = np.where(stop == NO_TIME, EXTRACT_MINUTE, stop)
    code, code_int = _rtt_text(rtt, rows)
    reasons = dict(REFERRAL_REASONS)
    return {
        "InternalPatientNumber": pats.text["InternalPatientNumber"].take(take),
        "PathwayNumber": padded(refs.episode[rows], 20, prefix=f"{PROVIDER}00"),
        "PPeriodId": "1",
        "RttStartDate": Dates(start),
        "RttStartDateTimeInt": Dates(start),
        "RttEndDate": Dates(stop),
        "RttEndDateTimeInt": Dates(stop),
        "CurrentStatus": code,
        "CurrentStatusInt": code_int,
        "CurrentStatusDt": Dates(rtt.status_minute[rows]),
        "LatestStatus": code,
        "LatestStatusInt": code_int,
        "LatestStatusDt": Dates(rtt.status_minute[rows]),
        "CurrCons": pick(ref.consultant_codes, refs.cons[rows]),
        "CurrSpec": pick(SPECIALTIES, refs.spec[rows]),
        "CurrCategory": pick(code_values("administrative_category"), refs.category[rows]),
        "CurrProv": PROVIDER,
        "RttBreachDate": Dates(start + 126 * MINUTES_PER_DAY),
        "RttDurn": plain_int(np.minimum((until - start) // (7 * MINUTES_PER_DAY), 999)),
        "Condition": pick([reasons[c][:20] for c in REASON_CODES], _by_spec_seeded(refs.spec[rows])),
    }, rows.size


def _by_spec_seeded(spec: np.ndarray) -> np.ndarray:
    """The condition named on the pathway: the service's main referral reason."""
    main = np.asarray([REASON_CODES.index(REASONS_BY_SPEC[s][0]) for s in SPECIALTIES])
    return main[spec]
