from __future__ import annotations

from pathlib import Path

import docx
import pandas as pd
import pytest

from qvh_migration.errors import SpecDocumentError
from qvh_migration.specs.pc60_docx import merge_pc60, read_pc60_dictionary, table_name_from_heading


def _heading_layout(path: Path) -> Path:
    document = docx.Document()
    document.add_heading("Revision history", level=1)
    history = document.add_table(rows=2, cols=2)
    history.rows[0].cells[0].text, history.rows[0].cells[1].text = "Version", "Date"
    document.add_heading("Table: PATDATA - patient details", level=2)
    table = document.add_table(rows=3, cols=4)
    for cells, values in zip(
        table.rows,
        [
            ["Field Name", "Data Type", "Length", "Description"],
            ["NhsNumber", "CHAR", "17", "NHS number, formatted"],
            ["PtDoB", "DATE", "10", "Date of birth"],
        ],
        strict=True,
    ):
        for cell, value in zip(cells.cells, values, strict=True):
            cell.text = value
    document.save(path)
    return path


def _long_table_layout(path: Path, rows: list[list[str]]) -> Path:
    document = docx.Document()
    table = document.add_table(rows=len(rows) + 1, cols=5)
    for cells, values in zip(table.rows, [["Table", "Column", "Type", "Size", "Meaning"], *rows], strict=True):
        for cell, value in zip(cells.cells, values, strict=True):
            cell.text = value
    document.save(path)
    return path


def test_heading_per_table_layout(tmp_path: Path) -> None:
    frame = read_pc60_dictionary(_heading_layout(tmp_path / "pc60.docx"))
    assert frame[["table_name", "column", "data_type"]].values.tolist() == [
        ["PATDATA", "NhsNumber", "CHAR"],
        ["PATDATA", "PtDoB", "DATE"],
    ]
    assert frame["length"].tolist() == [17, 10]


def test_long_table_layout(tmp_path: Path) -> None:
    path = _long_table_layout(
        tmp_path / "pc60.docx",
        [["OPA", "ApptDate", "DATE", "10", "Appointment date"], ["wlentry", "Priority", "CHAR", "1", "Priority code"]],
    )
    frame = read_pc60_dictionary(path)
    assert frame["table_name"].tolist() == ["OPA", "WLENTRY"]


def test_heading_name_extraction() -> None:
    assert table_name_from_heading("Table: PATDATA - patient details") == "PATDATA"
    assert table_name_from_heading("CONSEPISODE") == "CONSEPISODE"


def test_conflicts_are_recorded_not_dropped(tmp_path: Path) -> None:
    pc60 = read_pc60_dictionary(
        _long_table_layout(
            tmp_path / "pc60.docx",
            [["PATDATA", "NhsNumber", "CHAR", "12", "NHS number"], ["PATDATA", "Unknown", "CHAR", "3", "Only in Word"]],
        )
    )
    catalog = pd.DataFrame(
        {"TableName": ["PATDATA"], "Column": ["NhsNumber"], "Size": ["17"], "size_chars": pd.array([17], dtype="Int64")}
    )
    merged, conflicts = merge_pc60(catalog, pc60)
    assert merged.loc[0, "pc60_description"] == "NHS number"
    assert merged.loc[0, "pc60_conflict"] == "size: INQuire 17 vs PC60 12"
    assert merged.loc[0, "Size"] == "17"  # the INQuire side is kept
    assert set(conflicts["Column"]) == {"NhsNumber", "Unknown"}


def test_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(SpecDocumentError, match="document not found"):
        read_pc60_dictionary(tmp_path / "absent.docx")
    fake = tmp_path / "fake.docx"
    fake.write_text("not a word file")
    with pytest.raises(SpecDocumentError, match=r"fake\.docx: not a readable Word document"):
        read_pc60_dictionary(fake)
    empty = tmp_path / "empty.docx"
    docx.Document().save(empty)
    with pytest.raises(SpecDocumentError, match="no field table found"):
        read_pc60_dictionary(empty)


def test_duplicate_field(tmp_path: Path) -> None:
    path = _long_table_layout(
        tmp_path / "pc60.docx", [["OPA", "ApptDate", "DATE", "10", "a"], ["OPA", "ApptDate", "DATE", "10", "b"]]
    )
    with pytest.raises(SpecDocumentError, match="duplicate field 'ApptDate' in table OPA"):
        read_pc60_dictionary(path)
