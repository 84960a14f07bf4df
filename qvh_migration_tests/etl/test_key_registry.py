"""The key registry is append-only: known keys keep their numbers, new keys get the next ones."""

from __future__ import annotations

import pandas as pd
import pytest

from qvh_migration.errors import MigrationInputError
from qvh_migration.etl import key_registry


def test_numbers_are_stable_and_new_keys_get_the_next_number() -> None:
    first = key_registry.register(key_registry.empty_registry(), "LOAD_PMI", pd.Series(["a", "b", "c"]), "run-1")
    again = key_registry.register(first, "LOAD_PMI", pd.Series(["c", "d", "a", "b"]), "run-2")
    numbers = key_registry.record_numbers(again, "LOAD_PMI")
    assert numbers.to_dict() == {"a": 1, "b": 2, "c": 3, "d": 4}
    assert key_registry.check_append_only(first, again) == []
    assert again.loc[again["grain_key"] == "d", "registered_in_run"].item() == "run-2"


def test_each_table_numbers_from_one_and_a_vanished_row_keeps_its_number() -> None:
    registry = key_registry.register(key_registry.empty_registry(), "LOAD_PMI", pd.Series(["a", "b"]), "r")
    registry = key_registry.register(registry, "LOAD_REFERRALS", pd.Series(["x"]), "r")
    registry = key_registry.register(registry, "LOAD_PMI", pd.Series(["b"]), "r")  # "a" gone from the extract
    assert key_registry.record_numbers(registry, "LOAD_REFERRALS").to_dict() == {"x": 1}
    assert key_registry.record_numbers(registry, "LOAD_PMI").to_dict() == {"a": 1, "b": 2}


def test_a_moved_or_lost_key_is_reported() -> None:
    before = key_registry.register(key_registry.empty_registry(), "LOAD_PMI", pd.Series(["a", "b"]), "r")
    moved = before.assign(record_number=before["record_number"][::-1].to_numpy())
    assert key_registry.check_append_only(before, moved) == ["2 key(s) renumbered"]
    assert key_registry.check_append_only(before, before.iloc[:1]) == ["1 key(s) disappeared"]


def _registry() -> pd.DataFrame:
    registry = key_registry.register(key_registry.empty_registry(), "LOAD_PMI", pd.Series(["a", "b", "ä"]), "r")
    registry = key_registry.register(registry, "LOAD_REFERRALS", pd.Series(["x", "a"]), "r")
    return key_registry.register(registry, "LOAD_PMI", pd.Series(["c"]), "r2")


def test_reading_some_tables_gives_what_pandas_filters_give(tmp_path) -> None:
    path = tmp_path / key_registry.REGISTRY_FILE
    _registry().to_parquet(path)
    for tables in (["LOAD_PMI"], ["LOAD_REFERRALS", "LOAD_PMI"], ["LOAD_OPD_APPOINTMENTS"]):
        expected = pd.read_parquet(path, filters=[("target_table", "in", tables)])
        pd.testing.assert_frame_equal(key_registry.read_registry(path, tables), expected)
    assert key_registry.read_registry(path, []).empty


def test_a_registry_without_its_columns_is_one_clear_line(tmp_path) -> None:
    path = tmp_path / key_registry.REGISTRY_FILE
    _registry().drop(columns="record_number").to_parquet(path)
    with pytest.raises(MigrationInputError, match="lacks column"):
        key_registry.read_registry(path, ["LOAD_PMI"])
    path.write_bytes(b"not parquet")
    with pytest.raises(MigrationInputError, match="cannot be read"):
        key_registry.read_registry(path, ["LOAD_PMI"])


def test_numbers_of_keys_are_what_a_map_gives() -> None:
    numbers = key_registry.RecordNumbers(_registry())
    keys = pd.Series(["c", None, "a", "zz", "ä", "a ", ""], index=[5, 3, 9, 1, 0, 2, 4], name="k", dtype="string")
    for table in ("LOAD_PMI", "LOAD_REFERRALS", "LOAD_RTT_PERIODS"):
        expected = keys.astype(str).map(key_registry.record_numbers(_registry(), table))
        pd.testing.assert_series_equal(key_registry.numbers_of(keys, numbers[table]), expected)
    every = pd.Series(["a", "b"], dtype="string")  # all known: integers, as the map gives
    pd.testing.assert_series_equal(key_registry.numbers_of(every, numbers["LOAD_PMI"]), pd.Series([1, 2]))
