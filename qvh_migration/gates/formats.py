"""Value formats the gates check: NHS number, postcode, GP / practice / GMC codes, guide dates.

Each returns a boolean Series (True = valid) over the present values; blanks are the mandatory
check's business, so they pass here.
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from qvh_migration.legacy.nhs_number import valid_nhs_numbers

# UK postcode (outward code, space, inward code), as published by the ONS postcode directory.
# ZZ99 pseudo-postcodes (no fixed abode, not known, overseas) are the NHS convention, not errors.
POSTCODE = (
    r"GIR 0AA|ZZ99 [0-9][A-Z]{2}|"
    r"(?:[A-PR-UWYZ][0-9][0-9A-HJKPSTUW]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9ABEHMNPRVWXY]?) [0-9][ABD-HJLNP-UW-Z]{2}"
)
GP_CODE = r"[CDG]\d{7}"  # national practitioner code: G + 7 digits (GMP), or D / C + 7 (guide p42: D2008756)
# A referral's referrer (REF_GP_CODE, "loaded as mapped" through GP_MASTER, guide p42): a national
# practitioner code, or the legacy GDP master's 6-character code of a referring dentist (D + 5 digits),
# which has no national form in PatientCentre and is listed in the data mapping report for the mapping.
REFERRER_CODE = rf"{GP_CODE}|D\d{{5}}"
PRACTICE_CODE = r"[A-Z]\d{5}"  # GP practice national code (ODS)
GMC_CODE = r"[CD]?\d{7}"  # consultant GMC (C) or GDC (D) number, 7 digits
# Which fields carry which format: decided by the guide's field names (one family each).
FORMAT_FIELDS: dict[str, re.Pattern[str]] = {
    "nhs_number": re.compile(r"^NHS_?NUMBER$", re.IGNORECASE),
    "postcode": re.compile(r"POST_?CODE$", re.IGNORECASE),
    "referrer_code": re.compile(r"^REF_GP_CODE$", re.IGNORECASE),
    "gp_code": re.compile(r"^(GP_NATIONAL_CODE|GP_REGISTRATION_CODE|GP_FUNDHOLDER_CODE)$", re.IGNORECASE),
    "practice_code": re.compile(r"^(PRACTICE_NATIONAL_CODE|REF_PRACTICE_CODE|GP_PRACTICE_CODE)$", re.IGNORECASE),
    "gmc_code": re.compile(r"_GMC$", re.IGNORECASE),
}
PATTERNS = {
    "postcode": POSTCODE,
    "gp_code": GP_CODE,
    "referrer_code": REFERRER_CODE,
    "practice_code": PRACTICE_CODE,
    "gmc_code": GMC_CODE,
}
# Personal names the target holds in plain letters: anything else needs a person to decide.
NAME_FIELD = re.compile(r"(SURNAME|FORENAME|PAT_NAME_FAMILY|PAT_NAME_1|^NAME_FAMILY$|^NAME_1$)", re.IGNORECASE)
NAME_CHARS = r"[A-Za-z][A-Za-z '\-.]*"
EARLIEST_PLAUSIBLE = pd.Timestamp(1880, 1, 1)


def format_of(field: str) -> str | None:
    return next((kind for kind, pattern in FORMAT_FIELDS.items() if pattern.search(field)), None)


def present(values: pd.Series) -> pd.Series:
    return values.astype("string").fillna("").str.strip().ne("")


def valid_format(kind: str, values: pd.Series) -> pd.Series:
    text = values.astype("string").fillna("").str.strip()
    if kind == "nhs_number":
        ok = valid_nhs_numbers(text.astype(str))
    else:
        ok = text.str.fullmatch(PATTERNS[kind]).fillna(False)
    return (ok | ~present(values)).astype(bool)


def plain_name(values: pd.Series) -> pd.Series:
    text = values.astype("string").fillna("").str.strip()
    return (text.str.fullmatch(NAME_CHARS).fillna(False) | ~present(values)).astype(bool)


def parse_guide_dates(values: pd.Series) -> pd.Series:
    """Dates in any of the guide's formats (DD/MM/YYYY [HH24:MI[:SS]]); NaT where not one."""
    text = values.astype("string").str.strip()
    # Microseconds reach the year 9999: a birth in 2999 is a finding, not an overflow.
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    for fmt, width in (("%d/%m/%Y %H:%M:%S", 19), ("%d/%m/%Y %H:%M", 16), ("%d/%m/%Y", 10)):
        shaped = text.str.len().eq(width).fillna(False)
        if shaped.any():
            parsed[shaped] = pd.to_datetime(text[shaped], format=fmt, errors="coerce").astype("datetime64[us]")
    return parsed


def today() -> pd.Timestamp:
    return pd.Timestamp(date.today())
