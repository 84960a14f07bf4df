"""Vectorised builders of Arrow string columns (the extract is all text, like a legacy export).

Millions of rows and hundreds of columns rule out Python string objects: numbers and dates are
written as ASCII digits into fixed-width byte matrices and wrapped as Arrow buffers, words are taken
from small Arrow arrays by index, and every empty column of a given length shares one offsets buffer.
Columns are ``large_string`` because that is what pandas' ``str`` dtype holds (no conversion copy).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qvh_migration.io.arrow_text import LARGE as LARGE
from qvh_migration.io.arrow_text import STR_DTYPE as STR_DTYPE
from qvh_migration.io.arrow_text import as_large as as_large
from qvh_migration.io.arrow_text import series_arrow as series_arrow
from qvh_migration.io.arrow_text import to_series as to_series
from qvh_migration.legacy.dates import FIELD_WIDTHS, LEGACY_DATE_FORMATS
from qvh_migration.mock.parameters import NO_TIME


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

# The legacy formats, plus shapes no PAS field uses: the ones malformed_legacy_date defects write.
DATE_FORMATS: dict[str, tuple[str, ...]] = {
    **LEGACY_DATE_FORMATS,
    "ISO": ("Y4", "-", "M", "-", "D"),
    "ISO HH:MM": ("Y4", "-", "M", "-", "D", " ", "h", ":", "m"),
    "YY-MM-DD HH:MM": ("Y2", "-", "M", "-", "D", " ", "h", ":", "m"),
    "YY-MM-DD": ("Y2", "-", "M", "-", "D"),
}
_WIDTH = FIELD_WIDTHS


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
