"""Community service referrals (``CPSGREFERRAL``) and their patient contacts (``CPPTCONTACT``).

A small share of QVH's patients are seen by its community-style services after surgery (hand
therapy, scar management, burns dressings, lymphoedema): one service-group referral each, a handful
of contacts a week or more apart, most referrals discharged after the last contact. Referentially
whole: every contact belongs to a referral of the same patient and episode, every patient is in
``PATDATA``, and every clinician is one of the trust's own consultants in ``CONSMAST``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from qvh_migration.legacy.code_sets import code_values
from qvh_migration.mock.catalog import ColumnValue
from qvh_migration.mock.parameters import EXTRACT_MINUTE, MINUTES_PER_DAY, NO_TIME
from qvh_migration.mock.patients import Patients
from qvh_migration.mock.reference import Reference, internal_numbers
from qvh_migration.mock.strings import format_dates, pick
from qvh_migration.mock.vector import at, slot_times, weighted

Table = tuple[dict[str, ColumnValue], int]

COMMUNITY_SHARE = 0.04  # patients with a community service referral
FIRST_REFERRAL_MINUTE = int(np.datetime64("2016-04-01T00:00", "m").astype(np.int64))
# Community episode numbers sit in their own range, clear of referral and waiting-list episodes.
FIRST_EPISODE = 800_000
MAX_CONTACTS = 8
BOOKED_AHEAD = 60 * MINUTES_PER_DAY  # how far ahead contacts are booked
# fmt: off
SERVICE_GROUPS = (("HTHY", "HAND THERAPY"), ("SCAR", "SCAR MANAGEMENT"), ("BDRS", "BURNS DRESSINGS"),
                  ("LYMP", "LYMPHOEDEMA"))
LOCATIONS = (("QVHTHR", "QVH THERAPY DEPARTMENT"), ("QVHBDC", "QVH BURNS DRESSING CLINIC"),
             ("CRAWHC", "CRAWLEY HEALTH CENTRE"), ("HORSHC", "HORSHAM HEALTH CENTRE"))
ATTENDANCE = ("ATT", "DNA", "CND", "CNW", "WLK")  # the dictionary's list for ApptAttendanceCode
ATTENDANCE_MIX = (0.84, 0.07, 0.04, 0.03, 0.02)
CONTACT_TYPES = (("FACE TO FACE", "01"), ("TELEPHONE", "02"), ("VIDEO", "04"))
CONTACT_TYPE_MIX = (0.75, 0.2, 0.05)
# fmt: on


def community_tables(rng: np.random.Generator, pats: Patients, ref: Reference) -> Iterator[tuple[str, Table]]:
    """``CPSGREFERRAL`` then ``CPPTCONTACT`` (after deaths are assigned: nobody is seen after death)."""
    pid, start, end, alive = _referred_patients(rng, pats)
    k = pid.size
    service = rng.integers(0, len(SERVICE_GROUPS), k)
    internal = np.flatnonzero(~ref.consultant_external)
    clinician = pick(ref.consultant_codes, internal[rng.integers(0, internal.size, k)])
    episode = internal_numbers(FIRST_EPISODE + np.arange(k))
    ref_minute = start + ((end - start) * rng.random(k) ** 0.7).astype(np.int64)
    ref_minute = at(ref_minute // MINUTES_PER_DAY, slot_times(rng, k, 9 * 60, 17 * 60, 15))
    ref_minute = np.minimum(ref_minute, end)
    contacts = _contacts(rng, ref_minute, np.where(alive, EXTRACT_MINUTE + BOOKED_AHEAD, end))
    discharged = (rng.random(k) < 0.7) & (contacts["last"] + 14 * MINUTES_PER_DAY < EXTRACT_MINUTE)
    discharge = np.where(discharged, contacts["last"] + rng.integers(1, 14, k) * MINUTES_PER_DAY, NO_TIME).astype(
        np.int64
    )
    ipn = pats.text["InternalPatientNumber"].take(pa.array(pid))
    yield "CPSGREFERRAL", _referrals(rng, pats, ref, pid, ipn, episode, service, clinician, ref_minute, discharge)
    yield "CPPTCONTACT", _contact_rows(rng, ipn, episode, service, clinician, contacts, discharged)


def _referred_patients(
    rng: np.random.Generator, pats: Patients
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Patients with a referral, and the window it falls in (after registration, before death)."""
    k = max(1, round(COMMUNITY_SHARE * pats.n))
    pid = np.sort(rng.choice(pats.n, size=min(k, pats.n), replace=False))
    start = np.maximum(pats.reg_minute[pid], FIRST_REFERRAL_MINUTE)
    death = pats.death_day[pid] if pats.death_day is not None else np.full(pid.size, -1)  # -1: alive
    end = np.where(death < 0, EXTRACT_MINUTE, death * MINUTES_PER_DAY) - 30 * MINUTES_PER_DAY
    keep = end > start + MINUTES_PER_DAY
    return pid[keep], start[keep], end[keep], (death < 0)[keep]


