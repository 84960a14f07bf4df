"""Row folds: several legacy rows that are one target record load as one row.

The legacy PAS writes one WLACTIVITY row when a TCI is offered and another when that TCI is
cancelled; Altera holds one planned admission with its status and cancelled date (guide pp. 71-72).
Loading both would show one cancellation as two cancelled TCIs, which counts twice in the
cancellation-based wait rules. A fold, declared in ``row_sources.yaml``, names the record's key, the
rows folded away (the offer) and the row that carries the record (its cancellation); the carrier
takes the folded row's values where its own are blank, and the folded row is filtered with the
fold's reason, so the counts still reconcile.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from qvh_migration.errors import CurationError
from qvh_migration.io.arrow_text import is_in

FOLD_KEYS = ("key", "fold", "into", "carry", "reason")


@dataclass(frozen=True)
class RowFold:
    """Rows whose ``column`` is in ``fold`` fold into the live row of the same ``key`` whose
    ``column`` is in ``into``; ``carry`` columns are filled on that row when blank."""

    key: tuple[str, ...]
    column: str
    fold: tuple[str, ...]
    into: tuple[str, ...]
    carry: tuple[str, ...]
    reason: str


def parse_row_fold(path: Path, where: str, item: object) -> RowFold:
    """One ``folds:`` entry of a row source; every problem names the file and the table."""
    if not isinstance(item, dict):
        raise CurationError(path, "a fold is a mapping of key, column, fold, into, carry and reason", where=where)
    missing = [k for k in ("key", "column", "fold", "into", "reason") if not item.get(k)]
    if missing:
        raise CurationError(path, f"a fold needs {', '.join(missing)}", where=where)
    fold = tuple(str(v) for v in item["fold"])
    into = tuple(str(v) for v in item["into"])
    if set(fold) & set(into):
        raise CurationError(path, f"a fold folds {sorted(set(fold) & set(into))} into itself", where=where)
    return RowFold(
        key=tuple(str(c) for c in item["key"]),
        column=str(item["column"]),
        fold=fold,
        into=into,
        carry=tuple(str(c) for c in item.get("carry") or ()),
        reason=str(item["reason"]).strip(),
    )


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].astype("string").fillna("").str.strip()


def _key(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    key = _text(frame, columns[0])
    for column in columns[1:]:
        key = key + "|" + _text(frame, column)
    return key


def apply_row_fold(fold: RowFold, frame: pd.DataFrame, reason: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """The rows with the carriers' blanks filled from their folded rows, and the filter reasons with
    the folded rows marked. Only live rows (reason "") take part; a row to fold with no carrier of
    its key stays a row of its own (it is the only record of it). Frames lacking a key column are
    returned unchanged (an extract without the key cannot say which rows are one record); a carried
    column the extract lacks is skipped."""
    if not {*fold.key, fold.column} <= set(frame.columns):
        return frame, reason
    carry = [c for c in fold.carry if c in frame.columns]
    live = reason.eq("")
    kind = _text(frame, fold.column)
    key = _key(frame, fold.key)
    complete = pd.Series(True, index=frame.index)
    for column in fold.key:
        complete &= _text(frame, column).ne("")
    folded = live & complete & kind.isin(fold.fold)
    carriers = live & complete & kind.isin(fold.into)
    folded &= is_in(key, key[carriers])
    if not folded.any():
        return frame, reason
    # The last folded row of a key gives the carried values (the latest offer of that TCI).
    donors = frame.loc[folded, carry].assign(_key=key[folded]).drop_duplicates("_key", keep="last")
    donors = donors.set_index("_key")
    filled = frame.copy()
    donor_keys = carriers & is_in(key, donors.index)
    for column in carry:
        blank = donor_keys & _text(frame, column).eq("")
        filled.loc[blank, column] = key[blank].map(donors[column])
    return filled, reason.mask(folded, fold.reason)
