"""The invariants' own Modulus 11: the SQL macro and the Python function agree, on the NHS rule."""

from __future__ import annotations

import duckdb
import pytest

from qvh_migration.gates.invariants.sql_support import install_macros, modulus_11_valid

NUMBERS = {
    "9434765919": True,  # check digit 9
    "4010232137": True,  # check digit 7
    "943 476 5919": True,  # spaces are formatting
    "9434765918": False,  # wrong check digit
    "9995508780": False,  # from the domain review: fails its check digit
    "0000000000": False,  # repeated digit (its check digit happens to be right)
    "1111111111": False,
    "123456789": False,  # nine digits
    "94347659190": False,  # eleven digits
    "94347A5919": False,
    "": False,
    None: False,
}


@pytest.mark.parametrize(("value", "valid"), NUMBERS.items())
def test_python_modulus_11(value: str | None, valid: bool) -> None:
    assert modulus_11_valid(value) is valid


def test_sql_modulus_11_agrees() -> None:
    con = duckdb.connect()
    install_macros(con)
    for value, valid in NUMBERS.items():
        assert con.execute("SELECT inv_nhs_valid(?)", [value]).fetchall()[0][0] is valid, value


def test_stem_whose_check_digit_would_be_10_is_never_valid() -> None:
    # A stem whose weighted sum leaves remainder 1 would need check digit 10: no number on it is valid.
    stem = next(s for s in (f"{n:09d}" for n in range(100000000, 100001000))
                if sum(int(d) * w for d, w in zip(s, range(10, 1, -1), strict=True)) % 11 == 1)  # fmt: skip
    assert not any(modulus_11_valid(stem + str(d)) for d in range(10))
