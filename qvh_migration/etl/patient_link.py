"""Activity links to its patient by the hospital number "as loaded into LOAD_PMI" (guide pp. 39, 41,
54, 73 and the archives' CRN, p. 84): a row whose patient is not loaded into LOAD_PMI would point at
no patient, so it is rejected with reason ``patient_not_loaded``.

Tables that carry ``LOADPMI_RECORD_NUMBER`` (the PMI child tables) are checked through that parent
link already (``parent_rejected``); this covers the tables that name the patient by hospital number
only. The patient's outcome is LOAD_PMI's last published load, keyed by the patient number the row
carries after merged patients are resolved (``etl/source_rules.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from qvh_migration.etl.fields import ISSUE_COLUMNS
from qvh_migration.etl.key_registry import numbers_of
from qvh_migration.etl.source_rules import PATIENT_KEY

PATIENT_TABLE = "LOAD_PMI"
CRN_FIELDS = ("MAIN_CRN", "CRN")
REASON = "patient_not_loaded"


def patient_field(target_table: str, rules: pd.DataFrame) -> str | None:
    """The field naming the patient by hospital number, when the table links that way (else None)."""
    if target_table == PATIENT_TABLE or rules["parent_table"].eq(PATIENT_TABLE).any():
        return None
    names = set(rules["target_field"])
    return next((f for f in CRN_FIELDS if f in names), None)


def patient_grain_keys(patients: pd.Series) -> pd.Series:
    """LOAD_PMI's grain key (``InternalPatientNumber=...``) of each patient number."""
    return f"{PATIENT_KEY}=" + patients.astype("string").fillna("")


def not_loaded_patients(
    rows: pd.DataFrame, numbers: Mapping[str, pd.Series], outcomes: pd.DataFrame | None
) -> tuple[pd.Series, pd.Series]:
    """(rows whose patient is not loaded into LOAD_PMI, why) for each row; all False when LOAD_PMI
    has not been loaded yet (links then are not verified, as for parent links)."""
    none = pd.Series(False, index=rows.index), pd.Series("", index=rows.index, dtype="string")
    if outcomes is None or PATIENT_KEY not in rows.columns:
        return none
    record = numbers_of(patient_grain_keys(rows[PATIENT_KEY]), numbers.get(PATIENT_TABLE, pd.Series(dtype="int64")))
    keys = outcomes["record_number"].astype("int64").astype(str).to_numpy()
    state = dict(zip(keys, outcomes["outcome"].astype(str), strict=True))
    known = record.notna()
    as_text = record.where(known, 0).astype("int64").astype(str)
    outcome = as_text.map(state).where(known).astype("string").fillna("")
    missing = outcome.ne("loaded")
    why = pd.Series("", index=rows.index, dtype="string")
    why = why.mask(missing & ~known, "the patient has no LOAD_PMI row")
    why = why.mask(missing & known & outcome.eq(""), "the patient has no LOAD_PMI row")
    why = why.mask(missing & outcome.eq("rejected"), "the patient's LOAD_PMI row was rejected")
    why = why.mask(missing & outcome.eq("filtered"), "the patient's LOAD_PMI row was filtered")
    return missing, why


def patient_issues(
    target_table: str,
    rules: pd.DataFrame,
    rows: pd.DataFrame,
    table: pd.DataFrame,
    numbers: Mapping[str, pd.Series],
    parent_outcomes: Callable[[str], pd.DataFrame | None],
) -> pd.DataFrame:
    """One reject issue per row of a patient not loaded into LOAD_PMI (none when the table does not
    name its patient by hospital number)."""
    name = patient_field(target_table, rules)
    if name is None:
        return pd.DataFrame(columns=list(ISSUE_COLUMNS))
    missing, why = not_loaded_patients(rows, numbers, parent_outcomes(PATIENT_TABLE))
    hit = rows.index[missing.to_numpy()]
    return pd.DataFrame(
        {
            "row": hit,
            "field": name,
            "reason_code": REASON,
            "message": why.loc[hit].to_numpy(),
            "value": table.loc[hit, name].astype("string").fillna("").to_numpy(),
            "action": "reject",
        },
        columns=list(ISSUE_COLUMNS),
    )
