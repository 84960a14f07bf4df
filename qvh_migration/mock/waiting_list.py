"""Inpatient waiting-list model: listing, suspensions, TCI offers, cancellations, admission or removal.

Per entry, in time order: added to the list at the clinic that decided to admit; perhaps suspended
(patient unavailable / medically unfit) for a few weeks; TCI offered by letter and cancelled by the
hospital or the patient up to twice, each time re-offered; finally admitted on the last TCI, removed
from the list, or still waiting at the extract (possibly with a TCI booked in the future).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qvh_migration.legacy.code_sets import code_values, code_weights
from qvh_migration.mock.outpatients import LISTED, Referrals
from qvh_migration.mock.parameters import EXTRACT_MINUTE, MINUTES_PER_DAY, NO_TIME
from qvh_migration.mock.vector import at, to_weekday, weighted

INTENT = code_values("intended_management")  # D, I, R, N
METHOD = code_values("admission_method")
ELECTIVE_METHODS = ("WL", "BK", "PL")
# Activity types (WLACTIVITY.EpsActvTypeInt, local numeric codes) and their Activity text.
ADD, OFFER, CANCEL_H, CANCEL_P, SUSPEND, ADMIT, REMOVE = 1, 2, 3, 4, 5, 6, 7
ACTIVITY_TEXT = {
    ADD: "ADDED TO WAITING LIST",
    OFFER: "TCI OFFERED",
    CANCEL_H: "TCI CANCELLED BY HOSPITAL",
    CANCEL_P: "TCI CANCELLED BY PATIENT",
    SUSPEND: "SUSPENDED",
    ADMIT: "ADMITTED",
    REMOVE: "REMOVED FROM WAITING LIST",
}
WAITING, ADMITTED, REMOVED = 0, 1, 2
# Wait to the first TCI offer (days, low-high) by priority R, S, U, C.
LIST_WAIT = np.array([[40, 250], [30, 120], [14, 60], [7, 21]])


@dataclass
class WaitingList:
    ref: np.ndarray  # referral index
    pid: np.ndarray
    list_minute: np.ndarray
    spec: np.ndarray
    cons: np.ndarray
    priority: np.ndarray
    category: np.ndarray
    intent: np.ndarray
    method: np.ndarray
    status: np.ndarray  # WAITING | ADMITTED | REMOVED
    end_minute: np.ndarray  # admission or removal minute, NO_TIME while waiting
    removal_reason: np.ndarray  # index into reference.REMOVAL_REASONS, -1 none
    next_tci: np.ndarray  # booked TCI still to come, NO_TIME none
    suspended_days: np.ndarray
    events: dict[str, np.ndarray]  # one row per WLACTIVITY row, sorted by entry then time
    episode: np.ndarray | None = None


def build_waiting_list(rng: np.random.Generator, refs: Referrals) -> WaitingList:
    rows = np.flatnonzero(refs.outcome == LISTED)
    n = rows.size
    listed = refs.end_minute[rows]
    intent = weighted(rng, code_weights("intended_management"), n)
    elective = [METHOD.index(m) for m in ELECTIVE_METHODS]
    method = np.asarray(elective)[weighted(rng, [code_weights("admission_method")[i] for i in elective], n)]
    wait = LIST_WAIT[refs.priority[rows]]
    first_wait = wait[:, 0] + (rng.random(n) * (wait[:, 1] - wait[:, 0])).astype(np.int64)
    suspended = rng.random(n) < 0.08
    susp_start = listed + rng.integers(3, 30, n) * MINUTES_PER_DAY
    suspended &= susp_start <= EXTRACT_MINUTE
    susp_days = np.where(suspended, rng.integers(14, 90, n), 0)
    susp_end = susp_start + susp_days * MINUTES_PER_DAY
    cancels = np.where(rng.random(n) < 0.15, np.where(rng.random(n) < 0.2, 2, 1), 0)
    removed = rng.random(n) < 0.06
    events: list[dict[str, np.ndarray]] = [_event(np.arange(n), listed, ADD)]
    events.append(_event(np.flatnonzero(suspended), susp_start[suspended], SUSPEND, def_end=susp_end[suspended]))
    offer = at(to_weekday((listed // MINUTES_PER_DAY) + first_wait + susp_days), 600)
    status = np.full(n, WAITING)
    end = np.full(n, NO_TIME)
    next_tci = np.full(n, NO_TIME)
    for j in range(3):
        active = cancels >= j
        final = active & (cancels == j)
        tci_time = np.where(rng.random(n) < 0.6, 450, 750)  # morning or afternoon list
        tci = at(to_weekday(offer // MINUTES_PER_DAY + rng.integers(14, 36, n)), tci_time)
        offered = active & ~(final & removed) & (offer <= EXTRACT_MINUTE)
        events.append(_event(np.flatnonzero(offered), offer[offered], OFFER, tci=tci[offered]))
        # Cancelled rounds: hospital or patient cancels 1-7 days before the TCI, then a new offer.
        cancel_at = tci - rng.integers(1, 8, n) * MINUTES_PER_DAY
        cancelled = active & ~final & (cancel_at <= EXTRACT_MINUTE)
        by_hospital = rng.random(n) < 0.6
        for kind, who in ((CANCEL_H, by_hospital), (CANCEL_P, ~by_hospital)):
            sel = cancelled & who
            events.append(_event(np.flatnonzero(sel), cancel_at[sel], kind, tci=tci[sel]))
        # Final round: removal on the day the offer would have gone out, or admission on the TCI.
        gone = final & removed & (offer <= EXTRACT_MINUTE)
        events.append(_event(np.flatnonzero(gone), offer[gone] + 60, REMOVE))
        admitted = final & ~removed & (tci <= EXTRACT_MINUTE)
        events.append(_event(np.flatnonzero(admitted), tci[admitted], ADMIT))
        status = np.where(gone, REMOVED, np.where(admitted, ADMITTED, status))
        end = np.where(gone, offer + 60, np.where(admitted, tci, end))
        pending = offered & ~cancelled & (tci > EXTRACT_MINUTE)
        next_tci = np.where(pending, tci, next_tci)
        offer = at(to_weekday(cancel_at // MINUTES_PER_DAY + rng.integers(1, 11, n)), 600)
    table = _concat(events)
    return WaitingList(
        ref=rows,
        pid=refs.pid[rows],
        list_minute=listed,
        spec=refs.spec[rows],
        cons=refs.cons[rows],
        priority=refs.priority[rows],
        category=refs.category[rows],
        intent=intent,
        method=method,
        status=status,
        end_minute=end,
        removal_reason=np.where(status == REMOVED, rng.choice([1, 2, 3, 4], size=n), -1),
        next_tci=next_tci,
        suspended_days=susp_days,
        events=table,
    )


def _event(
    entry: np.ndarray,
    minute: np.ndarray,
    kind: int,
    *,
    tci: np.ndarray | None = None,
    def_end: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    k = entry.size
    return {
        "entry": entry.astype(np.int64),
        "minute": minute.astype(np.int64),
        "kind": np.full(k, kind),
        "tci": np.full(k, NO_TIME) if tci is None else tci.astype(np.int64),
        "def_end": np.full(k, NO_TIME) if def_end is None else def_end.astype(np.int64),
    }


def _concat(events: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    table = {key: np.concatenate([e[key] for e in events]) for key in events[0]}
    table = {key: v[table["minute"] <= EXTRACT_MINUTE] for key, v in table.items()}
    order = np.lexsort((table["minute"], table["entry"]))
    return {key: v[order] for key, v in table.items()}


def cancel_admission(wl: WaitingList, entries: np.ndarray) -> None:
    """Turn admissions that would overlap another spell into removals ("no longer required")."""
    if entries.size == 0:
        return
    wl.status[entries] = REMOVED
    wl.removal_reason[entries] = 3
    hit = np.isin(wl.events["entry"], entries) & (wl.events["kind"] == ADMIT)
    wl.events["kind"][hit] = REMOVE
