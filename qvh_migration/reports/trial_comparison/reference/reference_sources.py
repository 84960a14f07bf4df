"""The source side of the reference evaluator: extract rows as plain dicts, one at a time.

Written independently of the ETL's vectorised source handling (``etl/sources.py``,
``etl/source_rules.py``) from the rules the README states: logically deleted rows are not loaded,
a merged patient's retired record is not loaded and its activity moves to the survivor (hospital
number included), and the reviewed row filters send other rows elsewhere. Only the rows of the
chosen patients are read into dicts, so the slow, clear loops stay small.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from qvh_migration.etl.row_folds import RowFold
from qvh_migration.etl.row_sources import RowFilter, RowSource
from qvh_migration.legacy.keys import DELETE_FLAG_VALUES, TABLE_KEYS
from qvh_migration.reports.trial_comparison.reference.reference_transforms import Value

Row = dict[str, Value]
PATIENT = "InternalPatientNumber"
HOSPITAL_NUMBER = "DistrictNumber"
RETIRED = "merged patient: retired record, its activity moved to the survivor"


@dataclass(frozen=True)
class SourceRow:
    """One legacy row: as extracted, with merges resolved, its keys and why it is not loaded."""

    raw: Row
    row: Row
    source_key: str  # the defect ledger's row key, over the source table's key columns
    grain_key: str  # the key registry's key, over the target table's grain
    filter_reason: str  # "" when the row is a candidate to load


def _plain(value: object) -> Value:
    return None if value is None or (isinstance(value, float) and value != value) else str(value)


def key_text(row: Row, columns: tuple[str, ...] | list[str]) -> str:
    return "|".join(f"{c}={row.get(c) or ''}" for c in columns)


def deleted_reason(row: Row) -> str:
    for column, (_live, deleted) in DELETE_FLAG_VALUES.items():
        if (row.get(column) or "").strip() == deleted:
            return f"logically deleted ({column}={deleted})"
    return ""


def passes(row_filter: RowFilter, row: Row) -> bool:
    """One reviewed row filter on one row (internal dates are CCYYMMDD text, so text order is date order)."""
    value = (row.get(row_filter.column) or "").strip()
    if row_filter.test == "in":
        return value in [str(v) for v in row_filter.value]
    if row_filter.test == "not_blank":
        return value != ""
    day = value[:8]
    if row_filter.test == "before":
        return day != "" and day < str(row_filter.value)
    return day == "" or day >= str(row_filter.value)


class ReferenceSources:
    """Extract rows of the chosen patients (master tables whole), read once per table."""

    def __init__(self, extracts: Path, patients: set[str] | None = None) -> None:
        self.extracts = Path(extracts)
        self.patients = patients
        self._rows: dict[str, list[Row] | None] = {}
        self._prepared: dict[str, list[SourceRow]] = {}
        self._live: dict[str, list[Row]] = {}

    def _read(self, table: str, patients: set[str] | None = None) -> pd.DataFrame | None:
        """The extract; with ``patients``, only their rows (the Parquet reader skips the others, so the
        cost follows the trial, not the trust). A table without the patient column is read whole."""
        path = self.extracts / f"{table}.parquet"
        if not path.exists():
            return None
        if patients is not None and PATIENT in pq.read_schema(path).names:
            if not patients:  # Arrow cannot type an empty "in" list: no rows, the file's own columns and types
                return pq.read_schema(path).empty_table().to_pandas()
            return pd.read_parquet(path, filters=[(PATIENT, "in", sorted(patients))])
        return pd.read_parquet(path)

    def has(self, table: str) -> bool:
        return (self.extracts / f"{table}.parquet").exists()

    @cached_property
    def survivors(self) -> dict[str, str]:
        """Retired patient number -> surviving patient number (survivor known in PATDATA; last wins)."""
        merged = self._read("MERGEDID")
        if merged is None or not self.has("PATDATA"):
            return {}
        # Only the survivors' own PATDATA rows say whether they are known.
        newest = {(_plain(new) or "").strip() for new in merged["NewestID"]}
        patients = self._read("PATDATA", newest)
        assert patients is not None
        known = {str(p) for p in patients[PATIENT]}
        result: dict[str, str] = {}
        for old, new in zip(merged["OldID"], merged["NewestID"], strict=True):
            old_id, new_id = (_plain(old) or "").strip(), (_plain(new) or "").strip()
            if new_id in known:
                result[old_id] = new_id
        return result

    @cached_property
    def districts(self) -> dict[str, Value]:
        """Patient number -> hospital number of the patient's first PATDATA row."""
        wanted = self.wanted_patients()
        patients = self._read("PATDATA", None if wanted is None else wanted | set(self.survivors.values()))
        result: dict[str, Value] = {}
        if patients is None:
            return result
        for patient, district in zip(patients[PATIENT], patients[HOSPITAL_NUMBER], strict=True):
            result.setdefault(str(patient), _plain(district))
        return result

    def wanted_patients(self) -> set[str] | None:
        if self.patients is None:
            return None
        retired = {old for old, new in self.survivors.items() if new in self.patients}
        return set(self.patients) | retired

    def rows(self, table: str) -> list[Row]:
        """The table's rows as extracted (of the chosen patients), in extract order."""
        if table not in self._rows:
            wanted = self.wanted_patients()
            frame = self._read(table, wanted)
            if frame is not None and wanted is not None and PATIENT in frame.columns:
                frame = frame.loc[frame[PATIENT].astype(str).isin(wanted)]
            elif frame is not None and wanted is not None and table == "MERGEDID":
                frame = frame.loc[frame["OldID"].astype(str).isin(wanted)]
            self._rows[table] = (
                None
                if frame is None
                else [{k: _plain(v) for k, v in record.items()} for record in frame.to_dict("records")]
            )
        return self._rows[table] or []

    def resolve(self, table: str, raw: Row) -> tuple[Row, str]:
        """The row with a retired patient moved to the survivor; and the retired-record reason. A
        MERGEDID row belongs to the survivor and carries the retired record's hospital number."""
        if table == "MERGEDID":
            old = raw.get("OldID")
            survivor = self.survivors.get(old or "") or raw.get("NewestID")
            return dict(raw, **{PATIENT: survivor, HOSPITAL_NUMBER: self.districts.get(old or "")}), ""
        patient = raw.get(PATIENT)
        if patient is None or patient not in self.survivors:
            return raw, ""
        if table == "PATDATA":
            return raw, RETIRED
        survivor = self.survivors[patient]
        moved = dict(raw, **{PATIENT: survivor})
        if HOSPITAL_NUMBER in raw:
            district = self.districts.get(survivor)
            moved[HOSPITAL_NUMBER] = district if district is not None else raw[HOSPITAL_NUMBER]
        return moved, ""

    def prepared(self, spec: RowSource) -> list[SourceRow]:
        """Every source row of a target table, each with its keys and filter reason."""
        key = f"{spec.target_table}:{spec.source_table}"  # a union's parts each have their own rows
        if key not in self._prepared:
            self._prepared[key] = self._prepare(spec)
        return self._prepared[key]

    def _prepare(self, spec: RowSource) -> list[SourceRow]:
        table = str(spec.source_table)
        result = []
        for raw in self.rows(table):
            row, retired = self.resolve(table, raw)
            reason = deleted_reason(row) or retired
            for row_filter in spec.filters:
                if not reason and not passes(row_filter, row):
                    reason = row_filter.reason
            result.append(SourceRow(raw, row, key_text(raw, TABLE_KEYS.get(table, ())), grain_key(raw, spec), reason))
        for fold in spec.folds:
            result = fold_rows(fold, result)
        return result

    def live(self, table: str) -> list[Row]:
        """Rows to look values up in: merges resolved, deleted rows and retired records left out,
        in the table's key order (numbers by value, so a spell's FCE 10 follows its FCE 9; stable)."""
        if table not in self._live:
            self._live[table] = self._live_rows(table)
        return self._live[table]

    def _live_rows(self, table: str) -> list[Row]:
        found = []
        for raw in self.rows(table):
            row, retired = self.resolve(table, raw)
            if not retired and not deleted_reason(row):
                found.append(row)
        keys = [c for c in TABLE_KEYS.get(table, ()) if found and c in found[0]]
        return sorted(found, key=lambda r: tuple(key_order(r.get(c)) for c in keys))


