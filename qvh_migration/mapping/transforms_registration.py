"""Transforms of GP and GDP registration: practice codes and the dates the patient joined.

The target needs a practice with every GP and a "joined practice" date whenever a GP or GDP is
loaded. PatientCentre does not always hold them, so these transforms fill the documented
defaults instead of leaving a field the load would reject.
"""

from __future__ import annotations

import pandas as pd

from qvh_migration.mapping.transforms import _blank_to_na, _parse_date, _text, format_gp_code, transform

GP_NOT_KNOWN = "G9999998"
PRACTICE_NOT_KNOWN = "V81999"


@transform("2")
def practice_for_gp(gp_code: pd.Series, practice_code: pd.Series) -> pd.Series:
    """Practice (ODS) code of the registered GP; V81999 when the GP is unknown or the code is not ODS.

    ``practice_code`` is the GP master's practice for the same GP (joined on the GP code). The
    default GP G9999998 belongs to the default practice V81999, whatever the master says.
    """
    gp = format_gp_code(gp_code)
    practice = _text(practice_code).str.upper()
    valid = practice.str.fullmatch(r"[A-Z]\d{5}").fillna(False) & gp.ne(GP_NOT_KNOWN).fillna(False)
    return practice.where(valid, PRACTICE_NOT_KNOWN).astype("string")


@transform("2")
def date_or_fallback(date: pd.Series, fallback: pd.Series) -> pd.Series:
    """The first date as DD/MM/YYYY; where it is blank or unreadable, the fallback date."""
    return _parse_date(date).fillna(_parse_date(fallback)).dt.strftime("%d/%m/%Y").astype("string")


@transform("2")
def date_when_present(code: pd.Series, date: pd.Series) -> pd.Series:
    """The date as DD/MM/YYYY only where the code field holds a value (e.g. a GDP is registered)."""
    present = _blank_to_na(_text(code)).notna()
    return _parse_date(date).dt.strftime("%d/%m/%Y").astype("string").where(present)
