"""The source side of one table load: its rows, and the other tables its rules reach into.

Rules name source fields as ``TABLE.Column``. Fields of the row's own table are read from the
row; fields of another table are reached through the key columns both tables share by name
(``InternalPatientNumber``, ``EpisodeNumber``, ...), the only joins the legacy schema supports.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from qvh_migration.errors import MigrationInputError
from qvh_migration.etl.key_registry import numbers_of
from qvh_migration.etl.row_sources import RowSource, RowSources
from qvh_migration.etl.source_keys import TABLE_KEYS
from qvh_migration.etl.source_rules import (
    FILTER_REASON,
    GRAIN_KEY,
    HOSPITAL_NUMBER,
    NEWEST_ID,
    PATIENT_KEY,
    RETIRED_ID,
    deleted_reason,
    hospital_numbers,
    prepare_rows,
    resolve_merges,
    surviving_patients,
)
from qvh_migration.legacy.as_of import ACTIVITY_COLUMNS, extract_as_of

ExtractReader = Callable[[str], pd.DataFrame | None]
# (table, columns) -> those columns of the extract, None when it has no file or lacks one of them.
ColumnReader = Callable[[str, list[str]], pd.DataFrame | None]
EXTRACT_FILE = "extracts/{table}.parquet"


def split_field(qualified: str) -> tuple[str, str]:
    table, column = qualified.split(".", 1)
    return table, column


@dataclass
class SourceTables:
    """Extracts read once per load, with merged patients resolved and deleted masters dropped."""

    read_extract: ExtractReader
    # Source catalog columns per table: an extract must have exactly these (None: not checked).
    catalog_columns: Mapping[str, set[str]] | None = None
    location: Path | None = None  # the extracts folder, to name the file in errors
    # Reads a few columns of an extract not read whole yet (None: read the whole extract).
    read_columns: ColumnReader | None = None
    _raw: dict[str, pd.DataFrame | None] = field(default_factory=dict)
    _resolved: dict[str, pd.DataFrame | None] = field(default_factory=dict)

    def raw(self, table: str) -> pd.DataFrame | None:
        if table not in self._raw:
            frame = self.read_extract(table)
            if frame is not None and self.catalog_columns is not None:
                where = self.location / f"{table}.parquet" if self.location else EXTRACT_FILE.format(table=table)
                check_extract_columns(table, frame, self.catalog_columns.get(table), where)
            self._raw[table] = frame
        return self._raw[table]

    def has(self, table: str) -> bool:
        return self.raw(table) is not None

    def release(self, table: str) -> None:
        """Forget an extract read whole, so a pass over every extract holds one at a time."""
        self._raw.pop(table, None)
        self._resolved.pop(table, None)

    def columns(self, table: str, wanted: list[str]) -> pd.DataFrame | None:
        """The ``wanted`` columns of an extract: from the whole extract once it is read, else only those
        columns from its file, so a small table's load does not read PATDATA whole for the merge map.
        An extract lacking one of them is read whole, so its column check names the fault."""
        if table not in self._raw and self.read_columns is not None:
            frame = self.read_columns(table, wanted)
            if frame is not None:
                return frame
        frame = self.raw(table)
        return None if frame is None else frame[[c for c in wanted if c in frame.columns]]

    @cached_property
    def survivors(self) -> pd.Series:
        patients = self.columns("PATDATA", [PATIENT_KEY])
        return surviving_patients(self.columns("MERGEDID", [RETIRED_ID, NEWEST_ID]), patients)

    @cached_property
    def as_of(self) -> pd.Timestamp | None:
        """The extract's as-of day: the manifest's, else the latest recorded activity (legacy/as_of.py)."""
        return extract_as_of(self.location, lambda table: self.columns(table, list(ACTIVITY_COLUMNS[table])))

    @cached_property
    def districts(self) -> pd.Series:
        return hospital_numbers(self.columns("PATDATA", [PATIENT_KEY, HOSPITAL_NUMBER]))

    def lookup_table(self, table: str) -> pd.DataFrame | None:
        """A table to look values up in: merges resolved, logically deleted rows left out."""
        if table not in self._resolved:
            frame = self.raw(table)
            if frame is not None:
                frame, retired = resolve_merges(frame, table, self.survivors, self.districts)
                live = deleted_reason(frame).eq("") & retired.eq("")
                frame = frame.loc[live]
            self._resolved[table] = frame
        return self._resolved[table]


def check_extract_columns(table: str, frame: pd.DataFrame, expected: set[str] | None, where: Path | str) -> None:
    """An extract must have the catalog's columns, no more and no fewer, or nothing is loaded."""
    if expected is None:
        raise MigrationInputError(where, f"{table} is not a table of the source catalog")
    missing = sorted(expected - set(frame.columns))
    unknown = sorted(set(frame.columns) - expected)
    if missing:
        raise MigrationInputError(where, f"lacks catalog column(s) {_listed(missing)}", where=table)
    if unknown:
        raise MigrationInputError(where, f"has column(s) the catalog does not know: {_listed(unknown)}", where=table)


