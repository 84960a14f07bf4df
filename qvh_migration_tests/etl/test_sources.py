"""Joins from a row to another legacy table: by every key both tables share, never the patient alone."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from qvh_migration.etl.pipeline import extract_column_reader, extract_reader
from qvh_migration.etl.sources import SourceTables, align_last, join_columns

PATIENTS = pd.DataFrame(
    {"InternalPatientNumber": ["1", "2", "3"], "DistrictNumber": ["D1", "D2", "D3"], "Surname": ["A", "B", "C"]}
)
MERGES = pd.DataFrame({"OldID": ["1"], "NewestID": ["3"], "MergeDate": ["20240101"]})


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


def _folder(tmp_path: Path) -> Path:
    for table, frame in {"PATDATA": PATIENTS, "MERGEDID": MERGES}.items():
        frame.to_parquet(tmp_path / f"{table}.parquet", index=False)
    return tmp_path


def test_the_merge_map_reads_only_its_columns_until_the_extract_is_read_whole(tmp_path: Path) -> None:
    """A small table's load needs the merge map, not all of PATDATA: its two columns are read."""
    folder = _folder(tmp_path)
    whole_reads: list[str] = []

    def read(table: str) -> pd.DataFrame | None:
        whole_reads.append(table)
        return extract_reader(folder)(table)

    light = SourceTables(read, location=folder, read_columns=extract_column_reader(folder))
    plain = SourceTables(extract_reader(folder), location=folder)
    assert light.survivors.equals(plain.survivors) and light.survivors.to_dict() == {"1": "3"}
    assert light.districts.equals(plain.districts)
    assert whole_reads == []
    # Once read whole (PATDATA's own load), the columns come from the frame already in memory.
    light.raw("PATDATA")
    assert light.columns("PATDATA", ["DistrictNumber"])["DistrictNumber"].tolist() == ["D1", "D2", "D3"]
    assert whole_reads == ["PATDATA"]


def test_an_extract_lacking_a_merge_column_is_read_whole(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    PATIENTS.drop(columns="DistrictNumber").to_parquet(folder / "PATDATA.parquet", index=False)
    assert extract_column_reader(folder)("PATDATA", ["InternalPatientNumber", "DistrictNumber"]) is None
    assert extract_column_reader(folder)("GP", ["GpCode"]) is None
    sources = SourceTables(extract_reader(folder), location=folder, read_columns=extract_column_reader(folder))
    assert sources.districts.empty and "PATDATA" in sources._raw
