"""The DuckDB lookup of another table's last row gives, row for row, what ``sources.align_last`` gives:
keys sorted as numbers or as text, blank and missing keys, Unicode white space, ties, no match."""

from __future__ import annotations

import itertools
import random

import pandas as pd
import pytest

from qvh_migration.etl.sources import align_last
from qvh_migration.etl.sql_lookups import last_values

# Key values: whole numbers (leading zeros, many digits), padded, blank, missing, text, Unicode.
KEYS = [
    "1",
    "2",
    "9",
    "10",
    "010",
    "0",
    "000",
    " 7",
    "7\u00a0",
    "12345678901234",
    None,
    "",
    "  ",
    "A",
    "a",
    "B1",
    "é",
    "\u3000x",
    "٣",  # an Arabic-Indic digit: not a digit to the key order
]
DIGITS = ["1", "2", "9", "10", "010", "0", "000", " 7", "7\u00a0", "12345678901234", None]


def _frame(values: list, rows: int, seed: int, columns: list[str]) -> pd.DataFrame:
    rng = random.Random(seed)
    return pd.DataFrame({c: pd.Series([rng.choice(values) for _ in range(rows)], dtype="string") for c in columns})


def _same(rows: pd.DataFrame, table: str, other: pd.DataFrame, on: list[str], column: str) -> None:
    expected = align_last(rows, table, other, on, column)
    got = last_values(rows, table, other, on, column)
    pd.testing.assert_series_equal(got, expected.astype("string"))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("pool", ["digits", "mixed"])
def test_the_last_row_by_the_tables_key_order(seed: int, pool: str) -> None:
    values = DIGITS if pool == "digits" else KEYS
    # CONSEPISODE is keyed on patient, episode and FCE: the FCE orders a patient's episodes.
    other = _frame(values, 300, seed, ["InternalPatientNumber", "EpisodeNumber", "FCENumber"])
    other["FCENumber"] = _frame(DIGITS if seed % 2 else KEYS, 300, seed + 100, ["x"])["x"]
    other["Value"] = pd.Series([f"v{i}" if i % 7 else None for i in range(300)], dtype="string")
    other.index = pd.Index(range(1000, 1300))[::-1]  # an index that is not the position
    rows = _frame(values, 120, seed + 50, ["InternalPatientNumber", "EpisodeNumber"])
    rows.index = pd.Index([f"r{i}" for i in range(120)])
    for on in (["InternalPatientNumber"], ["InternalPatientNumber", "EpisodeNumber"]):
        _same(rows, "CONSEPISODE", other, on, "Value")
        _same(rows, "CONSEPISODE", other, on, "FCENumber")


def test_a_table_without_keys_keeps_its_own_order_and_an_empty_table_finds_nothing() -> None:
    other = pd.DataFrame(
        {"Code": pd.Series(["a", "b", "a", None, None], dtype="string"), "Name": ["1", "2", "3", "4", None]}
    ).astype("string")
    rows = pd.DataFrame({"Code": pd.Series(["a", None, "c", "b"], dtype="string")}, index=[3, 1, 2, 0])
    _same(rows, "NO_SUCH_TABLE", other, ["Code"], "Name")
    _same(rows, "NO_SUCH_TABLE", other.iloc[:0], ["Code"], "Name")
    _same(rows.iloc[:0], "NO_SUCH_TABLE", other, ["Code"], "Name")


def test_every_pair_of_key_values_sorts_as_pandas_sorts_it() -> None:
    # Two rows per patient, one per FCE value: the later in key order wins, whatever the pair.
    pairs = list(itertools.permutations(KEYS, 2))
    other = pd.DataFrame(
        {
            "InternalPatientNumber": [str(i) for i, _ in enumerate(pairs) for _ in range(2)],
            "FCENumber": [v for pair in pairs for v in pair],
            "Value": [f"{i}-{j}" for i, _ in enumerate(pairs) for j in range(2)],
        }
    ).astype("string")
    other["EpisodeNumber"] = pd.Series(["1"] * len(other), dtype="string")
    rows = pd.DataFrame({"InternalPatientNumber": [str(i) for i in range(len(pairs))]}).astype("string")
    _same(rows, "CONSEPISODE", other, ["InternalPatientNumber"], "Value")


def test_a_parents_published_outcomes_found_alike_by_both_engines() -> None:
    from qvh_migration.etl.parent_links import published_states

    published = pd.DataFrame(
        {
            "record_number": pd.Series([3, 1, 7, 3, 12], dtype="int64"),  # 3 twice: the later row wins
            "outcome": ["rejected", "loaded", "filtered", "filtered", None],
            "reason": ["", None, "logically deleted", "merged", "x"],
        }
    )
    numbers = pd.Series(["3", None, "7", "1", "12", "99", "03", ""], index=list("abcdefgh"), dtype="string")
    for table in (published, published.iloc[:0]):
        expected = published_states(numbers, table, "pandas")
        got = published_states(numbers, table, "duckdb")
        for e, g in zip(expected, got, strict=True):
            pd.testing.assert_series_equal(g, e)
    assert published_states(numbers, published, "duckdb")[0].tolist()[:3] == ["filtered", "", "filtered"]
