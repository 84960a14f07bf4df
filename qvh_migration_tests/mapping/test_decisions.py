"""The reviewed decisions file: every entry complete, errors naming the file and the entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from qvh_migration.errors import CurationError
from qvh_migration.mapping.decisions import (
    DECISION_COLUMNS,
    load_decisions,
    open_decision_count,
    open_decisions,
)

ENTRY = """  - id: {id}
    question: Which list version?
    options: [old list, new list]
    default: old list
    evidence: guide p. 74; NHS Data Dictionary Source of Admission
    status: {status}
"""


def _file(tmp_path: Path, *entries: str) -> Path:
    path = tmp_path / "decisions.yaml"
    path.write_text("decisions:\n" + "".join(entries), encoding="utf-8")
    return path


def test_the_shipped_decisions_are_complete_and_the_review_choices_are_there() -> None:
    decisions = load_decisions()
    ids = {d.id for d in decisions}
    assert {
        "admission_source_discharge_destination_version",
        "planned_transfer_admission_method",
        "outcome_of_attendance_conventions",
        "csp_referral_source",
        "skin_cancer_treatment_function",
        "religion_codes",
        "two_week_wait_referral_type",
        "load_staff_layout",
        "gdp_applies_from",
        "actual_management_vs_patient_classification",
        "pathway_id_issuer_prefix",
        "historic_waiting_list_entries",
    } <= ids
    assert all(d.default in d.options for d in decisions)
    frame = open_decisions(decisions)
    assert list(frame.columns) == list(DECISION_COLUMNS) and len(frame) == open_decision_count() > 0
    assert (frame["status"] == "open").all()


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (ENTRY.format(id="x", status="maybe"), "status must be open or decided"),
        (ENTRY.format(id="x", status="decided"), "a decided decision needs decided_by and date"),
        (ENTRY.format(id="x", status="open").replace("default: old list", "default: newest"), "not one of its options"),
        (ENTRY.format(id="x", status="open").replace("[old list, new list]", "[old list]"), "two or more choices"),
        (ENTRY.format(id="x", status="open").replace("guide p. 74; NHS Data Dictionary", "a hunch"), "guide page"),
        (ENTRY.format(id="x", status="open").replace("    question: Which list version?\n", ""), "question must be"),
        (ENTRY.format(id="x", status="open") + "    owner: me\n", "unknown field owner"),
        (ENTRY.format(id="x", status="open") + "    decided_by: Trust board\n", "an open decision has no decided_by"),
        (
            ENTRY.format(id="x", status="decided") + "    decided_by: Trust board\n    date: soon\n",
            "is not a date",
        ),
        (ENTRY.format(id="Bad Id", status="open"), "id must be"),
    ],
)
def test_a_bad_entry_names_the_file_and_the_entry(tmp_path: Path, entry: str, message: str) -> None:
    path = _file(tmp_path, ENTRY.format(id="fine", status="open"), entry)
    with pytest.raises(CurationError, match=message) as error:
        load_decisions(path)
    assert str(path) in str(error.value) and "decision 2" in str(error.value)


def test_a_repeated_id_and_a_bad_file_are_named(tmp_path: Path) -> None:
    path = _file(tmp_path, ENTRY.format(id="same", status="open"), ENTRY.format(id="same", status="open"))
    with pytest.raises(CurationError, match=r"decision 2 \(same\).*used twice"):
        load_decisions(path)
    path.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(CurationError, match="'decisions' list"):
        load_decisions(path)
    with pytest.raises(CurationError, match="cannot read decisions"):
        load_decisions(tmp_path / "missing.yaml")


def test_a_decided_entry_leaves_the_open_list(tmp_path: Path) -> None:
    decided = ENTRY.format(id="b", status="decided") + "    decided_by: Trust board\n    date: 2026-12-01\n"
    path = _file(tmp_path, ENTRY.format(id="a", status="open"), decided)
    assert open_decisions(load_decisions(path))["id"].tolist() == ["a"] and open_decision_count(path) == 1
