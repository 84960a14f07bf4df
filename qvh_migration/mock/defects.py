"""Controlled defects and their ledger.

Each table in ``DEFECT_PLAN`` gets about ``defect_rate x rows`` defective rows, shared equally among
its kinds (at least one of each when the rate is above zero and a row qualifies).  A row carries at
most one defect, and rows whose defect would disturb another recount are kept apart (the spell of
an end-before-start admission gets no episode defects, the episode before an overlap is left
alone), so a recount from the data reproduces the ledger exactly.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from qvh_migration.mock import defect_values as bad
from qvh_migration.mock import defects_people, defects_time
from qvh_migration.mock.catalog import TableSpec, date_format_for
from qvh_migration.mock.legacy_code_sets import LEGACY_CODE_FIELDS
from qvh_migration.mock.rules import (
    DEFECT_PLAN,
    DELETE_FLAG_VALUES,
    LEDGER_COLUMNS,
    MANDATORY,
    MANDATORY_COMPANIONS,
    TABLE_KEYS,
)
from qvh_migration.mock.strings import (
    LARGE,
    STR_DTYPE,
    as_large,
    format_dates,
    join,
    padded,
    parse_dates,
    pick,
    replace_rows,
    series_arrow,
    to_series,
)

# Which key a child's orphan defect breaks: the patient, or the parent episode.
ORPHAN_COLUMN: dict[str, tuple[str, str]] = {
    "PREVSURNAME": ("InternalPatientNumber", "PATDATA"),
    "PREVADDRESS": ("InternalPatientNumber", "PATDATA"),
    "GPHISTORY": ("InternalPatientNumber", "PATDATA"),
    "CASENOTEDETS": ("InternalPatientNumber", "PATDATA"),
    "RTTPERIOD": ("InternalPatientNumber", "PATDATA"),
    "OPWLENTRY": ("EpisodeNumber", "OPREFERRAL"),
    "OPA": ("EpisodeNumber", "OPREFERRAL"),
    "WLACTIVITY": ("EpisodeNumber", "WLENTRY"),
    "CONSEPISODE": ("EpisodeNumber", "ADMITDISCH"),
    "WARDSTAY": ("EpisodeNumber", "ADMITDISCH"),
}
# Numbers no patient or episode has (live numbers stay far below this).
MISSING_ID_BASE = 900_000_000


class Injector:
    """Shared state of one injection run: frames, specs, rows already used, ledger entries."""

    def __init__(
        self, rng: np.random.Generator, tables: dict[str, pd.DataFrame], specs: dict[str, TableSpec], rate: float
    ) -> None:
        self.rng = rng
        self.tables = tables
        self.specs = specs
        self.rate = float(rate)
        self.used = {t: np.zeros(len(df), dtype=bool) for t, df in tables.items()}
        self.entries: list[tuple[str, np.ndarray, str | pa.Array, str, pa.Array]] = []
        self._next_missing = MISSING_ID_BASE
        self._pending: dict[tuple[str, str], list[tuple[np.ndarray, pa.Array]]] = {}

    # ------------------------------------------------------------------ choosing rows
    def budget(self, table: str) -> int:
        if self.rate <= 0 or table not in self.tables or len(self.tables[table]) == 0:
            return 0
        return max(1, round(self.rate * len(self.tables[table]) / len(DEFECT_PLAN[table])))

    def pick(self, table: str, eligible: np.ndarray | None, k: int) -> np.ndarray:
        """Up to ``k`` unused rows among ``eligible`` (all rows when None), marked as used."""
        free = ~self.used[table] if eligible is None else (eligible & ~self.used[table])
        candidates = np.flatnonzero(free)
        k = min(k, candidates.size)
        rows = np.sort(self.rng.choice(candidates, size=k, replace=False)) if k else np.zeros(0, np.int64)
        self.used[table][rows] = True
        return rows

    def split(self, k: int, parts: int) -> np.ndarray:
        """Share ``k`` defects among ``parts`` columns or variants."""
        return self.rng.multinomial(k, np.full(parts, 1.0 / parts)) if parts else np.zeros(0, np.int64)

    # ------------------------------------------------------------------ reading and writing cells
    def has(self, table: str, column: str) -> bool:
        return table in self.tables and column in self.tables[table].columns

    def col(self, table: str, column: str) -> pa.Array:
        self._flush(table, column)
        return series_arrow(self.tables[table][column])

    def nonempty(self, table: str, column: str) -> np.ndarray:
        return pc.greater(pc.binary_length(self.col(table, column)), 0).to_numpy(zero_copy_only=False)

    def set(self, table: str, column: str, rows: np.ndarray, values: pa.Array | list[str]) -> None:
        """Queue new cell values; a column is rewritten once, when next read or at the end, because
        copying a multi-million-row column for every defect kind would dominate peak memory."""
        if rows.size and self.has(table, column):
            vals = values if isinstance(values, pa.Array) else pa.array(list(values), type=LARGE)
            self._pending.setdefault((table, column), []).append((np.asarray(rows, np.int64), as_large(vals)))

    def _flush(self, table: str, column: str) -> None:
        batches = self._pending.pop((table, column), None)
        if not batches:
            return
        rows = np.concatenate([r for r, _ in batches])
        values = pa.concat_arrays([v for _, v in batches])
        # The last write to a cell wins.
        _, last = np.unique(rows[::-1], return_index=True)
        keep = rows.size - 1 - last
        current = series_arrow(self.tables[table][column])
        self.tables[table][column] = to_series(replace_rows(current, rows[keep], values.take(pa.array(keep))))

    def flush_all(self) -> None:
        for table, column in list(self._pending):
            self._flush(table, column)

    def set_dates(self, table: str, column: str, rows: np.ndarray, minutes: np.ndarray) -> None:
        spec = self.specs[table].column(column)
        if spec is None:
            return
        self.set(table, column, rows, format_dates(minutes, date_format_for(table, spec)))

    def minutes(self, table: str, column: str, rows: np.ndarray | None = None) -> np.ndarray:
        arr = self.col(table, column)
        if rows is not None:
            arr = arr.take(pa.array(rows))
        return parse_dates(arr, date_format_for(table, self.specs[table].column(column)))[0]

    def fresh_ids(self, k: int) -> pa.Array:
        ids = self._next_missing + np.arange(k)
        self._next_missing += k
        return padded(ids, 9)

    def record(self, table: str, rows: np.ndarray, column: str, kind: str, detail: pa.Array | str) -> None:
        if rows.size:
            det = pick([detail], np.zeros(rows.size, np.int64)) if isinstance(detail, str) else as_large(detail)
            self.entries.append((table, rows, column, kind, det))

    # ------------------------------------------------------------------ the ledger
    def ledger(self) -> pd.DataFrame:
        self.flush_all()
        parts = []
        for table, rows, column, kind, detail in self.entries:
            keys = row_keys(self.tables[table], table, rows)
            parts.append(
                pa.table(
                    {
                        "table": pick([table], np.zeros(rows.size, np.int64)),
                        "row_key": keys,
                        "column": pick([column], np.zeros(rows.size, np.int64)),
                        "defect_kind": pick([kind], np.zeros(rows.size, np.int64)),
                        "detail": detail,
                    }
                )
            )
        if not parts:
            return pd.DataFrame({c: pd.Series([], dtype=STR_DTYPE) for c in LEDGER_COLUMNS})
        table = pa.concat_tables(parts).sort_by(
            [("table", "ascending"), ("defect_kind", "ascending"), ("row_key", "ascending")]
        )
        return pd.DataFrame({c: to_series(table.column(c).combine_chunks()) for c in LEDGER_COLUMNS})


def row_keys(df: pd.DataFrame, table: str, rows: np.ndarray | None = None) -> pa.Array:
    """Stable key strings such as "InternalPatientNumber=000012345|EpisodeNumber=000200017"."""
    take = None if rows is None else pa.array(rows)
    parts: list[pa.Array | str] = []
    for i, col in enumerate(TABLE_KEYS[table]):
        values = series_arrow(df[col]) if take is None else series_arrow(df[col]).take(take)
        parts += (["|"] if i else []) + [f"{col}=", values]
    return join(parts)


# ---------------------------------------------------------------------- generic kinds


def orphan_child_row(inj: Injector, table: str, k: int) -> None:
    column, parent = ORPHAN_COLUMN[table]
    rows = inj.pick(table, None, k)
    new = inj.fresh_ids(rows.size)
    inj.set(table, column, rows, new)
    inj.record(table, rows, column, "orphan_child_row", join([f"no {parent} row with {column}=", new]))


def unmapped_code(inj: Injector, table: str, k: int) -> None:
    fields = [(c, s) for (t, c), s in LEGACY_CODE_FIELDS.items() if t == table and inj.has(t, c)]
    fields = [(c, s) for c, s in fields if inj.nonempty(table, c).any()]  # fields this extract fills
    for (column, code_set), share in zip(fields, inj.split(k, len(fields)), strict=True):
        rows = inj.pick(table, inj.nonempty(table, column), int(share))
        values = bad.unmapped_code(inj.rng, code_set, inj.specs[table].column(column).size, rows.size)
        inj.set(table, column, rows, values)
        inj.record(table, rows, column, "unmapped_code", join([f"code not in legacy set {code_set}: ", values]))


def missing_mandatory_value(inj: Injector, table: str, k: int) -> None:
    columns = [c for c in MANDATORY[table] if inj.has(table, c)]
    complete = np.logical_and.reduce([inj.nonempty(table, c) for c in columns])
    for column, share in zip(columns, inj.split(k, len(columns)), strict=True):
        rows = inj.pick(table, complete, int(share))
        for target in (column, *MANDATORY_COMPANIONS.get((table, column), ())):
            inj.set(table, target, rows, pick([""], np.zeros(rows.size, np.int64)))
        inj.record(table, rows, column, "missing_mandatory_value", "mandatory value blank")


def malformed_legacy_date(inj: Injector, table: str, k: int) -> None:
    columns = [c for c in bad.MALFORMED_COLUMNS[table] if inj.has(table, c)]
    for column, share in zip(columns, inj.split(k, len(columns)), strict=True):
        minutes, _ = parse_dates(inj.col(table, column), date_format_for(table, inj.specs[table].column(column)))
        rows = inj.pick(table, minutes != np.iinfo(np.int64).min, int(share))
        fmt = date_format_for(table, inj.specs[table].column(column))
        values = bad.malformed_dates(inj.rng, minutes[rows], fmt)
        inj.set(table, column, rows, values)
        inj.record(table, rows, column, "malformed_legacy_date", join([f"not a {fmt} date: ", values]))


def over_length_value(inj: Injector, table: str, k: int) -> None:
    columns = [c for c in bad.OVER_LENGTH_COLUMNS[table] if inj.has(table, c)]
    for column, share in zip(columns, inj.split(k, len(columns)), strict=True):
        rows = inj.pick(table, None, int(share))
        size = inj.specs[table].column(column).size
        values = bad.long_value(inj.rng, column, size, rows.size)
        inj.set(table, column, rows, values)
        inj.record(
            table,
            rows,
            column,
            "over_length_value",
            join([pc.cast(pc.utf8_length(values), LARGE), f" characters in a field of size {size}"]),
        )


def non_ascii_name(inj: Injector, table: str, k: int) -> None:
    columns = [c for c in bad.NON_ASCII_COLUMNS[table] if inj.has(table, c)]
    for column, share in zip(columns, inj.split(k, len(columns)), strict=True):
        rows = inj.pick(table, None, int(share))
        values = bad.non_ascii_name(inj.rng, column, rows.size)
        inj.set(table, column, rows, values)
        inj.record(table, rows, column, "non_ascii_name", join(["name with non-ASCII characters: ", values]))


def logically_deleted_row(inj: Injector, table: str, k: int) -> None:
    flags = [c.name for c in inj.specs[table].columns if c.is_delete_flag and c.name in DELETE_FLAG_VALUES]
    if not flags:
        return
    eligible = None
    if table == "GP":  # the "GP not known" default row stays live
        eligible = pc.not_equal(inj.col("GP", "GpCode"), "G9999998").to_numpy(zero_copy_only=False)
    rows = inj.pick(table, eligible, k)
    inj.set(table, flags[0], rows, pick([DELETE_FLAG_VALUES[flags[0]][1]], np.zeros(rows.size, np.int64)))
    inj.record(table, rows, flags[0], "logically_deleted_row", "master-file row logically deleted, still referenced")


GENERIC: dict[str, Callable[[Injector, str, int], None]] = {
    "orphan_child_row": orphan_child_row,
    "unmapped_code": unmapped_code,
    "missing_mandatory_value": missing_mandatory_value,
    "malformed_legacy_date": malformed_legacy_date,
    "over_length_value": over_length_value,
    "non_ascii_name": non_ascii_name,
    "logically_deleted_row": logically_deleted_row,
    "end_before_start": defects_time.end_before_start,
}


def inject(
    rng: np.random.Generator,
    tables: dict[str, pd.DataFrame],
    specs: dict[str, TableSpec],
    rate: float,
    duplicate_sources: np.ndarray | None = None,
) -> pd.DataFrame:
    """Inject defects into ``tables`` in place and return the ledger.

    Duplicate registrations are planted by the generator (appended to PATDATA before it becomes a
    frame, which is far cheaper than growing a million-row frame); ``duplicate_sources`` names
    the registrations they copy, and they are ledgered here with the other defects."""
    inj = Injector(rng, tables, specs, rate)
    if inj.rate > 0:
        # Spells first: their episodes must then be spared the episode defects.
        if "ADMITDISCH" in tables:
            defects_time.end_before_start(inj, "ADMITDISCH", inj.budget("ADMITDISCH"))
        if "CONSEPISODE" in tables and "ADMITDISCH" in tables:
            defects_time.episode_defects(inj, inj.budget("CONSEPISODE"))
        defects_people.register_duplicates(inj, np.asarray(duplicate_sources if duplicate_sources is not None else []))
        defects_people.patient_defects(inj, inj.budget("PATDATA"))
        for table, kinds in DEFECT_PLAN.items():
            if table not in tables:
                continue
            for kind in kinds:
                if kind in GENERIC and not (table == "ADMITDISCH" and kind == "end_before_start"):
                    GENERIC[kind](inj, table, inj.budget(table))
        defects_people.merged_patients(inj, inj.budget("PATDATA"))
    return inj.ledger()
