from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qvh_migration.errors import CurationError
from qvh_migration.specs.mandatory import classify_fields, classify_from_text, read_overrides


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("Mandatory field\nForeign key to LOAD_REFERRALS.RECORD_NUMBER", ("mandatory", "")),
        ("Mandatory Field\nThe date/time the event occurred.", ("mandatory", "")),
        ("Must be supplied defaulted to capital letter O for Outpatient.", ("mandatory", "")),
        (
            "Must be an PAS Staff ID.\nRequired if employee flag is set to Y\nLoaded into x.y",
            ("conditional", "if employee flag is set to Y"),
        ),
        (
            "Mandatory but only to be supplied for C&B appointments.",
            ("conditional", "only to be supplied for C&B appointments"),
        ),
        (
            "Must be in format: DD/MM/YYYY\nIf new_followup_flag is F then this field is mandatory.",
            ("conditional", "if new_followup_flag is F"),
        ),
        ('Maps to: code type 10599 "Dataload System"', ("optional", "")),
        ("Must be Y, N or Null.", ("optional", "")),
    ],
)
def test_text_classification(comment: str, expected: tuple[str, str]) -> None:
    klass, condition, evidence = classify_from_text(comment)
    assert (klass, condition) == expected
    assert bool(evidence) == (klass != "optional")


def _fields() -> tuple[pd.DataFrame, pd.DataFrame]:
    fields = pd.DataFrame(
        {
            "table_name": ["LOAD_PMIIDS"] * 4,
            "field_name": ["RECORD_NUMBER", "LOADPMI_RECORD_NUMBER", "ID_NUMBER", "COMMENTS"],
            "comment": ["Unique identifier.", "Link to the patient.", "Identifier.", "Free text."],
        }
    )
    tables = pd.DataFrame({"table_name": ["LOAD_PMIIDS"], "parent_links": ["LOAD_PMI.LOADPMI_RECORD_NUMBER"]})
    return fields, tables


def _overrides(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "overrides.csv"
    path.write_text("table_name,field_name,mandatory_class,condition,evidence\n" + rows)
    return path


def test_load_keys_links_and_overrides_with_evidence(tmp_path: Path) -> None:
    fields, tables = _fields()
    overrides = read_overrides(_overrides(tmp_path, "LOAD_PMIIDS,id_number,mandatory,,vendor call 2026-10\n"))
    classified = classify_fields(fields, tables, overrides).set_index("field_name")
    assert classified.loc["RECORD_NUMBER", "mandatory_evidence"].startswith("load key")
    assert classified.loc["LOADPMI_RECORD_NUMBER", "mandatory_class"] == "mandatory"
    assert classified.loc["ID_NUMBER", "mandatory_evidence"] == "override: vendor call 2026-10"
    assert classified.loc["COMMENTS", "mandatory_class"] == "optional"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("LOAD_PMIIDS,ID_NUMBER,required,,x\n", "is not one of"),
        ("LOAD_PMIIDS,ID_NUMBER,mandatory,,\n", "evidence is empty"),
        ("LOAD_PMIIDS,ID_NUMBER,conditional,,x\n", "needs its condition"),
        ("LOAD_PMIIDS,ID_NUMBER,mandatory,,x\nLOAD_PMIIDS,ID_NUMBER,optional,,y\n", "overridden twice"),
    ],
)
def test_invalid_overrides_name_the_row(tmp_path: Path, rows: str, message: str) -> None:
    with pytest.raises(CurationError, match=message):
        read_overrides(_overrides(tmp_path, rows))


def test_override_of_unknown_field(tmp_path: Path) -> None:
    fields, tables = _fields()
    overrides = read_overrides(_overrides(tmp_path, "LOAD_PMIIDS,NO_SUCH_FIELD,mandatory,,x\n"))
    with pytest.raises(CurationError, match=r"LOAD_PMIIDS\.NO_SUCH_FIELD"):
        classify_fields(fields, tables, overrides)
