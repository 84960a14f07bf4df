"""Rules every PAS migration honours before a row is mapped.

* Logically deleted rows are not loaded (they are filtered with the flag named).
* Merged patients are resolved: the retired patient record (``MERGEDID.OldID``) is not loaded,
  and rows of other tables that still point at it move to the surviving patient
  (``MERGEDID.NewestID``), hospital number included, so they link to a loaded patient.
* A MERGEDID row (one per retired record) belongs to the survivor and carries the retired record's
  hospital number, so retired numbers can load as the survivor's identifiers (LOAD_PMIIDS).
* The table's row filters (``row_sources.yaml``) send other rows to the table they belong to.

Every filtered row keeps its reason; nothing is dropped silently.
"""

from __future__ import annotations

import pandas as pd

from qvh_migration.etl.row_folds import apply_row_fold
from qvh_migration.etl.row_sources import RowSource
from qvh_migration.etl.source_keys import DELETE_FLAG_VALUES, key_text, row_keys
from qvh_migration.io.arrow_text import is_in

PATIENT_KEY = "InternalPatientNumber"
HOSPITAL_NUMBER = "DistrictNumber"
MERGED_TABLE, RETIRED_ID, NEWEST_ID = "MERGEDID", "OldID", "NewestID"
# Columns the source rules add to a table's rows (not in its extract): a rule may read them.
ADDED_COLUMNS = {MERGED_TABLE: (PATIENT_KEY, HOSPITAL_NUMBER)}
SOURCE_KEY, GRAIN_KEY, FILTER_REASON = "_source_key", "_grain_key", "_filter_reason"


def surviving_patients(merged: pd.DataFrame | None, patients: pd.DataFrame | None) -> pd.Series:
    """Retired patient number -> surviving patient number, for survivors that exist in PATDATA."""
    if merged is None or merged.empty or patients is None:
        return pd.Series(dtype="string")
    old = merged["OldID"].astype("string").str.strip()
    newest = merged["NewestID"].astype("string").str.strip()
    known = is_in(newest, patients[PATIENT_KEY])
    survivors = pd.Series(newest[known].to_numpy(), index=old[known].to_numpy(), dtype="string")
    return survivors[~survivors.index.duplicated(keep="last")]


def hospital_numbers(patients: pd.DataFrame | None) -> pd.Series:
    """Patient number -> hospital (district) number as loaded into LOAD_PMI."""
    if patients is None or HOSPITAL_NUMBER not in patients.columns:
        return pd.Series(dtype="string")
    numbers = patients.drop_duplicates(PATIENT_KEY, keep="first")
    return pd.Series(
        numbers[HOSPITAL_NUMBER].astype("string").to_numpy(), index=numbers[PATIENT_KEY].astype("string").to_numpy()
    )


def deleted_reason(frame: pd.DataFrame) -> pd.Series:
    """The logical-delete reason of each row ("" when the row is live)."""
    reason = pd.Series("", index=frame.index, dtype="string")
    for column, (_active, deleted) in DELETE_FLAG_VALUES.items():
        if column in frame.columns:
            flagged = frame[column].astype("string").str.strip().eq(deleted).fillna(False)
            reason = reason.mask(flagged & reason.eq(""), f"logically deleted ({column}={deleted})")
    return reason


def resolve_merges(
    frame: pd.DataFrame, table: str, survivors: pd.Series, districts: pd.Series
) -> tuple[pd.DataFrame, pd.Series]:
    """Move rows of retired patients to the survivor; returns (frame, retired-record reason)."""
    reason = pd.Series("", index=frame.index, dtype="string")
    if survivors.empty or PATIENT_KEY not in frame.columns:
        return frame, reason
    patient = frame[PATIENT_KEY].astype("string")
    retired = is_in(patient, survivors.index)
    if not retired.any():
        return frame, reason
    if table == "PATDATA":
        return frame, reason.mask(retired, "merged patient: retired record, its activity moved to the survivor")
    new_ids = patient[retired].map(survivors)
    frame = frame.copy()
    frame.loc[retired, PATIENT_KEY] = new_ids
    if HOSPITAL_NUMBER in frame.columns:
        frame.loc[retired, HOSPITAL_NUMBER] = new_ids.map(districts).fillna(frame.loc[retired, HOSPITAL_NUMBER])
    return frame, reason


def merged_id_rows(frame: pd.DataFrame, survivors: pd.Series, districts: pd.Series) -> pd.DataFrame:
    """MERGEDID rows as rows of a patient table: the survivor is the row's patient (the newest id
    followed to the last survivor known in PATDATA) and the retired record's hospital number is its
    DistrictNumber, so a row per retired record can load as an identifier of the surviving patient."""
    old = frame[RETIRED_ID].astype("string").str.strip()
    newest = frame[NEWEST_ID].astype("string").str.strip()
    survivor = old.map(survivors).fillna(newest).astype("string")
    return frame.assign(**{PATIENT_KEY: survivor, HOSPITAL_NUMBER: old.map(districts).astype("string")})


def prepare_rows(source: RowSource, frame: pd.DataFrame, survivors: pd.Series, districts: pd.Series) -> pd.DataFrame:
    """The source rows with their row key, grain key and filter reason ("" = to be loaded).

    Keys are taken before merge resolution: they name the row as it stands in the legacy extract.
    A union part's grain keys start with its source table (``RowSource.key_prefix``).
    """
    table = str(source.source_table)
    grain = key_text(frame, source.grain)
    if source.key_prefix:  # a union part: its keys must never meet another part's
        grain = source.key_prefix + grain
    keyed = frame.assign(**{SOURCE_KEY: row_keys(frame, table), GRAIN_KEY: grain})
    if table == MERGED_TABLE and RETIRED_ID in keyed.columns:
        keyed = merged_id_rows(keyed, survivors, districts)
    resolved, merged_reason = resolve_merges(keyed, table, survivors, districts)
    reason = deleted_reason(resolved)
    reason = reason.mask(reason.eq(""), merged_reason)
    for row_filter in source.filters:
        dropped = ~row_filter.keeps(resolved)
        reason = reason.mask(reason.eq("") & dropped, row_filter.reason)
    for fold in source.folds:
        resolved, reason = apply_row_fold(fold, resolved, reason)
    return resolved.assign(**{FILTER_REASON: reason})


def split_union_keys(grain_keys: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(source table, key as the extract names it) of each grain key; "" and the key itself when
    the key is not a union part's (``RowSource.key_prefix``: key columns never start in capitals
    followed by a colon, so a legacy key cannot be mistaken for one)."""
    keys = grain_keys.astype("string")
    table = pd.Series("", index=keys.index, dtype="string", name=0)
    key = keys.rename(1)
    # Only keys holding a colon can be a part's; the regex (a Python call per key) runs on those alone.
    maybe = keys.str.contains(":", regex=False).fillna(False).to_numpy(dtype=bool)
    if maybe.any():
        parts = keys[maybe].str.extract(r"^([A-Z][A-Z0-9_]*):(.*)$")
        part_table = parts[0].fillna("").astype("string")
        table[maybe] = part_table
        key[maybe] = parts[1].where(part_table.ne(""), keys[maybe]).astype("string")
    return table, key
