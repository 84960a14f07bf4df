"""RTTEPIPERIOD (which episodes belong to which RTT period) and RTTALLPRDSTS (every RTT status
recorded on a pathway, in order), from the same model as RTTPERIOD.

The statuses follow the NHS RTT Rules Suite: the clock starts at the referral (10, first activity),
each later outpatient attendance and the decision to list record 20 (subsequent activity, clock
running), the period ends with the status that stopped it (30-36, or 21 for a transfer to another
provider, as RTTPERIOD records it), and activity after a first definitive treatment records 90
(post-treatment, no longer RTT).  Every status lies between the period's clock start
(RTTPERIOD.RttStartDateTimeInt) and stop (RttEndDateTimeInt), except the 90 that follows the stop.
One status per pathway and moment: an attendance that stopped the clock records the stop only.
The generator starts one period per pathway (PPeriodId 1); a restarted clock would be period 2.

PRDStsType, the kind of activity that recorded the status (dictionary: "AD, ADHOC Status, OP DSCH,
OP ATT, PA Outcome, RWA"; 5 characters), is written as RWA (the referral), OPATT (an attendance's
outcome), OPDSC (an outpatient discharge without attendance), ADHOC (listing or removal) and AD
(an admission). Confirm the codes against the real extract.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from qvh_migration.legacy.code_sets import RTT_STATUS_INTERNAL_VALUE
from qvh_migration.mock.catalog import ColumnValue, Dates
from qvh_migration.mock.inpatients import Admissions
from qvh_migration.mock.outpatients import ATTEND, DISCHARGED, Appointments, Referrals
from qvh_migration.mock.parameters import EXTRACT_MINUTE, NO_TIME
from qvh_migration.mock.patients import Patients
from qvh_migration.mock.reference import PROVIDER, internal_numbers
from qvh_migration.mock.rtt import RTT, RttPeriods
from qvh_migration.mock.strings import padded, pick
from qvh_migration.mock.waiting_list import ADMITTED, WaitingList

Table = tuple[dict[str, ColumnValue], int]
RTT_INT = [RTT_STATUS_INTERNAL_VALUE[c] for c in RTT]
STATUS_TYPES = ("RWA", "OPATT", "OPDSC", "ADHOC", "AD")
RWA, OPATT, OPDSC, ADHOC, AD = range(len(STATUS_TYPES))
SEEN = [ATTEND.index(c) for c in ("ATT", "WLK", "SATT")]
NEVER = np.iinfo(np.int64).max


def pathway_numbers(refs: Referrals, rows: np.ndarray) -> pa.Array:
    """The pathway number of referral ``rows``: provider code, then the 20-character pathway id."""
    return padded(refs.episode[rows], 20, prefix=f"{PROVIDER}00")


def render_rttepiperiod(pats: Patients, refs: Referrals, wl: WaitingList, rtt: RttPeriods) -> Table:
    """One row per episode of an RTT period: the referral's own, and each of its inpatient
    waiting-list entries (their admissions keep the entry's episode number)."""
    referrals = np.flatnonzero(rtt.eligible)
    entries = np.flatnonzero(rtt.eligible[wl.ref])
    ref_of = np.r_[referrals, wl.ref[entries]]
    episode = np.r_[refs.episode[referrals], wl.episode[entries]]
    order = np.lexsort((episode, refs.pid[ref_of]))
    ref_of, episode = ref_of[order], episode[order]
    n = ref_of.size
    return {
        "InternalPatientNumber": pats.text["InternalPatientNumber"].take(pa.array(refs.pid[ref_of])),
        "EpisodeNumber": internal_numbers(episode),
        "PathwayNumber": pathway_numbers(refs, ref_of),
        "PPeriodId": "1",
        "RttStartDateTimeInt": Dates(refs.minute[ref_of]),
        "OverrideFlag": pick(["No"], np.zeros(n, np.int64)),
        "OverrideFlagInt": pick(["0"], np.zeros(n, np.int64)),
    }, n


def status_events(
    refs: Referrals, appts: Appointments, wl: WaitingList, adm: Admissions, rtt: RttPeriods
) -> dict[str, np.ndarray]:
    """Every status of every RTT pathway: referral row, minute, status (index into RTT), type;
    sorted by pathway then time, one per pathway and minute."""
    eligible = rtt.eligible
    stop = np.where(rtt.stopped, rtt.status_minute, NEVER)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]] = []
    # Clock start: the referral (status 10 at RttStartDateTimeInt).
    r = np.flatnonzero(eligible)
    parts.append((r, refs.minute[r], np.full(r.size, RTT.index("FACT")), np.full(r.size, RWA), 0))
    # Attendances from the first one seen, while the clock runs: 20.
    a_ref = appts.ref
    seen_from = refs.first_attended[a_ref]
    keep = eligible[a_ref] & (seen_from >= 0) & (appts.position >= seen_from)
    keep &= appts.position != refs.end_position[a_ref]  # the outcome that ended the referral: its stop
    keep &= (appts.minute <= EXTRACT_MINUTE) & (appts.minute > refs.minute[a_ref]) & (appts.minute < stop[a_ref])
    rows = np.flatnonzero(keep)
    parts.append((a_ref[rows], appts.minute[rows], np.full(rows.size, RTT.index("SUBA")), np.full(rows.size, OPATT), 1))
    # Decision to admit (listing) while the clock runs: 20.
    keep = eligible[wl.ref] & (wl.list_minute <= EXTRACT_MINUTE) & (wl.list_minute < stop[wl.ref])
    e = np.flatnonzero(keep)
    parts.append((wl.ref[e], wl.list_minute[e], np.full(e.size, RTT.index("SUBA")), np.full(e.size, ADHOC), 2))
    # The stop (or the transfer) that ended the period, at RttEndDateTimeInt.
    r = np.flatnonzero(rtt.stopped)
    parts.append((r, rtt.status_minute[r], rtt.status[r], _stop_type(refs, appts, wl, rtt, r), 3))
    # Discharge after the admission that treated the patient: 90 (post-treatment), after the stop.
    a = np.flatnonzero(adm.wl >= 0)
    r = wl.ref[adm.wl[a]]
    treated = eligible[r] & (rtt.status[r] == RTT.index("FDT")) & (wl.status[adm.wl[a]] == ADMITTED)
    treated &= (adm.discharge[a] != NO_TIME) & (adm.discharge[a] <= EXTRACT_MINUTE) & (adm.discharge[a] > stop[r])
    a, r = a[treated], r[treated]
    parts.append((r, adm.discharge[a], np.full(r.size, RTT.index("PTRT")), np.full(r.size, AD), 4))
    ref = np.concatenate([p[0] for p in parts])
    minute = np.concatenate([p[1] for p in parts])
    status = np.concatenate([p[2] for p in parts])
    kind = np.concatenate([p[3] for p in parts])
    rank = np.concatenate([np.full(p[0].size, p[4]) for p in parts])
    order = np.lexsort((-rank, minute, ref))  # per pathway and minute, the weightiest status first
    ref, minute, status, kind = ref[order], minute[order], status[order], kind[order]
    first = np.ones(ref.size, dtype=bool)
    first[1:] = (ref[1:] != ref[:-1]) | (minute[1:] != minute[:-1])
    return {"ref": ref[first], "minute": minute[first], "status": status[first], "kind": kind[first]}


