"""Precision against the defect ledger: each failure on synthetic data traces to an injected defect,
or it is a fault of the rules and is named."""

from __future__ import annotations

import pandas as pd

from qvh_migration.gates import explanations

LEDGER = pd.DataFrame(
    {
        "table": ["PATDATA", "RTTPERIOD", "WLACTIVITY", "CONSEPISODE"],
        "row_key": [
            "InternalPatientNumber=1",
            "InternalPatientNumber=900|PathwayNumber=PW7|PPeriodId=1",  # given another patient's number
            "InternalPatientNumber=3|EpisodeNumber=900|EpsActvDtimeInt=202001010900",
            "InternalPatientNumber=4|EpisodeNumber=S4|FCENumber=1",
        ],
        "column": ["InternalDateOfBirth", "InternalPatientNumber", "EpisodeNumber", "EpisodeStartDate"],
        "defect_kind": ["future_date_of_birth", "orphan_child_row", "orphan_child_row", "episode_outside_spell"],
        "detail": ["", "", "", ""],
    }
)


def failure(kind: str, name: str, table: str, source: str, key: str) -> dict[str, str]:
    return {"kind": kind, "name": name, "target_table": table, "source_table": source, "source_key": key}


def test_each_failure_is_explained_by_its_row_a_relative_or_its_patient() -> None:
    failures = pd.DataFrame(
        [
            failure("invariant", "episode", "LOAD_ADT_EPISODES", "CONSEPISODE", LEDGER.loc[3, "row_key"]),
            failure(
                "reject",
                "orphan_parent",
                "LOAD_RTT_EVENTS",
                "RTTALLPRDSTS",
                "InternalPatientNumber=2|PathwayNumber=PW7",
            ),
            failure("invariant", "tci", "LOAD_IWL_TCIS", "WLACTIVITY", "InternalPatientNumber=3|EpisodeNumber=W3|X=1"),
            failure("invariant", "birth", "LOAD_REFERRALS", "OPREFERRAL", "InternalPatientNumber=1|EpisodeNumber=E1"),
        ]
    )
    out = explanations.explain(failures, LEDGER)
    assert out["explained_by"].tolist() == [
        "row: episode_outside_spell",
        "related: orphan_child_row in RTTPERIOD (PathwayNumber)",
        "patient: orphan_child_row in WLACTIVITY",
        "patient: future_date_of_birth in PATDATA",
    ]
    assert explanations.unexplained_counts(out) == {"reject": 0, "invariant": 0}


def test_a_failure_no_defect_explains_is_a_fault_of_the_rules() -> None:
    """A wrong rule fails rows of patients the generator left clean: nothing explains them."""
    failures = pd.DataFrame(
        [
            failure("reject", "missing_mandatory", "LOAD_IWL", "WLENTRY", "InternalPatientNumber=5|EpisodeNumber=W5"),
            failure(
                "invariant", "first_seen", "LOAD_REFERRALS", "OPREFERRAL", "InternalPatientNumber=6|EpisodeNumber=E6"
            ),
        ]
    )
    out = explanations.explain(failures, LEDGER)
    assert not out["explained"].any() and out["explained_by"].eq("").all()
    assert explanations.unexplained_counts(out) == {"reject": 1, "invariant": 1}


def test_failures_are_one_row_per_rejected_source_row_and_per_invariant_row() -> None:
    rejects = pd.DataFrame(
        {
            "target_table": ["LOAD_IWL", "LOAD_IWL"],
            "source_table": ["WLENTRY", "WLENTRY"],
            "source_key": ["k1", "k1"],
            "reason_code": ["orphan_parent", "missing_mandatory"],
        }
    )
    findings = pd.DataFrame(
        {"check": ["identity:x"], "target_table": ["LOAD_PMI"], "source_table": ["PATDATA"], "source_key": ["k2"]}
    )
    out = explanations.failures_of(rejects, findings)
    assert out[["kind", "name", "source_key"]].values.tolist() == [
        ["reject", "missing_mandatory, orphan_parent", "k1"],
        ["invariant", "identity:x", "k2"],
    ]
