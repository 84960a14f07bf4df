"""A table's findings name their source rows: record numbers looked up in the key registry."""

from __future__ import annotations

import pandas as pd

from qvh_migration.gates.table_gates import grain_keys_of


def _one_by_one(numbers: pd.Series, grain: pd.Series) -> list[str]:
    """The lookup a row at a time, as it was made before."""
    return numbers.map(lambda n: grain.get(int(n), "") if pd.notna(n) else "").tolist()


def test_each_number_gets_its_grain_key_and_an_unknown_or_missing_one_none() -> None:
    grain = pd.Series(["InternalPatientNumber=7", "InternalPatientNumber=9", "x"], index=[3, 1, 8])
    numbers = pd.Series([1, 3, None, 5, 1], dtype="Int64")
    found = grain_keys_of(numbers, grain)
    assert found.tolist() == ["InternalPatientNumber=9", "InternalPatientNumber=7", "", "", "InternalPatientNumber=9"]
    assert found.tolist() == _one_by_one(numbers, grain)
    assert found.index.equals(numbers.index)


def test_no_registry_gives_blank_keys() -> None:
    numbers = pd.Series([1, None], dtype="Int64")
    assert grain_keys_of(numbers, pd.Series(dtype="string")).tolist() == ["", ""]
    assert grain_keys_of(pd.Series([], dtype="Int64"), pd.Series(dtype="string")).tolist() == []
