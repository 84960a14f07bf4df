"""NHS number validity: ten digits, Modulus 11 check digit, not one digit repeated.

The legacy PAS stores the number formatted as ``999 123 4567``; spaces are formatting, anything else
(letters, hyphens, nine or eleven digits) makes the value invalid.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NHS_WEIGHTS = np.arange(10, 1, -1, dtype=np.int64)  # weights 10..2 on digits 1-9


def nhs_check_digits(stems: np.ndarray) -> np.ndarray:
    """Modulus 11 check digit of 9-digit stems; 10 means the stem can never be a valid number."""
    stems = np.asarray(stems, dtype=np.int64)
    digits = (stems[:, None] // 10 ** np.arange(8, -1, -1, dtype=np.int64)) % 10
    check = 11 - (digits @ NHS_WEIGHTS) % 11
    return np.where(check == 11, 0, check)


def nhs_number_is_valid(numbers: np.ndarray) -> np.ndarray:
    """Modulus 11 validity of 10-digit numbers (repeated-digit numbers are NOT rejected here)."""
    numbers = np.asarray(numbers, dtype=np.int64)
    return nhs_check_digits(numbers // 10) == numbers % 10


def nhs_digits(values: pd.Series) -> pd.Series:
    """The values without their formatting spaces ("" for nulls)."""
    return values.astype("str").fillna("").str.replace(" ", "", regex=False)


def repeated_digit_numbers(values: pd.Series) -> pd.Series:
    """Ten copies of one digit (0000000000, 9999999999, ...): dummies, whatever their check digit."""
    return nhs_digits(values).str.fullmatch(r"(\d)\1{9}").fillna(False).astype(bool)


def valid_nhs_numbers(values: pd.Series) -> pd.Series:
    """True where a value is a valid NHS number; blanks are not valid."""
    digits = nhs_digits(values)
    shaped = digits.str.fullmatch(r"\d{10}").fillna(False).to_numpy(dtype=bool)
    numbers = pd.to_numeric(digits.where(shaped, "0")).to_numpy(dtype=np.int64)
    valid = shaped & nhs_number_is_valid(numbers) & ~repeated_digit_numbers(values).to_numpy(dtype=bool)
    return pd.Series(valid, index=values.index, name=values.name)
