"""Shared state of one defect-injection run: the frames, rows already used, queued cell writes and
the ledger entries. Its own module so that the defect kinds (``defects``, ``defects_people``,
``defects_time``) can all import it without importing each other."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from qvh_migration.legacy.catalog import TableSpec, date_format_for
from qvh_migration.legacy.dates import parse_minutes
from qvh_migration.legacy.keys import row_key_array
from qvh_migration.mock.rules import DEFECT_PLAN, LEDGER_COLUMNS
from qvh_migration.mock.strings import (
    LARGE,
    STR_DTYPE,
    as_large,
    format_dates,
    padded,
    pick,
    replace_rows,
    series_arrow,
    to_series,
)

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
        return parse_minutes(arr, date_format_for(table, self.specs[table].column(column)))[0]

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
            keys = row_key_array(self.tables[table], table, rows)
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
