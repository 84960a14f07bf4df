"""Table specs of the legacy extract as the source catalog gives them: columns in order, sizes, and
the format each date column is written in.

Column names and order always come from the catalog. The date format of a column is the
dictionary's stated one, else one implied by its Size, with the overrides below where the
dictionary is silent or the Size misleads. The generator writes dates and the recounts read them in
the format this module gives; a stage that knows a column's format should ask it too rather than
fall back to the "auto" grammar, so a date column is read the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from qvh_migration.errors import CatalogContractError
from qvh_migration.legacy.dates import LEGACY_DATE_FORMATS, format_width

CATALOG_SOURCE = "source catalog"
_NEEDED_CATALOG_COLUMNS = (
    "TableName",
    "Column",
    "size_chars",
    "field_order",
    "date_format",
    "date_pair_role",
    "date_pair_column",
    "is_logical_delete_flag",
)


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    size: int | None  # None when the dictionary gives no size
    date_format: str  # from the dictionary, "" when it states none
    pair_role: str  # display | internal | ""
    pair_column: str
    is_delete_flag: bool


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[ColumnSpec, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnSpec | None:
        return next((c for c in self.columns if c.name == name), None)


def table_specs(catalog: pd.DataFrame, tables: Iterable[str]) -> dict[str, TableSpec]:
    """Specs of the requested tables that the catalog has (absent ones are left out)."""
    missing = [c for c in _NEEDED_CATALOG_COLUMNS if c not in catalog.columns]
    if missing:
        raise CatalogContractError(CATALOG_SOURCE, f"catalog frame lacks column(s) {', '.join(missing)}")
    wanted = set(tables)
    rows = catalog[catalog["TableName"].isin(wanted)].sort_values(["TableName", "field_order"], kind="stable")
    specs: dict[str, TableSpec] = {}
    for name, group in rows.groupby("TableName", sort=True):
        cols = tuple(
            ColumnSpec(
                name=str(r.Column),
                size=None if pd.isna(r.size_chars) else int(r.size_chars),
                date_format=str(r.date_format or ""),
                pair_role=str(r.date_pair_role or ""),
                pair_column=str(r.date_pair_column or ""),
                is_delete_flag=bool(r.is_logical_delete_flag),
            )
            for r in group.itertuples(index=False)
        )
        specs[str(name)] = TableSpec(str(name), cols)
    return specs


def require(specs: Mapping[str, TableSpec], required: Mapping[str, Iterable[str]]) -> None:
    """Fail with the table or column name when the catalog lacks a column the extract is keyed on."""
    for table, columns in required.items():
        spec = specs.get(table)
        if spec is None:
            raise CatalogContractError(CATALOG_SOURCE, f"table {table} is missing", where=f"table {table}")
        names = set(spec.names)
        for col in columns:
            if col not in names:
                raise CatalogContractError(
                    CATALOG_SOURCE, f"key column {table}.{col} is missing", where=f"{table}.{col}"
                )


# Columns whose format the dictionary does not give and the Size would get wrong: time-of-day
# fields and a few dates kept as internal CCYYMMDD in 8-character columns.
FORMAT_OVERRIDES: dict[tuple[str, str], str] = {
    ("ADMITDISCH", "AdmissionTime"): "HH:MM",
    ("ADMITDISCH", "DischargeTime"): "HH:MM",
    ("ADMITDISCH", "DateOnWl"): "CCYYMMDD",
    ("OPA", "ApptTime"): "HH:MM",
    ("OPA", "ApptCancTime"): "HH:MM",
    ("OPA", "ApptEndTime"): "HH:MM",
    ("OPA", "DischTime"): "HH:MM",
    ("OPA", "LastRevisionDtime"): "CCYYMMDDHHMM",
    ("OPREFERRAL", "DischargeDt"): "CCYYMMDDHHMM",
    ("OPREFERRAL", "DischargeTm"): "DD/MM/YYYY HH:MM",
    ("OPREFERRAL", "StatusDTInt"): "CCYYMMDDHHMM",
    ("RTTPERIOD", "RttStartDateTimeInt"): "CCYYMMDDHHMM",
    ("RTTPERIOD", "RttEndDateTimeInt"): "CCYYMMDDHHMM",
    ("RTTEPIPERIOD", "RttStartDateTimeInt"): "CCYYMMDDHHMM",
    ("OPWLENTRY", "LastReviewDate"): "CCYYMMDDHHMM",
    ("OPWLENTRY", "OpWlDateIdxDateOnWaitingListNeutral"): "CCYYMMDD",
    ("WLENTRY", "AdmissionTime"): "HH:MM",
    ("WLENTRY", "WLOnListTime"): "HH:MM",
    ("WLENTRY", "OriginalDateOnListTime"): "HH:MM",
    ("WLENTRY", "WlBreachDate"): "DD/MM/YYYY",
    ("WLACTIVITY", "LastRevisionDtime"): "CCYYMMDDHHMM",
    ("CONSEPISODE", "EpisodeStartTime"): "HH:MM",
    ("CONSEPISODE", "EpisodeEndTm"): "HH:MM",
    ("CONSEPISODE", "PrimProoocDt"): "CCYYMMDD",
    ("WARDSTAY", "AdmitTime"): "HH:MM",
    ("WARDSTAY", "StartTime"): "HH:MM",
    ("WARDSTAY", "EndTime"): "HH:MM",
    ("CASENOTEDETS", "Allocated"): "CCYYMMDD",
    ("CASENOTEDETS", "PtCsNtLocDat"): "CCYYMMDD",
    ("GPHISTORY", "FromDtTmInt"): "CCYYMMDD",
    ("GPHISTORY", "PmiPatientGpHistoryToDateIndexKey"): "CCYYMMDD",
    ("GP", "DateJoinedPractice"): "CCYYMMDD",
    ("GP", "DateLeftPractice"): "CCYYMMDD",
    ("GP", "GeneralPractitionerDateJoinedFhSchemeInt"): "CCYYMMDD",
    ("GP", "GeneralPractitionerDateJoinedGpPracticeInter"): "CCYYMMDD",
    ("GP", "GeneralPractitionerDateLeftFhSchemeInternal"): "CCYYMMDD",
    ("GP", "GeneralPractitionerDateLeftGpPracticeInterna"): "CCYYMMDD",
    # The month a follow-up appointment is required in (6 characters, data element E4167A) and the
    # PC83 full required date (R8271A internal, R8271 display): confirm on the first real extract.
    ("OPWLENTRY", "OpWlDateAppointmentRequiredInternal"): "CCYYMM",
    ("OPWLENTRY", "FollUpApptReqDtEXT"): "CCYYMMDDHHMM",
    ("OPWLENTRY", "FollUpApptReqdDtEXT"): "DD/MM/YYYY HH:MM",
    ("OPWLREMENTRY", "WlDateAppReqInt"): "CCYYMM",
    ("OPWLREMENTRY", "WlDateAppReq"): "MM/YYYY",
    # Times of day and the display date of a special-register entry.
    ("OPATTTRACK", "PtApptStartTime"): "HH:MM",
    ("OPATTTRACK", "PtTrackingStepTime"): "HH:MM",
    ("OPATTTRACK", "PtTrackingStepDate"): "DD/MM/YYYY",
    ("PMISPECIALREG", "DateEntered"): "DD/MM/YYYY",
    ("OPDISCHARGE", "OpRegDtimeInt"): "CCYYMMDDHHMM",
    ("ROOMSTAY", "StartDate"): "DD/MM/YYYY",
    ("ROOMSTAY", "StartTime"): "HH:MM",
    ("ROOMSTAY", "EndDate"): "DD/MM/YYYY",
    ("ROOMSTAY", "EndTime"): "HH:MM",
    ("PREADMISSION", "ExpClerkingDt"): "DD/MM/YYYY",
    ("PREADMISSION", "ExpClerkingTm"): "HH:MM",
}

# Date columns the dictionary does not mark as dates (no format, no pair): written by Size.
SIZED_DATE_COLUMNS: frozenset[tuple[str, str]] = frozenset(
    {
        ("PREVADDRESS", "EffectiveFromDate"),
        ("GPHISTORY", "ToDate"),
        ("OPREFERRAL", "ReferralDate"),
        ("OPREFERRAL", "DecisionToRefer"),
        ("OPREFERRAL", "StatusDT"),
        ("OPREFERRAL", "QM08StartWaitDate"),
        ("OPREFERRAL", "QM08EndWtDate"),
        ("OPA", "Dob"),
        ("OPA", "ApptDate"),
        ("OPWLENTRY", "DateOnList"),
        ("RTTPERIOD", "RttStartDate"),
        ("RTTPERIOD", "RttEndDate"),
        ("WLENTRY", "OriginalDateOnList"),
        ("WARDSTAY", "AdmitDate"),
        ("WARDSTAY", "StartDate"),
        ("WARDSTAY", "EndDate"),
    }
)

_SIZE_DISPLAY = {
    8: "DD/MM/YY",
    10: "DD/MM/YYYY",
    12: "DD/MM/YYYY",
    14: "DD/MM/YY HH:MM",
    16: "DD/MM/YYYY HH:MM",
    18: "DD/MM/YYYY HH:MM",
}


def date_format_for(table: str, col: ColumnSpec) -> str:
    """The format a date is written in for this column ("" when the column is not a date).

    Order: explicit override; the dictionary's own format when it fits the Size; a format implied
    by the Size for fields the dictionary marks as (or that are named as) date fields.
    """
    if (table, col.name) in FORMAT_OVERRIDES:
        return FORMAT_OVERRIDES[(table, col.name)]
    size = col.size or 0
    if col.date_format in LEGACY_DATE_FORMATS and format_width(col.date_format) <= size:
        return col.date_format
    if col.pair_role == "internal" or (col.date_format.startswith("CCYY") and size):
        return "CCYYMMDDHHMM" if size >= 12 else "CCYYMMDD"
    if col.pair_role == "display" or col.date_format or (table, col.name) in SIZED_DATE_COLUMNS:
        return _SIZE_DISPLAY.get(size, "DD/MM/YYYY" if size >= 10 else "")
    return ""


def date_columns(spec: TableSpec) -> dict[str, str]:
    """Every column of the table that holds a date, with its format (shared with the recounts)."""
    return {c.name: fmt for c in spec.columns if (fmt := date_format_for(spec.name, c))}
