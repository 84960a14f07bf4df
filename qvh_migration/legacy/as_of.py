"""The extract's as-of day: the day the legacy PAS was read, to which waits and statuses are counted.

One definition for every stage that needs it (the load's inpatient waiting-list status, the
waiting-list parity report): the day the extract manifest states, or, when it states none, the
latest recorded status or activity date in the waiting-list extracts. Those dates are recorded
when something happened, never planned, so none lies after the extract was taken.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from qvh_migration.errors import MigrationInputError
from qvh_migration.legacy.dates import parse_legacy_dates

# Keys an extract manifest may carry its as-of moment under (a real delivery's manifest may add one).
AS_OF_KEYS = ("as_of", "as_of_date", "extract_date", "extracted_at")
# Recorded (never planned) status and activity dates of the waiting-list extracts.
ACTIVITY_COLUMNS: dict[str, tuple[str, ...]] = {
    "RTTPERIOD": ("LatestStsDtInt", "CurrentStatusDtInt"),
    "WLENTRY": ("EpsActvDtimeInt",),
    "WLACTIVITY": ("EpsActvDtimeInt",),
    "OPWLENTRY": ("OPRegDateInt",),
}
MANIFEST_BASIS = "the extract manifest's as-of date"
ACTIVITY_BASIS = (
    "no as-of date in the extract manifest: the latest recorded status or activity date in the "
    "extracts (RTTPERIOD, WLENTRY, WLACTIVITY, OPWLENTRY)"
)
TableReader = Callable[[str], pd.DataFrame | None]


def manifest_as_of(manifest: Mapping[str, object]) -> pd.Timestamp | None:
    """The extract's as-of day when its manifest states one."""
    for key in AS_OF_KEYS:
        value = manifest.get(key)
        if value:
            stamp = pd.to_datetime(str(value), errors="coerce", dayfirst=False)
            if pd.notna(stamp):
                return pd.Timestamp(stamp).normalize()
    return None


def latest_activity_date(extracts: Mapping[str, pd.DataFrame | None]) -> pd.Timestamp | None:
    """The latest recorded status or activity day in the waiting-list extracts (None: none dated)."""
    latest: list[pd.Timestamp] = []
    for table, names in ACTIVITY_COLUMNS.items():
        frame = extracts.get(table)
        for name in names:
            if frame is not None and name in frame.columns:
                value = parse_legacy_dates(frame[name], "auto").max()
                if pd.notna(value):
                    latest.append(pd.Timestamp(value))
    return max(latest).normalize() if latest else None


def as_of_day(
    manifest: Mapping[str, object], extracts: Mapping[str, pd.DataFrame | None]
) -> tuple[pd.Timestamp | None, str]:
    """The as-of day and where it came from; (None, basis) when neither source dates it."""
    stated = manifest_as_of(manifest)
    if stated is not None:
        return stated, MANIFEST_BASIS
    return latest_activity_date(extracts), ACTIVITY_BASIS


def read_manifest(extracts_dir: Path | None) -> dict:
    """The extract manifest as a dict; empty when there is none."""
    path = None if extracts_dir is None else Path(extracts_dir) / "manifest.json"
    if path is None or not path.exists():
        return {}
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MigrationInputError(path, f"extract manifest cannot be read ({exc})") from None
    return loaded if isinstance(loaded, dict) else {}


def extract_as_of(extracts_dir: Path | None, read: TableReader) -> pd.Timestamp | None:
    """The as-of day of one extract folder, reading only the tables the definition names."""
    return as_of_day(read_manifest(extracts_dir), {t: read(t) for t in ACTIVITY_COLUMNS})[0]
