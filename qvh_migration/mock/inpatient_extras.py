"""Column values of WLREMOVAL, WLINTENDEDPROC, PREADMISSION and ROOMSTAY from the inpatient model.

- WLREMOVAL: one row per entry removed from the list, at the removal activity's time and with its
  reason (the same as WLACTIVITY's removal row and the entry's outcome).
- WLINTENDEDPROC: a second intended procedure for about a quarter of the entries, never the first.
- PREADMISSION: the pre-admission record of the entry's final TCI (admitted or still to come), keyed
  on the TCI offer's activity time, with the expected clerking (pre-assessment) a few days before.
- ROOMSTAY: the room and bed of each ward stay; a quarter of longer stays move bed once. The first
  room stay starts with its ward stay, the last ends with it.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from qvh_migration.legacy.code_sets import code_values
from qvh_migration.mock.catalog import ColumnValue, Dates
from qvh_migration.mock.inpatients import WARD_CODES, Admissions, Stays
from qvh_migration.mock.parameters import MINUTES_PER_DAY, NO_TIME
from qvh_migration.mock.patients import Patients
from qvh_migration.mock.reference import HOSPITAL, REMOVAL_REASONS, SPECIALTIES, Reference, internal_numbers
from qvh_migration.mock.reference import waiting_list_code as wl_code
from qvh_migration.mock.render_inpatients import CODING
from qvh_migration.mock.strings import join, padded, pick
from qvh_migration.mock.vector import at, expand
from qvh_migration.mock.waiting_list import ADMITTED, INTENT, METHOD, OFFER, REMOVED, WaitingList

Table = tuple[dict[str, ColumnValue], int]


def _who(pats: Patients, pid: np.ndarray, episode: np.ndarray) -> dict[str, ColumnValue]:
    return {
        "InternalPatientNumber": pats.text["InternalPatientNumber"].take(pa.array(pid)),
        "EpisodeNumber": internal_numbers(episode),
    }


def render_wlremoval(pats: Patients, wl: WaitingList) -> Table:
    rows = np.flatnonzero(wl.status == REMOVED)
    reason = np.maximum(wl.removal_reason[rows], 0)
    by_patient = np.asarray([who == "P" for _, _, who in REMOVAL_REASONS])[reason]
    return {
        **_who(pats, wl.pid[rows], wl.episode[rows]),
        "EpsActvDtimeInt": Dates(wl.end_minute[rows]),
        "Reason": pick([c for c, _, _ in REMOVAL_REASONS], reason),
        "Comment": pick([d[:25] for _, d, _ in REMOVAL_REASONS], reason),
        "PatientChoice": pick(["3"], np.zeros(rows.size, np.int64), by_patient),
        "PatientChoiceDesc": pick(["PRIVATE TREATMENT"], np.zeros(rows.size, np.int64), by_patient),
    }, rows.size


def render_wlintendedproc(rng: np.random.Generator, pats: Patients, wl: WaitingList, first: pa.Array) -> Table:
    """A second intended procedure of the entry's service, different from ``first`` (WLENTRY.IntendedProc)."""
    options = [CODING[s][1] for s in SPECIALTIES]
    several = np.asarray([len(o) > 1 for o in options])[wl.spec]
    rows = np.flatnonzero(several & (rng.random(wl.spec.size) < 0.25))
    primary = np.asarray(first.take(pa.array(rows)).to_pylist(), dtype=object)
    second = []
    for spec, code in zip(wl.spec[rows], primary, strict=True):
        choices = options[spec]
        second.append(choices[(choices.index(code) + 1) % len(choices)] if code in choices else choices[0])
    return {
        **_who(pats, wl.pid[rows], wl.episode[rows]),
        "RptGrpKey": "1",
        "SecIProc": pa.array(second, pa.large_string()),
        "WlCode": pick([wl_code(s) for s in SPECIALTIES], wl.spec[rows]),
    }, rows.size


