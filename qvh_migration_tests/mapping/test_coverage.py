"""Crosswalk coverage report over source extracts."""

from __future__ import annotations

import pandas as pd

from qvh_migration.legacy.code_sets import LEGACY_CODE_FIELDS, LEGACY_CODE_SETS
from qvh_migration.mapping.coverage import COVERAGE_COLUMNS, coverage_summary, crosswalk_coverage


def test_unmapped_codes_are_listed_with_occurrences(crosswalks):
    extracts = {
        "PATDATA": pd.DataFrame(
            {"Sex": ["F", "M", "Q", "Q", None, " "], "EthnicType": ["WBRI", "XX", "", "NK", None, "Z"]}
        ),
        "OPA": pd.DataFrame({"ApptStatus": ["ATT", "DNA", "ATT"]}),
    }
    fields = {
        ("PATDATA", "Sex"): "sex",
        ("PATDATA", "EthnicType"): "ethnic_category",
        ("OPA", "ApptStatus"): "attendance_status",
        ("ADMITDISCH", "Sex"): "sex",
    }
    report = crosswalk_coverage(extracts, crosswalks, fields)
    assert list(report.columns) == list(COVERAGE_COLUMNS)
    rows = {(r.code_set, r.table, r.column, r.legacy_code): r.occurrences for r in report.itertuples()}
    assert rows == {
        ("sex", "PATDATA", "Sex", "Q"): 2,
        ("ethnic_category", "PATDATA", "EthnicType", "XX"): 1,
        ("ethnic_category", "PATDATA", "EthnicType", "Z"): 1,
        ("attendance_status", "OPA", "ApptStatus", "DNA"): 1,
    }
    assert report["occurrences"].iloc[0] == 2
    summary = coverage_summary(report).set_index("code_set")
    assert summary.at["ethnic_category", "unmapped_codes"] == 2


def test_extracts_with_only_known_codes_report_nothing(crosswalks):
    extracts = {table: pd.DataFrame() for table, _ in LEGACY_CODE_FIELDS}
    for (table, column), code_set in LEGACY_CODE_FIELDS.items():
        extracts[table] = extracts[table].reindex(range(len(LEGACY_CODE_SETS[code_set])))
        extracts[table][column] = [c.code for c in LEGACY_CODE_SETS[code_set]]
    assert crosswalk_coverage(extracts, crosswalks, LEGACY_CODE_FIELDS).empty


def test_missing_crosswalk_file_covers_nothing():
    extracts = {"PATDATA": pd.DataFrame({"Sex": ["F", "M"]})}
    report = crosswalk_coverage(extracts, {}, {("PATDATA", "Sex"): "sex"})
    assert sorted(report["legacy_code"]) == ["F", "M"]