def fold_rows(fold: RowFold, rows: list[SourceRow]) -> list[SourceRow]:
    """Rows that are one record with a later row (an offered TCI and its cancellation) load as that
    row: it takes their values where its own are blank, and they are filtered with the fold's reason."""

    def text(row: Row, column: str) -> str:
        return (row.get(column) or "").strip()

    def key(row: Row) -> tuple[str, ...] | None:
        values = tuple(text(row, c) for c in fold.key)
        return values if all(values) else None

    live = [r for r in rows if not r.filter_reason and key(r.row) is not None]
    carrier_keys = {key(r.row) for r in live if text(r.row, fold.column) in fold.into}
    donors: dict[tuple[str, ...] | None, Row] = {}
    for r in live:
        if text(r.row, fold.column) in fold.fold and key(r.row) in carrier_keys:
            donors[key(r.row)] = r.row  # the last one of a key gives the values
    result = []
    for r in rows:
        k = key(r.row) if not r.filter_reason else None
        kind = text(r.row, fold.column)
        if k in donors and kind in fold.fold:
            result.append(replace(r, filter_reason=fold.reason))
        elif k in donors and kind in fold.into:
            filled = {c: donors[k].get(c) for c in fold.carry if not text(r.row, c)}
            result.append(replace(r, row={**r.row, **filled}))
        else:
            result.append(r)
    return result


def key_order(value: Value) -> tuple[bool, bool, bool, int, str]:
    """Where a key value sorts: unknown last, blank first, whole numbers by value, then other text."""
    text = (value or "").strip()
    number = text.isdigit()
    return (value is None, text != "", not number, int(text) if number else 0, text)


def grain_key(raw: Row, spec: RowSource) -> str:
    """The row's grain key as the key registry holds it (a union part's starts with its table)."""
    return spec.key_prefix + key_text(raw, spec.grain)


def shared_keys(table: str, row: Row, others: list[Row], wanted: list[str] | None = None) -> list[str]:
    """Key columns of ``table`` the row also carries, the patient first (never cross patients).

    With ``wanted`` (the grain of an aggregate), only those of them; otherwise all shared keys.
    """
    keys = [c for c in TABLE_KEYS.get(table, ()) if c in row and others and c in others[0]]
    if wanted is not None:
        chosen = [c for c in wanted if c in keys]
        if PATIENT in keys and PATIENT not in chosen:
            chosen.insert(0, PATIENT)
        return chosen or keys
    return ([PATIENT] if PATIENT in keys else []) + [c for c in keys if c != PATIENT]


def last_match(others: list[Row], row: Row, on: list[str]) -> Row | None:
    """The last row (in the other table's key order) whose ``on`` columns equal the row's."""
    if not on:
        return None
    matches = [r for r in others if all(r.get(c) == row.get(c) for c in on)]
    return matches[-1] if matches else None
