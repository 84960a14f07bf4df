"""Zero-copy moves between pandas ``str`` Series and Arrow ``large_string`` arrays.

Extracts are all text and can hold millions of rows, so the generator and the legacy parsers work
on the Arrow buffers directly; these helpers keep that free of copies. ``large_string`` because that
is what pandas' ``str`` dtype holds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.core.arrays.string_arrow import ArrowStringArray

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


def is_in(values: pd.Series, candidates: object) -> pd.Series:
    """``values.isin(candidates)`` for text, in Arrow: pandas' own isin on Arrow strings builds
    one Python object per candidate, which dominates on hundreds of thousands of keys."""
    pool = pa.array(
        pd.Series(
            list(candidates) if not isinstance(candidates, pd.Series | pd.Index) else candidates, dtype="string"
        ).dropna(),
        type=pa.large_string(),
    )
    text = pa.array(values.astype("string"), type=pa.large_string())
    found = pc.is_in(text, value_set=pool).to_numpy(zero_copy_only=False)
    return pd.Series(found, index=values.index)
