"""Synthetic identities: NHS numbers, hospital numbers, postcodes, names, addresses, phones.

Everything is invented: NHS numbers come only from the never-issued 999 range, phone numbers from
Ofcom's drama ranges, e-mail addresses from example.com, names are common words combined at random.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qvh_migration.legacy.nhs_number import nhs_check_digits
from qvh_migration.mock.strings import (
    LARGE,
    as_large,
    choose,
    digit_matrix,
    from_char_matrix,
    join,
    padded,
    pick,
    plain_int,
)
from qvh_migration.mock.wordlists import (
    COUNTIES,
    FEMALE_FORENAMES,
    LETTERED_DISTRICTS,
    LOCALITIES,
    MALE_FORENAMES,
    POSTCODE_AREAS,
    STREETS,
)


def _valid_999_numbers() -> np.ndarray:
    stems = np.arange(999_000_000, 1_000_000_000, dtype=np.int64)
    check = nhs_check_digits(stems)
    numbers = stems * 10 + check
    return numbers[(check != 10) & (numbers != 9_999_999_999)]


# How many distinct valid numbers the 999 range holds (about 909,000).
NHS_999_CAPACITY = int(_valid_999_numbers().size)


def draw_nhs_numbers(rng: np.random.Generator, k: int) -> np.ndarray:
    """``k`` distinct valid NHS numbers from 999 000 0000 - 999 999 9999."""
    pool = _valid_999_numbers()
    if k > pool.size:
        raise ValueError(f"asked for {k:,} NHS numbers; the 999 range holds {pool.size:,}")
    return rng.choice(pool, size=k, replace=False)


def format_nhs(numbers: np.ndarray, present: np.ndarray | None = None) -> pa.Array:
    """PatientCentre's display form "999 123 4567" (3-3-4 with spaces)."""
    d = digit_matrix(numbers, 10)
    space = np.full((d.shape[0], 1), 32, dtype=np.uint8)
    return from_char_matrix(np.concatenate([d[:, :3], space, d[:, 3:6], space, d[:, 6:]], axis=1), present)


def old_nhs_numbers(rng: np.random.Generator, n: int) -> pa.Array:
    """Pre-1996 style numbers, letters and digits, e.g. "WXR 218 4" (no check digit to validate)."""
    letters = rng.integers(65, 91, size=(n, 3), dtype=np.uint8)
    nums = digit_matrix(rng.integers(0, 1000, size=n), 3)
    last = digit_matrix(rng.integers(0, 10, size=n), 1)
    space = np.full((n, 1), 32, dtype=np.uint8)
    return from_char_matrix(np.concatenate([letters, space, nums, space, last], axis=1))


def district_numbers(serial: np.ndarray) -> pa.Array:
    """Local hospital numbers: "Q" + 7 digits (DistrictNumber, size 14)."""
    return padded(serial, 7, prefix="Q")


# --------------------------------------------------------------------------- postcodes

_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # BS7666 inward letters (no C, I, K, M, O, V)


def area_index(rng: np.random.Generator, n: int) -> np.ndarray:
    weights = np.array([a[3] for a in POSTCODE_AREAS])
    return rng.choice(len(POSTCODE_AREAS), size=n, p=weights / weights.sum())


def postcodes(rng: np.random.Generator, areas: np.ndarray) -> pa.Array:
    """BS7666-shaped postcodes in the given areas (about 2 % with lettered districts)."""
    n = areas.size
    lo = np.array([a[1] for a in POSTCODE_AREAS])[areas]
    hi = np.array([a[2] for a in POSTCODE_AREAS])[areas]
    district = lo + (rng.random(n) * (hi - lo + 1)).astype(np.int64)
    outward = join([pick([a[0] for a in POSTCODE_AREAS], areas), plain_int(district)])
    lettered = rng.random(n) < 0.02
    outward = choose(lettered, pick(LETTERED_DISTRICTS, rng.integers(0, len(LETTERED_DISTRICTS), n)), outward)
    letters = np.frombuffer(_UNIT_LETTERS.encode(), dtype=np.uint8)
    sector = 48 + rng.integers(0, 10, n)
    unit = letters[rng.integers(0, letters.size, (n, 2))]
    inward = np.column_stack([sector, unit]).astype(np.uint8)
    return join([outward, from_char_matrix(inward)], sep=" ")


