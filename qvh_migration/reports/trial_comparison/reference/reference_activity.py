"""The reference evaluator's own version of the waiting-list and wait-reset rules, one row at a time.

Written from the rules' rationale (``LOAD_IWL``, ``LOAD_IWL_TCIS``, ``LOAD_ADT_ADMISSIONS``,
``LOAD_CMTY_APPOINTMENTS``, ``LOAD_REFERRALS``), not from the ETL's vectorised code, and never
calling it: plain functions of plain values (``str`` or ``None``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from qvh_migration.etl.row_sources import RowSources
from qvh_migration.reports.trial_comparison.reference.reference_sources import (
    ReferenceSources,
    Row,
    passes,
    shared_keys,
)
from qvh_migration.reports.trial_comparison.reference.reference_transforms import Value, parse_legacy_date, text, upper

# WLACTIVITY.EpsActvTypeInt (local): what the entry's latest activity leaves it as.
ENTRY_STATUS = {"1": "W", "2": "L", "3": "W", "4": "W", "5": "D", "6": "A", "7": "C"}
AS_OF_TRANSFORMS = ("inpatient_waitlist_status", "patient_classification")
BOOKINGS_TABLE = "LOAD_OPD_APPOINTMENTS"  # its row filters say which bookings load as bookings
WAIT_RESET = "override_wait_reset_date"
MANIFEST_KEYS = ("as_of", "as_of_date", "extract_date", "extracted_at")
RECORDED_DATES = {
    "RTTPERIOD": ("LatestStsDtInt", "CurrentStatusDtInt"),
    "WLENTRY": ("EpsActvDtimeInt",),
    "WLACTIVITY": ("EpsActvDtimeInt",),
    "OPWLENTRY": ("OPRegDateInt",),
}


def _code(value: Value) -> str:
    return (text(value) or "").lstrip("0") or ("0" if text(value) else "")


def _day(value: Value) -> datetime | None:
    moment = parse_legacy_date(value)
    return None if moment is None else datetime(moment.year, moment.month, moment.day)


def _on_the_day(activity: str, op_cancelled: Value) -> bool:
    return activity in ("3", "4") and text(op_cancelled) == "1"


def inpatient_waitlist_status(
    current: Value, until: Value, revised: Value, op_cancelled: Value, as_of: datetime | None = None
) -> Value:
    activity = _code(current)
    if _on_the_day(activity, op_cancelled):
        return "N"  # TCI cancelled on the day of surgery: admitted, not treated
    status = ENTRY_STATUS.get(activity)
    if status == "D" and as_of is not None:
        end = _day(revised) if text(revised) else _day(until)  # the revised end, when recorded
        if end is not None and end < as_of:
            return "W"  # the suspension lapsed before the as-of day
    return status


def tci_status(activity_type: Value, op_cancelled: Value, tci_at: Value, entry: Value, admitted: Value) -> Value:
    activity = _code(activity_type)
    if activity in ("3", "4"):
        return "N" if _on_the_day(activity, op_cancelled) else "C"
    if activity != "2":
        return None
    admission_day = _day(admitted)
    current = admission_day is None or _day(tci_at) == admission_day
    entry_status = _code(entry)
    if current and entry_status == "6":
        return "A"
    if current and entry_status == "2":
        return "L"
    return "C"


def tci_cancelled_date(activity_type: Value, when: Value) -> Value:
    moment = parse_legacy_date(when)
    return moment.strftime("%d/%m/%Y") if moment and _code(activity_type) in ("3", "4") else None


def community_contact_outcome(attendance: Value, outcome: Value) -> Value:
    code = upper(attendance) or ""
    if code in ("ATT", "SATT", "WLK"):
        return upper(outcome) or None
    if code in ("DNA", "NATT"):
        return "NATT"
    if code in ("CND", "CNW"):
        return "CANC-" + code
    return None


def estimated_discharge_or_next_day(expected: Value, admitted: Value) -> Value:
    moment = parse_legacy_date(expected)
    if moment is None:
        admission = parse_legacy_date(admitted)
        moment = None if admission is None else admission + timedelta(days=1)
    return None if moment is None else moment.strftime("%d/%m/%Y %H:%M")


def patient_classification(intended: Value, admitted: Value, discharged: Value, as_of: datetime | None = None) -> Value:
    """NHS patient classification: what the stay was. A planned day case (2) still in hospital after
    the day it was admitted (discharged later, or undischarged on a later as-of day) was an ordinary
    admission (1); planned overnight stays (1, 3) are ordinary, regular days (4) and nights (5) are
    classifications 3 and 4; unknown intentions give nothing."""
    code = text(intended)
    classification = {"1": "1", "3": "1", "2": "2", "4": "3", "5": "4"}.get(code or "")
    if classification != "2":
        return classification
    arrived, left = _day(admitted), _day(discharged)
    if left is None and as_of is not None:
        left = datetime(as_of.year, as_of.month, as_of.day)
    return "1" if arrived is not None and left is not None and left > arrived else "2"


SCALARS: dict[str, Callable[..., Value]] = {
    "inpatient_waitlist_status": inpatient_waitlist_status,
    "tci_status": tci_status,
    "tci_cancelled_date": tci_cancelled_date,
    "community_contact_outcome": community_contact_outcome,
    "estimated_discharge_or_next_day": estimated_discharge_or_next_day,
    "patient_classification": patient_classification,
}


def extract_as_of(extracts: Path) -> datetime | None:
    """The manifest's as-of day, else the latest recorded status or activity day of the extracts."""
    manifest = extracts / "manifest.json"
    stated = json.loads(manifest.read_text(encoding="utf-8")) if manifest.exists() else {}
    for key in MANIFEST_KEYS:
        stamp = pd.to_datetime(str(stated.get(key) or ""), errors="coerce")
        if stated.get(key) and pd.notna(stamp):
            return datetime(stamp.year, stamp.month, stamp.day)
    days = []
    for table, columns in RECORDED_DATES.items():
        path = extracts / f"{table}.parquet"
        if not path.exists():
            continue
        frame = pd.read_parquet(path)
        for column in (c for c in columns if c in frame.columns):
            days += [d for d in (_day(v) for v in frame[column].dropna().astype(str).unique()) if d is not None]
    return max(days) if days else None


