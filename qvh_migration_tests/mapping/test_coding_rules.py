"""Clinical coding and archive rules: code shapes, note types, archive numbers, and no field left open."""

from __future__ import annotations

import pandas as pd
import pytest

from qvh_migration.mapping.transforms import TRANSFORMS, accepts
from qvh_migration.mapping.transforms_archive import age_in_years, days_between
from qvh_migration.mapping.transforms_coding import diagnosis_note_type, icd10_code, opcs4_code

CODING_AND_ARCHIVES = ("LOAD_ADT_CODING", "LOAD_OPD_CODING", "LOAD_ADT_ARCHIVE", "LOAD_OPD_ARCHIVE")


@pytest.mark.parametrize(
    ("legacy", "expected"),
    [
        ("S52.5", "S525"),
        ("s525", "S525"),
        ("C44.3", "C443"),
        ("L90.5", "L905"),
        ("I10.X", "I10X"),
        ("A00", "A00"),
        ("G00.2", "G002"),
        ("M16.10", "M1610"),
        ("S5", None),
        ("525.S", None),
        ("S60.4X1", None),
        ("", None),
    ],
)
def test_icd10_code_keeps_only_icd10_shapes_without_the_dot(legacy, expected):
    result = icd10_code(pd.Series([legacy], dtype="string")).iloc[0]
    assert (pd.isna(result) and expected is None) or result == expected


@pytest.mark.parametrize(
    ("legacy", "expected"),
    [("S60.4", "S604"), ("s604", "S604"), ("U33.6", "U336"), ("S60", None), ("I60.4", None), ("S60.44", None)],
)
def test_opcs4_code_keeps_only_four_character_opcs4_codes(legacy, expected):
    result = opcs4_code(pd.Series([legacy], dtype="string")).iloc[0]
    assert (pd.isna(result) and expected is None) or result == expected


def test_note_type_is_primary_only_for_the_primary_diagnosis():
    codes = pd.Series(["C44.3", "I10.X", "C443", ""], dtype="string")
    primary = pd.Series(["C443", "C44.3", "C44.3", "C44.3"], dtype="string")
    assert diagnosis_note_type(codes, primary).tolist() == ["Primary", "Secondary", "Primary", pd.NA]


def test_archive_numbers_from_legacy_dates():
    start = pd.Series(["202001011030", "20200101", "", "20200301"], dtype="string")
    end = pd.Series(["202001050900", "20200101", "20200101", "2020-03-05"], dtype="string")
    assert days_between(start, end).tolist() == ["4", "0", pd.NA, pd.NA]
    born = pd.Series(["19800615", "19800615", "20000229"], dtype="string")
    on = pd.Series(["201006141200", "20100615", "20010228"], dtype="string")
    assert age_in_years(born, on).tolist() == ["29", "30", "0"]


def test_ranked_transforms_cover_the_archive_slots():
    for scheme in ("diagnosis", "procedure"):
        for position in range(1, 11):
            name = f"nth_{scheme}_{position}"
            assert TRANSFORMS[name].kind == "ranked" and accepts(name, 2)


def test_coding_archive_and_last_open_fields_are_all_decided(contract):
    tables = [*CODING_AND_ARCHIVES, "LOAD_PMI", "LOAD_OPD_APPOINTMENTS"]
    mine = contract[contract["target_table"].isin(tables)]
    assert set(mine["target_table"]) == set(tables)
    assert mine.loc[mine["mapping_class"] == "UNRESOLVED", "target_field"].tolist() == []
    # Each table is curated, not left to the matcher's suggestions.
    for table in CODING_AND_ARCHIVES:
        rows = mine[mine["target_table"] == table]
        assert (rows["status"] == "approved").all(), rows.loc[rows["status"] != "approved", "target_field"].tolist()


def test_coded_fields_pass_through_the_shape_checks(contract):
    rows = contract.set_index(["target_table", "target_field"])
    for table in ("LOAD_ADT_CODING", "LOAD_OPD_CODING"):
        assert rows.at[(table, "DIAGNOSIS"), "transform"] == "icd10_code"
        assert rows.at[(table, "NOTE_TYPE"), "transform"] == "diagnosis_note_type"
    assert rows.at[("LOAD_ADT_ARCHIVE", "PRIMARY_DIAGNOSIS_CODE"), "transform"] == "icd10_code"
    assert rows.at[("LOAD_OPD_ARCHIVE", "PRIMARY_PROCEDURE_CODE"), "transform"] == "opcs4_code"
    assert rows.at[("LOAD_ADT_ARCHIVE", "DIAGNOSIS_10_CODE"), "transform"] == "nth_diagnosis_10"
    assert rows.at[("LOAD_OPD_ARCHIVE", "PROCEDURE_1_CODE"), "source_fields"].startswith("OPPROCEDURE.Operation")


def test_not_migrated_archive_fields_say_why(contract):
    archives = contract[contract["target_table"].isin(CODING_AND_ARCHIVES)]
    not_migrated = archives[archives["mapping_class"] == "NOT_MIGRATED"]
    assert len(not_migrated) > 0
    assert (not_migrated["rationale"].str.len() > 40).all()
