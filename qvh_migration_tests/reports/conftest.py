"""A complete run folder written to the file contracts, small enough to build per test; and the
ETL's run on 300 synthetic patients (``file_path_run``), for the reports on a real run's output.

Every file the evidence pack reads is here with data (the upstream stages' outputs and the four
reports), so every section renders with figures. A synthetic NHS number is planted in the places an
identifier could leak from (a reject's value and message, a parity key, a delta key, free text).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from qvh_migration import settings
from qvh_migration.mapping.contract_changes import changes_for_run, write_changes
from qvh_migration.settings import ProjectPaths

FACTS = settings.PACKAGE_DIR / "specs" / "facts"
PLANTED_NHS_NUMBER = "9990001234"
LOADED_TABLES = {"LOAD_PMI": ("PATDATA", 120, 110, 6, 4), "LOAD_REFERRALS": ("OPREFERRAL", 90, 85, 3, 2)}


def _csv(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)


def _json(payload: object, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2), encoding="utf-8")


def write_upstream(data: Path) -> None:
    """Catalogs, extracts, contract, target and gates files as a dry run leaves them."""
    tables = pd.read_csv(FACTS / "target_tables.csv", dtype=str, keep_default_na=False)
    fields = pd.read_csv(FACTS / "target_fields.csv", dtype=str, keep_default_na=False)
    fields["field_order"] = fields["field_order"].astype(int)
    (data / "catalogs").mkdir(parents=True)
    tables.assign(load_order=tables["load_order"].astype(int)).to_parquet(data / "catalogs" / "target_tables.parquet")
    fields.to_parquet(data / "catalogs" / "target_catalog.parquet")
    _json({"documents": {"documents": "stand-ins"}}, data / "catalogs" / "schema_catalog_summary.json")

    extracts = data / "extracts"
    extracts.mkdir()
    files = {}
    for name, rows in (("PATDATA", 120), ("OPREFERRAL", 90)):
        path = extracts / f"{name}.parquet"
        pd.DataFrame({"InternalPatientNumber": [f"{i:09d}" for i in range(rows)]}).to_parquet(path)
        files[path.name] = {"bytes": path.stat().st_size, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    _json(
        {"tables": {"PATDATA": {"rows": 120}, "OPREFERRAL": {"rows": 90}}, "files": files}, extracts / "manifest.json"
    )

    _csv(
        pd.DataFrame({"target_table": ["LOAD_PMI"], "target_field": ["NHS_NUMBER"]}),
        data / "mapping" / "mapping_contract.csv",
    )
    write_changes(*changes_for_run(data, data / "signoffs.yaml"), data / "mapping")  # no sign-off yet

    target = data / "target"
    summary = []
    for table in tables["table_name"]:
        source, rows, loaded, rejected, filtered = LOADED_TABLES.get(table, ("", 0, 0, 0, 0))
        summary.append(
            {"target_table": table, "source_table": source, "source_rows": rows, "loaded_rows": loaded,
             "rejected_rows": rejected, "filtered_rows": filtered, "target_rows": loaded}
        )  # fmt: skip
    _csv(pd.DataFrame(summary), target / "load_summary.csv")
    rejects = pd.DataFrame(
        {
            "target_table": "LOAD_PMI",
            "source_key": [f"InternalPatientNumber={i:09d}" for i in range(6)],
            "reason_code": ["invalid_nhs_number"] * 4 + ["missing_mandatory"] * 2,
            "message": f"NHS number {PLANTED_NHS_NUMBER} fails its check digit",
            "value_masked": PLANTED_NHS_NUMBER,
        }
    )
    (target / "rejects").mkdir(parents=True)
    rejects.to_parquet(target / "rejects" / "LOAD_PMI.parquet")
    rejects.head(3).assign(target_table="LOAD_REFERRALS", reason_code="orphan_parent").to_parquet(
        target / "rejects" / "LOAD_REFERRALS.parquet"
    )

    gates = data / "gates"
    _csv(
        pd.DataFrame(
            {
                "target_table": ["LOAD_PMI", "LOAD_PMI", "LOAD_PMI", "LOAD_REFERRALS"],
                "check": ["nhs_number:NHS_NUMBER", "mandatory:SURNAME", "postcode:POSTCODE", "mandatory:REF_DATE"],
                "family": ["nhs_number", "mandatory", "postcode", "mandatory"],
                "rows_checked": [110, 110, 110, 85],
                "failures": [7, 0, 3, 0],
                "severity": ["ERROR", "ERROR", "WARN", "ERROR"],
                "threshold": ["<= 0", "<= 0", "<= 5", "<= 0"],
                "passed": [False, True, True, True],
            }
        ),
        gates / "gate_summary.csv",
    )
    criteria = [
        {"criterion": "error_findings", "figure": 7, "threshold": "<= 0", "result": "FAIL"},
        {"criterion": "population_ratio", "figure": 0.9558, "threshold": ">= 0.9", "result": "PASS"},
    ]
    _json({"profile": "cutover", "decision": "FAIL", "criteria": criteria}, gates / "release_decision.json")


def write_reports(reports: Path) -> None:
    """The four reports of the reports stage, to their contracts."""
    _csv(
        pd.DataFrame(
            {
                "entity": ["patients", "referrals", "mental health detentions"],
                "target_table": ["LOAD_PMI", "LOAD_REFERRALS", "LOAD_MH_DETENTION_MASTER"],
                "source_table": ["PATDATA", "OPREFERRAL", ""],
                "source_rows": [120, 90, 0],
                "loaded": [110, 85, 0],
                "rejected": [6, 3, 0],
                "filtered": [4, 1, 0],
                "difference": [0, 1, 0],
                "rejected_by_reason": ["invalid_nhs_number: 4; missing_mandatory: 2", "orphan_parent: 3", ""],
                "filtered_by_reason": ["merged_patient: 4", "logically_deleted: 1", ""],
                "explanation": ["", f"one referral of patient {PLANTED_NHS_NUMBER} lost its pathway",
                                "not migrated: no mental health service"],
            }
        ),
        reports / "reconciliation.csv",
    )  # fmt: skip
    _csv(
        pd.DataFrame(
            {
                "list": ["rtt_ptl", "rtt_ptl", "outpatient_waiting_list"],
                "patient_key": [PLANTED_NHS_NUMBER, "9990004321", "9990005678"],
                "pathway_key": ["RTT000123456", "RTT000654321", "RTT000111222"],
                "source_clock_start": ["2025-01-06", "2025-03-01", "2025-02-10"],
                "target_clock_start": ["", "2025-03-02", "2025-02-10"],
                "source_status": ["waiting", "waiting", "waiting"],
                "target_status": ["", "waiting", "waiting"],
                "source_weeks_waited": [47, 39, 42],
                "target_weeks_waited": ["", 38, 42],
                "difference": ["missing_in_target", "value_mismatch", "value_mismatch"],
                "cause": ["reject: invalid_nhs_number", "mapping: clock start from referral date", "mapping: x"],
            }
        ),
        reports / "waiting_list_parity.csv",
    )
    bands = ["0-17", "18-25", "26-39", "40-51", "52-77", "78-103", "104+"]
    _csv(
        pd.DataFrame(
            {
                "list": ["rtt_ptl"] * 7 + ["inpatient_waiting_list"] * 7,
                "weeks_band": bands * 2,
                "source_count": [40, 22, 15, 9, 4, 1, 0, 12, 8, 5, 3, 1, 0, 0],
                "target_count": [40, 22, 14, 9, 4, 1, 0, 12, 8, 5, 2, 1, 0, 0],
            }
        ).assign(difference=lambda f: f["target_count"] - f["source_count"]),
        reports / "waiting_list_bands.csv",
    )
    lists = {
        name: {"source": 91, "target": 90, "matched": 88, "differences": 3, "explained": 3, "unexplained": 0,
               "by_cause": {"mapping": 2, "reject": 1}}
        for name in ("rtt_ptl", "outpatient_waiting_list", "inpatient_waiting_list")
    }  # fmt: skip
    notes = [f"clock start of patient {PLANTED_NHS_NUMBER} taken from the referral"]
    verdicts = {
        "development": {"passed": True, "severity": "WARN", "failing_differences": 0, "missing_in_target": 0,
                        "band_differences": 0, "validation_increases": []},
        "pre_production": {"passed": False, "severity": "ERROR", "failing_differences": 3, "missing_in_target": 1,
                           "band_differences": 2,
                           "validation_increases": ["inpatient_waiting_list tci_in_past: 0 -> 2"]},
    }  # fmt: skip
    validation = [{"list": "rtt_ptl", "check": "over_52_weeks", "source_count": 4, "target_count": 4, "difference": 0,
                   "note": ""}]  # fmt: skip
    change = {"rtt_ptl": {"source": 91, "target": 90, "change": -1, "bands": {"26-39": -1}}}
    _json(
        {"as_of": "2026-10-30", "lists": lists, "notes": notes, "verdicts": verdicts, "validation": validation,
         "predicted_change": change},
        reports / "waiting_list_summary.json",
    )  # fmt: skip
    _csv(
        pd.DataFrame(
            {"target_table": ["LOAD_PMI", "LOAD_REFERRALS"], "patients": [20, 18], "rows": [20, 31],
             "fields_compared": [12, 9], "values_compared": [240, 279], "mismatches": [2, 0]}
        ),
        reports / "trial_summary.csv",
    )  # fmt: skip
    _csv(
        pd.DataFrame({"patient_key": [PLANTED_NHS_NUMBER, "9990004321"], "reasons": ["rejected row", "merged"]}),
        reports / "trial_patients.csv",
    )
    (reports / "trial_comparison.csv").write_text("patient_key,target_table\n", encoding="utf-8")
    (reports / "trial_comparison.xlsx").write_bytes(b"PK")
    _csv(
        pd.DataFrame(
            {"scenario": ["S01-a", "S02-b"], "title": ["A", "B"], "expectations": [3, 2], "failed": [0, 1],
             "passed": [True, False]}
        ),
        reports / "scenario_summary.csv",
    )  # fmt: skip
    _csv(
        pd.DataFrame(
            {"scenario": ["S02-b"], "title": ["B"], "target_table": ["LOAD_REFERRALS"],
             "where": ["REF_DATE=01/02/2024"], "field": ["FIRST_SEEN"], "expected": ["12/05/2020"],
             "loaded": ["10/03/2020"], "page": [41], "passed": [False]}
        ),
        reports / "scenario_acceptance.csv",
    )  # fmt: skip
    _csv(
        pd.DataFrame(
            {
                "scope": ["finding", "finding", "reject", "reconciliation"],
                "target_table": ["LOAD_PMI", "LOAD_PMI", "LOAD_PMI", "LOAD_REFERRALS"],
                "check": ["nhs_number:NHS_NUMBER", "postcode:POSTCODE", "invalid_nhs_number", "difference"],
                "key": [PLANTED_NHS_NUMBER, "9990004321", "InternalPatientNumber=000000001", "LOAD_REFERRALS"],
                "status": ["new", "resolved", "persisting", "new"],
                "previous_count": [0, 2, 4, 0],
                "current_count": [7, 0, 4, 1],
            }
        ),
        reports / "deltas.csv",
    )
    _csv(
        pd.DataFrame({"run_id": ["run-a", "run-b"], "finished_at": ["2026-11-29T02:40:00", "2026-11-30T02:41:00"]}),
        reports / "runs" / "index.csv",
    )


@pytest.fixture
def complete_run(tmp_path: Path) -> ProjectPaths:
    """Every input of the evidence pack, with the stand-in documents as the requirement documents."""
    data = tmp_path / "data"
    write_upstream(data)
    write_reports(data / "reports")
    write_worklists_and_trials(data)
    return ProjectPaths(settings.PROJECT_ROOT / "requirement_spec", data)


def write_worklists_and_trials(data: Path) -> None:
    """The cleansing worklists of two runs (from the fixture's rejects) and a register of two trials."""
    from qvh_migration.reports.trial_comparison import trial_register as tr
    from qvh_migration.reports.worklists import worklist_run
    from qvh_migration.reports.worklists.worklist_areas import load_areas

    for run in ("run-a", "run-b"):
        worklist_run.update_worklists(data, load_areas(), run, trial=f"Trial {run[-1]}", finished_at="2026-11-30")
    register = pd.DataFrame(columns=list(tr.REGISTER_COLUMNS))
    figures = {c: 0 for c in tr.REGISTER_COLUMNS[8:]} | {
        "patients": 200,
        "rejected_by_reason": "",
        "findings_by_check": "",
    }
    for trial, seconds in (("Trial a", 400.0), ("Trial b", 380.0)):
        row = tr.register_row(trial, "run", "2026-11-30T03:00:00Z", seconds, figures, tr.Window(48, 450_000))
        register = tr.add_to_register(register, row)
    tr.write_register(data / "reports", register)
