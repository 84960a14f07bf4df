"""Vectorised builders of Arrow string columns (the extract is all text, like a legacy export).

Millions of rows and hundreds of columns rule out Python string objects: numbers and dates are
written as ASCII digits into fixed-width byte matrices and wrapped as Arrow buffers, words are taken
from small Arrow arrays by index, and every empty column of a given length shares one offsets buffer.
Columns are ``large_string`` because that is what pandas' ``str`` dtype holds (no conversion copy).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.core.arrays.string_arrow import ArrowStringArray

from qvh_migration.mock.parameters import NO_TIME

STR_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' "str"
LARGE = pa.large_string()


def as_large(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr if arr.type == LARGE else arr.cast(LARGE)


def to_series(arr: pa.Array) -> pd.Series:
    """Wrap an Arrow string array as a pandas ``str`` Series without copying it."""
    return pd.Series(ArrowStringArray(pa.chunked_array([as_large(arr)]), dtype=STR_DTYPE), copy=False)


def series_arrow(series: pd.Series) -> pa.Array:
    """The Arrow array behind a ``str`` Series (one chunk)."""
    return as_large(pa.array(series.array))


class EmptyColumns:
    """Hands out all-empty string arrays; arrays of the same length share one zero offsets buffer."""

    def __init__(self) -> None:
        self._buffers: dict[int, pa.Buffer] = {}

    def __call__(self, n: int) -> pa.Array:
        if n not in self._buffers:
            self._buffers[n] = pa.py_buffer(np.zeros(n + 1, dtype=np.int64))
        return pa.LargeStringArray.from_buffers(n, self._buffers[n], pa.py_buffer(b""))


def from_char_matrix(chars: np.ndarray, present: np.ndarray | None = None) -> pa.Array:
    """Rows of a uint8 (n, width) ASCII matrix as strings; rows not ``present`` become ""."""
    n, width = chars.shape
    if present is None:
        offsets = np.arange(n + 1, dtype=np.int64) * width
        data = np.ascontiguousarray(chars).tobytes()
    else:
        lengths = np.where(present, width, 0).astype(np.int64)
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        data = np.ascontiguousarray(chars[present]).tobytes()
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


def digit_matrix(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded ASCII digits of non-negative integers, as a uint8 (n, width) matrix."""
    x = np.asarray(values, dtype=np.int64).copy()
    out = np.empty((x.shape[0], width), dtype=np.uint8)
    for j in range(width - 1, -1, -1):
        out[:, j] = 48 + (x % 10)
        x //= 10
    return out


def padded(values: np.ndarray, width: int, prefix: str = "", present: np.ndarray | None = None) -> pa.Array:
    """``prefix`` + zero-padded digits, e.g. internal numbers "000012345" or district "Q0012345"."""
    digits = digit_matrix(values, width)
    if prefix:
        head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
        digits = np.concatenate([np.broadcast_to(head, (digits.shape[0], head.size)), digits], axis=1)
    return from_char_matrix(digits, present)


def plain_int(values: np.ndarray, present: np.ndarray | None = None) -> pa.Array:
    """Integers without padding ("3", "12"); rows not ``present`` become ""."""
    arr = pc.cast(pa.array(np.asarray(values, dtype=np.int64)), LARGE)
    if present is not None:
        arr = pc.if_else(pa.array(present), arr, pa.scalar("", LARGE))
    return as_large(arr)


def pick(words: Sequence[str], index: np.ndarray, present: np.ndarray | None = None) -> pa.Array:
    """``words[index]`` for every row; rows not ``present`` become ""."""
    vocab = pa.array(list(words), type=LARGE)
    idx = np.asarray(index, dtype=np.int64)
    if present is not None:
        vocab = pa.concat_arrays([vocab, pa.array([""], type=LARGE)])
        idx = np.where(present, idx, len(words))
    return vocab.take(pa.array(idx))


def constant(value: str, n: int) -> pa.Array:
    return pick([value], np.zeros(n, dtype=np.int64))


