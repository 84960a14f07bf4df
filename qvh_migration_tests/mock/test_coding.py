"""Synthetic clinical coding: ranked ICD-10 diagnoses and OPCS-4 procedures of episodes and attendances."""

from __future__ import annotations

import pandas as pd
import pytest

from qvh_migration.legacy.keys import ATTENDANCE, FCE, row_keys
from qvh_migration.mapping.transforms_coding import ICD10_SHAPE, OPCS4_SHAPE
from qvh_migration.mock.extracts import generate_extracts
from qvh_migration.mock.parameters import MockParameters

# The dictionary's own form: dotted, within the column's size (S52.5, I10.X; OPCS-4 S60.4).
DOTTED_ICD10 = r"[A-Z][0-9]{2}\.[0-9X][0-9]?"
DOTTED_OPCS4 = r"[A-HJ-Z][0-9]{2}\.[0-9]"
GROUPS = {
    "CONSEPISDIAG": ("CONSEPISODE", FCE, "SecondaryDiagnosis", DOTTED_ICD10, ICD10_SHAPE),
    "CONSEPISPROC": ("CONSEPISODE", FCE, "OPCS", DOTTED_OPCS4, OPCS4_SHAPE),
    "OPADIAGNOSIS": ("OPA", ATTENDANCE, "SchAttDiagCod", DOTTED_ICD10, ICD10_SHAPE),
    "OPPROCEDURE": ("OPA", ATTENDANCE, "Operation", DOTTED_OPCS4, OPCS4_SHAPE),
}


def _keys(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    return frame[list(columns)].astype(str).agg("|".join, axis=1)


@pytest.mark.parametrize("table", sorted(GROUPS))
def test_every_coding_row_has_its_episode_or_attendance(extracts, table):
    parent, key, *_ = GROUPS[table]
    rows = extracts.tables[table]
    assert len(rows) > 0
    assert _keys(rows, key).isin(set(_keys(extracts.tables[parent], key))).all()


@pytest.mark.parametrize("table", sorted(GROUPS))
def test_codes_have_the_classification_shape_and_fit_the_column(clean_extracts, source_catalog, table):
    _, _, column, shape, undotted_shape = GROUPS[table]
    codes = clean_extracts.tables[table][column]
    assert codes.str.fullmatch(shape).all(), codes[~codes.str.fullmatch(shape)].head().tolist()
    size = source_catalog.loc[(source_catalog["TableName"] == table) & (source_catalog["Column"] == column), "Size"]
    assert codes.str.len().max() <= int(size.iloc[0])
    undotted = codes.str.replace(".", "", regex=False)
    assert undotted.str.fullmatch(undotted_shape).all()  # what the ETL's shape check accepts


def test_episodes_carry_several_ranked_diagnoses_the_first_being_the_primary(extracts):
    diagnoses = extracts.tables["CONSEPISDIAG"]
    episodes = extracts.tables["CONSEPISODE"]
    per_episode = diagnoses.groupby(list(FCE)).size()
    assert per_episode.max() > 1 and (per_episode > 1).mean() > 0.3
    first = diagnoses[diagnoses["SecondaryDiagSeqNo"] == "1"].merge(episodes, on=list(FCE))
    assert len(first) == len(per_episode)  # one primary per coded episode
    assert (first["SecondaryDiagnosis"] == first["KornerEpisodePrimaryDiagnosisCode"]).all()
    coded = episodes["KornerEpisodePrimaryDiagnosisCode"] != ""
    assert coded.sum() == len(per_episode)  # every coded episode, and only those, has its group
    # No diagnosis is repeated within an episode.
    assert not diagnoses.duplicated([*FCE, "SecondaryDiagnosis"]).any()


def test_attendance_primary_codes_are_set_on_opa(extracts):
    diagnoses = extracts.tables["OPADIAGNOSIS"]
    opa = extracts.tables["OPA"]
    first = diagnoses[diagnoses["SeqNo"] == "1"].merge(opa, on=list(ATTENDANCE))
    assert (first["SchAttDiagCod"] == first["AttPriDiagCode"]).all()
    assert set(first["ApptStatus"]) <= {"ATT", "WLK", "SATT"}  # only attended appointments are coded
    assert ((opa["AttPriDiagCode"] != "") == _keys(opa, ATTENDANCE).isin(set(_keys(diagnoses, ATTENDANCE)))).all()
    assert (opa["ApptPrimaryProcedureCode"] != "").sum() > 0


def test_planted_invalid_codes_are_ledgered_and_only_they_fail_the_shape(extracts):
    ledger = extracts.defect_ledger
    planted = ledger[ledger["defect_kind"] == "invalid_code_shape"]
    assert set(planted["table"]) == {"CONSEPISDIAG", "OPADIAGNOSIS"}
    for table, group in planted.groupby("table"):
        _, _, column, _, undotted_shape = GROUPS[table]
        rows = extracts.tables[table]
        bad = ~rows[column].str.replace(".", "", regex=False).str.fullmatch(undotted_shape)
        assert set(row_keys(rows[bad], table)) == set(group["row_key"])
        sequence = "SecondaryDiagSeqNo" if table == "CONSEPISDIAG" else "SeqNo"
        assert (rows.loc[bad, sequence] != "1").all()  # a primary keeps its parent's code


def test_the_same_seed_gives_the_same_coding(source_catalog):
    first = generate_extracts(source_catalog, MockParameters(patients=150, seed=5))
    again = generate_extracts(source_catalog, MockParameters(patients=150, seed=5))
    other = generate_extracts(source_catalog, MockParameters(patients=150, seed=6))
    for table in GROUPS:
        pd.testing.assert_frame_equal(first.tables[table], again.tables[table])
    assert not first.tables["CONSEPISDIAG"].equals(other.tables["CONSEPISDIAG"])
