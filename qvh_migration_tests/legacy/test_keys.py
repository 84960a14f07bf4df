"""Row keys: one spelling shared with the defect ledger; table keys and links are consistent."""

from __future__ import annotations

import pandas as pd

from qvh_migration.legacy.keys import ALL_TABLES, PRIORITY_TABLES, RELATIONS, TABLE_KEYS, row_keys


def test_row_key_form() -> None:
    frame = pd.DataFrame({"InternalPatientNumber": ["000012345"], "EpisodeNumber": ["000200017"]}, index=[4])
    keys = row_keys(frame, "OPREFERRAL")
    assert keys.tolist() == ["InternalPatientNumber=000012345|EpisodeNumber=000200017"]
    assert keys.index.tolist() == [4]


def test_numbers_and_nulls_in_real_extracts_still_give_text_keys() -> None:
    frame = pd.DataFrame({"InternalPatientNumber": [12345, None]})
    assert row_keys(frame, "PATDATA").tolist()[1] == "InternalPatientNumber="


def test_every_table_has_a_key_and_every_link_names_keyed_tables() -> None:
    assert set(PRIORITY_TABLES) <= set(ALL_TABLES) <= set(TABLE_KEYS)
    for child, _, parent, _ in RELATIONS:
        assert child in TABLE_KEYS and parent in TABLE_KEYS