# --------------------------------------------------------------------------- names


def forenames(rng: np.random.Generator, female: np.ndarray) -> pa.Array:
    """First name, plus a middle name for about 40 % ("MARY ANN")."""
    n = female.size
    first_f = rng.integers(0, len(FEMALE_FORENAMES), n)
    first_m = rng.integers(0, len(MALE_FORENAMES), n)
    vocab = FEMALE_FORENAMES + MALE_FORENAMES
    first = pick(vocab, np.where(female, first_f, len(FEMALE_FORENAMES) + first_m))
    second_idx = np.where(
        female,
        rng.integers(0, len(FEMALE_FORENAMES), n),
        len(FEMALE_FORENAMES) + rng.integers(0, len(MALE_FORENAMES), n),
    )
    has_middle = rng.random(n) < 0.4
    middle = pick(vocab, second_idx, has_middle)
    full = pc.utf8_rtrim(join([first, middle], sep=" "), characters=" ")
    # Forenames is 20 characters: fall back to the first name when the pair is longer.
    return as_large(pc.if_else(pc.greater(pc.utf8_length(full), 20), first, full))


def titles(rng: np.random.Generator, female: np.ndarray, age_years: np.ndarray, married: np.ndarray) -> pa.Array:
    """Title by sex and age: Master/Miss for children, Mrs/Ms/Miss, a few Dr/Rev/Prof/Mx."""
    vocab = ["MR", "MRS", "MISS", "MS", "MSTR", "DR", "REV", "PROF", "MX"]
    idx = np.where(female, np.where(married, 1, np.where(rng.random(female.size) < 0.5, 2, 3)), 0)
    idx = np.where(age_years < 16, np.where(female, 2, 4), idx)
    special = (age_years >= 25) & (rng.random(female.size) < 0.03)
    idx = np.where(special, rng.choice([5, 5, 5, 6, 7, 8], size=female.size), idx)
    return pick(vocab, idx)


# --------------------------------------------------------------------------- addresses and phones


def address_lines(rng: np.random.Generator, areas: np.ndarray) -> tuple[pa.Array, pa.Array, pa.Array, pa.Array]:
    """Four 20-character lines: number and street, locality (often empty), town, county."""
    n = areas.size
    house = rng.integers(1, 200, n)
    line1 = join([pa.array(house.astype(str)), pick(STREETS, rng.integers(0, len(STREETS), n))], sep=" ")
    line2 = pick(LOCALITIES, rng.integers(0, len(LOCALITIES), n))
    town_lists = [a[4] for a in POSTCODE_AREAS]
    flat_towns = [t for towns in town_lists for t in towns]
    starts = np.cumsum([0] + [len(t) for t in town_lists])[:-1]
    counts = np.array([len(t) for t in town_lists])
    town_idx = starts[areas] + (rng.random(n) * counts[areas]).astype(np.int64)
    line3 = pick(flat_towns, town_idx)
    line4 = pick([COUNTIES[a[0]] for a in POSTCODE_AREAS], areas)
    return line1, line2, line3, line4


def phones(rng: np.random.Generator, n: int, mobile: bool, present: np.ndarray | None = None) -> pa.Array:
    """Ofcom drama-range numbers: 01632 960xxx landlines, 07700 900xxx mobiles."""
    prefix = "07700 900" if mobile else "01632 960"
    return padded(rng.integers(0, 1000, n), 3, prefix=prefix, present=present)


def emails(forename: pa.Array, surname: pa.Array, present: np.ndarray) -> pa.Array:
    """forename.surname@example.com (a reserved domain) for the patients who gave one."""
    local = join([pc.utf8_lower(forename), pc.utf8_lower(surname)], sep=".")
    local = pc.replace_substring(pc.replace_substring(local, " ", ""), "'", "")
    return as_large(pc.if_else(pa.array(present), join([local, "@example.com"]), pa.scalar("", LARGE)))
