"""NHS number validity: Modulus 11, ten digits, not one digit repeated."""

from __future__ import annotations

import numpy as np
import pandas as pd

from qvh_migration.legacy.nhs_number import nhs_check_digits, valid_nhs_numbers


def test_valid_and_invalid_numbers() -> None:
    values = pd.Series(
        [
            "9434765919",
            "943 476 5919",
            "9434765918",
            "943476591",
            "94347659190",
            "4444444444",
            "",
            None,
            "943-476-5919",
        ],
        index=range(10, 19),
    )
    assert valid_nhs_numbers(values).tolist() == [True, True, False, False, False, False, False, False, False]
    assert valid_nhs_numbers(values).index.tolist() == list(range(10, 19))


def test_check_digit_of_ten_is_never_valid() -> None:
    stems = np.arange(999_000_000, 999_000_200)
    checks = nhs_check_digits(stems)
    numbers = pd.Series([f"{s}{c}" for s, c in zip(stems, checks, strict=True) if c != 10])
    assert valid_nhs_numbers(numbers).all()
    assert (checks == 10).any()
