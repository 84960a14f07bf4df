"""Recall against the defect ledger: was every injected defect caught, and by what?

A defect's source row is ``(table, row_key)``. It is *rejected* when the ETL rejected that row
with a matching reason, *filtered* when the row reached no target table (the source rules keep it
out: a merged patient's retired record, a logically deleted master row, a row whose parent was not
loaded), *warned* when the load reported it and emptied the field, and *found* when a gate check
meant for it has a finding on that row. A defect that cannot be wrong in the target (its column is
read by no table that loaded the row; an over-long value that fits the target field; a blank that
fills only optional fields) is counted as *no_target_fault*. Which reasons and checks match is reviewed data
(``detection.yaml``).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from qvh_migration.errors import CurationError
from qvh_migration.etl.source_rules import deleted_reason
from qvh_migration.io.arrow_text import is_in
from qvh_migration.settings import PACKAGE_DIR

DETECTION_FILE = PACKAGE_DIR / "gates" / "detection.yaml"
DETECTION_COLUMNS = (
    "defect_kind",
    "injected",
    "rejected",
    "found",
    "warned",
    "filtered",
    "no_target_fault",
    "missed",
)
HANDLINGS = ("rejects", "filters", "warnings", "checks")


def load_expectations(path: Path = DETECTION_FILE) -> dict[str, dict[str, list[str]]]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise CurationError(path, f"cannot read ({str(exc).splitlines()[0]})") from None
    if not isinstance(raw, dict):
        raise CurationError(path, "a mapping of defect kind -> handlings")
    out = {}
    for kind, spec in raw.items():
        if not isinstance(spec, dict) or set(spec) - set(HANDLINGS):
            raise CurationError(path, f"each defect kind maps {', '.join(HANDLINGS)} to lists", where=str(kind))
        out[str(kind)] = {h: [str(v) for v in spec.get(h, [])] for h in HANDLINGS}
    return out


def _pairs(frame: pd.DataFrame, table: str, key: str) -> pd.Series:
    return frame[table].astype(str) + "\x1f" + frame[key].astype(str)


def detect(
    ledger: pd.DataFrame,
    rejects: pd.DataFrame,
    warnings: pd.DataFrame,
    findings: pd.DataFrame,
    loaded: pd.DataFrame,
    extracts: dict[str, pd.DataFrame],
    expectations: dict[str, dict[str, list[str]]],
    reads: dict[str, list[tuple[str, int | None, str]]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-kind counts, per-defect detail). ``loaded``: target_table, source_table, grain_key of loaded records."""
    defects = ledger.copy()
    # A merge's ledger row names the retired patient by MERGEDID.OldID: that is PATDATA's row.
    merged = defects["table"].eq("MERGEDID")
    target_table = defects["table"].where(~merged, "PATDATA")
    target_key = defects["row_key"].where(~merged, defects["row_key"].str.replace("OldID=", "InternalPatientNumber="))
    pair = target_table.astype(str) + "\x1f" + target_key.astype(str)
    kinds = defects["defect_kind"].astype(str)
    family = findings["check"].astype(str).str.split(":", n=1).str[0]
    # Only the loaded records a defect names: the whole registry would make a set of millions of keys.
    loaded_pair = _pairs(loaded, "source_table", "grain_key")
    named = is_in(loaded_pair, pair).to_numpy(dtype=bool)
    tables_of = loaded.loc[named].assign(_pair=loaded_pair[named]).groupby("_pair")["target_table"].agg(set)
    deleted = _deleted_rows(defects, extracts)
    rejected_pairs = _pairs(rejects, "source_table", "source_key")
    warned_pairs = _pairs(warnings, "source_table", "source_key")
    found_pairs = _pairs(findings, "source_table", "source_key")
    columns = {
        "rejected": _caught(pair, kinds, rejected_pairs, rejects["reason_code"], expectations, "rejects"),
        # Kept out: the row reached no target table (pre-filtered rows are not even registered).
        # A defective row that reached no target table cannot harm the load, whatever its kind.
        "filtered": ~is_in(pair, loaded_pair[named]).to_numpy(dtype=bool) | deleted.to_numpy(dtype=bool),
        "warned": _caught(pair, kinds, warned_pairs, warnings["reason_code"], expectations, "warnings"),
        "found": _caught(pair, kinds, found_pairs, family, expectations, "checks"),
    }
    detail = defects.assign(**columns)
    # Each defect is counted once, under the first handling that caught it (in the columns' order).
    seen = pd.Series(False, index=detail.index)
    for handling in ("rejected", "found", "warned", "filtered"):
        detail[handling] = detail[handling] & ~seen
        seen |= detail[handling]
    handled = seen
    column_key = defects["table"].astype(str) + "." + defects["column"].astype(str)
    detail["no_target_fault"] = [
        reads is not None and _no_target_fault(str(kind), col, str(text), tables_of.get(key, set()), reads)
        for kind, col, text, key in zip(defects["defect_kind"], column_key, defects["detail"], pair, strict=True)
    ]
    detail["no_target_fault"] &= ~handled
    detail["missed"] = ~handled & ~detail["no_target_fault"]
    counts = (
        detail.groupby("defect_kind")
        .agg(
            injected=("row_key", "size"),
            rejected=("rejected", "sum"),
            filtered=("filtered", "sum"),
            warned=("warned", "sum"),
            found=("found", "sum"),
            no_target_fault=("no_target_fault", "sum"),
            missed=("missed", "sum"),
        )
        .reset_index()
    )
    return counts[list(DETECTION_COLUMNS)], detail


