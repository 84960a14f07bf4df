"""The reference evaluator reads only the trial patients' rows of each extract (and their survivors')."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qvh_migration.reports.trial_comparison.reference.reference_sources import ReferenceSources

PATIENT = "InternalPatientNumber"


@pytest.fixture
def extracts(tmp_path: Path) -> Path:
    pd.DataFrame(
        {PATIENT: ["1", "2", "3", "4"], "DistrictNumber": ["D1", "D2", "D3", "D4"], "Surname": ["A", "B", "C", "D"]}
    ).to_parquet(tmp_path / "PATDATA.parquet")
    pd.DataFrame({"OldID": ["3"], "NewestID": ["1"], "NextID": ["1"]}).to_parquet(tmp_path / "MERGEDID.parquet")
    pd.DataFrame(
        {
            PATIENT: ["1", "2", "3", "2"],
            "EpisodeNumber": ["1", "1", "2", "2"],
            "ApptStatus": ["ATT", "??", "CANC", "??"],
        }
    ).to_parquet(tmp_path / "OPA.parquet")
    return tmp_path


def test_only_the_trial_patients_rows_are_read(extracts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    returned: list[tuple[str, list[str]]] = []
    read_parquet = pd.read_parquet

    def spy(path, *args, **kwargs):
        frame = read_parquet(path, *args, **kwargs)
        if PATIENT in frame:
            returned.append((Path(path).stem, frame[PATIENT].astype(str).tolist()))
        return frame

    monkeypatch.setattr(pd, "read_parquet", spy)
    sources = ReferenceSources(extracts, {"1"})
    rows = sources.rows("OPA")
    # Patient 3 was merged into 1: its activity moves to 1; patient 2 (not in the trial) is never read.
    assert [r[PATIENT] for r in rows] == ["1", "3"]
    assert sources.resolve("OPA", rows[1])[0][PATIENT] == "1"
    assert sources.districts == {"1": "D1", "3": "D3"}
    assert returned and all("2" not in patients and "4" not in patients for _table, patients in returned)


def test_without_a_patient_list_every_row_is_read(extracts: Path) -> None:
    assert [r[PATIENT] for r in ReferenceSources(extracts).rows("OPA")] == ["1", "2", "3", "2"]


def test_an_empty_merge_list_reads_no_patient(extracts: Path) -> None:
    """A delivery without merged patients (a clean trial load): no survivor to read, no error."""
    pd.DataFrame({"OldID": pd.Series([], dtype="string"), "NewestID": pd.Series([], dtype="string")}).to_parquet(
        extracts / "MERGEDID.parquet"
    )
    sources = ReferenceSources(extracts, {"1"})
    assert sources.survivors == {}
    assert [r[PATIENT] for r in sources.rows("OPA")] == ["1"]
