"""Scalar re-implementations of the identity and referrer transforms, for the reference evaluator.

Written from the transforms' documented intent (``mapping/transforms_identity.py``, NHS number
validity as the NHS Data Dictionary defines it: ten digits, Modulus 11 check digit, not one digit
repeated), one value at a time and without the ETL's vectorised code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from qvh_migration.reports.trial_comparison.reference.reference_sources import PATIENT
from qvh_migration.reports.trial_comparison.reference.reference_transforms import (
    Value,
    gp_code,
    parse_legacy_date,
    text,
    upper,
)

WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
SEEN = ("5", "6")  # attendance codes of an appointment the patient was seen at
INVALID_NHS_NUMBER = "invalid_nhs_number"
NOT_KNOWN = "unmapped_code_not_known"


def nhs_number_digits(value: Value) -> str:
    return re.sub(r"[\s-]", "", text(value) or "")


def is_valid_nhs_number(value: Value) -> bool:
    """Ten digits, not one digit ten times, and the Modulus 11 check digit right (11 -> 0, 10 -> never)."""
    digits = nhs_number_digits(value)
    if not re.fullmatch(r"\d{10}", digits) or len(set(digits)) == 1:
        return False
    remainder = sum(int(d) * w for d, w in zip(digits[:9], WEIGHTS, strict=True)) % 11
    check = (11 - remainder) % 11
    return check != 10 and check == int(digits[9])


def nhs_number(value: Value) -> Value:
    return nhs_number_digits(value) if is_valid_nhs_number(value) else None


def nhs_number_status(status: Value, number: Value) -> Value:
    """The national status, 03 (trace required) when the number held is invalid, or when no valid
    number is held and the status claims one is present (01, 02)."""
    code = text(status) or None
    held = nhs_number_digits(number) != ""
    valid = is_valid_nhs_number(number)
    if (held and not valid) or (code in ("01", "02") and not valid):
        return "03"
    return code


def referrer_code(referred_by: Value, gp: Value, gdp: Value) -> Value:
    dentist = upper(gdp)
    if upper(referred_by) == "GDP" and dentist:
        return dentist
    return gp_code(gp)


IDENTITY_TRANSFORMS: dict[str, Callable[..., Value]] = {
    "format_nhs_number": nhs_number,
    "nhs_number_status": nhs_number_status,
    "referrer_code": referrer_code,
}


def prefixed(prefix: str) -> Callable[[Value], Value]:
    def make(value: Value) -> Value:
        stripped = text(value)
        return f"{prefix}{stripped}" if stripped else None

    return make


IDENTITY_TRANSFORMS.update({"retired_record_id": prefixed("MERGED-"), "old_nhs_number_id": prefixed("OLDNHS-")})


def retired_id_type(district: Value) -> Value:
    return "OLDCRN" if text(district) else "OLDPASID"


IDENTITY_TRANSFORMS["retired_id_type"] = retired_id_type


# -- the evaluator's identity checks (called by ReferenceContract; issues as (field, code, action)) --------


def patient_not_loaded(contract: Any, table: str, row: dict[str, Value]) -> list[tuple[str, str, str]]:
    """A row naming its patient by hospital number "as loaded into LOAD_PMI" (MAIN_CRN, or CRN in the
    archives) is rejected when that patient's LOAD_PMI row did not load; a table linked to LOAD_PMI by
    record number is judged by that link instead; nothing is judged before LOAD_PMI has loaded."""
    rules = contract.rules(table)
    if table == "LOAD_PMI" or any(r["parent_table"] == "LOAD_PMI" for r in rules):
        return []
    named = [r["target_field"] for r in rules if r["target_field"] in ("MAIN_CRN", "CRN")]
    outcomes = contract.parent_outcomes("LOAD_PMI")
    if not named or outcomes is None or PATIENT not in row:
        return []
    number = contract.registry.get("LOAD_PMI", {}).get(f"{PATIENT}={row.get(PATIENT) or ''}")
    state = outcomes.get(number, ("", ""))[0] if number is not None else ""
    return [] if state == "loaded" else [(named[0], "patient_not_loaded", "reject")]


def death_moment(contract: Any, raw: Value, row: dict[str, Value], sources: list[str]) -> tuple[Value, bool]:
    """(date of death as DD/MM/YYYY HH24:MI, malformed?): the date, moved to the patient's latest moment
    among the other listed ``TABLE.Column`` fields on that same day, so it is never before them."""
    died = parse_legacy_date(raw)
    if died is None:
        return None, bool(text(raw))
    moment = died
    for qualified in sources[1:]:
        table, column = qualified.split(".", 1)
        for other in contract.sources.live(table):
            if other.get(PATIENT) != row.get(PATIENT):
                continue
            when = parse_legacy_date(other.get(column))
            if when is not None and when.date() == died.date() and when > moment:
                moment = when
    return moment.strftime("%d/%m/%Y %H:%M"), False


def seen_only(attendance: dict[str, str], records: list[dict[str, Value]], status: str) -> list[dict[str, Value]]:
    """The appointments the patient was seen at: status crosswalked to attendance 5 or 6."""
    return [r for r in records if attendance.get(text(r.get(status)) or "") in SEEN]
