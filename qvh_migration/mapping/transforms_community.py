"""Transforms of community service contacts (CPPTCONTACT)."""

from __future__ import annotations

import pandas as pd

from qvh_migration.mapping.transforms import _text, transform


@transform()
def new_followup_from_initial_contact(series: pd.Series) -> pd.Series:
    """CPPTCONTACT.InitialContact (YES = the first contact of the referral) to N (new) or F (follow-up);
    anything else null."""
    values = _text(series).str.upper()
    mapping = {"YES": "N", "Y": "N", "1": "N", "NO": "F", "N": "F", "0": "F"}
    return values.map(mapping).astype("string")


# CPPTCONTACT.ApptAttendanceCode (dictionary A1295: ATT/DNA/CND/CNW/NATT/SATT/WLK).
CONTACT_ATTENDED = ("ATT", "SATT", "WLK")
CONTACT_NOT_ATTENDED = ("DNA", "NATT")
CONTACT_CANCELLED = ("CND", "CNW")
# Staging values for OUTCOME (code type 10380) when the contact did not happen, as the outpatient
# mapping stages them (transforms_activity.DID_NOT_ATTEND / CANCELLED_BY).
DID_NOT_ATTEND = "NATT"
CANCELLED_PREFIX = "CANC-"


@transform("2")
def community_contact_outcome(attendance: pd.Series, outcome: pd.Series) -> pd.Series:
    """Contact outcome for code type 10380: the clinical outcome if attended, NATT for a DNA, CANC-<code>.

    The table has no attendance status field, so DNAs and cancellations travel in OUTCOME, as on
    outpatient appointments. The dictionary does not say who cancels a CND or a CNW contact, so the
    legacy code follows CANC- (CANC-CND, CANC-CNW): a line of its own in the data mapping report,
    never assumed to be the hospital or the patient. A contact not yet recorded stays blank.
    """
    code = _text(attendance).str.strip().str.upper()
    result = _text(outcome).str.strip().str.upper().where(code.isin(CONTACT_ATTENDED).fillna(False))
    result = result.mask(code.isin(CONTACT_NOT_ATTENDED).fillna(False), DID_NOT_ATTEND)
    cancelled = code.isin(CONTACT_CANCELLED).fillna(False)
    result = result.mask(cancelled, CANCELLED_PREFIX + code)
    return result.mask(result.fillna("") == "").astype("string")
