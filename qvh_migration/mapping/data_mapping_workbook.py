"""The data mapping report as the vendor's workbook: a summary, then one sheet per code type.

Each code-type sheet lists the coded target fields of that code type with every legacy value,
its count, legacy description and proposed target value, which is what the vendor configures the
code table from. Header bold and frozen, autofilter on, unmapped values highlighted. Written
beside its destination and renamed into place, so a reader never sees half a workbook.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from qvh_migration.io.artifacts import atomic_path, same_workbook
from qvh_migration.mapping.data_mapping_report import NO_VALUES, UNMAPPED
from qvh_migration.mapping.export import sheet_name

SUMMARY_SHEET = "Summary"
NATIONAL_SHEET = "National codes"
DECISIONS_SHEET = "Open decisions"  # decisions the trust or vendor must still take (decisions.yaml)
# The column the code type's sheet title already says.
_SHEET_COLUMNS_DROPPED = ("code_type",)
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", start_color="DDE4EE")
UNMAPPED_FILL = PatternFill("solid", start_color="F4C7C3")
_WIDTHS = {
    "note": 50,
    "legacy_description": 32,
    "proposed_target_description": 36,
    "target_field": 28,
    "question": 60,
    "options": 50,
    "default": 40,
    "evidence": 50,
}


def write_data_mapping_workbook(
    report: pd.DataFrame, path: str | Path, open_decisions: pd.DataFrame | None = None
) -> Path:
    """Write the workbook atomically (with the decisions still open, when given); returns the path written."""
    path = Path(path)
    book = Workbook()
    summary_sheet = book.active
    summary_sheet.title = SUMMARY_SHEET
    _fill(summary_sheet, code_type_summary(report))
    used = {SUMMARY_SHEET}
    if open_decisions is not None:
        _fill(book.create_sheet(DECISIONS_SHEET), open_decisions)
        used.add(DECISIONS_SHEET)
    groups = dict(list(report.groupby("code_type", sort=False)))
    for code_type in sorted(groups, key=_code_type_order):
        rows = groups[code_type]
        # The guide spells some names differently per table; the first spelling names the sheet.
        title = f"{code_type} {rows['code_type_name'].iloc[0]}".strip() if str(code_type) else NATIONAL_SHEET
        sheet = book.create_sheet(sheet_name(title, used))
        used.add(sheet.title)
        _fill(sheet, rows.drop(columns=list(_SHEET_COLUMNS_DROPPED)))
    with atomic_path(path, unchanged=same_workbook) as tmp:
        book.save(tmp)
    return path


def _code_type_order(code_type: object) -> tuple[int, str]:
    """National codes (no code type) first, then code types by number as the guide numbers them."""
    text = str(code_type)
    return (int(text) if text.isdigit() else -1, text)


def _fill(sheet: Worksheet, frame: pd.DataFrame) -> None:
    columns = [str(c) for c in frame.columns]
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
    status_at = columns.index("status") if "status" in columns else None
    for values in frame.itertuples(index=False):
        sheet.append([_cell(v) for v in values])
        if status_at is not None and values[status_at] == UNMAPPED:
            for cell in sheet[sheet.max_row]:
                cell.fill = UNMAPPED_FILL
    for position, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = _WIDTHS.get(
            column, min(max(len(column) + 2, 10), 40)
        )
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(columns), 1))}{max(len(frame) + 1, 2)}"


def _cell(value: object) -> object:
    """Counts stay numbers; text stays text (a code such as 01 must not become 1)."""
    if isinstance(value, int | float) and not pd.isna(value):
        return value
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def code_type_summary(report: pd.DataFrame) -> pd.DataFrame:
    """Per code type: coded fields, distinct legacy values, occurrences, and values per status."""
    if report.empty:
        return pd.DataFrame(columns=["code_type", "code_type_name", "fields", "legacy_values", "occurrences"])
    keyed = report.assign(field=report["target_table"] + "." + report["target_field"])
    valued = keyed[keyed["status"] != NO_VALUES]
    grouped = keyed.groupby("code_type", sort=True)
    summary = pd.DataFrame(
        {
            "fields": grouped["field"].nunique(),
            "legacy_values": valued.groupby("code_type")["legacy_value"].nunique(),
            "occurrences": grouped["count"].sum(),
        }
    )
    summary = summary.join(pd.crosstab(keyed["code_type"], keyed["status"])).fillna(0).astype("int64")
    # The guide spells some names differently per table; the first spelling names the code type.
    summary.insert(0, "code_type_name", grouped["code_type_name"].first())
    return summary.reset_index()
