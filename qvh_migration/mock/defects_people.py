"""Patient-level defects: NHS number faults, future births, duplicate registrations, merges."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qvh_migration.legacy.nhs_number import nhs_check_digits
from qvh_migration.mock import defect_values as bad
from qvh_migration.mock.catalog import Dates, render_table
from qvh_migration.mock.identity import format_nhs
from qvh_migration.mock.injector import Injector
from qvh_migration.mock.parameters import EXTRACT_MINUTE, MINUTES_PER_DAY, NO_TIME
from qvh_migration.mock.strings import EmptyColumns, join, padded, plain_int, series_arrow


def _digits(arr: pa.Array) -> np.ndarray:
    """Integer value of digit strings such as "999 123 4567" (spaces ignored); -1 when not digits."""
    clean = pc.replace_substring(arr, " ", "")
    ok = pc.and_(pc.utf8_is_digit(clean), pc.greater(pc.utf8_length(clean), 0))
    safe = pc.if_else(ok, clean, "-1")
    return pc.cast(safe, pa.int64()).to_numpy(zero_copy_only=False)


def patient_defects(inj: Injector, k: int) -> None:
    if "PATDATA" not in inj.tables:
        return
    nhs = _digits(inj.col("PATDATA", "NhsNumber"))
    has = nhs >= 0
    # Wrong check digit: any digit but the right one fails Modulus 11.
    rows = inj.pick("PATDATA", has, k)
    stem = nhs[rows] // 10
    wrong = (nhs_check_digits(stem) + inj.rng.integers(1, 10, rows.size)) % 10
    inj.set("PATDATA", "NhsNumber", rows, format_nhs(stem * 10 + wrong))
    inj.record(
        "PATDATA",
        rows,
        "NhsNumber",
        "invalid_nhs_check_digit",
        join(["check digit should be ", plain_int(nhs_check_digits(stem))]),
    )
    rows = inj.pick("PATDATA", has, k)
    values = bad.dummy_nhs(inj.rng, rows.size)
    inj.set("PATDATA", "NhsNumber", rows, values)
    inj.record("PATDATA", rows, "NhsNumber", "dummy_nhs_number", join(["repeated-digit number ", values]))
    _future_birth(inj, k)


def _future_birth(inj: Injector, k: int) -> None:
    """A century typo: born 1952 keyed as 2052 (only births from 1930 on land in the future)."""
    dob = inj.minutes("PATDATA", "InternalDateOfBirth")
    eligible = (dob != NO_TIME) & (dob >= np.datetime64("1930-01-01", "m").astype(np.int64))
    rows = inj.pick("PATDATA", eligible, k)
    days = (dob[rows] // MINUTES_PER_DAY).astype("datetime64[D]")
    month = days.astype("datetime64[M]")
    new_days = (month + 1200).astype("datetime64[D]") + (days - month.astype("datetime64[D]"))
    new = new_days.astype(np.int64) * MINUTES_PER_DAY
    for col in ("InternalDateOfBirth", "PtDoB"):
        inj.set_dates("PATDATA", col, rows, new)
    parts = {"PtDobDayInt": "D", "PtDobMonthInt": "M", "PtDobYearInt": "Y"}
    for col, part in parts.items():
        inj.set("PATDATA", col, rows, plain_int(_part(new_days, part)))
    inj.record(
        "PATDATA",
        rows,
        "InternalDateOfBirth",
        "future_date_of_birth",
        join(["date of birth after the extract date: ", inj.col("PATDATA", "PtDoB").take(pa.array(rows))]),
    )


def _part(days: np.ndarray, part: str) -> np.ndarray:
    if part == "Y":
        return days.astype("datetime64[Y]").astype(np.int64) + 1970
    if part == "M":
        return (days.astype("datetime64[M]") - days.astype("datetime64[Y]")).astype(np.int64) + 1
    return (days - days.astype("datetime64[M]")).astype(np.int64) + 1


def register_duplicates(inj: Injector, sources: np.ndarray) -> None:
    """Ledger the second registrations the generator appended to PATDATA (its last rows) and keep
    both registrations of each person free of other defects."""
    if sources.size == 0 or "PATDATA" not in inj.tables:
        return
    k = sources.size
    rows = len(inj.tables["PATDATA"]) - k + np.arange(k)
    inj.used["PATDATA"][sources] = True
    inj.used["PATDATA"][rows] = True
    original = inj.col("PATDATA", "InternalPatientNumber").take(pa.array(sources))
    inj.record(
        "PATDATA",
        rows,
        "InternalPatientNumber",
        "duplicate_patient",
        join(["same person as InternalPatientNumber=", original]),
    )


def merged_patients(inj: Injector, k: int) -> None:
    """MERGEDID rows: a retired internal number (a gap in the sequence) merged into a live patient;
    about one in seven went through an intermediate number first (a chain of two merges)."""
    if "MERGEDID" not in inj.specs or "PATDATA" not in inj.tables or k == 0:
        return
    ipn = _digits(inj.col("PATDATA", "InternalPatientNumber"))
    live = np.sort(ipn[ipn >= 0])
    gaps = np.setdiff1d(np.arange(live.min(), live.max() + 1), live)
    k = min(k, gaps.size // 2)
    survivors = ipn[inj.rng.choice(np.flatnonzero(ipn >= 0), size=k, replace=False)]
    chain = inj.rng.random(k) < 0.15
    old = inj.rng.choice(gaps, size=k + int(chain.sum()), replace=False)
    first_old, middle = old[:k], old[k:]
    when = EXTRACT_MINUTE - inj.rng.integers(30, 9000, k) * MINUTES_PER_DAY
    earlier = when[chain] - inj.rng.integers(30, 1500, chain.sum()) * MINUTES_PER_DAY
    # Rows: every old id -> its next id, and the newest (surviving) id.
    old_ids = np.r_[first_old, middle]
    next_ids = np.r_[np.where(chain, 0, survivors), survivors[chain]]
    next_ids[np.flatnonzero(chain)] = middle
    newest = np.r_[survivors, survivors[chain]]
    next_time = np.r_[np.where(chain, 0, when), when[chain]]
    next_time[np.flatnonzero(chain)] = earlier
    newest_time = np.r_[when, when[chain]]
    values = {
        "OldID": padded(old_ids, 9),
        "NextID": padded(next_ids, 9),
        "NewestID": padded(newest, 9),
        "NextDateTime": Dates(next_time),
        "NewestDateTime": Dates(newest_time),
    }
    frame, _ = render_table(inj.specs["MERGEDID"], values, old_ids.size, EmptyColumns())
    order = np.argsort(old_ids, kind="stable")
    frame = frame.iloc[order].reset_index(drop=True)
    inj.tables["MERGEDID"] = frame
    inj.used["MERGEDID"] = np.ones(len(frame), dtype=bool)
    rows = np.arange(len(frame))
    inj.record(
        "MERGEDID",
        rows,
        "OldID",
        "merged_patient",
        join(["merged into InternalPatientNumber=", series_arrow(frame["NewestID"])]),
    )
