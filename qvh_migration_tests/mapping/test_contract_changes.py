"""The change log since the last sign-off: each kind of change listed with its rationale, nothing without one."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from qvh_migration.errors import MigrationInputError
from qvh_migration.mapping.contract_changes import NO_SIGNOFF, changes_for_run, write_changes
from qvh_migration.mapping.contract_schema import CONTRACT_COLUMNS
from qvh_migration.mapping.signoffs import sign_contract
from qvh_migration.reports.evidence_pack.evidence_contract_changes import (
    contract_changes_section,
    render_contract_changes,
)

WHEN = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
FIELDS = {
    "SEX": {"mapping_class": "CROSSWALK", "source_fields": "PATDATA.Sex", "crosswalk": "sex", "code_type": "3",
            "code_handling": "national_code", "rationale": "sex to national codes"},
    "TITLE": {"mapping_class": "DIRECT", "source_fields": "PATDATA.Title", "rationale": "title as held"},
    "MAIN_CRN": {"mapping_class": "DIRECT", "source_fields": "PATDATA.DistrictNumber", "rationale": "hospital number"},
}  # fmt: skip
CROSSWALK = [
    {"code_set": "sex", "legacy_code": "F", "target_code": "2", "target_description": "Female", "notes": ""},
    {"code_set": "sex", "legacy_code": "M", "target_code": "1", "target_description": "Male", "notes": ""},
]


def write_mapping(data_dir: Path, fields: dict, crosswalk: list[dict]) -> None:
    folder = data_dir / "mapping"
    folder.mkdir(parents=True, exist_ok=True)
    rows = [
        {**dict.fromkeys(CONTRACT_COLUMNS, ""), "target_table": "LOAD_PMI", "target_field": name,
         "rule_id": f"LOAD_PMI.{name}", "source_table": "PATDATA", "status": "approved", **values}
        for name, values in fields.items()
    ]  # fmt: skip
    pd.DataFrame(rows, columns=list(CONTRACT_COLUMNS)).to_csv(folder / "mapping_contract.csv", index=False)
    pd.DataFrame(crosswalk).to_csv(folder / "crosswalks.csv", index=False)


@pytest.fixture
def signed(tmp_path: Path) -> tuple[Path, Path]:
    """A data folder whose contract was signed as ``FIELDS``/``CROSSWALK``, and the sign-off file."""
    data_dir, path = tmp_path / "data", tmp_path / "signoffs.yaml"
    write_mapping(data_dir, FIELDS, CROSSWALK)
    sign_contract(data_dir, "migration lead", "trial load 1", WHEN, path)
    return data_dir, path


def test_without_a_signoff_the_log_says_so_in_one_line_and_lists_nothing(tmp_path: Path) -> None:
    write_mapping(tmp_path, FIELDS, CROSSWALK)
    changes, summary = changes_for_run(tmp_path, tmp_path / "signoffs.yaml")
    assert changes.empty and summary["basis"] == NO_SIGNOFF and "\n" not in NO_SIGNOFF
    write_changes(changes, summary, tmp_path / "mapping")
    section = contract_changes_section(tmp_path / "mapping")
    html = render_contract_changes(section)
    assert html == f"<p>{NO_SIGNOFF[0].upper()}{NO_SIGNOFF[1:]}.</p>"
    assert "<table" not in html


def test_an_unchanged_contract_lists_nothing(signed: tuple[Path, Path]) -> None:
    changes, summary = changes_for_run(*signed)
    assert changes.empty and summary["compared"]
    assert summary["basis"].startswith("compared with the contract signed by migration lead")


@pytest.mark.parametrize(
    ("field", "edit", "aspect"),
    [
        ("TITLE", {"mapping_class": "CROSSWALK", "crosswalk": "title"}, "class; crosswalk"),
        ("TITLE", {"source_fields": "PATDATA.Title;PATDATA.Forenames", "transform": "join_names"}, "rule"),
        ("SEX", {"crosswalk": "gender"}, "crosswalk"),
        ("SEX", {"code_handling": "pas_code_type"}, "code handling"),
        ("MAIN_CRN", {"status": "suggested"}, "status"),
    ],
)
def test_each_kind_of_change_is_listed_with_its_rationale_now_and_before(
    signed: tuple[Path, Path], field: str, edit: dict, aspect: str
) -> None:
    data_dir, path = signed
    now = {**FIELDS, field: {**FIELDS[field], **edit, "rationale": "reviewed again"}}
    write_mapping(data_dir, now, CROSSWALK)
    changes, summary = changes_for_run(data_dir, path)
    assert len(changes) == 1 and summary["fields_changed"] == 1
    row = changes.iloc[0]
    assert (row["scope"], row["item"], row["change"], row["changed"]) == (
        "field",
        f"LOAD_PMI.{field}",
        "changed",
        aspect,
    )
    assert (row["rationale_before"], row["rationale_now"]) == (FIELDS[field]["rationale"], "reviewed again")
    assert row["before"] != row["now"]


def test_a_rationale_alone_is_not_a_change(signed: tuple[Path, Path]) -> None:
    data_dir, path = signed
    write_mapping(data_dir, {**FIELDS, "TITLE": {**FIELDS["TITLE"], "rationale": "reworded"}}, CROSSWALK)
    assert changes_for_run(data_dir, path)[0].empty


def test_fields_added_and_removed_are_listed(signed: tuple[Path, Path]) -> None:
    data_dir, path = signed
    now = {k: v for k, v in FIELDS.items() if k != "TITLE"} | {
        "PLACE_BORN": {"mapping_class": "NOT_MIGRATED", "rationale": "not held"}
    }
    write_mapping(data_dir, now, CROSSWALK)
    changes = changes_for_run(data_dir, path)[0].set_index("item")
    assert changes.loc["LOAD_PMI.PLACE_BORN", "change"] == "added"
    assert changes.loc["LOAD_PMI.PLACE_BORN", "rationale_now"] == "not held"
    assert changes.loc["LOAD_PMI.TITLE", "change"] == "removed"
    assert changes.loc["LOAD_PMI.TITLE", "rationale_before"] == "title as held"


def test_changed_crosswalk_entries_are_listed_the_same_way(signed: tuple[Path, Path]) -> None:
    data_dir, path = signed
    crosswalk = [{**CROSSWALK[0], "target_code": "9", "notes": "confirmed by the trust"}, *CROSSWALK[1:]]
    crosswalk.append(
        {"code_set": "sex", "legacy_code": "U", "target_code": "0", "target_description": "Unknown", "notes": ""}
    )
    write_mapping(data_dir, FIELDS, crosswalk)
    changes, summary = changes_for_run(data_dir, path)
    assert summary["crosswalk_entries_changed"] == 2 and summary["fields_changed"] == 0
    changed = changes.set_index("item").loc["sex:F"]
    assert (changed["scope"], changed["change"], changed["changed"]) == ("crosswalk", "changed", "target")
    assert "target_code=2" in changed["before"] and "target_code=9" in changed["now"]
    assert changed["rationale_now"] == "confirmed by the trust"
    assert changes.set_index("item").loc["sex:U", "change"] == "added"
    write_changes(changes, summary, data_dir / "mapping")
    html = render_contract_changes(contract_changes_section(data_dir / "mapping"))
    assert "<table" in html and "sex:F" in html and "confirmed by the trust" in html


def test_a_signed_copy_that_changed_is_named_not_compared(signed: tuple[Path, Path]) -> None:
    data_dir, path = signed
    copy = next((data_dir / "mapping" / "signed").glob("*/mapping_contract.csv"))
    copy.write_bytes(copy.read_bytes().replace(b"DIRECT", b"DERIVED", 1))
    with pytest.raises(MigrationInputError) as error:
        changes_for_run(data_dir, path)
    assert str(copy) in str(error.value) and "does not match its SHA-256" in str(error.value)


def test_a_data_folder_without_the_signed_copy_says_so(signed: tuple[Path, Path], tmp_path: Path) -> None:
    _, path = signed
    other = tmp_path / "other"
    write_mapping(other, FIELDS, CROSSWALK)
    changes, summary = changes_for_run(other, path)
    assert changes.empty and not summary["compared"]
    assert "is not in this data folder: nothing compared" in summary["basis"]
