"""Referral-to-treatment periods: one per NHS referral received since RTT began (2007).

The clock starts at referral and stops at the first definitive treatment (the admission, or a
procedure in clinic), a decision not to treat / active monitoring at discharge, a DNA of the first
appointment, or the patient declining; otherwise the period is still open at the extract.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qvh_migration.legacy.code_sets import code_values
from qvh_migration.mock.outpatients import ATTEND, DISCHARGED, DISPOSAL, LISTED, Appointments, Referrals
from qvh_migration.mock.parameters import EXTRACT_MINUTE, NO_TIME, RTT_START_DAY
from qvh_migration.mock.vector import at, take_or
from qvh_migration.mock.waiting_list import ADMITTED, REMOVED, WaitingList

RTT = code_values("rtt_period_status")
NHS_CATEGORY = code_values("administrative_category").index("N")


@dataclass
class RttPeriods:
    eligible: np.ndarray  # per referral
    status: np.ndarray  # per referral: index into RTT (current / latest status), -1 when not eligible
    status_minute: np.ndarray
    stopped: np.ndarray


def rtt_outcomes(rng: np.random.Generator, refs: Referrals, appts: Appointments, wl: WaitingList) -> RttPeriods:
    n = refs.pid.size
    eligible = (refs.minute >= at(RTT_START_DAY, 0)) & (refs.category == NHS_CATEGORY)
    # Open periods: first activity until someone is seen, then subsequent activity.
    last_past = np.full(n, NO_TIME)
    past = appts.minute <= EXTRACT_MINUTE
    np.maximum.at(last_past, appts.ref[past], appts.minute[past])
    status = np.where(refs.first_attended < 0, RTT.index("FACT"), RTT.index("SUBA"))
    minute = np.where(refs.first_attended < 0, refs.minute, np.maximum(last_past, refs.minute))
    # Discharged from outpatients: the appointment that ended the referral decides the stop reason.
    end_row = _row_of(appts, refs.end_position)
    ended = (refs.outcome == DISCHARGED) & (end_row >= 0)
    st = take_or(appts.status, end_row, -1)
    disp = take_or(appts.disposal, end_row, -1)
    first_seen = refs.end_position == refs.first_attended
    seen_code = np.where(
        first_seen,
        _draw(rng, n, ["DNTT", "FDT", "AMCP"], [0.4, 0.4, 0.2]),
        _draw(rng, n, ["FDT", "AMCP", "DNTT"], [0.5, 0.3, 0.2]),
    )
    ref_code = _draw(rng, n, ["DNTT", "TRAN"], [0.7, 0.3])
    dna = st == ATTEND.index("NATT")
    stop = np.where(
        dna,
        np.where(refs.end_position == 0, RTT.index("DNA1"), RTT.index("DECL")),
        np.where(
            st == ATTEND.index("CANC"), RTT.index("DECL"), np.where(disp == DISPOSAL.index("REF"), ref_code, seen_code)
        ),
    )
    status = np.where(ended, stop, status)
    minute = np.where(ended, refs.end_minute, minute)
    # Listed for surgery: admission is the first definitive treatment; removal stops the clock too.
    entry_of = np.full(n, -1)
    entry_of[wl.ref] = np.arange(wl.ref.size)
    e = entry_of
    has_entry = (refs.outcome == LISTED) & (e >= 0)
    admitted = has_entry & (take_or(wl.status, e, -1) == ADMITTED)
    removed = has_entry & (take_or(wl.status, e, -1) == REMOVED)
    removal_code = np.where(take_or(wl.removal_reason, e, -1) == 1, RTT.index("DECL"), RTT.index("DNTT"))
    status = np.where(admitted, RTT.index("FDT"), np.where(removed, removal_code, status))
    minute = np.where(
        admitted | removed,
        take_or(wl.end_minute, e, NO_TIME),
        np.where(has_entry, take_or(wl.list_minute, e, NO_TIME), minute),
    )
    stopped = ended | admitted | removed
    return RttPeriods(
        eligible=eligible, status=np.where(eligible, status, -1), status_minute=minute, stopped=stopped & eligible
    )


def _row_of(appts: Appointments, position: np.ndarray) -> np.ndarray:
    """Row of appointment ``position[r]`` of each referral r (-1 where position is -1)."""
    first_row = np.full(position.size, -1)
    first_row[appts.ref[::-1]] = np.arange(appts.ref.size)[::-1]
    return np.where((position >= 0) & (first_row >= 0), first_row + position, -1)


def _draw(rng: np.random.Generator, n: int, codes: list[str], p: list[float]) -> np.ndarray:
    return np.asarray([RTT.index(c) for c in codes])[rng.choice(len(codes), size=n, p=p)]
