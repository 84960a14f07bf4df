"""Transforms of patient identity and of who referred the patient.

* NHS number status: a number that is not a valid NHS number is never loaded as verified.
* Referrer: a referral from a dentist names the dentist, not the patient's GP.
* First seen: the earliest appointment the patient attended (an aggregate the executor runs).
"""

from __future__ import annotations

import pandas as pd

from qvh_migration.legacy.nhs_number import nhs_digits, valid_nhs_numbers
from qvh_migration.mapping.transforms import _blank_to_na, _executor_only, _text, format_gp_code, transform

TRACE_REQUIRED = "03"
# Statuses that say a number is present (01 verified, 02 not traced): untrue without a valid number.
NUMBER_PRESENT = ("01", "02")
# Legacy referred-by code of a general dental practitioner (OPREFSOURCE; national source of referral 92).
DENTIST_REFERRER = "GDP"
# Attendance (national ATTENDED OR DID NOT ATTEND) codes that mean the patient was seen: 5 attended
# on time or before the professional was ready, 6 arrived late but was seen.
SEEN_ATTENDANCE = ("5", "6")
ATTENDANCE_CROSSWALK = "attendance_status"
# Transforms that load a held but invalid value empty: the issue (reason code, message) each raises -
# a warning, or a reject where the field is mandatory (the row cannot load without it).
INVALID_INPUT_WARNINGS = {
    "format_nhs_number": (
        "invalid_nhs_number",
        "not a valid NHS number (Modulus 11 check digit, or one digit repeated): loaded empty, status 03",
    ),
}


@transform("2", code_sets=("nhs_number_status", ""))
def nhs_number_status(status: pd.Series, number: pd.Series) -> pd.Series:
    """NHS number status (national 01-08); 03 (trace required) where the number held is not a valid NHS
    number (Modulus 11, one digit repeated) or none is held but the status says one is present."""
    national = _blank_to_na(_text(status))
    held = nhs_digits(_text(number).fillna("").str.replace("-", "", regex=False)).ne("")
    valid = valid_nhs_numbers(_text(number).fillna("").str.replace("-", "", regex=False))
    invalid = held & ~valid
    claims = national.isin(NUMBER_PRESENT).fillna(False) & ~valid
    return national.mask(invalid | claims, TRACE_REQUIRED).astype("string")


@transform("3")
def referrer_code(referred_by: pd.Series, gp_code: pd.Series, gdp_code: pd.Series) -> pd.Series:
    """Referring practitioner: the referral's dentist (GDP master code, as held) when a dentist referred
    (RefBy GDP) and one is recorded, else the referral's GP as a national code (G9999998 when unknown)."""
    dentist = _text(referred_by).str.upper().eq(DENTIST_REFERRER).fillna(False)
    gdp = _blank_to_na(_text(gdp_code).str.upper())
    return format_gp_code(gp_code).mask(dentist & gdp.notna(), gdp).astype("string")


@transform("2", kind="aggregate")
def earliest_attended_date(when: pd.Series, status: pd.Series) -> pd.Series:
    """The earliest date among the referral's appointments the patient attended and was seen at
    (status crosswalked to attendance 5 or 6: ATT, SATT, WLK), DD/MM/YYYY; blank when never seen."""
    return _executor_only("earliest_attended_date")


@transform()
def retired_record_id(series: pd.Series) -> pd.Series:
    """External id of a retired (merged-away) patient record's identifier row: ``MERGED-`` + its patient
    number, so it never equals a case note's or an old NHS number's id."""
    return ("MERGED-" + _blank_to_na(_text(series))).astype("string")


@transform()
def old_nhs_number_id(series: pd.Series) -> pd.Series:
    """External id of a patient's old NHS number identifier row: ``OLDNHS-`` + the patient number."""
    return ("OLDNHS-" + _blank_to_na(_text(series))).astype("string")


@transform("1+", kind="join")
def death_datetime(death: pd.Series, *moments: pd.Series) -> pd.Series:
    """Date of death as DD/MM/YYYY HH24:MI: its own time where it has one, moved to the latest of the
    patient's other listed moments on the same day (a death in hospital ends at the spell's discharge),
    so a death is never before an activity of that day; 00:00 when none is recorded."""
    return _executor_only("death_datetime")


RETIRED_HOSPITAL_NUMBER, RETIRED_PATIENT_NUMBER = "OLDCRN", "OLDPASID"


@transform()
def retired_id_type(series: pd.Series) -> pd.Series:
    """Id type of a retired record's identifier: OLDCRN (retired hospital number) where the retired
    record's hospital number is held, else OLDPASID (its PatientCentre internal patient number)."""
    held = _blank_to_na(_text(series)).notna()
    return held.map({True: RETIRED_HOSPITAL_NUMBER, False: RETIRED_PATIENT_NUMBER}).astype("string")
