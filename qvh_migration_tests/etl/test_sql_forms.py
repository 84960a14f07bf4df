"""Every SQL form gives, in DuckDB, exactly the values its pandas transform gives (blanks, malformed and edge
values included)."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from qvh_migration.etl import sql_forms
from qvh_migration.etl.fields import _generated
from qvh_migration.mapping.transforms import TRANSFORMS

VALUES = [
    None,
    "",
    "   ",
    "\t",
    # legacy dates: the four shapes, impossible days and times, other shapes, years before 1800
    "20240105",
    "202401051230",
    "05/01/2024",
    "05/01/2024 12:30",
    "29/02/2024",
    "20240230",
    "202401052400",
    "17991231",
    "18000101",
    "00000000",
    "2024-01-05",
    " 20240105",
    "5/1/2024",
    "05/01/24",
    "٢٠٢٤٠١٠٥",  # Arabic-Indic digits: not digits to the legacy grammar
    # names, addresses, free text
    "john smith",
    "  MARY  ann  jones ",
    "\u00a0Zoë\u3000",
    "\u2028 x\u2029",
    "\x1cA\x85\x0b",
    "\u200bzero width\u200b",  # not white space on either side
    "\u180e\u2007\u202f",
    "straße",
    "e\u0301clair",
    "1 High St, Town ,County,  UK, Earth",
    "a,,b",
    ",",
    # codes and flags
    "G1234567",
    "g1234567 ",
    "G123456",
    "A12345",
    "a12345",
    "C1234567",
    "Y",
    "yes",
    "TRUE",
    "0",
    "1",
    "2",
    "4",
    "N",
    "NEW",
    "fte",
    "WLK",
    " wlk ",
    "10",
    "21",
    "33",
    "98",
    "9",
    "000123",
    "000",
    "0a",
    "RTT12ABCDEFGHIJ 1234567890",
    "RTT12",
]


def _frame(inputs: int) -> pd.DataFrame:
    """``inputs`` columns over VALUES, each later column rotated so inputs meet different partners."""
    return pd.DataFrame({f"c{i}": pd.Series(VALUES[i * 7 :] + VALUES[: i * 7], dtype="string") for i in range(inputs)})


def _listed(values: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) else str(v) for v in values.astype("string")]


def _duckdb(expression: str, frame: pd.DataFrame) -> list[str | None]:
    con = duckdb.connect()
    con.register("t", frame.astype(object).where(frame.notna(), None))
    rows = con.execute(f"SELECT CAST({expression} AS VARCHAR) FROM t").fetchall()
    return [r[0] for r in rows]


def _inputs(name: str) -> list[int]:
    spec = TRANSFORMS[name].inputs
    return [1, 2, 3] if spec == "1+" else [int(spec)]


@pytest.mark.parametrize("name", sorted([*sql_forms.TRANSFORM_SQL, *sql_forms.VARIADIC_SQL]))
def test_sql_form_agrees_with_its_transform(name: str) -> None:
    for count in _inputs(name):
        frame = _frame(count)
        columns = list(frame.columns)
        expected = _listed(TRANSFORMS[name].func(*(frame[c] for c in columns)).astype("string"))
        got = _duckdb(sql_forms.transform_sql(name, columns), frame)
        differ = [(VALUES[i], e, g) for i, (e, g) in enumerate(zip(expected, got, strict=True)) if e != g]
        assert not differ, f"{name} ({count} inputs): {differ[:5]}"


def test_every_sql_form_names_a_registered_row_transform() -> None:
    for name in [*sql_forms.TRANSFORM_SQL, *sql_forms.VARIADIC_SQL]:
        assert name in TRANSFORMS and TRANSFORMS[name].kind == "row", name
        assert not TRANSFORMS[name].code_sets and not TRANSFORMS[name].as_of, name


def test_source_key_sql_agrees_with_the_generated_key() -> None:
    frame = _frame(2)

    class _Ctx:  # the two attributes _generated reads for a source_key rule
        rows = frame
        grain = ("c0", "c1")

    rule = pd.Series({"generator": "source_key", "source_fields": ""})
    expected = _listed(_generated(rule, _Ctx()))
    assert _duckdb(sql_forms.source_key_sql(["c0", "c1"]), frame) == expected


def test_over_length_counts_characters_as_the_length_check_does() -> None:
    frame = _frame(1)
    expected = (frame["c0"].fillna("").str.len() > 3).tolist()
    got = _duckdb(sql_forms.over_length_sql('"c0"', 3), frame)
    assert [g == "true" for g in got] == expected


def test_null_default_and_direct_forms() -> None:
    frame = _frame(1)
    assert _duckdb(sql_forms.NULL_SQL, frame) == [None] * len(VALUES)
    assert _duckdb(sql_forms.quote_literal("O'K"), frame) == ["O'K"] * len(VALUES)
    assert _duckdb(sql_forms.render(sql_forms.DIRECT_SQL, ["c0"]), frame) == _listed(frame["c0"])