def render_preadmission(rng: np.random.Generator, pats: Patients, ref: Reference, wl: WaitingList) -> Table:
    ev = wl.events
    offers = np.flatnonzero(ev["kind"] == OFFER)
    last = offers[np.r_[ev["entry"][offers][1:] != ev["entry"][offers][:-1], True]] if offers.size else offers
    e = ev["entry"][last]
    final = (wl.status[e] == ADMITTED) | (wl.next_tci[e] != NO_TIME)
    last, e = last[final], e[final]
    k = e.size
    tci = ev["tci"][last]
    offer = ev["minute"][last]
    clerking_day = np.maximum(tci // MINUTES_PER_DAY - rng.integers(3, 11, k), offer // MINUTES_PER_DAY + 1)
    clerking = at(clerking_day, 540 + 30 * rng.integers(0, 14, k))
    day_case = np.asarray(INTENT)[wl.intent[e]] != "I"
    return {
        **_who(pats, wl.pid[e], wl.episode[e]),
        "DistrictNumber": pats.text["DistrictNumber"].take(pa.array(wl.pid[e])),
        "EpsActvDtimeInt": Dates(offer),
        "Activity": pick(["TCI OFFERED"], np.zeros(k, np.int64)),
        "TCIDtTimeInt": Dates(tci),
        "TCIOfferDateInt": Dates(offer),
        "ExpClerkingDt": Dates(clerking),
        "ExpClerkingTm": Dates(clerking),
        "DateOnWListInt": Dates(wl.list_minute[e]),
        "OriginalDateOnListInt": Dates(wl.list_minute[e]),
        "Consultant": pick(ref.consultant_codes, wl.cons[e]),
        "Specialty": pick(SPECIALTIES, wl.spec[e]),
        "WlCode": pick([wl_code(s) for s in SPECIALTIES], wl.spec[e]),
        "IntdMgmt": pick(INTENT, wl.intent[e]),
        "MethodOfAdm": pick(METHOD, wl.method[e]),
        "Urgency": pick(code_values("priority_type"), wl.priority[e]),
        "Category": pick(code_values("administrative_category"), wl.category[e]),
        "ExpectedWard": pick(["DSU", "PLW"], (~day_case).astype(np.int64)),
        "HospCode": HOSPITAL,
    }, k


def render_roomstay(rng: np.random.Generator, pats: Patients, adm: Admissions, wards: Stays) -> Table:
    length = np.where(wards.end == NO_TIME, 0, wards.end - wards.start)
    moves = (length > MINUTES_PER_DAY) & (rng.random(wards.adm.size) < 0.25)
    stay, pos = expand(1 + moves.astype(np.int64))
    split = wards.start + (length * rng.uniform(0.3, 0.7, wards.adm.size)).astype(np.int64)
    split -= split % 5
    start = np.where(pos == 0, wards.start[stay], split[stay])
    end = np.where(moves[stay] & (pos == 0), split[stay], wards.end[stay])
    a = wards.adm[stay]
    ward = np.asarray(WARD_CODES)[wards.who[stay]]
    prefix = pa.array([w[:2] for w in ward], pa.large_string())
    room = join([prefix, "R", padded(rng.integers(1, 9, stay.size), 1)])
    bed = join([prefix, padded(rng.integers(1, 25, stay.size), 2)])
    first_stay = wards.position[stay] == 0
    last_piece = np.r_[stay[1:] != stay[:-1], True] if stay.size else np.zeros(0, bool)
    w = wards.adm
    last_ward = (np.r_[w[1:] != w[:-1], True] if w.size else np.zeros(0, bool))[stay]
    return {
        **_who(pats, adm.pid[a], adm.episode[a]),
        "Hospital": HOSPITAL,
        "Ward": pa.array(ward, pa.large_string()),
        "Room": room,
        "BedID": bed,
        "AdmitDateTmInt": Dates(adm.admit[a]),
        "EpsActvDtimeInt": Dates(start),
        "StartDate": Dates(start),
        "StartTime": Dates(start),
        "EndDateTmInt": Dates(end),
        "EndDate": Dates(end),
        "EndTime": Dates(end),
        "StartActivity": pick(["ADM", "TR", "BED"], np.where(pos > 0, 2, np.where(first_stay, 0, 1))),
        "EndActivity": pick(["DSC", "TR", "BED"], np.where(~last_piece, 2, np.where(last_ward, 0, 1)), end != NO_TIME),
    }, stay.size
