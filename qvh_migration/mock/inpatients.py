"""Inpatient spells: admissions from the waiting list and emergencies, consultant episodes, ward stays.

Rules the target guide states and this model keeps: admission <= discharge, a blank discharge means
still in hospital, consultant episodes tile the spell with no gaps or overlaps (the first starts at
admission, the last ends at discharge), ward stays likewise; one patient is never in two spells.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qvh_migration.legacy.code_sets import code_values, code_weights
from qvh_migration.mock.outpatients import consultant_for
from qvh_migration.mock.parameters import EXTRACT_DAY, EXTRACT_MINUTE, MINUTES_PER_DAY, NO_TIME
from qvh_migration.mock.patients import Patients
from qvh_migration.mock.reference import SPECIALTIES, WARDS, Reference
from qvh_migration.mock.vector import at, expand, weighted
from qvh_migration.mock.waiting_list import ADMITTED, INTENT, METHOD, WaitingList, cancel_admission

EMERGENCY_METHODS = ("AE", "GP", "CL", "TR", "OE")
# Chance that a patient of each home service has an emergency (trauma / burns) admission.
EMERGENCY_SHARE = {"BURN": 0.35, "HAND": 0.08, "MAXF": 0.06, "OMFS": 0.04, "PLAS": 0.04}
SOURCE = code_values("admission_source")
DISCH_METHOD = code_values("discharge_method")
DESTINATION = code_values("discharge_destination")
WARD_CODES = [w[0] for w in WARDS]


@dataclass
class Admissions:
    pid: np.ndarray
    wl: np.ndarray  # waiting-list entry, -1 for emergencies
    admit: np.ndarray
    discharge: np.ndarray  # NO_TIME while still in hospital
    spec: np.ndarray
    cons: np.ndarray
    method: np.ndarray
    source: np.ndarray
    intent: np.ndarray
    category: np.ndarray
    disch_method: np.ndarray
    destination: np.ndarray
    episode: np.ndarray | None = None


@dataclass
class Stays:
    """Consultant episodes or ward stays: contiguous pieces of a spell."""

    adm: np.ndarray
    position: np.ndarray
    start: np.ndarray
    end: np.ndarray  # NO_TIME for the open last piece of an open spell
    who: np.ndarray  # consultant index (episodes) or ward index (ward stays)


def build_admissions(rng: np.random.Generator, pats: Patients, wl: WaitingList, ref: Reference) -> Admissions:
    entries = np.flatnonzero(wl.status == ADMITTED)
    share = np.array([EMERGENCY_SHARE.get(s, 0.005) for s in SPECIALTIES])[pats.home]
    emerg = np.flatnonzero(rng.random(pats.n) < share)
    reg_day = pats.reg_minute[emerg] // MINUTES_PER_DAY
    e_day = reg_day + (rng.random(emerg.size) * (EXTRACT_DAY - 1 - reg_day)).astype(np.int64)
    e_methods = [METHOD.index(m) for m in EMERGENCY_METHODS]
    e_method = np.asarray(e_methods)[
        weighted(rng, [code_weights("admission_method")[i] for i in e_methods], emerg.size)
    ]
    adm = Admissions(
        pid=np.r_[wl.pid[entries], emerg],
        wl=np.r_[entries, np.full(emerg.size, -1)],
        admit=np.r_[wl.end_minute[entries], at(e_day, rng.integers(0, MINUTES_PER_DAY, emerg.size))],
        discharge=np.zeros(0),
        spec=np.r_[wl.spec[entries], pats.home[emerg]],
        cons=np.r_[wl.cons[entries], consultant_for(rng, pats.home[emerg], ref)],
        method=np.r_[wl.method[entries], e_method],
        source=np.zeros(0),
        intent=np.r_[wl.intent[entries], np.full(emerg.size, 1)],
        category=np.r_[wl.category[entries], weighted(rng, code_weights("administrative_category"), emerg.size)],
        disch_method=np.zeros(0),
        destination=np.zeros(0),
    )
    adm.discharge = _discharge(rng, adm)
    keep = _drop_overlaps(adm, wl)
    adm = Admissions(
        **{k: (v[keep] if isinstance(v, np.ndarray) and v.size == keep.size else v) for k, v in vars(adm).items()}
    )
    n = adm.pid.size
    transfer = np.asarray(METHOD)[adm.method] == "TR"
    adm.source = np.where(transfer, SOURCE.index("GH"), weighted(rng, code_weights("admission_source"), n))
    adm.disch_method = weighted(rng, _without(code_weights("discharge_method"), DISCH_METHOD, "DE"), n)
    adm.destination = weighted(rng, _without(code_weights("discharge_destination"), DESTINATION, "DD"), n)
    return adm


def _without(weights: list[float], codes: list[str], code: str) -> np.ndarray:
    """Deaths are set only where the patient really died, so they are not drawn at random."""
    w = np.asarray(weights, dtype=float)
    w[codes.index(code)] = 0.0
    return w


def _discharge(rng: np.random.Generator, adm: Admissions) -> np.ndarray:
    n = adm.pid.size
    intent = np.asarray(INTENT)[adm.intent]
    burns = np.asarray(SPECIALTIES)[adm.spec] == "BURN"
    emergency = adm.wl < 0
    hours = np.where(intent == "N", rng.integers(10, 15, n), rng.integers(3, 10, n))
    days = np.where(burns & emergency, 1 + rng.gamma(2.0, 6.0, n).astype(np.int64), rng.integers(1, 8, n))
    inpatient = intent == "I"
    day_end = adm.admit + hours * 60
    stay_end = at(adm.admit // MINUTES_PER_DAY + days, rng.integers(600, 1080, n))
    end = np.where(inpatient, stay_end, day_end)
    return np.where(end > EXTRACT_MINUTE, NO_TIME, end)


def _drop_overlaps(adm: Admissions, wl: WaitingList) -> np.ndarray:
    """Keep spells that start after the patient's previous spell ended; a clashing elective
    admission becomes a removal from the list instead."""
    keep = np.ones(adm.pid.size, dtype=bool)
    for _ in range(5):
        idx = np.flatnonzero(keep)
        order = idx[np.lexsort((adm.admit[idx], adm.pid[idx]))]
        pid = adm.pid[order]
        end = np.where(adm.discharge[order] == NO_TIME, EXTRACT_MINUTE + 1, adm.discharge[order])
        scale = np.int64(1) << 27
        running = np.maximum.accumulate(pid * scale + end) - pid * scale
        prev_end = np.r_[np.iinfo(np.int64).min, running[:-1]]
        same = np.r_[False, pid[1:] == pid[:-1]]
        clash = order[same & (adm.admit[order] <= prev_end)]
        if clash.size == 0:
            break
        keep[clash] = False
        cancel_admission(wl, adm.wl[clash][adm.wl[clash] >= 0])
    return keep


def spell_end(adm: Admissions) -> np.ndarray:
    """Where the last piece of a spell ends for splitting purposes: discharge, or the extract."""
    return np.where(adm.discharge == NO_TIME, EXTRACT_MINUTE, adm.discharge)


def _pieces(rng: np.random.Generator, adm: Admissions, extra_share: np.ndarray) -> tuple[np.ndarray, ...]:
    """Split each spell into 1-3 contiguous pieces (only spells of a day or more are split)."""
    span = spell_end(adm) - adm.admit
    long_stay = span >= MINUTES_PER_DAY
    r = rng.random(adm.pid.size)
    counts = 1 + (long_stay & (r < extra_share)) + (long_stay & (r < extra_share / 6))
    a, pos = expand(counts)
    cuts = np.sort(rng.uniform(0.15, 0.85, (adm.pid.size, 2)), axis=1)
    frac = np.where(pos == 0, 0.0, cuts[a, np.maximum(pos - 1, 0)])
    start = adm.admit[a] + (frac * span[a]).astype(np.int64) + pos  # + pos keeps starts distinct
    last = np.r_[a[1:] != a[:-1], True]
    nxt = np.r_[start[1:], 0]
    end = np.where(last, adm.discharge[a], nxt)
    return a, pos, start, end


def build_episodes(rng: np.random.Generator, adm: Admissions, ref: Reference) -> Stays:
    a, pos, start, end = _pieces(rng, adm, np.full(adm.pid.size, 0.12))
    other_spec = weighted(rng, code_weights("treatment_function"), a.size)
    same = rng.random(a.size) < 0.5
    cons = np.where(pos == 0, adm.cons[a], consultant_for(rng, np.where(same, adm.spec[a], other_spec), ref))
    return Stays(adm=a, position=pos, start=start, end=end, who=cons)


def build_ward_stays(rng: np.random.Generator, adm: Admissions, pats: Patients) -> Stays:
    burns = np.asarray(SPECIALTIES)[adm.spec] == "BURN"
    a, pos, start, end = _pieces(rng, adm, np.where(burns, 0.5, 0.15))
    two = np.r_[a[1:] == a[:-1], False] | (pos > 0)
    home_ward = _specialty_ward(adm.spec)
    child = (adm.admit // MINUTES_PER_DAY - pats.dob_day[adm.pid]) < 16 * 365
    day_case = np.asarray(INTENT)[adm.intent] != "I"
    first = np.where(day_case, WARD_CODES.index("DSU"), np.where(child & ~burns, WARD_CODES.index("PAED"), home_ward))
    first = np.where(burns & ~day_case, WARD_CODES.index("BCU"), first)
    # Two-stay spells: burns step down from intensive care, others move from day surgery to a ward.
    ward = np.where(
        ~two,
        first[a],
        np.where(
            burns[a],
            np.where(pos == 0, WARD_CODES.index("BICU"), WARD_CODES.index("BCU")),
            np.where(pos == 0, WARD_CODES.index("DSU"), home_ward[a]),
        ),
    )
    return Stays(adm=a, position=pos, start=start, end=end, who=ward)


def split_at_episodes(wards: Stays, episodes: Stays) -> Stays:
    """Ward stays cut where a new consultant episode begins, as PatientCentre records them.

    WARDSTAY carries the stay's consultant and specialty (A0430, A0431) and the activity that began
    and ended it (A3057, A3058): a change of consultant ends the stay and begins another on the same
    ward, so every stay lies within one consultant episode (the guide links each to its episode,
    p. 76). ``who`` stays the ward; the pieces are renumbered within their spell.
    """
    later = episodes.position > 0
    cut_adm, cut_at = episodes.adm[later], episodes.start[later]
    # Every (stay, cut) pair of the same spell; a spell has at most two later episodes.
    order = np.argsort(cut_adm, kind="stable")
    cut_adm, cut_at = cut_adm[order], cut_at[order]
    lo = np.searchsorted(cut_adm, wards.adm, side="left")
    hi = np.searchsorted(cut_adm, wards.adm, side="right")
    stay_of, _ = expand(hi - lo)
    offset = np.arange(stay_of.size) - np.repeat(np.cumsum(hi - lo) - (hi - lo), hi - lo)
    at_cut = cut_at[lo[stay_of] + offset]
    open_end = wards.end[stay_of] == NO_TIME
    inside = (at_cut > wards.start[stay_of]) & (open_end | (at_cut < wards.end[stay_of]))
    stay = np.concatenate([np.arange(wards.adm.size), stay_of[inside]])
    begins = np.concatenate([wards.start, at_cut[inside]])
    order = np.lexsort((begins, stay))
    stay, begins = stay[order], begins[order]
    last = np.r_[stay[1:] != stay[:-1], True] if stay.size else np.zeros(0, bool)
    ends = np.where(last, wards.end[stay], np.r_[begins[1:], 0])
    a = wards.adm[stay]
    first = np.r_[True, a[1:] != a[:-1]] if a.size else np.zeros(0, bool)
    index = np.arange(a.size)
    position = index - np.maximum.accumulate(np.where(first, index, 0))
    return Stays(adm=a, position=position, start=begins, end=ends, who=wards.who[stay])


def _specialty_ward(spec: np.ndarray) -> np.ndarray:
    """The first ward that lists the service (burns: the burns centre, not its intensive care)."""
    lookup = np.full(len(SPECIALTIES), -1)
    for w, (_, _, services) in enumerate(WARDS):
        for s in services:
            if lookup[SPECIALTIES.index(s)] < 0:
                lookup[SPECIALTIES.index(s)] = w
    return np.where(lookup < 0, WARD_CODES.index("PLW"), lookup)[spec]


def apply_in_hospital_deaths(rng: np.random.Generator, pats: Patients, adm: Admissions) -> None:
    """Some deaths happen in hospital: the last spell ends in death (discharge method/destination)."""
    if pats.death_day is None or adm.pid.size == 0:
        return
    order = np.lexsort((adm.admit, adm.pid))
    last_of_patient = order[np.r_[adm.pid[order][1:] != adm.pid[order][:-1], True]]
    dead = pats.death_day[adm.pid[last_of_patient]] >= 0
    closed = adm.discharge[last_of_patient] != NO_TIME
    # Only when that spell was the patient's last contact, so nothing happens after the death.
    latest = adm.discharge[last_of_patient] >= pats.last_activity_minute[adm.pid[last_of_patient]]
    pick = last_of_patient[dead & closed & latest & (rng.random(last_of_patient.size) < 0.08)]
    pats.death_day[adm.pid[pick]] = adm.discharge[pick] // MINUTES_PER_DAY
    adm.disch_method[pick] = DISCH_METHOD.index("DE")
    adm.destination[pick] = DESTINATION.index("DD")
