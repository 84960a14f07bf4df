"""The reference evaluator's own versions of the outpatient waiting-list transforms (guide pp. 50-51).

Written from the transforms' documented intent (``mapping/transforms_opd_waitlist.py``), one value at a
time, not from their vectorised code, so the trial comparison stays a second opinion.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from qvh_migration.reports.trial_comparison.reference.reference_transforms import Value, as_date, parse_legacy_date

Row = dict[str, Value]


def _month_start(value: Value) -> Value:
    text = (value or "").strip()
    for pattern, year_at, month_at in ((r"(\d{4})(\d{2})", 1, 2), (r"(\d{2})/(\d{4})", 2, 1)):
        match = re.fullmatch(pattern, text)
        if match:
            year, month = int(match.group(year_at)), int(match.group(month_at))
            return f"01/{month:02d}/{year:04d}" if 1 <= month <= 12 and year >= 1900 else None
    return None


def appointment_required_date(*values: Value) -> Value:
    """The first input holding a full date (as DD/MM/YYYY) or a month (its first day)."""
    for value in values:
        found = as_date((value or "").strip() or None) or _month_start(value)
        if found:
            return found
    return None


def removed_outpatient_entry_status(code: Value) -> Value:
    """A for a removal by booking (BKD), C for any other removal code, nothing for no code."""
    text = (code or "").strip().upper()
    return None if not text else "A" if text == "BKD" else "C"


def booked_status(entry: Row, appointments: Iterable[Row], columns: list[str]) -> str:
    """L when one of the referral's appointments was booked from the entry's list, starts on or after
    the entry was added and is not yet outcomed (NR or blank); W otherwise."""
    treatment, on_list, booked_from, status, start = columns
    added = parse_legacy_date((entry.get(on_list) or "").strip() or None)
    for appt in appointments:
        same = all(appt.get(k) == entry.get(k) for k in ("InternalPatientNumber", "EpisodeNumber"))
        if not same or (appt.get(booked_from) or "").strip() != (entry.get(treatment) or "").strip():
            continue
        if (appt.get(booked_from) or "").strip() == "" or (appt.get(status) or "").strip().upper() not in ("NR", ""):
            continue
        when = parse_legacy_date((appt.get(start) or "").strip() or None)
        if when is not None and (added is None or when >= added):
            return "L"
    return "W"


def removal_on_death(died: Value) -> Value:
    """An entry left on the list of a patient who died leaves it with the outcome DIED."""
    return "DIED" if (died or "").strip() else None


WAITLIST_TRANSFORMS: dict[str, Callable[..., Value]] = {
    "removal_on_death": removal_on_death,
    "appointment_required_date": appointment_required_date,
    "removed_outpatient_entry_status": removed_outpatient_entry_status,
}
