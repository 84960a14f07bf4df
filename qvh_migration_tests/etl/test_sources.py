"""Joins from a row to another legacy table: by every key both tables share, never the patient alone."""

from __future__ import annotations

import pandas as pd

from qvh_migration.etl.sources import align_last, join_columns


def test_a_lookup_joins_on_every_shared_key_so_it_stays_in_the_admission() -> None:
    episodes = pd.DataFrame({"InternalPatientNumber": ["1", "1"], "EpisodeNumber": ["A", "B"], "FCENumber": ["1", "1"]})
    admissions = pd.DataFrame(
        {"InternalPatientNumber": ["1", "1"], "EpisodeNumber": ["A", "B"], "Category": ["01", "02"]}
    )
    on = join_columns(episodes, "ADMITDISCH", admissions, [])
    assert on == ["InternalPatientNumber", "EpisodeNumber"]
    assert align_last(episodes, "ADMITDISCH", admissions, on, "Category").tolist() == ["01", "02"]


def test_named_columns_still_choose_the_join_with_the_patient_first() -> None:
    rows = pd.DataFrame({"InternalPatientNumber": ["1"], "EpisodeNumber": ["A"]})
    other = pd.DataFrame({"InternalPatientNumber": ["1"], "EpisodeNumber": ["A"]})
    assert join_columns(rows, "WLENTRY", other, ["EpisodeNumber"]) == ["InternalPatientNumber", "EpisodeNumber"]
    masters = pd.DataFrame({"GpCode": ["G1"]})
    assert join_columns(pd.DataFrame({"GpCode": ["G1"]}), "GP", masters, []) == ["GpCode"]


def test_the_last_episode_is_the_highest_fce_number_by_value_not_by_text() -> None:
    spell = pd.DataFrame({"InternalPatientNumber": ["1"], "EpisodeNumber": ["A"]})
    episodes = pd.DataFrame(
        {
            "InternalPatientNumber": ["1", "1", "1"],
            "EpisodeNumber": ["A", "A", "A"],
            "FCENumber": ["2", "10", "9"],
            "ConsultantCode": ["C2", "C10", "C9"],
        }
    )
    on = ["InternalPatientNumber", "EpisodeNumber"]
    # As text "9" sorts after "10"; the tenth episode is the spell's last.
    assert align_last(spell, "CONSEPISODE", episodes, on, "ConsultantCode").tolist() == ["C10"]
