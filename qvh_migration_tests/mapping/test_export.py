"""Contract workbook: sheets, frozen headers, filters, summary, atomic write."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from qvh_migration.mapping.contract_schema import CONTRACT_COLUMNS
from qvh_migration.mapping.export import sheet_name, write_contract_xlsx


def _contract() -> pd.DataFrame:
    rows = []
    for area, table, field, cls, mandatory in [
        ("Patient Demographic Data", "LOAD_PMI", "SEX", "CROSSWALK", "optional"),
        ("Patient Demographic Data", "LOAD_PMI", "DATE_OF_BIRTH", "UNRESOLVED", "mandatory"),
        ("Inpatient Data", "LOAD_ADT_ADMISSIONS", "ADMIT_DATE", "TRANSFORM", "optional"),
    ]:
        row = dict.fromkeys(CONTRACT_COLUMNS, "")
        row.update(
            functional_area=area,
            target_table=table,
            target_field=field,
            mapping_class=cls,
            mandatory_class=mandatory,
            is_blocker=cls == "UNRESOLVED" and mandatory == "mandatory",
            confidence=1.0,
            field_order=1,
            length=10,
            status="approved",
            rationale="why",
        )
        rows.append(row)
    return pd.DataFrame(rows)


def test_workbook_has_summary_area_sheets_frozen_headers_and_filters(tmp_path):
    path = write_contract_xlsx(_contract(), tmp_path / "out" / "contract.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Summary", "Patient Demographic Data", "Inpatient Data", "Transforms"]
    sheet = book["Patient Demographic Data"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:")
    assert sheet.max_row == 3
    values = [cell for row in book["Summary"].iter_rows(values_only=True) for cell in row if cell is not None]
    assert "UNRESOLVED" in values and "DATE_OF_BIRTH" in values
    assert any(str(v).startswith("Total target fields: 3; blockers: 1") for v in values)
    assert [p.name for p in path.parent.iterdir()] == ["contract.xlsx"]


def test_failed_write_keeps_the_previous_workbook(tmp_path):
    path = write_contract_xlsx(_contract(), tmp_path / "contract.xlsx")
    before = path.read_bytes()
    with pytest.raises(KeyError):
        write_contract_xlsx(_contract().drop(columns="functional_area"), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["contract.xlsx"]


def test_sheet_names_are_excel_safe_and_unique():
    used = {"Summary"}
    assert sheet_name("A/B: [C]?", used) == "A B   C"
    long = "Referral To Treatment Periods And More Words"
    first = sheet_name(long, used)
    used.add(first)
    assert len(first) == 31 and sheet_name(long, used) != first and len(sheet_name(long, used)) <= 31
