"""Grain keys joined in Arrow are the text the pandas concatenation gives, value for value."""

from __future__ import annotations

import pandas as pd

from qvh_migration.etl.source_keys import key_text
from qvh_migration_tests.etl.test_sql_forms import VALUES


def _by_pandas(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    text = pd.Series("", index=frame.index, dtype="string")
    for i, column in enumerate(columns):
        text = text + ("|" if i else "") + f"{column}=" + frame[column].astype("string").fillna("")
    return text


def test_key_text_is_the_concatenated_text() -> None:
    frame = pd.DataFrame(
        {
            "InternalPatientNumber": pd.Series(VALUES, dtype="string"),
            "Episode|Number": pd.Series(VALUES[::-1], dtype="string"),  # a separator in a name stays as it is
            "Seq": range(len(VALUES)),  # not text: as its text
            "Spell=": pd.Series(VALUES[3:] + VALUES[:3], dtype="object"),
        },
        index=pd.Index(range(100, 100 + len(VALUES)))[::-1],
    )
    for columns in ([], ["Seq"], ["InternalPatientNumber", "Episode|Number"], list(frame.columns)):
        pd.testing.assert_series_equal(key_text(frame, columns), _by_pandas(frame, columns))
    pd.testing.assert_series_equal(key_text(frame.iloc[:0], ["Seq"]), _by_pandas(frame.iloc[:0], ["Seq"]))
