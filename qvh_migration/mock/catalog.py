"""Shapes the generator's column values into frames with exactly the source catalog's columns.

Which columns a table has, and how a date is written into each, is the legacy catalog's business
(``qvh_migration.legacy.catalog``); this module only renders values into them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa

from qvh_migration.legacy.catalog import ColumnSpec, TableSpec, date_format_for
from qvh_migration.mock.strings import EmptyColumns, as_large, constant, format_dates, to_series


class Dates:
    """Column value holder: int64 minutes (``NO_TIME`` = empty), rendered in the column's format."""

    __slots__ = ("minutes",)

    def __init__(self, minutes: np.ndarray) -> None:
        self.minutes = np.asarray(minutes, dtype=np.int64)


ColumnValue = pa.Array | Dates | str


def render_table(
    spec: TableSpec, values: Mapping[str, ColumnValue], n: int, empties: EmptyColumns
) -> tuple[pd.DataFrame, list[str]]:
    """Frame with exactly the catalog's columns, in order, all ``str``, "" where nothing was given.

    Dates given for one side of a dictionary date pair also fill the other side in its own format.
    Returns the frame and the names in ``values`` that the catalog does not have (a stand-in catalog
    may lack optional columns; tests assert the list is empty for the real dictionary).
    """
    names = set(spec.names)
    unused = sorted(k for k in values if k not in names)
    out: dict[str, pd.Series] = {}
    for col in spec.columns:
        value = values.get(col.name)
        if value is None and col.pair_column and isinstance(values.get(col.pair_column), Dates):
            value = values[col.pair_column]
        out[col.name] = to_series(_render_value(spec.name, col, value, n, empties))
    return pd.DataFrame(out, copy=False), unused


def _render_value(table: str, col: ColumnSpec, value: ColumnValue | None, n: int, empties: EmptyColumns) -> pa.Array:
    if value is None:
        return empties(n)
    if isinstance(value, str):
        return constant(value, n) if value else empties(n)
    if isinstance(value, Dates):
        fmt = date_format_for(table, col)
        if not fmt:
            raise ValueError(f"{table}.{col.name} is given dates but has no date format")
        if len(value.minutes) != n:
            raise ValueError(f"{table}.{col.name}: {len(value.minutes)} values for {n} rows")
        return format_dates(value.minutes, fmt)
    if len(value) != n:
        raise ValueError(f"{table}.{col.name}: {len(value)} values for {n} rows")
    return as_large(value)
