"""The key registry is append-only: known keys keep their numbers, new keys get the next ones."""

from __future__ import annotations

import pandas as pd

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
