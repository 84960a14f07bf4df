"""The legacy PAS date grammar: one strict parser for every stage that reads a legacy date.

PatientCentre stores a moment in one of a few fixed shapes. Internal fields are ``CCYYMMDD`` or
``CCYYMMDDHHMM``; display fields are ``DD/MM/YYYY`` or ``DD/MM/YYYY HH:MM`` (and, in columns whose
Size is 8 or 14, the two-digit-year ``DD/MM/YY [HH:MM]``); time-of-day fields are ``HH:MM`` or
``HHMM``. A value is valid in a format only when it has exactly that shape and names a real moment:

* every digit position holds an ASCII digit and every separator is the literal one, nothing is
  trimmed or skipped (``2024-01-05`` is not a ``CCYYMMDD`` date, ``5/1/2024`` not a display date);
* the calendar date exists (no month 00 or 13, no 31 February; ``00000000`` is malformed, not a
  "no date" marker, because PatientCentre writes an empty field for that);
* hours run 00-23 and minutes 00-59 (``24:00`` is malformed), years from 1800;
* two-digit years pivot at the extract year: ``26`` is 2026, ``27`` is 1927;
* a null, empty or all-blank value is blank: neither a date nor malformed.

``"auto"`` is for callers that do not know the column's format: the value's own shape chooses
among the four four-digit-year formats (their widths 8, 12, 10 and 16 never overlap), and a value
that fits none of them, including any two-digit year, is malformed.

The engine works on the Arrow buffers as a byte matrix, with no Python loop over rows, so it keeps
up with the generator's millions of rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from qvh_migration.io.arrow_text import as_large, series_arrow

# Token -> digits it takes; any other token is a literal separator.
FIELD_WIDTHS: dict[str, int] = {"Y4": 4, "Y2": 2, "M": 2, "D": 2, "h": 2, "m": 2}
LEGACY_DATE_FORMATS: dict[str, tuple[str, ...]] = {
    "CCYYMMDD": ("Y4", "M", "D"),
    "CCYYMMDDHHMM": ("Y4", "M", "D", "h", "m"),
    "DD/MM/YYYY": ("D", "/", "M", "/", "Y4"),
    "DD/MM/YYYY HH:MM": ("D", "/", "M", "/", "Y4", " ", "h", ":", "m"),
    "DD/MM/YY": ("D", "/", "M", "/", "Y2"),
    "DD/MM/YY HH:MM": ("D", "/", "M", "/", "Y2", " ", "h", ":", "m"),
    "HH:MM": ("h", ":", "m"),
    "HHMM": ("h", "m"),
    # Month precision (a follow-up "required in" month): parsed as the first day of the month.
    "CCYYMM": ("Y4", "M"),
    "MM/YYYY": ("M", "/", "Y4"),
}
AUTO = "auto"
AUTO_FORMATS: tuple[str, ...] = ("CCYYMMDD", "CCYYMMDDHHMM", "DD/MM/YYYY", "DD/MM/YYYY HH:MM")
# Two-digit years up to this one are 20YY, later ones 19YY (the extract is taken in 2026).
TWO_DIGIT_YEAR_PIVOT = 26
EARLIEST_YEAR = 1800
# Sentinel for "no date" in int64 minute arrays; it is NaT when viewed as datetime64[m].
NO_TIME = np.iinfo(np.int64).min


def format_width(fmt: str) -> int:
    return sum(FIELD_WIDTHS.get(tok, len(tok)) for tok in LEGACY_DATE_FORMATS[fmt])


def _text(values: pd.Series | pa.Array) -> pa.Array:
    """The values as one Arrow large_string array, nulls as ""."""
    if isinstance(values, pd.Series):
        if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
            arr = series_arrow(values)
        else:  # object, numeric or python-string columns from real files: a copy is acceptable
            arr = pa.array(values.to_numpy(dtype=object), from_pandas=True)
            arr = pc.cast(arr, pa.large_string()) if not pa.types.is_null(arr.type) else arr
    else:
        arr = values
    if pa.types.is_null(arr.type):
        arr = pa.array([""] * len(arr), type=pa.large_string())
    arr = as_large(arr)
    return as_large(pc.fill_null(arr, "")) if arr.null_count else arr


def _blank(arr: pa.Array) -> np.ndarray:
    return pc.equal(pc.utf8_trim_whitespace(arr), "").to_numpy(zero_copy_only=False)


def parse_minutes(values: pd.Series | pa.Array, fmt: str) -> tuple[np.ndarray, np.ndarray]:
    """Strictly parse legacy date strings to int64 minutes since 1970.

    Returns (minutes, ok): ``ok`` is False for non-blank values that are not valid in ``fmt``;
    blank values give ``NO_TIME`` and ok=True. Time-only formats give minutes on 1970-01-01.
    """
    arr = _text(values)
    if fmt == AUTO:
        return _parse_auto(arr)
    width = format_width(fmt)
    lengths = pc.binary_length(arr).to_numpy(zero_copy_only=False)
    shaped = lengths == width
    data = arr.buffers()[2]
    buf = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    rows = np.flatnonzero(shaped)
    chars = buf[offsets[rows][:, None] + np.arange(width)] if rows.size else np.zeros((0, width), np.uint8)
    ok_rows = np.ones(rows.size, dtype=bool)
    values_by_tok: dict[str, np.ndarray] = {}
    pos = 0
    for tok in LEGACY_DATE_FORMATS[fmt]:
        w = FIELD_WIDTHS.get(tok, len(tok))
        seg = chars[:, pos : pos + w]
        if tok in FIELD_WIDTHS:
            ok_rows &= ((seg >= 48) & (seg <= 57)).all(axis=1)
            values_by_tok[tok] = ((seg.astype(np.int64) - 48) * (10 ** np.arange(w - 1, -1, -1))).sum(axis=1)
        else:
            ok_rows &= (seg == np.frombuffer(tok.encode("ascii"), dtype=np.uint8)).all(axis=1)
        pos += w
    if "Y4" in values_by_tok:
        year = values_by_tok["Y4"]
    elif "Y2" in values_by_tok:
        year = values_by_tok["Y2"] + np.where(values_by_tok["Y2"] > TWO_DIGIT_YEAR_PIVOT, 1900, 2000)
    else:
        year = np.full(rows.size, 1970, dtype=np.int64)
    month = values_by_tok.get("M", np.ones(rows.size, np.int64))
    day = values_by_tok.get("D", np.ones(rows.size, np.int64))
    hour = values_by_tok.get("h", np.zeros(rows.size, np.int64))
    minute = values_by_tok.get("m", np.zeros(rows.size, np.int64))
    ok_rows &= (month >= 1) & (month <= 12) & (day >= 1) & (hour <= 23) & (minute <= 59) & (year >= EARLIEST_YEAR)
    # Clipped only so that rejected rows cannot overflow the month arithmetic below.
    first = (np.clip(year, EARLIEST_YEAR, 9999) - 1970) * 12 + (np.clip(month, 1, 12) - 1)
    month_start = first.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    next_start = (first + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    ok_rows &= day <= (next_start - month_start)
    mins = (month_start + day - 1) * 1440 + hour * 60 + minute
    ok = _blank(arr)
    ok[rows] |= ok_rows
    minutes = np.full(len(arr), NO_TIME, dtype=np.int64)
    minutes[rows[ok_rows]] = mins[ok_rows]
    return minutes, ok


def _parse_auto(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    minutes = np.full(len(arr), NO_TIME, dtype=np.int64)
    ok = _blank(arr)
    for fmt in AUTO_FORMATS:
        mins, fmt_ok = parse_minutes(arr, fmt)
        hit = fmt_ok & (mins != NO_TIME)
        minutes[hit] = mins[hit]
        ok |= hit
    return minutes, ok


def _check_format(fmt: str) -> None:
    if fmt != AUTO and fmt not in LEGACY_DATE_FORMATS:
        raise ValueError(f"unknown legacy date format {fmt!r}; expected {AUTO!r} or one of {list(LEGACY_DATE_FORMATS)}")


def parse_legacy_dates(values: pd.Series, fmt: str) -> pd.Series:
    """Dates of ``values`` in ``fmt`` (or ``"auto"``) as ``datetime64[s]``; NaT for blank or malformed."""
    _check_format(fmt)
    minutes, _ = parse_minutes(values, fmt)
    return pd.Series(minutes.view("datetime64[m]").astype("datetime64[s]"), index=values.index, name=values.name)


def malformed_legacy_dates(values: pd.Series, fmt: str) -> pd.Series:
    """True where a value is not blank and not a valid date in ``fmt`` (or in any ``"auto"`` shape)."""
    _check_format(fmt)
    _, ok = parse_minutes(values, fmt)
    return pd.Series(~ok, index=values.index, name=values.name)
