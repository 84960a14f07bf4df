"""Grain keys: the ``row_key`` text over any key columns (a pathway is patient + pathway number).

The row key has the defect ledger's form (``InternalPatientNumber=000012345|EpisodeNumber=2``),
so a reject or a finding can be traced to the source row and to an injected defect.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from qvh_migration.legacy.keys import DELETE_FLAG_VALUES, TABLE_KEYS, row_keys

__all__ = ["DELETE_FLAG_VALUES", "TABLE_KEYS", "key_text", "row_keys"]


def key_text(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """``Col=value|Col=value`` for each row, over the given columns (a missing value as "")."""
    if not columns:
        return pd.Series("", index=frame.index, dtype="string")
    # Joined in Arrow: pandas adds Arrow strings one operand at a time, a copy per "|" and "Col=".
    parts = [pc.binary_join_element_wise(_text(f"{column}="), _values(frame[column]), _text("")) for column in columns]
    joined = pc.binary_join_element_wise(*parts, _text("|")) if len(parts) > 1 else parts[0]
    return pd.Series(pd.arrays.ArrowStringArray(joined), index=frame.index, dtype="string")


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, pa.large_string())


def _values(column: pd.Series) -> pa.Array:
    return pa.array(column.astype("string").fillna("").array, type=pa.large_string())


DUPLICATE_KEY_REASON = "duplicate_source_key"


def duplicate_key_issues(candidates: pd.DataFrame, grain_rows: pd.DataFrame, source_key: str, grain_key: str):
    """A reject for every grain row reached by a legacy key that appears more than once.

    Two extract rows with one key (the same PATDATA patient with two surnames and two dates of
    birth) cannot both be right, and which one is cannot be told here: both are rejected, each
    named by its row in the extract, instead of silently keeping the first.
    """
    repeated = candidates.loc[candidates[source_key].duplicated(keep=False), [source_key, grain_key]]
    if repeated.empty:
        return pd.DataFrame(columns=["row", "field", "reason_code", "message", "value", "action"])
    positions = (
        pd.Series(repeated.index + 1, index=repeated.index)
        .groupby(repeated[source_key].to_numpy())
        .agg(lambda rows: ", ".join(str(r) for r in rows))
    )
    grain_row = pd.Series(grain_rows.index, index=grain_rows[grain_key].to_numpy())
    hit = repeated.drop_duplicates(grain_key)
    message = "the legacy key appears on extract rows " + hit[source_key].map(positions).astype("string")
    return pd.DataFrame(
        {
            "row": grain_row.reindex(hit[grain_key].to_numpy()).to_numpy(),
            "field": "",
            "reason_code": DUPLICATE_KEY_REASON,
            "message": (message + ": which row is right cannot be told, so neither is loaded").to_numpy(),
            "value": "",
            "action": "reject",
        }
    )
