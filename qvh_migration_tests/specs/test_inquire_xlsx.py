from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from qvh_migration.errors import SpecDocumentError
from qvh_migration.specs.catalog_schema import SOURCE_CATALOG_COLUMNS
from qvh_migration.specs.inquire_xlsx import parse_code_list, parse_description, read_source_catalog


def test_real_dictionary_keeps_every_row_and_table(real_source_catalog: pd.DataFrame) -> None:
    assert len(real_source_catalog) == 5387
    assert real_source_catalog["TableName"].nunique() == 417
    assert list(real_source_catalog.columns) == list(SOURCE_CATALOG_COLUMNS)
    assert real_source_catalog["sheet_row"].tolist() == list(range(2, 5389))


def test_real_dictionary_spot_checks(real_source_catalog: pd.DataFrame) -> None:
    by_key = real_source_catalog.set_index(["TableName", "Column"])
    assert by_key.loc[("PATDATA", "InternalPatientNumber"), "size_chars"] == 9
    assert by_key.loc[("PATDATA", "DistrictNumber"), "size_chars"] == 14
    assert by_key.loc[("PATDATA", "NhsNumber"), "size_chars"] == 17
    assert by_key.loc[("PATDATA", "PtDateOfDeathInt"), "date_format"] == "CCYYMMDD"
    assert by_key.loc[("PATDATA", "PtDateOfDeathInt"), "date_pair_column"] == "PtDateOfDeath"
    assert by_key.loc[("PATDATA", "PtDateOfDeath"), "date_pair_role"] == "display"
    assert by_key.loc[("PATDATA", "InternalDateOfBirth"), "date_pair_column"] == "PtDoB"
    assert by_key.loc[("ADMISSIONMANAGEMENT", "Consultant"), "description_kind"] == "release_number"


def test_real_code_lists_master_files_and_delete_flags(real_source_catalog: pd.DataFrame) -> None:
    catalog = real_source_catalog
    code_lists = catalog[catalog["description_kind"] == "code_list"]
    assert len(code_lists) >= 60
    sample = code_lists[code_lists["Description"].str.startswith("1-Suspected Cancer")].iloc[0]
    entries = json.loads(sample["code_list"])
    assert entries[0] == {"code": "1", "label": "Suspected Cancer"}
    assert sample["code_list_truncated"]
    masters = catalog.loc[catalog["is_master_file_table"], "TableName"].unique()
    assert len(masters) == 36 and all(name.endswith("MF") for name in masters)
    flags = catalog[catalog["is_logical_delete_flag"]]
    assert 110 <= len(flags) <= 160
    assert (catalog.loc[catalog["Column"] == "MfRecStsInd", "is_logical_delete_flag"]).all()
    # A release number must never be read as meaning.
    assert not catalog.loc[catalog["Description"] == "5.1", "description_kind"].ne("release_number").any()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("5.1", "release_number"),
        ("PC83", "release_number"),
        ("4.3.", "release_number"),
        ("Format - CCCCMMDDHHMM", "date_format"),
        ("Discharge Date - DD/MM/YYYY", "date_format"),
        ("AM-Morning,EVE-Evening,PM-Afternoon", "code_list"),
        ("1 - Lead GP for Practice, 0 - No Lead GP", "code_list"),
        ("Dist of Residence code obtained from Pts postcode", "text"),
        ("", "empty"),
    ],
)
def test_description_kinds(text: str, kind: str) -> None:
    assert parse_description(text)[0] == kind


def test_truncated_code_list_keeps_whole_entries() -> None:
    entries, truncated = parse_code_list("1-Minor Case (unlikely admission),2-Major Case (re")
    assert [e["code"] for e in entries] == ["1", "2"]
    assert truncated


def _workbook(path: Path, header: list[str], rows: list[list[object]], sheet: str = "Columns") -> Path:
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append(header)
    for row in rows:
        worksheet.append(row)
    workbook.save(path)
    return path


HEADER = ["TableName", "Column", "Size", "DataElement", "Description", "LogicalDeleteFlag", "ReleasedAt"]


def test_missing_document(tmp_path: Path) -> None:
    with pytest.raises(SpecDocumentError, match="document not found"):
        read_source_catalog(tmp_path / "absent.xlsx")


def test_truncated_workbook(tmp_path: Path, real_source_dictionary: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(real_source_dictionary.read_bytes()[:20_000])
    with pytest.raises(SpecDocumentError, match=r"broken\.xlsx: not a readable xlsx"):
        read_source_catalog(broken)


def test_text_renamed_xlsx(tmp_path: Path) -> None:
    fake = tmp_path / "dictionary.xlsx"
    fake.write_text("TableName,Column\n")
    with pytest.raises(SpecDocumentError, match="not a readable xlsx"):
        read_source_catalog(fake)


def test_missing_sheet(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "d.xlsx", HEADER, [["PATDATA", "X", 1, "", "", "", "1.0"]], sheet="Fields")
    with pytest.raises(SpecDocumentError, match="sheet 'Columns' not found"):
        read_source_catalog(path)


def test_missing_column_named(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "d.xlsx", HEADER[:4], [["PATDATA", "X", 1, ""]])
    with pytest.raises(SpecDocumentError, match=r"missing column.*Description"):
        read_source_catalog(path)


def test_duplicate_field_names_row(tmp_path: Path) -> None:
    rows = [["PATDATA", "NhsNumber", 17, "", "", "", "1.0"], ["PATDATA", "NhsNumber", 17, "", "", "", "1.0"]]
    path = _workbook(tmp_path / "d.xlsx", HEADER, rows)
    with pytest.raises(SpecDocumentError, match=r"row 3.*duplicate field 'NhsNumber' in table PATDATA"):
        read_source_catalog(path)


def test_real_document_is_not_modified(tmp_path: Path, real_source_dictionary: Path) -> None:
    copy = shutil.copy(real_source_dictionary, tmp_path / "copy.xlsx")
    before = Path(copy).read_bytes()
    read_source_catalog(copy)
    assert Path(copy).read_bytes() == before