def wait_reset_day(status: Value, cancel_by: Value, appointment: Value, cancelled: Value) -> datetime | None:
    """The day a booking resets the wait: a DNA on its appointment day, a patient's cancellation on
    the day cancelled (the appointment day when not recorded); None for any other booking."""
    code = upper(status) or ""
    if code in ("NATT", "DNA"):
        return _day(appointment)
    if code == "CANC" and (upper(cancel_by) or "") == "P":
        return _day(cancelled) or _day(appointment)
    return None


def override_wait_reset(discharged: Value, bookings: Iterable[tuple[Value, Value, Value, Value, bool]]) -> Value:
    """Bookings as (status, canceller, appointment, cancelled, loaded as a booking): the latest reset
    when the referral is open and at least one reset booking is not loaded (archived)."""
    if text(discharged):
        return None
    resets = [(wait_reset_day(s, b, a, c), loaded) for s, b, a, c, loaded in bookings]
    resets = [(day, loaded) for day, loaded in resets if day is not None]
    if not any(not loaded for _, loaded in resets):
        return None
    return max(day for day, _ in resets).strftime("%d/%m/%Y")


def wait_reset_field(
    sources: ReferenceSources, row_sources: RowSources, grain: list[str], row: Row, fields: list[str]
) -> tuple[Value, str]:
    """OVERRIDE_WAIT_RESET_DATE of one referral row, and the source values it came from. ``fields``:
    the referral's discharge date, then the bookings' appointment, status, canceller, cancelled."""
    (_, discharged), (table, start), (_, status), (_, by), (_, cancelled) = (f.split(".", 1) for f in fields)
    others = sources.live(table)
    on = shared_keys(table, row, others, wanted=grain)
    spec = row_sources.tables.get(BOOKINGS_TABLE)
    filters = getattr(spec, "filters", ())
    bookings = [
        (r.get(status), r.get(by), r.get(start), r.get(cancelled), all(passes(f, r) for f in filters))
        for r in others
        if on and all(r.get(c) == row.get(c) for c in on)
    ]
    value = override_wait_reset(row.get(discharged), bookings)
    return value, f"{fields[0]}={row.get(discharged) or ''}; {table} bookings={len(bookings)}"