def join(parts: Sequence[pa.Array | str], sep: str = "") -> pa.Array:
    """Element-wise concatenation; plain ``str`` parts are broadcast."""
    arrays = [as_large(p) if not isinstance(p, str) else pa.scalar(p, LARGE) for p in parts]
    return as_large(pc.binary_join_element_wise(*arrays, pa.scalar(sep, LARGE)))


def blank_where(arr: pa.Array, mask: np.ndarray) -> pa.Array:
    """Set rows where ``mask`` holds to ""."""
    return as_large(pc.if_else(pa.array(mask), pa.scalar("", LARGE), arr))


def choose(use_first: np.ndarray, first: pa.Array, second: pa.Array) -> pa.Array:
    return as_large(pc.if_else(pa.array(use_first), first, second))


def replace_rows(arr: pa.Array, rows: np.ndarray, values: Sequence[str] | pa.Array) -> pa.Array:
    """Copy of ``arr`` with ``arr[rows[i]] = values[i]`` (``rows`` need not be sorted)."""
    rows = np.asarray(rows, dtype=np.int64)
    if rows.size == 0:
        return as_large(arr)
    order = np.argsort(rows, kind="stable")
    vals = values if isinstance(values, pa.Array) else pa.array(list(values), type=LARGE)
    mask = np.zeros(len(arr), dtype=bool)
    mask[rows] = True
    return as_large(pc.replace_with_mask(as_large(arr), pa.array(mask), as_large(vals).take(pa.array(order))))


# ---------------------------------------------------------------- dates and times

# Formats the legacy PAS uses; a display field's format follows from its Size when the dictionary
# does not state one (10 -> DD/MM/YYYY, 16 -> DD/MM/YYYY HH:MM, 8 -> DD/MM/YY, 14 -> DD/MM/YY HH:MM).
DATE_FORMATS: dict[str, tuple[str, ...]] = {
    "CCYYMMDD": ("Y4", "M", "D"),
    "CCYYMMDDHHMM": ("Y4", "M", "D", "h", "m"),
    "DD/MM/YYYY": ("D", "/", "M", "/", "Y4"),
    "DD/MM/YYYY HH:MM": ("D", "/", "M", "/", "Y4", " ", "h", ":", "m"),
    "DD/MM/YY": ("D", "/", "M", "/", "Y2"),
    "DD/MM/YY HH:MM": ("D", "/", "M", "/", "Y2", " ", "h", ":", "m"),
    "HH:MM": ("h", ":", "m"),
    "HHMM": ("h", "m"),
    # Not PAS formats: the shapes malformed_legacy_date defects write.
    "ISO": ("Y4", "-", "M", "-", "D"),
    "ISO HH:MM": ("Y4", "-", "M", "-", "D", " ", "h", ":", "m"),
    "YY-MM-DD HH:MM": ("Y2", "-", "M", "-", "D", " ", "h", ":", "m"),
    "YY-MM-DD": ("Y2", "-", "M", "-", "D"),
}
_WIDTH = {"Y4": 4, "Y2": 2, "M": 2, "D": 2, "h": 2, "m": 2}


def format_width(fmt: str) -> int:
    return sum(_WIDTH.get(tok, len(tok)) for tok in DATE_FORMATS[fmt])


def date_parts(minutes: np.ndarray) -> dict[str, np.ndarray]:
    """Calendar parts of int64 minutes since 1970 (``NO_TIME`` rows give 1970-01-01 00:00)."""
    mins = np.where(minutes == NO_TIME, 0, minutes).astype("datetime64[m]")
    days = mins.astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    years = days.astype("datetime64[Y]")
    minute_of_day = (mins - days.astype("datetime64[m]")).astype(np.int64)
    year = years.astype(np.int64) + 1970
    return {
        "Y4": year,
        "Y2": year % 100,
        "M": (months - years.astype("datetime64[M]")).astype(np.int64) + 1,
        "D": (days - months.astype("datetime64[D]")).astype(np.int64) + 1,
        "h": minute_of_day // 60,
        "m": minute_of_day % 60,
    }