def _listed(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def join_columns(rows: pd.DataFrame, other_table: str, other: pd.DataFrame, wanted: list[str]) -> list[str]:
    """Key columns to join ``rows`` to ``other``: the other table's keys present in both by name.

    ``wanted`` (the columns the rule names on the row's side) come first; the patient number is
    always part of the join when both tables carry it, so no lookup crosses patients.
    """
    keys = TABLE_KEYS.get(other_table, ())
    shared = [c for c in keys if c in rows.columns and c in other.columns]
    # Nothing wanted: every shared key (a consultant episode's admission is patient + episode, not
    # the patient's last admission); the patient alone would reach across the patient's records.
    chosen = [c for c in wanted if c in shared] if wanted else list(shared)
    if "InternalPatientNumber" in shared and "InternalPatientNumber" not in chosen:
        chosen.insert(0, "InternalPatientNumber")
    return chosen or shared


def key_order(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Row positions in key order, whole-number keys by value: FCE 10 comes after FCE 9, where text
    order would put it first and make FCE 9 the "last" episode."""
    sortable = {}
    for key in keys:
        text = frame[key].astype("string").str.strip()
        numbers = pd.to_numeric(text.where(text.str.fullmatch(r"\d+"), None), errors="coerce")
        sortable[key] = numbers if numbers.notna().sum() == text.notna().sum() else text
    return pd.DataFrame(sortable).reset_index(drop=True).sort_values(keys, kind="stable").index.to_numpy()


def align_last(
    rows: pd.DataFrame, other_table: str, other: pd.DataFrame, on: list[str], column: str, engine: str = "pandas"
) -> pd.Series:
    """``other[column]`` of the last matching row (in the other table's key order) for each row; the
    ``duckdb`` engine runs the same lookup as one query (``etl/sql_lookups.py``)."""
    if engine == "duckdb":
        from qvh_migration.etl.sql_lookups import last_values

        return last_values(rows, other_table, other, on, column)
    keys = [c for c in TABLE_KEYS.get(other_table, ()) if c in other.columns]
    ordered = other.iloc[key_order(other, keys)] if keys else other
    last = ordered.drop_duplicates(on, keep="last")[[*on, column]].rename(columns={column: "_value"})
    left = rows[on].astype("string").reset_index()
    merged = left.merge(last.astype("string"), on=on, how="left").set_index(left.columns[0])
    return merged["_value"].reindex(rows.index)


@dataclass(frozen=True)
class ParentRows:
    """A parent table's rows as its own load sees them: grain values -> record number, reason."""

    table: str
    grain: tuple[str, ...]
    frame: pd.DataFrame  # grain columns, record_number, FILTER_REASON


def parent_rows(
    parent: str, row_sources: RowSources, sources: SourceTables, numbers: Mapping[str, pd.Series]
) -> ParentRows | None:
    """The parent's rows, or None when the parent loads no rows or its source is absent."""
    spec = row_sources.tables.get(parent)
    # A union is a parent only when its parts share one grain (the same key columns, e.g. current and
    # removed waiting-list entries); its rows are the parts' rows in part order. Otherwise no key a
    # child could name covers its rows, so no table links to one (link left empty).
    parts = [spec] if isinstance(spec, RowSource) else list(spec.parts) if spec is not None else []
    if not parts or len({p.grain for p in parts}) != 1:
        return None
    frames = []
    for part in parts:
        if not part.loads_rows or not sources.has(str(part.source_table)):
            continue
        prepared = prepare_rows(part, sources.raw(str(part.source_table)), sources.survivors, sources.districts)
        first = prepared.drop_duplicates(GRAIN_KEY, keep="first")
        frame = first[[*part.grain, FILTER_REASON]].astype("string").copy()
        frame["record_number"] = numbers_of(first[GRAIN_KEY], numbers.get(parent, pd.Series(dtype="int64")))
        frames.append(frame)
    if not frames:
        return None
    return ParentRows(parent, parts[0].grain, pd.concat(frames, ignore_index=True))