def _stop_type(refs: Referrals, appts: Appointments, wl: WaitingList, rtt: RttPeriods, r: np.ndarray) -> np.ndarray:
    """What recorded each stop: the attendance's outcome, an outpatient discharge, or the list."""
    first_row = np.full(refs.minute.size, -1)
    first_row[appts.ref[::-1]] = np.arange(appts.ref.size)[::-1]
    end_row = np.where(refs.end_position[r] >= 0, first_row[r] + refs.end_position[r], -1)
    attended = (end_row >= 0) & np.isin(appts.status[np.maximum(end_row, 0)], SEEN)
    from_clinic = refs.outcome[r] == DISCHARGED
    entry_of = np.full(refs.minute.size, -1)
    entry_of[wl.ref] = np.arange(wl.ref.size)
    admitted = (entry_of[r] >= 0) & (wl.status[np.maximum(entry_of[r], 0)] == ADMITTED) & ~from_clinic
    return np.where(from_clinic, np.where(attended, OPATT, OPDSC), np.where(admitted, AD, ADHOC))


def render_rttallprdsts(pats: Patients, refs: Referrals, events: dict[str, np.ndarray]) -> Table:
    ref = events["ref"]
    return {
        "InternalPatientNumber": pats.text["InternalPatientNumber"].take(pa.array(refs.pid[ref])),
        "PathwayNumber": pathway_numbers(refs, ref),
        "ActivityDateTime": Dates(events["minute"]),
        "ActivityDateTimeInt": Dates(events["minute"]),
        "PRDStsType": pick(STATUS_TYPES, events["kind"]),
        "RttPRDSts": pick(RTT, events["status"]),
        "RttPRDStsInt": pick(RTT_INT, events["status"]),
    }, ref.size
