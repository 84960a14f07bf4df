"""Patient choice on hand-made extracts: every edge case present gets a patient, codes are covered,
the minimum is reached, and the same input chooses the same patients."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from qvh_migration.reports.trial_comparison.trial_patients import choose_patients

PATIENTS = [f"{n:09d}" for n in range(1, 21)]
CONTRACT = pd.DataFrame(
    [
        {
            "mapping_class": "CROSSWALK",
            "source_fields": "PATDATA.Sex",
            "crosswalk": "sex",
            "code_type": "",
            "data_type": "VARCHAR2",
        }
    ]
)


def extracts() -> dict[str, pd.DataFrame]:
    sex = ["M"] * 18 + ["F", "I"]
    gp = ["G1234567"] * 19 + [""]
    return {
        "PATDATA": pd.DataFrame(
            {"InternalPatientNumber": PATIENTS, "Sex": sex, "GpCode": gp, "PtDateOfDeathInt": [""] * 20}
        ),
        "RTTPERIOD": pd.DataFrame(
            {"InternalPatientNumber": ["000000007"], "PPeriodId": ["2"], "CurrentStatus": ["SUBA"]}
        ),
    }


def test_edge_cases_codes_and_minimum(tmp_path: Path) -> None:
    frames = extracts()
    chosen = choose_patients(frames.get, CONTRACT, tmp_path, minimum=5, seed=3)
    reasons = dict(zip(chosen["patient_key"], chosen["reasons"], strict=True))
    assert reasons["000000020"].startswith("no GP")  # also the only I
    assert "restarted RTT clock" in reasons["000000007"]
    assert any("PATDATA.Sex=F" in r for r in reasons.values())
    assert len(chosen) == 5 and chosen["patient_key"].is_unique
    again = choose_patients(frames.get, CONTRACT, tmp_path, minimum=5, seed=3)
    assert again.equals(chosen)
    assert len(choose_patients(frames.get, CONTRACT, tmp_path, minimum=50)) == 20  # no more than there are
