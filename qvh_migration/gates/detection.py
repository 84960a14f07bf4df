"""Recall against the defect ledger: was every injected defect caught, and by what?

A defect's source row is ``(table, row_key)``. It is *rejected* when the ETL rejected that row
with a matching reason, *filtered* when the row reached no target table (the source rules keep it
out: a merged patient's retired record, a logically deleted master row, a row whose parent was not
loaded), *warned* when the load reported it and emptied the field, and *found* when a gate check
meant for it has a finding on that row. Which reasons and checks match is reviewed data
(``detection.yaml``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from qvh_migration.errors import CurationError
from qvh_migration.etl.source_rules import deleted_reason
from qvh_migration.settings import PACKAGE_DIR

DETECTION_FILE = PACKAGE_DIR / "gates" / "detection.yaml"
DETECTION_COLUMNS = (
    "defect_kind",
    "injected",
    "rejected",
    "filtered",
    "warned",
    "found",
    "not_migrated",
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
    registered: pd.DataFrame,
    extracts: dict[str, pd.DataFrame],
    expectations: dict[str, dict[str, list[str]]],
    read_columns: set[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-kind counts, per-defect detail). ``loaded``/``registered``: source_table, grain_key."""
    defects = ledger.copy()
    # A merge's ledger row names the retired patient by MERGEDID.OldID: that is PATDATA's row.
    merged = defects["table"].eq("MERGEDID")
    target_table = defects["table"].where(~merged, "PATDATA")
    target_key = defects["row_key"].where(~merged, defects["row_key"].str.replace("OldID=", "InternalPatientNumber="))
    pair = target_table.astype(str) + "\x1f" + target_key.astype(str)
    rejected_pairs = _pairs(rejects, "source_table", "source_key")
    warned_pairs = _pairs(warnings, "source_table", "source_key")
    found_pairs = _pairs(findings, "source_table", "source_key")
    family = findings["check"].astype(str).str.split(":", n=1).str[0]
    loaded_pairs = set(_pairs(loaded, "source_table", "grain_key"))
    deleted = _deleted_rows(defects, extracts)
    columns = {"rejected": [], "filtered": [], "warned": [], "found": []}
    for i, kind in enumerate(defects["defect_kind"]):
        want = expectations.get(str(kind), {h: [] for h in HANDLINGS})
        key = pair.iloc[i]
        columns["rejected"].append(bool(rejects["reason_code"][rejected_pairs.eq(key)].isin(want["rejects"]).any()))
        columns["warned"].append(bool(warnings["reason_code"][warned_pairs.eq(key)].isin(want["warnings"]).any()))
        columns["found"].append(bool(family[found_pairs.eq(key)].isin(want["checks"]).any()))
        # Kept out: the row reached no target table (pre-filtered rows are not even registered).
        kept_out = key not in loaded_pairs or bool(deleted.iloc[i])
        # A defective row that reached no target table cannot harm the load, whatever its kind.
        columns["filtered"].append(kept_out)
    detail = defects.assign(**columns)
    # A defect in a column no contract rule reads never reaches the target: nothing to catch there.
    read = read_columns if read_columns is not None else set()
    column_key = defects["table"].astype(str) + "." + defects["column"].astype(str)
    handled = detail[["rejected", "filtered", "warned", "found"]].any(axis=1)
    detail["not_migrated"] = ~handled & ~column_key.isin(read) & (read_columns is not None)
    detail["missed"] = ~handled & ~detail["not_migrated"]
    counts = (
        detail.groupby("defect_kind")
        .agg(
            injected=("row_key", "size"),
            rejected=("rejected", "sum"),
            filtered=("filtered", "sum"),
            warned=("warned", "sum"),
            found=("found", "sum"),
            not_migrated=("not_migrated", "sum"),
            missed=("missed", "sum"),
        )
        .reset_index()
    )
    return counts[list(DETECTION_COLUMNS)], detail


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
