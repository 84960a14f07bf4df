"""Write the mapping contract as a reviewer's workbook.

Sheets: ``Summary`` (counts by class, by area, and the blockers), one sheet per functional area
(frozen header row, autofilter), and ``Transforms`` (the named transforms rules may use). The file
is written beside its destination and renamed into place, so a reader never sees half a workbook.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from qvh_migration.io.artifacts import atomic_path, same_workbook
from qvh_migration.mapping.contract import blockers, class_counts
from qvh_migration.mapping.contract_schema import WORKBOOK_COLUMNS
from qvh_migration.mapping.transforms import registry_table

SUMMARY_SHEET = "Summary"
TRANSFORMS_SHEET = "Transforms"
_WIDTHS = {"rationale": 70, "source_fields": 40, "target_field": 28, "target_table": 24, "code_type_name": 28}
_INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def write_contract_xlsx(contract: pd.DataFrame, path: str | Path) -> Path:
    """Write the contract workbook atomically; returns the path written."""
    path = Path(path)
    with atomic_path(path, unchanged=same_workbook) as tmp, pd.ExcelWriter(tmp, engine="xlsxwriter") as writer:
        _write_summary(writer, contract)
        used = {SUMMARY_SHEET, TRANSFORMS_SHEET}
        for area, rows in contract.groupby("functional_area", sort=False):
            name = sheet_name(str(area) or "Unassigned", used)
            used.add(name)
            columns = [c for c in WORKBOOK_COLUMNS if c in rows.columns]
            _write_table(writer, rows[columns], name)
        _write_table(writer, registry_table(), TRANSFORMS_SHEET)
    return path


def sheet_name(text: str, used: set[str]) -> str:
    """An Excel-safe sheet name (31 chars, no []:*?/\\), unique among ``used``."""
    base = _INVALID_SHEET_CHARS.sub(" ", text).strip()[:31] or "Sheet"
    name, counter = base, 2
    while name in used:
        suffix = f" ({counter})"
        name = base[: 31 - len(suffix)] + suffix
        counter += 1
    return name


def _write_table(writer: pd.ExcelWriter, frame: pd.DataFrame, name: str, start_row: int = 0) -> None:
    frame.to_excel(writer, sheet_name=name, index=False, startrow=start_row)
    sheet = writer.sheets[name]
    header = writer.book.add_format({"bold": True, "bg_color": "#DDE4EE", "border": 1})
    for col, column in enumerate(frame.columns):
        sheet.write(start_row, col, column, header)
        sheet.set_column(col, col, _WIDTHS.get(column, min(max(len(column) + 2, 10), 40)))
    sheet.freeze_panes(start_row + 1, 0)
    sheet.autofilter(start_row, 0, start_row + max(len(frame), 1), max(len(frame.columns) - 1, 0))


def _write_summary(writer: pd.ExcelWriter, contract: pd.DataFrame) -> None:
    counts = class_counts(contract).rename_axis("mapping_class").reset_index(name="fields")
    mandatory = contract[contract["mandatory_class"] == "mandatory"]["mapping_class"].value_counts()
    counts["mandatory_fields"] = counts["mapping_class"].map(mandatory).fillna(0).astype(int)
    by_area = pd.crosstab(contract["functional_area"], contract["mapping_class"]).reset_index()
    by_status = contract["status"].value_counts().rename_axis("status").reset_index(name="fields")
    blocked = blockers(contract)
    _write_table(writer, counts, SUMMARY_SHEET)
    sheet = writer.sheets[SUMMARY_SHEET]
    row = len(counts) + 2
    sheet.write(row, 0, f"Total target fields: {len(contract)}; blockers: {len(blocked)}")
    row += 2
    by_status.to_excel(writer, sheet_name=SUMMARY_SHEET, index=False, startrow=row)
    row += len(by_status) + 2
    by_area.to_excel(writer, sheet_name=SUMMARY_SHEET, index=False, startrow=row)
    row += len(by_area) + 2
    sheet.write(row, 0, "Blockers (mandatory and UNRESOLVED)")
    blocked.to_excel(writer, sheet_name=SUMMARY_SHEET, index=False, startrow=row + 1)