def _contacts(rng: np.random.Generator, ref_minute: np.ndarray, limit: np.ndarray) -> dict[str, np.ndarray]:
    """Contacts a week to three weeks apart from the referral on, none after ``limit``; those after
    the extract are booked, not yet held."""
    count = np.minimum(1 + rng.poisson(3, ref_minute.size), MAX_CONTACTS)
    row_ref = np.repeat(np.arange(ref_minute.size), count)
    first_of_ref = np.r_[0, np.cumsum(count)[:-1]]
    gap_days = rng.integers(7, 22, row_ref.size)
    days = np.cumsum(gap_days) - np.repeat(np.cumsum(gap_days)[first_of_ref] - gap_days[first_of_ref], count)
    minute = at(ref_minute[row_ref] // MINUTES_PER_DAY + days, slot_times(rng, row_ref.size, 9 * 60, 16 * 60 + 30, 30))
    kept = minute <= limit[row_ref]
    row_ref, minute = row_ref[kept], minute[kept]
    first = np.r_[True, row_ref[1:] != row_ref[:-1]]
    last = np.full(ref_minute.size, NO_TIME, dtype=np.int64)
    past = minute <= EXTRACT_MINUTE
    np.maximum.at(last, row_ref[past], minute[past])
    last = np.where(last == NO_TIME, ref_minute, last)
    return {"ref": row_ref, "minute": minute, "first": first, "past": past, "last": last}


def _referrals(
    rng: np.random.Generator,
    pats: Patients,
    ref: Reference,
    pid: np.ndarray,
    ipn: pa.Array,
    episode: pa.Array,
    service: np.ndarray,
    clinician: pa.Array,
    ref_minute: np.ndarray,
    discharge: np.ndarray,
) -> Table:
    k = pid.size
    open_ = discharge == NO_TIME
    urgent = (rng.random(k) < 0.1).astype(np.int64)
    values: dict[str, ColumnValue] = {
        "InternalPatientNumber": ipn,
        "EpisodeNumber": episode,
        "RefDtTmInt": format_dates(ref_minute, "CCYYMMDDHHMM"),
        "ReferralDate": format_dates(ref_minute, "DD/MM/YYYY"),
        "ReferralTime": format_dates(ref_minute, "HH:MM"),
        "ServGroup": pick([s for s, _ in SERVICE_GROUPS], service),
        "LeadClinician": clinician,
        "Source": pick(code_values("source_of_referral"), np.where(rng.random(k) < 0.8, 2, 0)),
        "ReferrerType": "CON",
        "ReferrerId": clinician,
        "Priority": pick(["ROUTINE", "URGENT"], urgent),
        "PriorityInt": pick(["R", "U"], urgent),
        "Type": "STANDARD",
        "TypeInt": "1",
        "Category": pick(code_values("administrative_category"), (rng.random(k) < 0.03).astype(np.int64)),
        "Status": pick(["SG DSCH", "SG"], open_.astype(np.int64)),
        "StatusInt": pick(["2", "1"], open_.astype(np.int64)),
        "DischargeDtTmInt": format_dates(discharge, "CCYYMMDDHHMM"),
        "DischargeDate": format_dates(discharge, "DD/MM/YYYY"),
        "DischargeReason": pick(["TCOM", ""], open_.astype(np.int64)),
        "Outcome": pick(["DISC", ""], open_.astype(np.int64)),
        "DiagComment1": pick([f"{d} AFTER SURGERY AT QVH" for _, d in SERVICE_GROUPS], service),
    }
    return values, k


def _contact_rows(
    rng: np.random.Generator,
    ipn: pa.Array,
    episode: pa.Array,
    service: np.ndarray,
    clinician: pa.Array,
    contacts: dict[str, np.ndarray],
    discharged: np.ndarray,
) -> Table:
    r, minute, past = contacts["ref"], contacts["minute"], contacts["past"]
    n = r.size
    take = pa.array(r)
    attendance = weighted(rng, list(ATTENDANCE_MIX), n)
    seen = past & np.isin(attendance, [ATTENDANCE.index("ATT"), ATTENDANCE.index("WLK")])
    actual = np.where(seen, minute + rng.integers(0, 21, n), NO_TIME)
    kind = weighted(rng, list(CONTACT_TYPE_MIX), n)
    location = np.where(service[r] == 2, 1, np.where(rng.random(n) < 0.7, 0, 2 + rng.integers(0, 2, n)))
    last_of_ref = np.r_[r[1:] != r[:-1], True]
    outcome = np.where(last_of_ref & discharged[r] & past, 1, np.where(past, 0, 2))
    values: dict[str, ColumnValue] = {
        "InternalPatientNumber": ipn.take(take),
        "EpisodeNumber": episode.take(take),
        "ContactDatetimeInt": format_dates(minute, "CCYYMMDDHHMM"),
        "ContactDate": format_dates(minute, "DD/MM/YYYY"),
        "ContactTime": format_dates(minute, "HH:MM"),
        "ActualContactDtTmInt": format_dates(actual, "CCYYMMDDHHMM"),
        "ActualContactDate": format_dates(actual, "DD/MM/YYYY"),
        "ActualContactTime": format_dates(actual, "HH:MM"),
        "ApptAttendanceCode": pick(ATTENDANCE, attendance, past),
        "InitialContact": pick(["NO", "YES"], contacts["first"].astype(np.int64)),
        "PrimaryClinician": clinician.take(take),
        "ServiceGroup": pick([s for s, _ in SERVICE_GROUPS], service[r]),
        "LocationCode": pick([c for c, _ in LOCATIONS], location),
        "LocationDescription": pick([d for _, d in LOCATIONS], location),
        "TypeOfContact": pick([t for t, _ in CONTACT_TYPES], kind),
        "ConsultationMediumUsed": pick([m for _, m in CONTACT_TYPES], kind),
        "PatientCategory": "N",
        "PatientStatus": "OP",
        "PrimaryOutcome": pick(["FURA", "DISC", ""], outcome),
        "Duration": "30",
    }
    return values, n
