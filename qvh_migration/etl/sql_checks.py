"""The field checks of ``validation.validate_fields`` as one DuckDB query over the staged table.

For every field at once the query says which rows hold a value (``present``: text of length > 0),
which are longer than the field (``over_length``, characters as Python counts them: code points)
and which DATE values are in no guide format (``bad_date_format``; pandas matches the guide's
patterns with Python's ``re``, so a digit there is any Unicode decimal digit, and so it is here).
``validate_fields`` turns the flags into the same issues, in the same order, as its pandas checks;
the NUMBER check (``pd.to_numeric``'s grammar) stays in pandas.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa

from qvh_migration.etl.sql_forms import over_length_sql, process_database, quote_identifier, quote_literal

_TABLE = "_qvh_staged"


def present_sql(value: str) -> str:
    """The value is held: ``values.fillna("").str.len() > 0``."""
    return f"coalesce(length({value}) > 0, false)"


def bad_date_sql(value: str, pattern: str) -> str:
    """A held value in no guide date format: ``present & ~values.fillna("").str.fullmatch(pattern)``."""
    # pandas matches these patterns with Python's re, whose \\d is any Unicode decimal digit.
    unicode_digits = pattern.replace("\\d", "\\p{Nd}")
    return f"({present_sql(value)} AND NOT regexp_full_match({value}, {quote_literal(unicode_digits)}))"


def check_flags(
    table: pd.DataFrame, lengths: Mapping[str, int], date_patterns: Mapping[str, str]
) -> dict[tuple[str, str], np.ndarray]:
    """(field, check) -> a boolean per row of ``table`` for the checks ``present`` (every column),
    ``over_length`` (the fields of ``lengths``) and ``bad_date_format`` (those of ``date_patterns``)."""
    if table.empty:
        return {}
    columns = list(dict.fromkeys(table.columns))
    arrays = [pa.array(table[c].astype("string").array, type=pa.large_string()) for c in columns]
    terms: list[tuple[tuple[str, str], str]] = []
    for name in columns:
        value = quote_identifier(name)
        terms.append(((name, "present"), present_sql(value)))
        if name in lengths:
            terms.append(((name, "over_length"), f"({present_sql(value)} AND {over_length_sql(value, lengths[name])})"))
        if name in date_patterns:
            terms.append(((name, "bad_date_format"), bad_date_sql(value, date_patterns[name])))
    select = ", ".join(f"{sql} AS c{i}" for i, (_, sql) in enumerate(terms))
    with process_database().cursor() as con:
        con.register(_TABLE, pa.Table.from_arrays(arrays, names=columns))
        # A projection keeps the scan's row order (DuckDB preserves insertion order by default).
        found = con.sql(f"SELECT {select} FROM {_TABLE}").to_arrow_table()
    return {key: found.column(i).to_numpy() for i, (key, _) in enumerate(terms)}