def _caught(
    pair: pd.Series,
    kinds: pd.Series,
    handled: pd.Series,
    codes: pd.Series,
    expectations: dict[str, dict[str, list[str]]],
    handling: str,
) -> np.ndarray:
    """Per defect: a row of ``handled`` (reject, warning or finding) names the defect's source row
    with a code its kind expects under ``handling``. One join, not a scan of every reject per defect
    (which grew with the square of the extract)."""
    expected = pd.DataFrame(
        [(kind, code) for kind, spec in expectations.items() for code in spec.get(handling, [])],
        columns=["kind", "code"],
        dtype=object,
    )
    rows = pd.DataFrame({"pair": handled.astype(str).to_numpy(dtype=object), "code": codes.to_numpy(dtype=object)})
    rows = rows.loc[is_in(rows["pair"], pair).to_numpy(dtype=bool) & rows["code"].notna().to_numpy()]
    defects = pd.DataFrame(
        {
            "at": np.arange(len(pair)),
            "pair": pair.astype(str).to_numpy(dtype=object),
            "kind": kinds.to_numpy(dtype=object),
        }
    )
    rows = rows.assign(code=rows["code"].astype(str)).drop_duplicates()
    hit = defects.merge(rows, on="pair").merge(expected, on=["kind", "code"])["at"].to_numpy()
    out = np.zeros(len(pair), dtype=bool)
    out[hit] = True
    return out


def _no_target_fault(
    kind: str, column: str, text: str, tables: set[str], reads: dict[str, list[tuple[str, int | None, str]]]
) -> bool:
    """The defective value cannot be wrong in the target: no table that loaded the row reads the column,
    an over-long legacy value fits every target field it fills, or a blank legacy value fills only fields
    the guide makes optional."""
    fields = [f for f in reads.get(column, []) if f[0] in tables]
    if not fields:
        return True
    if kind == "over_length_value":
        size = re.match(r"(\d+) characters", text)
        return bool(size) and all(length is not None and int(size.group(1)) <= length for _, length, _ in fields)
    if kind == "missing_mandatory_value":
        return all(mandatory != "mandatory" for _, _, mandatory in fields)
    return False


def _deleted_rows(defects: pd.DataFrame, extracts: dict[str, pd.DataFrame]) -> pd.Series:
    """Ledger rows whose extract row carries a logical-delete flag (the ETL never loads or looks them up)."""
    from qvh_migration.legacy.keys import row_keys

    out = pd.Series(False, index=defects.index)
    for table, rows in defects.groupby("table"):
        frame = extracts.get(str(table))
        if frame is None:
            continue
        try:
            keys = row_keys(frame, str(table))
        except KeyError:
            continue
        flagged = set(keys[deleted_reason(frame).ne("")])
        out[rows.index] = rows["row_key"].isin(flagged)
    return out
