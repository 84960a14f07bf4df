"""The data mapping report on small hand-made extracts, contract and crosswalks, and its coverage check."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from qvh_migration.mapping.data_mapping_report import (
    REPORT_COLUMNS,
    build_data_mapping_report,
    every_legacy_value_mapped,
    read_report_extracts,
    report_inputs,
)
from qvh_migration.mapping.data_mapping_workbook import (
    DECISIONS_SHEET,
    SUMMARY_SHEET,
    UNMAPPED_FILL,
    code_type_summary,
    write_data_mapping_workbook,
)
from qvh_migration.mapping.decisions import load_decisions, open_decisions
from qvh_migration.mapping.files import write_data_mapping_report
from qvh_migration.mapping.staged_values import (
    every_staged_value_listed,
    key_on_staged,
    missing_staged_values,
    read_staged_values,
)

CODE_FIELDS = {
    ("PATDATA", "Sex"): "sex",
    ("PATDATA", "EthnicType"): "ethnic_category",
    ("ETHN", "EthnicOriginCode"): "ethnic_category",
    ("PATDATA", "NHSNumberStatus"): "nhs_number_status",
}


def _rule(table: str, field: str, mapping_class: str, sources: str = "", **values: str) -> dict[str, str]:
    return {
        "target_table": table,
        "target_field": field,
        "mapping_class": mapping_class,
        "source_fields": sources,
        "crosswalk": values.get("crosswalk", ""),
        "default_value": values.get("default_value", ""),
        "generator": values.get("generator", ""),
        "code_type": values.get("code_type", ""),
        "code_type_name": values.get("code_type_name", ""),
        "code_handling": values.get("handling", "pas_code_type"),
    }


@pytest.fixture
def contract() -> pd.DataFrame:
    rows = [
        _rule("LOAD_PMI", "SEX", "CROSSWALK", "PATDATA.Sex", crosswalk="sex", code_type="3", code_type_name="Sex"),
        # No crosswalk named: the field's legacy code set proposes one.
        _rule("LOAD_PMI", "ETHNIC_GROUP", "DIRECT", "PATDATA.EthnicType", code_type="10028", code_type_name="Ethnic"),
        _rule("LOAD_PMI", "TITLE", "DIRECT", "PATDATA.Title", code_type="29", code_type_name="Title"),
        _rule("LOAD_PMI", "GP_NATIONAL_CODE", "DIRECT", "PATDATA.GpCode", handling="national_code"),
        _rule(
            "LOAD_PMI",
            "NHS_NUMBER_STATUS",
            "CROSSWALK",
            "PATDATA.NHSNumberStatus",
            crosswalk="nhs_number_status",
            handling="national_code",
        ),
        _rule("LOAD_PMI", "MAIN_CRN_TYPE", "DEFAULT", default_value="DISTRICT", code_type="9"),
        _rule("LOAD_PMI", "NATIONALITY", "NOT_MIGRATED", code_type="5", code_type_name="Nationality"),
        _rule("LOAD_IWL", "WL_OUTCOME", "DERIVED", "WLENTRY.EpisodeNumber;WLREMOVAL.Reason", code_type="10064"),
        # Specialty is part of CONSPEC's key, yet a code.
        _rule(
            "LOAD_IWL", "SPECIALTY", "CROSSWALK", "WLENTRY.Specialty", crosswalk="treatment_function", code_type="10025"
        ),
        _rule("LOAD_PMI", "SURNAME", "DIRECT", "PATDATA.Surname", handling=""),  # not coded: not reported
    ]
    return pd.DataFrame(rows)


@pytest.fixture
def crosswalks() -> dict[str, pd.DataFrame]:
    def table(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
        return pd.DataFrame(rows, columns=["legacy_code", "target_code", "target_description"])

    return {
        "sex": table([("F", "2", "Female"), ("M", "1", "Male"), ("U", "NO_CODE", "")]),
        "ethnic_category": table([("WBRI", "A", "White - British")]),
        "nhs_number_status": table([("01", "01", "Number present and verified")]),
        "treatment_function": table([("PLAS", "160", "Plastic Surgery Service")]),
    }


@pytest.fixture
def extracts() -> dict[str, pd.DataFrame]:
    patdata = pd.DataFrame(
        {
            "InternalPatientNumber": ["1", "2", "3", "4", "5", "6"],
            "Sex": ["F", "F", "M", "U", "Q", " "],
            "EthnicType": ["WBRI", "WBRI", "ZZZZ", "", None, "WBRI"],
            "Title": ["MRS", "MRS", "DR", "", "MR", "MR"],
            "GpCode": ["G1", "G1", "G2", "", "", ""],
            "NHSNumberStatus": ["01", "01", "01", "09", "01", "01"],
            "Surname": ["A", "B", "C", "D", "E", "F"],
        }
    )
    ethn = pd.DataFrame({"EthnicOriginCode": ["WBRI"], "EthnicOriginDesc": ["White - British (local)"]})
    wlentry = pd.DataFrame({"InternalPatientNumber": ["1"], "EpisodeNumber": ["9"], "Specialty": ["PLAS"]})
    return {"PATDATA": patdata, "ETHN": ethn, "WLENTRY": wlentry}


def _ledger(*cells: tuple[str, str]) -> pd.DataFrame:
    rows = [("PATDATA", f"InternalPatientNumber={n}", column, "unmapped_code", "") for n, column in cells]
    return pd.DataFrame(rows, columns=["table", "row_key", "column", "defect_kind", "detail"])


def _row(report: pd.DataFrame, field: str, value: str) -> pd.Series:
    rows = report[(report["target_field"] == field) & (report["legacy_value"] == value)]
    assert len(rows) == 1, (field, value)
    return rows.iloc[0]


def test_every_legacy_value_with_count_description_and_proposal(contract, extracts, crosswalks) -> None:
    report = build_data_mapping_report(contract, extracts, crosswalks, CODE_FIELDS)
    assert list(report.columns) == list(REPORT_COLUMNS)
    female = _row(report, "SEX", "F")
    assert (female["count"], female["proposed_target_value"], female["status"]) == (2, "2", "mapped")
    assert _row(report, "SEX", "U")["status"] == "no_code"
    unmapped = _row(report, "SEX", "Q")
    assert (unmapped["count"], unmapped["status"], unmapped["proposed_target_value"]) == (1, "unmapped", "")
    assert set(report.loc[report["target_field"] == "SEX", "legacy_value"]) == {
        "F",
        "M",
        "U",
        "Q",
    }  # blanks are not codes
    white = _row(report, "ETHNIC_GROUP", "WBRI")
    assert (white["count"], white["crosswalk"], white["legacy_description"]) == (
        3,
        "ethnic_category",
        "White - British (local)",
    )
    assert _row(report, "ETHNIC_GROUP", "ZZZZ")["status"] == "unmapped"
    assert (_row(report, "TITLE", "MRS")["status"], _row(report, "TITLE", "MRS")["count"]) == ("vendor_maps", 2)
    gp = _row(report, "GP_NATIONAL_CODE", "G1")
    assert (gp["status"], gp["proposed_target_value"]) == ("as_is", "G1")
    assert _row(report, "NHS_NUMBER_STATUS", "09")["status"] == "unmapped"
    specialty = _row(report, "SPECIALTY", "PLAS")
    assert (specialty["count"], specialty["proposed_target_value"], specialty["status"]) == (1, "160", "mapped")


def test_every_coded_field_has_rows_and_uncoded_fields_none(contract, extracts, crosswalks) -> None:
    report = build_data_mapping_report(contract, extracts, crosswalks, CODE_FIELDS)
    coded = contract[contract["code_handling"] != ""]
    assert set(zip(report["target_table"], report["target_field"], strict=True)) == set(
        zip(coded["target_table"], coded["target_field"], strict=True)
    )
    default = _row(report, "MAIN_CRN_TYPE", "")
    assert (default["status"], default["proposed_target_value"]) == ("no_values", "DISTRICT")
    assert "NOT_MIGRATED" in _row(report, "NATIONALITY", "")["note"]
    # The lookup key of a derived field is not a code; the looked-up table is not in the extracts.
    outcome = _row(report, "WL_OUTCOME", "")
    assert outcome["status"] == "no_values" and "WLREMOVAL" in outcome["note"]


def test_only_the_needed_columns_are_read(contract, extracts, crosswalks, tmp_path: Path) -> None:
    for table, frame in extracts.items():
        frame.to_parquet(tmp_path / f"{table}.parquet", index=False)
    needed = report_inputs(contract, CODE_FIELDS, crosswalks)
    read = read_report_extracts(tmp_path, needed)
    assert "Surname" not in read["PATDATA"].columns and "Sex" in read["PATDATA"].columns
    assert list(read["ETHN"].columns) == ["EthnicOriginCode", "EthnicOriginDesc"]  # code tables whole
    assert build_data_mapping_report(contract, read, crosswalks, CODE_FIELDS).equals(
        build_data_mapping_report(contract, extracts, crosswalks, CODE_FIELDS)
    )


def test_coverage_fails_on_an_unexplained_unmapped_value(contract, extracts, crosswalks) -> None:
    # Sex Q and ethnic ZZZZ are ledgered defects; NHS number status 09 (patient 4) is not.
    ledger = _ledger(("5", "Sex"), ("3", "EthnicType"))
    outcome, error = every_legacy_value_mapped(
        build_data_mapping_report(contract, extracts, crosswalks, CODE_FIELDS, ledger)
    )
    assert not outcome.passed and error  # a national_code field: the load would reject it
    assert outcome.metadata["unexplained_values"] == 1 and outcome.metadata["explained_by_ledger_values"] == 2
    assert "09" in str(outcome.metadata["unexplained"])


def test_coverage_warns_only_for_pas_code_type_values(contract, extracts, crosswalks) -> None:
    ledger = _ledger(("4", "NHSNumberStatus"), ("3", "EthnicType"))
    outcome, error = every_legacy_value_mapped(
        build_data_mapping_report(contract, extracts, crosswalks, CODE_FIELDS, ledger)
    )
    assert not outcome.passed and not error
    assert outcome.metadata["unexplained_occurrences"] == 1 and "| Q " in str(outcome.metadata["unexplained"])


def test_coverage_passes_when_the_ledger_explains_every_unmapped_value(contract, extracts, crosswalks) -> None:
    ledger = _ledger(("5", "Sex"), ("3", "EthnicType"), ("4", "NHSNumberStatus"))
    report = build_data_mapping_report(contract, extracts, crosswalks, CODE_FIELDS, ledger)
    outcome, _ = every_legacy_value_mapped(report)
    assert outcome.passed and outcome.metadata["explained_by_ledger_occurrences"] == 3
    assert _row(report, "SEX", "Q")["ledgered_count"] == 1 and _row(report, "SEX", "F")["ledgered_count"] == 0


def test_workbook_has_a_sheet_per_code_type_with_unmapped_rows_highlighted(
    contract, extracts, crosswalks, tmp_path: Path
) -> None:
    report = build_data_mapping_report(contract, extracts, crosswalks, CODE_FIELDS)
    path = write_data_mapping_workbook(report, tmp_path / "data_mapping_report.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == SUMMARY_SHEET
    summary = code_type_summary(report).set_index("code_type")
    assert summary.loc["3", ["fields", "legacy_values", "occurrences", "unmapped", "no_code"]].tolist() == [
        1,
        4,
        5,
        1,
        1,
    ]
    assert book.sheetnames[1:5] == ["National codes", "3 Sex", "5 Nationality", "9"]  # by code type number
    assert {"29 Title", "10025", "10064"} <= set(book.sheetnames)
    sheet = book["3 Sex"]
    header = [cell.value for cell in sheet[1]]
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    status = header.index("status")
    fills = {row[status].value: row[0].fill.start_color.rgb for row in sheet.iter_rows(min_row=2)}
    assert fills["unmapped"].endswith(UNMAPPED_FILL.start_color.rgb[-6:])
    assert not fills["mapped"].endswith(UNMAPPED_FILL.start_color.rgb[-6:])
    national = book["National codes"]
    codes = [row[header.index("legacy_value")].value for row in national.iter_rows(min_row=2)]
    assert "01" in codes  # codes stay text
    assert [p.name for p in tmp_path.iterdir()] == ["data_mapping_report.xlsx"]  # no temporary file left


def _staged(tmp_path: Path, contract: pd.DataFrame):
    """LOAD_PMI as the load staged it: a transform set TITLE's CANC-like value no legacy row holds, the
    ethnic crosswalk is not applied (the legacy value passes through); LOAD_IWL not staged."""
    pmi = pd.DataFrame(
        {
            "RECORD_NUMBER": [1, 2, 3, 4],
            "SEX": ["2", "2", "1", None],
            "ETHNIC_GROUP": ["WBRI", "WBRI", None, "WBRI"],
            "TITLE": ["MRS", "MRS", "DR", "CANC-H"],
            "GP_NATIONAL_CODE": ["G1", "G1", "G2", None],
            "NHS_NUMBER_STATUS": ["01", "01", "01", "01"],
            "MAIN_CRN_TYPE": ["DISTRICT"] * 4,
            "NATIONALITY": [None] * 4,
            "SURNAME": ["A", "B", "C", "D"],
        }
    )
    pmi.to_parquet(tmp_path / "LOAD_PMI.parquet", index=False)
    return read_staged_values(tmp_path, contract)


def test_the_report_is_keyed_on_the_values_the_load_staged(contract, extracts, crosswalks, tmp_path: Path) -> None:
    """Issue 18 item 15: the vendor's code tables must cover every value the load files hold (guide p. 20:
    a code-type field takes the value as loaded and the vendor maps it), so the report lists each staged
    value of each coded field, with its staged count, and drops legacy values the load never holds."""
    staged = _staged(tmp_path, contract)
    legacy = build_data_mapping_report(contract, extracts, crosswalks, CODE_FIELDS)
    # Keyed on the extracts alone, the report misses the value a transform set.
    missing = missing_staged_values(legacy, staged)
    assert missing[["target_field", "staged_value"]].values.tolist() == [["TITLE", "CANC-H"]]
    assert not every_staged_value_listed(legacy, staged).passed
    report = key_on_staged(legacy, staged)
    assert list(report.columns) == list(REPORT_COLUMNS)
    assert every_staged_value_listed(report, staged).passed and missing_staged_values(report, staged).empty
    title = report[report["target_field"] == "TITLE"].set_index("staged_value")
    assert title.loc["CANC-H", ["status", "staged_count", "legacy_value"]].tolist() == ["staged_only", 1, ""]
    assert title.loc["MRS", ["status", "staged_count", "count"]].tolist() == ["vendor_maps", 2, 2]
    assert "MR" not in set(report.loc[report["target_field"] == "TITLE", "legacy_value"])  # never staged
    female = _row(report, "SEX", "F")
    assert (female["staged_value"], female["staged_count"]) == ("2", 2)
    # Unmapped and no-code legacy values stay (the load rejected or emptied them): nothing staged.
    assert _row(report, "SEX", "Q")[["status", "staged_count"]].tolist() == ["unmapped", 0]
    assert _row(report, "SEX", "U")["status"] == "no_code"
    # The crosswalk's proposal is not what the load holds: the legacy value is, for the vendor to map.
    white = _row(report, "ETHNIC_GROUP", "WBRI")
    assert (white["status"], white["staged_value"], white["proposed_target_value"]) == ("vendor_maps", "WBRI", "")
    assert "not applied" in white["note"]
    default = report[report["target_field"] == "MAIN_CRN_TYPE"].iloc[0]
    assert (default["staged_value"], default["staged_count"]) == ("DISTRICT", 4)
    nationality = report[report["target_field"] == "NATIONALITY"]
    assert nationality["status"].tolist() == ["no_values"]  # every coded field is still listed
    # A table not staged keeps its legacy rows, with no staged value.
    specialty = _row(report, "SPECIALTY", "PLAS")
    assert (specialty["status"], specialty["staged_value"], specialty["staged_count"]) == ("mapped", "", 0)
    coded = contract[contract["code_handling"] != ""]
    assert set(zip(report["target_table"], report["target_field"], strict=True)) == set(
        zip(coded["target_table"], coded["target_field"], strict=True)
    )


def test_without_staged_tables_the_report_is_the_extracts_alone(contract, extracts, crosswalks) -> None:
    legacy = build_data_mapping_report(contract, extracts, crosswalks, CODE_FIELDS)
    assert key_on_staged(legacy, None).equals(legacy)


def test_the_workbook_lists_the_open_decisions(contract, extracts, crosswalks, tmp_path: Path) -> None:
    report = build_data_mapping_report(contract, extracts, crosswalks, CODE_FIELDS)
    pending = open_decisions(load_decisions())
    paths = write_data_mapping_report(report, tmp_path, pending)
    book = openpyxl.load_workbook(paths[1], read_only=True)
    assert book.sheetnames[:2] == [SUMMARY_SHEET, DECISIONS_SHEET]
    ids = [row[0] for row in book[DECISIONS_SHEET].iter_rows(min_row=2, values_only=True)]
    assert ids == pending["id"].tolist() and len(ids) > 0
    written = pd.read_csv(paths[2], dtype=str, keep_default_na=False)
    assert written["id"].tolist() == ids and (written["status"] == "open").all()