def format_dates(minutes: np.ndarray, fmt: str) -> pa.Array:
    """Render int64 minutes in a legacy format; ``NO_TIME`` rows become ""."""
    minutes = np.asarray(minutes, dtype=np.int64)
    parts = date_parts(minutes)
    blocks = []
    for tok in DATE_FORMATS[fmt]:
        if tok in _WIDTH:
            blocks.append(digit_matrix(parts[tok], _WIDTH[tok]))
        else:
            lit = np.frombuffer(tok.encode("ascii"), dtype=np.uint8)
            blocks.append(np.broadcast_to(lit, (minutes.shape[0], lit.size)))
    present = minutes != NO_TIME
    return from_char_matrix(np.concatenate(blocks, axis=1), None if present.all() else present)


def parse_dates(values: pd.Series | pa.Array, fmt: str) -> tuple[np.ndarray, np.ndarray]:
    """Strictly parse legacy date strings.

    Returns (minutes, ok): ``ok`` is False for non-empty values that are not valid dates in ``fmt``
    (wrong shape, month 13, 31 February, ...); empty values give ``NO_TIME`` and ok=True.
    """
    arr = series_arrow(values) if isinstance(values, pd.Series) else as_large(values)
    arr = as_large(pc.fill_null(arr, "")) if arr.null_count else arr
    width = format_width(fmt)
    lengths = pc.utf8_length(arr).to_numpy(zero_copy_only=False)
    empty = lengths == 0
    shaped = lengths == width
    data = arr.buffers()[2]
    buf = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    rows = np.flatnonzero(shaped)
    chars = buf[offsets[rows][:, None] + np.arange(width)] if rows.size else np.zeros((0, width), np.uint8)
    ok_rows = np.ones(rows.size, dtype=bool)
    values_by_tok: dict[str, np.ndarray] = {}
    pos = 0
    for tok in DATE_FORMATS[fmt]:
        w = _WIDTH.get(tok, len(tok))
        seg = chars[:, pos : pos + w]
        if tok in _WIDTH:
            is_digit = ((seg >= 48) & (seg <= 57)).all(axis=1)
            ok_rows &= is_digit
            values_by_tok[tok] = ((seg.astype(np.int64) - 48) * (10 ** np.arange(w - 1, -1, -1))).sum(axis=1)
        else:
            ok_rows &= (seg == np.frombuffer(tok.encode("ascii"), dtype=np.uint8)).all(axis=1)
        pos += w
    minutes = np.full(len(arr), NO_TIME, dtype=np.int64)
    if "Y4" in values_by_tok:
        year = values_by_tok["Y4"]
    elif "Y2" in values_by_tok:  # two-digit years pivot at the extract year: 26 -> 2026, 27 -> 1927
        year = values_by_tok["Y2"] + np.where(values_by_tok["Y2"] > 26, 1900, 2000)
    else:
        year = np.full(rows.size, 1970, dtype=np.int64)
    month = values_by_tok.get("M", np.ones(rows.size, np.int64))
    day = values_by_tok.get("D", np.ones(rows.size, np.int64))
    hour = values_by_tok.get("h", np.zeros(rows.size, np.int64))
    minute = values_by_tok.get("m", np.zeros(rows.size, np.int64))
    ok_rows &= (month >= 1) & (month <= 12) & (day >= 1) & (hour <= 23) & (minute <= 59) & (year >= 1800)
    safe_month = np.clip(month, 1, 12)
    first = (np.clip(year, 1800, 2999) - 1970) * 12 + (safe_month - 1)
    month_start = first.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    next_start = (first + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    ok_rows &= day <= (next_start - month_start)
    mins = (month_start + day - 1) * 1440 + hour * 60 + minute
    ok = empty.copy()
    ok[rows] = ok_rows
    minutes[rows[ok_rows]] = mins[ok_rows]
    return minutes, ok
