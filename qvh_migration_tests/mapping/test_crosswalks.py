"""Crosswalk files: real ones cover every legacy code with allowed NHS codes; broken ones fail clearly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qvh_migration.errors import CurationError
from qvh_migration.legacy.code_sets import LEGACY_CODE_FIELDS, LEGACY_CODE_SETS
from qvh_migration.mapping.crosswalks import (
    crosswalk_lookup,
    load_crosswalk,
    load_crosswalks,
    no_code_legacy,
    uncovered_codes,
)
from qvh_migration.mapping.nhs_code_sets import NHS_CODE_SETS, RTT_PERIOD_STATUS
from qvh_migration.settings import default_crosswalk_dir

PROVENANCE = "# nhs_element: TEST ELEMENT\n# checked_against: test list (2026-01-01)\n"
HEADER = PROVENANCE + "legacy_code,target_code,target_description,notes\n"


def test_one_crosswalk_per_code_set(crosswalks):
    assert set(crosswalks) == set(NHS_CODE_SETS) == set(LEGACY_CODE_SETS)


def test_crosswalks_cover_every_legacy_code(crosswalks):
    legacy = {name: [c.code for c in codes] for name, codes in LEGACY_CODE_SETS.items()}
    assert uncovered_codes(crosswalks, legacy) == {}


def test_crosswalks_map_nothing_beyond_the_legacy_sets(crosswalks):
    for name, frame in crosswalks.items():
        assert set(frame["legacy_code"]) == {c.code for c in LEGACY_CODE_SETS[name]}, name


def test_every_code_field_has_a_crosswalk():
    assert set(LEGACY_CODE_FIELDS.values()) <= set(NHS_CODE_SETS)


def _target(crosswalks, code_set: str, label_word: str) -> str:
    legacy = [c.code for c in LEGACY_CODE_SETS[code_set] if label_word.lower() in c.label.lower()]
    assert len(legacy) == 1, (code_set, label_word, legacy)
    frame = crosswalks[code_set]
    return str(frame.loc[frame["legacy_code"] == legacy[0], "target_code"].iloc[0])


@pytest.mark.parametrize(
    ("code_set", "label_word", "expected"),
    [
        ("discharge_method", "tribunal", "3"),
        ("discharge_method", "died", "4"),
        ("ethnic_category", "Any other mixed", "G"),
        ("ethnic_category", "Indian", "H"),
        ("ethnic_category", "Pakistani", "J"),
        ("sex", "Female", "2"),
        ("admission_method", "waiting list", "11"),
        ("discharge_destination", "Died", "79"),
        ("rtt_period_status", "First definitive treatment", "30"),
    ],
)
def test_known_traps_are_mapped_right(crosswalks, code_set, label_word, expected):
    assert _target(crosswalks, code_set, label_word) == expected


def test_rtt_targets_are_national_rtt_status_codes(crosswalks):
    allowed = {"10", "11", "12", "20", "21", "30", "31", "32", "33", "34", "35", "36", "90", "91", "92", "98", "99"}
    assert set(RTT_PERIOD_STATUS) == allowed
    assert set(crosswalks["rtt_period_status"]["target_code"]) <= allowed


def _broken_copy(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / f"{name}.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_duplicate_legacy_code_names_file_and_row(tmp_path):
    path = _broken_copy(tmp_path, "sex", "F,2,Female,\nM,1,Male,\nF,2,Female again,\n")
    with pytest.raises(CurationError) as error:
        load_crosswalk(path)
    assert error.value.where == "row 6"
    assert "sex.csv" in str(error.value) and "'F' is mapped twice (first at row 4)" in str(error.value)


def test_target_code_not_allowed_names_file_and_row(tmp_path):
    path = _broken_copy(tmp_path, "discharge_method", "CA,1,Clinical advice,\nDE,6,Died,\n")
    with pytest.raises(CurationError) as error:
        load_crosswalk(path)
    assert error.value.where == "row 5"
    assert "discharge_method.csv" in str(error.value) and "'6'" in str(error.value)


@pytest.mark.parametrize(("body", "column"), [(",2,Female,\n", "legacy_code"), ("F,,Female,\n", "target_code")])
def test_empty_code_names_file_and_row(tmp_path, body, column):
    path = _broken_copy(tmp_path, "sex", "M,1,Male,\n" + body)
    with pytest.raises(CurationError) as error:
        load_crosswalk(path)
    assert error.value.where == "row 5"
    assert f"empty {column}" in str(error.value) and "sex.csv" in str(error.value)


def test_missing_column_is_named(tmp_path):
    path = tmp_path / "sex.csv"
    path.write_text(PROVENANCE + "legacy_code,target_code,notes\nF,2,\n", encoding="utf-8")
    with pytest.raises(CurationError) as error:
        load_crosswalk(path)
    assert error.value.where == "column target_description"


def test_unknown_code_set_file_is_refused(tmp_path):
    shutil.copy(default_crosswalk_dir() / "sex.csv", tmp_path / "gender.csv")
    with pytest.raises(CurationError, match="unknown code set 'gender'"):
        load_crosswalks(tmp_path)


def test_blank_lines_do_not_shift_row_numbers(tmp_path):
    path = _broken_copy(tmp_path, "sex", "F,2,Female,\n\nM,7,Male,\n")
    with pytest.raises(CurationError) as error:
        load_crosswalk(path)
    assert error.value.where == "row 6"


def test_every_file_states_its_element_and_the_list_it_was_checked_against(crosswalks):
    for name, frame in crosswalks.items():
        assert frame["nhs_element"].str.len().gt(10).all(), name
        assert frame["checked_against"].str.len().gt(10).all(), name


@pytest.mark.parametrize("missing", ["nhs_element", "checked_against"])
def test_missing_provenance_line_is_refused(tmp_path, missing):
    lines = [line for line in PROVENANCE.splitlines(keepends=True) if missing not in line]
    path = tmp_path / "sex.csv"
    path.write_text(
        "".join(lines) + "legacy_code,target_code,target_description,notes\nF,2,Female,\n", encoding="utf-8"
    )
    with pytest.raises(CurationError, match=f"# {missing}") as error:
        load_crosswalk(path)
    assert error.value.where == "row 1"


def test_no_code_needs_a_reason_and_translates_to_nothing(tmp_path):
    path = _broken_copy(tmp_path, "sex", "F,2,Female,\nU,NO_CODE,Unknown,\n")
    with pytest.raises(CurationError, match="NO_CODE needs notes") as error:
        load_crosswalk(path)
    assert error.value.where == "row 5"
    path = _broken_copy(tmp_path, "sex", "F,2,Female,\nU,NO_CODE,Unknown,not recorded: reported\n")
    frame = load_crosswalk(path)
    assert crosswalk_lookup(frame) == {"F": "2"}
    assert no_code_legacy(frame) == {"U": "not recorded: reported"}
