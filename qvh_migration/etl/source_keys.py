"""Grain keys: the ``row_key`` text over any key columns (a pathway is patient + pathway number).

The row key has the defect ledger's form (``InternalPatientNumber=000012345|EpisodeNumber=2``),
so a reject or a finding can be traced to the source row and to an injected defect.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from qvh_migration.legacy.keys import DELETE_FLAG_VALUES, TABLE_KEYS, row_keys

__all__ = ["DELETE_FLAG_VALUES", "TABLE_KEYS", "key_text", "row_keys"]


def key_text(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """``Col=value|Col=value`` for each row, over the given columns."""
    text = pd.Series("", index=frame.index, dtype="string")
    for i, column in enumerate(columns):
        values = frame[column].astype("string").fillna("")
        text = text + ("|" if i else "") + f"{column}=" + values
    return text
