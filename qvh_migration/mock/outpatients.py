"""Outpatient activity model: referrals and their appointments (with DNAs, cancellations, rebooking).

Timeline per referral: referral received -> wait by priority -> first appointment -> follow-ups
(some booked through the outpatient follow-up waiting list) -> an outcome at the last attended
appointment: discharge, onward referral, listing for surgery (-> inpatient waiting list), or still
open.  Only the next appointment of an open referral is booked in the future.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qvh_migration.legacy.code_sets import code_values, code_weights
from qvh_migration.mock.parameters import EXTRACT_DAY, MINUTES_PER_DAY, NO_TIME
from qvh_migration.mock.patients import Patients
from qvh_migration.mock.reference import SPECIALTIES, Reference
from qvh_migration.mock.vector import (
    at,
    expand,
    group_cumsum,
    group_offsets,
    slot_times,
    to_weekday,
    weighted,
)

PRIORITY = code_values("priority_type")  # R, S, U, C
SOURCE = code_values("source_of_referral")
ATTEND = code_values("attendance_status")  # ATT, WLK, SATT, NATT, CANC, NR
DISPOSAL = code_values("outcome_of_attendance")  # DIS, FUP, FUWL, ADM, REF
# Extra appointments per referral (Poisson mean) by service: burns dressings clinics and orthodontics
# see patients many times, most others once or twice.
FOLLOW_UPS = {
    "PLAS": 0.8,
    "HAND": 1.2,
    "BURN": 2.0,
    "MAXF": 0.8,
    "OMFS": 0.7,
    "ORAL": 0.4,
    "ORTD": 2.5,
    "OPHC": 1.2,
    "ENT": 0.6,
    "GS": 0.6,
    "BRST": 1.2,
    "SLEP": 1.0,
}
# First-appointment wait (days, low-high) by priority R, S, U, C.
FIRST_WAIT = np.array([[28, 140], [21, 70], [10, 42], [5, 14]])
DENTAL = ("MAXF", "OMFS", "ORAL", "ORTD")

# Referral outcomes.
OPEN, DISCHARGED, LISTED = 0, 1, 2


@dataclass
class Referrals:
    pid: np.ndarray
    minute: np.ndarray
    spec: np.ndarray
    cons: np.ndarray
    priority: np.ndarray
    source: np.ndarray
    category: np.ndarray
    referring_cons: np.ndarray  # consultant index for consultant referrals, -1 otherwise
    outcome: np.ndarray  # OPEN | DISCHARGED | LISTED
    end_minute: np.ndarray  # discharge / listing minute, NO_TIME when open
    first_attended: np.ndarray  # position of the first attended appointment, -1 none
    end_position: np.ndarray  # appointment position that ended the referral, -1 none
    episode: np.ndarray | None = None
    reason: np.ndarray | None = None  # index into the OPREFREASON codes, set once referrals are built


@dataclass
class Appointments:
    ref: np.ndarray
    position: np.ndarray
    minute: np.ndarray
    status: np.ndarray  # index into ATTEND
    disposal: np.ndarray  # index into DISPOSAL, -1 none
    booked_minute: np.ndarray
    cancel_minute: np.ndarray
    cancel_by_hospital: np.ndarray
    clinic: np.ndarray
    from_wl: np.ndarray  # booked from the outpatient follow-up waiting list


def build_referrals(rng: np.random.Generator, pats: Patients, ref: Reference) -> Referrals:
    counts = 1 + rng.poisson(0.35, pats.n)
    pid, pos = expand(counts)
    reg_day = pats.reg_minute // MINUTES_PER_DAY
    gap = np.where(pos == 0, 0, 60 + rng.exponential(900, pid.size).astype(np.int64))
    day = reg_day[pid] + group_cumsum(gap, pid)
    keep = day <= EXTRACT_DAY - 1
    pid, pos, day = pid[keep], pos[keep], day[keep]
    n = pid.size
    minute = np.where(pos == 0, pats.reg_minute[pid], at(day, slot_times(rng, n, 540, 1020, 1)))
    spec = np.where(
        (pos == 0) | (rng.random(n) < 0.7), pats.home[pid], weighted(rng, code_weights("treatment_function"), n)
    )
    cons = consultant_for(rng, spec, ref)
    source = _sources(rng, spec)
    referring = np.where(np.isin(np.asarray(SOURCE)[source], ["CON", "OWN"]), _referring(rng, source, ref), -1)
    return Referrals(
        pid=pid,
        minute=minute,
        spec=spec,
        cons=cons,
        priority=weighted(rng, code_weights("priority_type"), n),
        source=source,
        category=weighted(rng, code_weights("administrative_category"), n),
        referring_cons=referring,
        outcome=np.zeros(n, np.int64),
        end_minute=np.full(n, NO_TIME),
        first_attended=np.full(n, -1),
        end_position=np.full(n, -1),
    )


def consultant_for(rng: np.random.Generator, spec: np.ndarray, ref: Reference) -> np.ndarray:
    out = np.empty(spec.size, dtype=np.int64)
    for s, members in enumerate(ref.by_specialty):
        rows = np.flatnonzero(spec == s)
        out[rows] = members[rng.integers(0, members.size, rows.size)]
    return out


def _sources(rng: np.random.Generator, spec: np.ndarray) -> np.ndarray:
    """Dentists refer to the dental services, optometrists to corneo-plastics, GPs to everything."""
    n = spec.size
    src = weighted(rng, code_weights("source_of_referral"), n)
    names = np.asarray(SPECIALTIES)[spec]
    dental = np.isin(names, DENTAL)
    eye = names == "OPHC"
    gdp, opt, gp = SOURCE.index("GDP"), SOURCE.index("OPT"), SOURCE.index("GP")
    src = np.where(dental & (rng.random(n) < 0.5), gdp, src)
    src = np.where(eye & (rng.random(n) < 0.4), opt, src)
    src = np.where(((src == gdp) & ~dental) | ((src == opt) & ~eye), gp, src)
    return src


def _referring(rng: np.random.Generator, source: np.ndarray, ref: Reference) -> np.ndarray:
    external = np.flatnonzero(ref.consultant_external)
    internal = np.flatnonzero(~ref.consultant_external)
    own = np.asarray(SOURCE)[source] == "OWN"
    return np.where(
        own,
        internal[rng.integers(0, internal.size, source.size)],
        external[rng.integers(0, external.size, source.size)],
    )


def build_appointments(rng: np.random.Generator, refs: Referrals, ref: Reference) -> Appointments:
    lam = np.array([FOLLOW_UPS[s] for s in SPECIALTIES])[refs.spec]
    counts = 1 + rng.poisson(lam)
    r, pos = expand(counts)
    n = r.size
    wait = FIRST_WAIT[refs.priority[r]]
    burns = np.asarray(SPECIALTIES)[refs.spec[r]] == "BURN"
    interval = np.where(burns, rng.integers(7, 36, n), rng.integers(14, 121, n))
    step = np.where(pos == 0, wait[:, 0] + (rng.random(n) * (wait[:, 1] - wait[:, 0])).astype(np.int64), interval)
    day = to_weekday(refs.minute[r] // MINUTES_PER_DAY + group_cumsum(step, r))
    # Only the next appointment of an open referral is booked, and not more than six months ahead.
    future = day > EXTRACT_DAY
    first, _ = group_offsets(r)
    prev_future = np.r_[False, future[:-1]] & ~first
    keep = (~future | ~prev_future) & (day <= EXTRACT_DAY + 180)
    # A referral whose first appointment is beyond the booking horizon keeps none yet.
    r, pos, day, future = r[keep], pos[keep], day[keep], future[keep]
    n = r.size
    minute = at(day, slot_times(rng, n, 510, 990, 15))
    status = np.where(future, ATTEND.index("NR"), weighted(rng, code_weights("attendance_status"), n))
    first, last = group_offsets(r)
    # Old referrals were validated long ago: nothing is left "not recorded" or parked on the
    # follow-up list for years, so those states only occur in the last nine months.
    recent = day > EXTRACT_DAY - 270
    status = np.where(last & ~future & ~recent & (status == ATTEND.index("NR")), ATTEND.index("ATT"), status)
    attended = np.isin(status, [ATTEND.index(c) for c in ("ATT", "WLK", "SATT")])
    from_wl_next = attended & ~last & (rng.random(n) < 0.15)
    final = weighted(rng, [0.52, 0.0, 0.08, 0.32, 0.08], n)  # DIS, -, FUWL, ADM, REF
    final = np.where((final == DISPOSAL.index("FUWL")) & ~recent, DISPOSAL.index("DIS"), final)
    disposal = np.where(~attended, -1, np.where(last, final, np.where(from_wl_next, 2, 1)))
    from_wl = np.r_[False, from_wl_next[:-1]] & ~first
    booked = _booked(rng, refs, r, pos, minute, from_wl)
    cancelled = status == ATTEND.index("CANC")
    cancel = np.where(cancelled, booked + ((minute - booked) * rng.uniform(0.3, 0.95, n)).astype(np.int64), NO_TIME)
    clinic = _clinics_for(rng, refs.cons[r], ref)
    appts = Appointments(
        ref=r,
        position=pos,
        minute=minute,
        status=status,
        disposal=disposal,
        booked_minute=booked,
        cancel_minute=cancel,
        cancel_by_hospital=rng.random(n) < 0.6,
        clinic=clinic,
        from_wl=from_wl,
    )
    _referral_outcomes(refs, appts, attended, last)
    return appts


def _booked(
    rng: np.random.Generator, refs: Referrals, r: np.ndarray, pos: np.ndarray, minute: np.ndarray, from_wl: np.ndarray
) -> np.ndarray:
    """First appointments are booked soon after referral, follow-ups at the previous visit."""
    prev = np.r_[refs.minute[r[:1]] if r.size else np.zeros(0, np.int64), minute[:-1]]
    prev = np.where(pos == 0, refs.minute[r], prev)
    lead = np.where(pos == 0, rng.integers(1, 10, r.size), np.where(from_wl, rng.integers(5, 30, r.size), 0))
    booked = prev + lead * MINUTES_PER_DAY + 30
    return np.minimum(booked, np.minimum(minute - 60, at(EXTRACT_DAY, 600)))


def _clinics_for(rng: np.random.Generator, cons: np.ndarray, ref: Reference) -> np.ndarray:
    first_clinic = np.full(len(ref.consultant_codes), -1)
    first_clinic[ref.clinic_consultant[::-1]] = np.arange(ref.clinic_consultant.size)[::-1]
    return first_clinic[cons] + rng.integers(0, 2, cons.size)


def _referral_outcomes(refs: Referrals, appts: Appointments, attended: np.ndarray, last: np.ndarray) -> None:
    """Outcome of each referral from its last appointment (referrals with none stay open)."""
    r = appts.ref
    att_rows = np.flatnonzero(attended)
    first_att = np.full(refs.pid.size, -1)
    first_att[r[att_rows[::-1]]] = appts.position[att_rows[::-1]]
    refs.first_attended = first_att
    rows = np.flatnonzero(last)
    lr = r[rows]
    st = np.asarray(ATTEND)[appts.status[rows]]
    disp = appts.disposal[rows]
    past = appts.minute[rows] <= at(EXTRACT_DAY, 1080)
    listed = (disp == DISPOSAL.index("ADM")) & past
    discharged = past & (np.isin(disp, [DISPOSAL.index("DIS"), DISPOSAL.index("REF")]) | np.isin(st, ["NATT", "CANC"]))
    outcome = np.where(listed, LISTED, np.where(discharged, DISCHARGED, OPEN))
    end = np.where(st == "CANC", appts.cancel_minute[rows], appts.minute[rows] + 30)
    refs.outcome[lr] = outcome
    refs.end_minute[lr] = np.where(outcome == OPEN, NO_TIME, end)
    refs.end_position[lr] = np.where(outcome == OPEN, -1, appts.position[rows])
