"""The field checks in DuckDB flag exactly the rows the pandas checks flag: held values, over-length
values (characters, not bytes) and dates in no guide format, over awkward values."""

from __future__ import annotations

import pandas as pd

from qvh_migration.etl.sql_checks import check_flags
from qvh_migration.etl.validation import DATE_PATTERNS
from qvh_migration_tests.etl.test_sql_forms import VALUES

DATES = [
    "05/01/2024",
    "31/12/1999 23:59",
    "31/12/1999 23:59:59",
    "32/01/2024",
    "05/13/2024",
    "5/1/2024",
    "05/01/2024 24:00",
    "05/01/2024 12:60",
    "05/01/2024 12:30:60",
    "05/01/2024 ",
    " 05/01/2024",
    "05/01/2024\n",
    "٠٥/٠١/٢٠٢٤",  # Arabic-Indic digits: not the guide's digits
    "05/01/２０２４",  # full-width digits: digits to Python's re, so a good date to pandas
    "05/01/२०२४",  # Devanagari digits likewise
    "1５/01/2024",
    "00/01/2024",
    "05/01/202",
]


def test_the_flags_are_the_pandas_checks() -> None:
    values = pd.Series([*VALUES, *DATES], dtype="string")
    table = pd.DataFrame({"A": values, "B": values.iloc[::-1].to_numpy(), "C": pd.Series(range(len(values)))})
    table.index = pd.Index([f"row{i}" for i in range(len(values))])
    lengths = {"A": 3, "C": 1}
    patterns = {"B": DATE_PATTERNS[16], "A": DATE_PATTERNS[10]}
    flags = check_flags(table, lengths, patterns)
    for name in table.columns:
        text = table[name].astype("string")
        present = text.fillna("").str.len() > 0
        assert flags[name, "present"].tolist() == present.tolist(), name
        if name in lengths:
            expected = present & (text.fillna("").str.len() > lengths[name])
            assert flags[name, "over_length"].tolist() == expected.tolist(), name
        if name in patterns:
            expected = present & ~text.fillna("").str.fullmatch(patterns[name])
            assert flags[name, "bad_date_format"].tolist() == expected.tolist(), name
    assert flags["B", "bad_date_format"].sum() > 5 and flags["A", "over_length"].sum() > 20


def test_each_guide_date_format_judged_alike() -> None:
    values = pd.Series(DATES, dtype="string")
    table = pd.DataFrame({f"D{width}": values for width in DATE_PATTERNS})
    flags = check_flags(table, {}, {f"D{width}": pattern for width, pattern in DATE_PATTERNS.items()})
    for width, pattern in DATE_PATTERNS.items():
        expected = values.fillna("").str.fullmatch(pattern).eq(False) & values.str.len().gt(0)
        assert flags[f"D{width}", "bad_date_format"].tolist() == expected.tolist(), width
