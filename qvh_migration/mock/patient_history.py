"""Per-patient history tables: previous surnames, previous addresses, GP history, case-note volumes."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qvh_migration.mock import identity as ident
from qvh_migration.mock import wordlists as words
from qvh_migration.mock.catalog import ColumnValue, Dates
from qvh_migration.mock.parameters import EXTRACT_DAY, MINUTES_PER_DAY, NO_TIME
from qvh_migration.mock.patients import Patients
from qvh_migration.mock.reference import Reference
from qvh_migration.mock.strings import as_large, join, pick, plain_int
from qvh_migration.mock.vector import at, expand, group_cumsum, group_offsets

Table = tuple[dict[str, ColumnValue], int]


def _patient_keys(pats: Patients, pid: np.ndarray) -> dict[str, ColumnValue]:
    take = pa.array(pid)
    return {
        "InternalPatientNumber": pats.text["InternalPatientNumber"].take(take),
        "DistrictNumber": pats.text["DistrictNumber"].take(take),
    }


def previous_surnames(rng: np.random.Generator, pats: Patients) -> tuple[Table, dict[str, ColumnValue]]:
    """Maiden and earlier married names; also fills PATDATA.PreviousSurname1 and BirthName."""
    age = (EXTRACT_DAY - pats.dob_day) / 365.25
    has = pats.female & pats.married & (age >= 22) & (rng.random(pats.n) < 0.6)
    counts = np.where(has, np.where(rng.random(pats.n) < 0.1, 2, 1), 0)
    pid, pos = expand(counts)
    names = pick(words.SURNAMES, rng.integers(0, len(words.SURNAMES), pid.size))
    values = {
        **_patient_keys(pats, pid),
        "Surname": names,
        "Forenames": pats.text["Forenames"].take(pa.array(pid)),
        "InternalDateOfBirth": Dates(at(pats.dob_day[pid], 0)),
        "SeqNo": plain_int(pos + 1),
    }
    # The most recent previous name is the last of each patient's rows; the birth name the first.
    first, last = group_offsets(pid)
    latest = np.full(pats.n, -1)
    latest[pid[last]] = np.flatnonzero(last)
    birth = np.full(pats.n, -1)
    birth[pid[first]] = np.flatnonzero(first)
    extras = {
        "PreviousSurname1": _take_or_blank(names, latest),
        "BirthName": _take_or_blank(names, birth),
    }
    return (values, pid.size), extras


def _take_or_blank(arr: pa.Array, rows: np.ndarray) -> pa.Array:
    padded_arr = pa.concat_arrays([arr, pa.array([""], pa.large_string())])
    return padded_arr.take(pa.array(np.where(rows >= 0, rows, len(arr))))


def previous_addresses(rng: np.random.Generator, pats: Patients) -> Table:
    """Earlier addresses, back to back, ending the day before the patient moved to the current one."""
    has = rng.random(pats.n) < 0.3
    counts = np.where(has, 1 + (rng.random(pats.n) < 0.3) + (rng.random(pats.n) < 0.08), 0)
    pid, pos = expand(counts)  # pos 0 = most recent previous address
    reg_day = pats.reg_minute // MINUTES_PER_DAY
    moved = reg_day + (rng.random(pats.n) * (EXTRACT_DAY - reg_day)).astype(np.int64)
    span = rng.integers(365, 3650, pid.size)
    to_day = moved[pid] - 1 - (group_cumsum(span, pid) - span)
    from_day = to_day - span + 1
    areas = ident.area_index(rng, pid.size)
    line1, line2, line3, line4 = ident.address_lines(rng, areas)
    return {
        **_patient_keys(pats, pid),
        "SeqNo": plain_int(counts[pid] - pos),
        "EffectiveFromDate": Dates(at(from_day, 0)),
        "EffectiveFromDateInt": Dates(at(from_day, 0)),
        "EffectiveToDate": Dates(at(to_day, 0)),
        "EffectiveToDateInt": Dates(at(to_day, 0)),
        "PtAddLn1": line1,
        "PtAddLn2": line2,
        "PtAddLn3": line3,
        "PtAddLn4": line4,
        "Postcode": ident.postcodes(rng, areas),
    }, pid.size


def gp_history(rng: np.random.Generator, pats: Patients, ref: Reference) -> Table:
    """GP registrations; the last row of each patient is the current GP (PATDATA.GpCode), open-ended."""
    counts = 1 + (rng.random(pats.n) < 0.35) + (rng.random(pats.n) < 0.1)
    pid, pos = expand(counts)
    back = counts[pid] - 1 - pos  # 0 = current registration
    reg_day = pats.reg_minute // MINUTES_PER_DAY
    current_from = reg_day - rng.integers(0, 3000, pats.n)
    span = rng.integers(400, 4000, pid.size)
    span_rev = np.where(back == 0, 0, span)
    # Walk back from the current registration: each earlier one ends the day before the next began.
    order = np.lexsort((back, pid))
    cum = np.empty_like(span_rev)
    cum[order] = group_cumsum(span_rev[order], pid[order])
    from_day = current_from[pid] - cum
    to_day = np.where(back == 0, -1, from_day + span_rev - 1)
    gp = np.where(back == 0, pats.gp[pid], rng.integers(0, len(ref.gp_codes) - 1, pid.size))
    gp_table = ref.tables["GP"][0]
    take = pa.array(gp)
    return {
        **_patient_keys(pats, pid),
        "SeqNo": plain_int(pos + 1),
        "GpCode": pick(ref.gp_codes, gp),
        "Practice": pick(ref.practice_codes, ref.gp_practice[gp]),
        "Title": gp_table["Title"].take(take),
        "Surname": gp_table["Surname"].take(take),
        "Initials": gp_table["Initials"].take(take),
        # The GP master's address, taken by index from the master's own arrays.
        "GpAddrLine1": gp_table["Address"].take(take),
        "GpAddrLine2": gp_table["GpAddrLine2"].take(take),
        "GpAddrLine3": gp_table["GpAddrLine3"].take(take),
        "GpAddrLine4": gp_table["GpAddrLine4"].take(take),
        "Postcode": gp_table["Postcode"].take(take),
        "FromDate": Dates(at(from_day, 0)),
        "FromDtTmInt": Dates(at(from_day, 0)),
        "ToDate": Dates(np.where(to_day >= 0, at(to_day, 0), NO_TIME)),
    }, pid.size


def case_notes(rng: np.random.Generator, pats: Patients) -> Table:
    """Volume 1 (numbered as the hospital number) for everyone, a second volume for long histories."""
    reg_day = pats.reg_minute // MINUTES_PER_DAY
    second = (reg_day < EXTRACT_DAY - 8 * 365) & (rng.random(pats.n) < 0.35)
    counts = 1 + second.astype(np.int64)
    pid, pos = expand(counts)
    district = pats.text["DistrictNumber"].take(pa.array(pid))
    number = as_large(pc.if_else(pa.array(pos == 0), district, join([district, "/2"])))
    allocated = np.where(pos == 0, reg_day[pid], reg_day[pid] + (EXTRACT_DAY - reg_day[pid]) // 2)
    moved = allocated + (rng.random(pid.size) * (EXTRACT_DAY - allocated)).astype(np.int64)
    archived = (pos == 0) & second[pid]
    location = np.where(
        archived, 1, np.where(rng.random(pid.size) < 0.25, 2, rng.choice([0, 0, 0, 3, 4, 5], size=pid.size))
    )
    return {
        "InternalPatientNumber": pats.text["InternalPatientNumber"].take(pa.array(pid)),
        "PtCasenoteIdPhyskey": number,
        "Location": pick(["MREC", "ARCH", "SCAN", "OPD", "WRDS", "SECR"], location),
        "Status": pick(["ACTIVE", "ARCHIVED", "SCANNED"], np.where(archived, 1, np.where(location == 2, 2, 0))),
        "Allocated": Dates(at(allocated, 0)),
        "PtCsNtLocDat": Dates(at(moved, 0)),
    }, pid.size
