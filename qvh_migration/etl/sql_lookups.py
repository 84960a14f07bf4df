"""The lookup of another table's last row (``sources.align_last``) as one DuckDB query.

``align_last`` sorts the other table in its key order (stable; a key whose every held value is a
whole number sorted by value, blanks last), keeps the last row of each join key and left-joins the
rows to it on their text. The query does the same in one pass: a window keeps, per join key, the
row that sorts last (the largest sort key, ties to the row later in the table), and the join
matches a missing key to a missing key as pandas' merge does.

What the query must copy exactly (the tests run both over the same awkward frames):

* a key's text is trimmed of Unicode white space and judged a whole number by pandas' own string
  methods (``str.strip``, ``str.fullmatch``, both Arrow kernels) before the query sees it;
* a whole number orders by value: for digit strings, by length without leading zeros, then digits;
* text sorts by code point (DuckDB compares UTF-8 bytes: the same order).
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa

from qvh_migration.etl.source_keys import TABLE_KEYS
from qvh_migration.etl.sql_forms import process_database, quote_identifier

_POSITION, _ROW, _VALUE = "_qvh_position", "_qvh_row", "_value"


def _text_table(frame: pd.DataFrame, columns: list[str], position: str, extra: dict[str, pd.Series]) -> pa.Table:
    named = {**{c: frame[c] for c in columns}, **extra}
    arrays = [pa.array(v.astype("string").array, type=pa.large_string()) for v in named.values()]
    positions = pa.array(range(len(frame)), type=pa.int64())
    return pa.Table.from_arrays([*arrays, positions], names=[*named, position])


def _sort_keys(other: pd.DataFrame, keys: list[str]) -> tuple[dict[str, pd.Series], list[str]]:
    """(each key's trimmed text, the ORDER BY terms putting the pandas sort's last row first).

    The trimming and the whole-number test are pandas' own (``sources.key_order``), vectorised in
    Arrow; only ``pd.to_numeric`` is left out: a digit string's value orders as its length without
    leading zeros, then its digits."""
    trimmed, terms = {}, []
    for i, key in enumerate(keys):
        text = other[key].astype("string").str.strip()
        name = f"_qvh_key{i}"
        trimmed[name] = text
        if int(text.str.fullmatch(r"\d+").fillna(False).sum()) == int(text.notna().sum()):
            number = f"ltrim({name}, '0')"
            terms += [f"length({number}) DESC NULLS FIRST", f"{number} DESC NULLS FIRST"]
        else:
            terms.append(f"{name} DESC NULLS FIRST")
    return trimmed, terms


def last_values(rows: pd.DataFrame, other_table: str, other: pd.DataFrame, on: list[str], column: str) -> pd.Series:
    """What ``sources.align_last`` gives, from one DuckDB query."""
    with process_database().cursor() as con:
        return _query(con, rows, other_table, other, on, column)


def _query(
    con: duckdb.DuckDBPyConnection,
    rows: pd.DataFrame,
    other_table: str,
    other: pd.DataFrame,
    on: list[str],
    column: str,
) -> pd.Series:
    keys = [c for c in TABLE_KEYS.get(other_table, ()) if c in other.columns]
    trimmed, terms = _sort_keys(other, keys)
    con.register("_qvh_other", _text_table(other, list(dict.fromkeys([*on, column])), _POSITION, trimmed))
    con.register("_qvh_rows", _text_table(rows, list(on), _ROW, {}))
    partition = ", ".join(quote_identifier(c) for c in on)
    order = ", ".join([*terms, f"{_POSITION} DESC"])
    joined = " AND ".join(f"r.{quote_identifier(c)} IS NOT DISTINCT FROM l.{quote_identifier(c)}" for c in on)
    query = f"""
        WITH last AS (
            SELECT {partition}, {quote_identifier(column)} AS {_VALUE} FROM _qvh_other
            QUALIFY row_number() OVER (PARTITION BY {partition} ORDER BY {order}) = 1
        )
        SELECT r.{_ROW}, l.{_VALUE} FROM _qvh_rows r LEFT JOIN last l ON {joined} ORDER BY r.{_ROW}
    """
    found = con.sql(query).to_arrow_table()
    values = pd.Series(pd.arrays.ArrowStringArray(found.column(_VALUE).cast(pa.large_string())), index=rows.index)
    return values.astype("string").rename(_VALUE)
