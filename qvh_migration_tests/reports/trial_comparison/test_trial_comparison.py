"""The trial comparison on the 300-patient run: patient choice, 0 mismatches, and a planted bug found."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from qvh_migration.etl import files as etl_files
from qvh_migration.etl import pipeline
from qvh_migration.mapping import transforms
from qvh_migration.mapping.files import read_contract
from qvh_migration.reports.trial_comparison import trial_comparison, trial_patients, trial_report
from qvh_migration.settings import PROJECT_ROOT
from qvh_migration_tests.etl.conftest import folders_of

CROSSWALKS = PROJECT_ROOT / "crosswalks"


@pytest.fixture(scope="module")
def chosen(file_path_run: Path) -> pd.DataFrame:
    return trial_patients.choose_patients(
        trial_patients.extract_reader(file_path_run / "extracts"),
        read_contract(file_path_run / "mapping"),
        file_path_run / "target",
    )


@pytest.mark.slow  # reads the whole golden dry run
def test_patients_cover_every_edge_case_present(file_path_run: Path, chosen: pd.DataFrame) -> None:
    assert len(chosen) >= 50 and chosen["patient_key"].is_unique
    reader = trial_patients.extract_reader(file_path_run / "extracts")
    cases = trial_patients.edge_cases(reader, file_path_run / "target")
    present = [case for case, having in cases.items() if having]
    assert "rejected row" in present and "cancelled appointment" in present
    for case in present:
        assert chosen["reasons"].str.contains(case, regex=False).any(), case
    elements = trial_patients.coded_values(reader, read_contract(file_path_run / "mapping"))
    everything = set().union(*elements.values())
    covered = set().union(*(elements.get(p, set()) for p in chosen["patient_key"]))
    assert everything and covered == everything


@pytest.mark.slow  # reads the whole golden dry run
def test_the_dry_run_shows_no_mismatch(file_path_run: Path, chosen: pd.DataFrame, tmp_path: Path) -> None:
    report = trial_report.build_trial_report(file_path_run, CROSSWALKS, tmp_path)
    wrong = report.comparison.loc[report.comparison["mismatch"]]
    assert wrong.empty, wrong.head(10).to_string()
    assert report.summary["values_compared"].sum() > 10_000
    assert not report.comparison["basis"].eq("shared_code").any()  # every value re-implemented
    assert {p.name for p in report.paths.values()} == {
        "trial_comparison.csv",
        "trial_comparison.xlsx",
        "trial_patients.csv",
        "trial_summary.csv",
    }
    written = pd.read_csv(tmp_path / "trial_patients.csv", dtype=str)
    assert written["patient_key"].str.startswith("*").all()  # masked
    text = (tmp_path / "trial_comparison.csv").read_text(encoding="utf-8")
    assert not [p for p in chosen["patient_key"] if p in text]  # no patient number shown anywhere
    rows = report.comparison.loc[report.comparison["field"] == "(row)", "expected_value"]
    assert {"loaded", "rejected", "filtered"} <= set(rows.str.split(":").str[0])
    book = openpyxl.load_workbook(tmp_path / "trial_comparison.xlsx", read_only=True)
    assert "LOAD_PMI" in book.sheetnames and len(book.sheetnames) == report.summary["target_table"].nunique()


@pytest.mark.slow  # reads the whole golden dry run
def test_a_planted_date_bug_is_found_in_exactly_that_field(
    file_path_run: Path, chosen: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(file_path_run, data_dir)
    table, field = "LOAD_PMI", "DATE_OF_BIRTH"
    contract = read_contract(data_dir / "mapping")
    rule = contract.loc[(contract["target_table"] == table) & (contract["target_field"] == field)].iloc[0]
    assert rule["transform"] == "format_date_ddmmyyyy"  # the field the bug is planted in
    original = transforms.TRANSFORMS["format_date_ddmmyyyy"]

    def a_day_late(series: pd.Series) -> pd.Series:  # a plausible off-by-one: still a valid guide date
        return (transforms._parse_date(series) + pd.Timedelta(days=1)).dt.strftime("%d/%m/%Y").astype("string")

    planted = transforms.Transform(
        original.name, a_day_late, original.intent, original.inputs, original.kind, original.code_sets
    )
    monkeypatch.setitem(transforms.TRANSFORMS, "format_date_ddmmyyyy", planted)
    # The bug is planted in the transform's pandas form, so the pandas engine runs it.
    pipeline.run_partition(folders_of(data_dir), CROSSWALKS, table, run_id="planted", engine="pandas")
    monkeypatch.undo()
    fields, tables = pipeline.read_target_catalog(data_dir / "catalogs")
    etl_files.build_staging_database(data_dir / "target", fields, tables)

    compared = trial_comparison.compare(data_dir, CROSSWALKS, chosen["patient_key"].tolist())
    wrong = compared.loc[compared["mismatch"]]
    # Exactly the partition's fields that use the planted transform, and no row outcome, differ.
    uses = contract.loc[(contract["target_table"] == table) & (contract["transform"] == "format_date_ddmmyyyy")]
    assert set(wrong["target_table"]) == {table}
    assert set(wrong["field"]) <= set(uses["target_field"])
    assert field in set(wrong["field"])
    in_table = compared.loc[compared["target_table"] == table]
    dates_of_birth = in_table.loc[(in_table["field"] == field) & in_table["expected_value"].ne("")]
    assert dates_of_birth["mismatch"].all()
    book = openpyxl.load_workbook(trial_report.write_workbook(trial_comparison.masked(compared), tmp_path / "t.xlsx"))
    sheet = book[table]
    header = [cell.value for cell in sheet[1]]
    flagged = [row for row in sheet.iter_rows(min_row=2) if row[header.index("mismatch")].value is True]
    assert len(flagged) == len(wrong) and all(row[0].fill.fgColor.rgb.endswith("FFC7CE") for row in flagged)
    assert sheet[1][0].font.b and sheet.auto_filter.ref.startswith("A1:")
