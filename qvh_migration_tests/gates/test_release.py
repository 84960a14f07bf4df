"""Scoring a stored run under a profile, and re-scoring it under another without rerunning anything."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from qvh_migration.cli import main
from qvh_migration.gates.files import write_table_gates
from qvh_migration.gates.profiles import load_profile
from qvh_migration.gates.release import DECISION_FILE, decide, figures
from qvh_migration.gates.table_gates import gate_table
from qvh_migration.io.run_folders import RunFolders
from qvh_migration_tests.gates.conftest import good_patients


@pytest.fixture()
def stored_run(tmp_path: Path, catalog: pd.DataFrame, contract: pd.DataFrame) -> Path:
    """A run of one table (LOAD_PMI) with one duplicate patient and one unverified NHS number."""
    data = tmp_path / "data"
    for stage in ("catalogs", "extracts", "mapping", "target/tables", "gates"):
        (data / stage).mkdir(parents=True)
    patients = good_patients().assign(
        NHS_NUMBER=["9434765919", "9434765919", "4010232137"], NHS_NUMBER_STATUS=["01", "01", "02"]
    )
    patients.to_parquet(data / "target" / "tables" / "LOAD_PMI.parquet")
    contract.assign(target_field=contract["target_field"]).to_csv(
        data / "mapping" / "mapping_contract.csv", index=False
    )
    pd.DataFrame(
        [
            {
                "target_table": "LOAD_PMI",
                "source_table": "PATDATA",
                "source_rows": 3,
                "loaded_rows": 3,
                "rejected_rows": 0,
                "filtered_rows": 0,
                "target_rows": 3,
            }
        ]
    ).to_csv(data / "target" / "load_summary.csv", index=False)
    result = gate_table(
        "LOAD_PMI", patients, catalog, contract, load_profile("development"), read_table=lambda _t: None
    )
    write_table_gates(data / "gates", result)
    write_passing_reports(data / "reports")
    return data


def write_passing_reports(reports: Path) -> None:
    """The oracles' files of a run whose scenarios, parity and reconciliation all agree."""
    reports.mkdir(parents=True, exist_ok=True)
    scenario = {"scenario": "S01", "title": "a scenario", "expectations": 1, "failed": 0, "passed": "True"}
    pd.DataFrame([scenario]).to_csv(reports / "scenario_summary.csv", index=False)
    balanced = {"entity": "patients", "target_table": "LOAD_PMI", "source_table": "PATDATA", "source_rows": 3}
    balanced |= {"loaded": 3, "rejected": 0, "filtered": 0, "difference": 0, "rejected_by_reason": ""}
    balanced |= {"filtered_by_reason": "", "explanation": "", "target_rows": 3, "status": "balanced", "gap": ""}
    pd.DataFrame([balanced]).to_csv(reports / "reconciliation.csv", index=False)
    verdicts = {p: {"passed": True} for p in ("development", "pre_production", "cutover_ready")}
    (reports / "waiting_list_summary.json").write_text(json.dumps({"verdicts": verdicts}), encoding="utf-8")


def folders(data: Path) -> RunFolders:
    return RunFolders.under(data)


def test_profiles_score_the_same_run_differently(stored_run: Path) -> None:
    development = decide(folders(stored_run), stored_run / "gates", load_profile("development"))
    cutover = decide(folders(stored_run), stored_run / "gates", load_profile("cutover_ready"))
    assert development["decision"] == "PASS"
    assert cutover["decision"] == "FAIL"
    by_name = {c["criterion"]: c for c in cutover["criteria"]}
    assert by_name["duplicate_patients"] == {
        "criterion": "duplicate_patients",
        "figure": 2,
        "threshold": "<= 0",
        "result": "FAIL",
    }
    assert by_name["nhs_numbers_verified"]["figure"] == pytest.approx(2 / 3, abs=1e-3)
    assert by_name["nhs_numbers_verified"]["result"] == "FAIL"
    assert by_name["conservation_failures"]["result"] == "PASS"


def test_nhs_numbers_verified_counts_only_status_01_with_a_valid_number(stored_run: Path) -> None:
    pmi_path = stored_run / "target" / "tables" / "LOAD_PMI.parquet"
    patients = pd.read_parquet(pmi_path)
    patients["NHS_NUMBER"] = ["9434765918", "0000000000", "4010232137"]  # bad check digit, repeated digits
    patients["NHS_NUMBER_STATUS"] = ["01", "01", "01"]
    patients.to_parquet(pmi_path)
    values = figures(folders(stored_run), stored_run / "gates", load_profile("pre_production"))
    assert values["nhs_numbers_verified"] == pytest.approx(1 / 3, abs=1e-3)


def test_release_command_rescores_without_touching_the_findings(
    stored_run: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("QVH_DATA_DIR", str(stored_run))
    monkeypatch.setenv("DAGSTER_HOME", str(stored_run.parent / "dagster_home"))
    findings = stored_run / "gates" / "findings" / "LOAD_PMI.parquet"
    before = findings.stat().st_mtime_ns
    assert main(["release", "--profile", "development"]) == 0
    assert main(["release", "--profile", "cutover_ready"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  duplicate_patients" in out and "release decision under cutover_ready: FAIL" in out
    assert findings.stat().st_mtime_ns == before
    stored = json.loads((stored_run / "gates" / DECISION_FILE).read_text(encoding="utf-8"))
    assert stored["profile"] == "cutover_ready" and stored["decision"] == "FAIL"


def test_findings_mask_identifiers(stored_run: Path) -> None:
    findings = pd.read_parquet(stored_run / "gates" / "findings" / "LOAD_PMI.parquet")
    duplicates = findings.loc[findings["check"] == "no_duplicate_patients"]
    assert len(duplicates) == 2
    assert duplicates["value_masked"].str.startswith("********").all()
    assert duplicates["source_key"].notna().all()


def test_release_rewrites_decision_pack_and_ui_metadata_as_one_record(
    stored_run: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    import dagster as dg

    home = stored_run.parent / "dagster_home"
    monkeypatch.setenv("QVH_DATA_DIR", str(stored_run))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    assert main(["release"]) == 1  # the default profile is pre_production, as for dry-run
    out = capsys.readouterr().out
    assert "release decision under pre_production: FAIL" in out
    assert "development      PASS" in out and "cutover_ready    FAIL" in out
    stored = json.loads((stored_run / "gates" / DECISION_FILE).read_text(encoding="utf-8"))
    assert stored["headline_profile"] == "pre_production"
    assert [d["profile"] for d in stored["profiles"]] == ["development", "pre_production", "cutover_ready"]
    pack = json.loads((stored_run / "reports" / "evidence" / "evidence.json").read_text(encoding="utf-8"))
    assert pack["sections"]["release"]["profile"] == "pre_production"
    assert pack["sections"]["release"]["decision"] == "FAIL"
    assert main(["release", "--profile", "development"]) == 0
    pack = json.loads((stored_run / "reports" / "evidence" / "evidence.json").read_text(encoding="utf-8"))
    assert pack["sections"]["release"]["profile"] == "development"
    with dg.DagsterInstance.from_config(str(home)) as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey("release_decision"))
        metadata = event.asset_materialization.metadata
    assert metadata["profile"].value == "development" and metadata["decision"].value == "PASS"
    assert metadata["decision_pre_production"].value == "FAIL"


def test_help_names_the_same_default_profile_for_dry_run_and_release(capsys: pytest.CaptureFixture) -> None:
    for command in ("dry-run", "release"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "default pre_production" in " ".join(capsys.readouterr().out.split()), command


def test_cutover_fails_while_a_decision_is_open_and_passes_that_criterion_when_all_are_decided(
    stored_run: Path, tmp_path: Path
) -> None:
    """Issue 18 section 3: the cutover_ready profile fails while a decision of the trust or vendor is open
    (qvh_migration/mapping/decisions.yaml); the other profiles do not count them."""
    entry = (
        "  - id: {id}\n    question: Which list version?\n    options: [old list, new list]\n"
        "    default: old list\n    evidence: guide p. 74\n    status: {status}\n"
    )
    decided = entry.format(id="b", status="decided") + "    decided_by: Trust board\n    date: 2026-12-01\n"
    pending = tmp_path / "open.yaml"
    pending.write_text("decisions:\n" + entry.format(id="a", status="open") + decided, encoding="utf-8")
    settled = tmp_path / "settled.yaml"
    settled.write_text("decisions:\n" + decided, encoding="utf-8")
    cutover = load_profile("cutover_ready")
    failing = {
        c["criterion"]: c for c in decide(folders(stored_run), stored_run / "gates", cutover, pending)["criteria"]
    }
    assert failing["open_decisions"] == {
        "criterion": "open_decisions",
        "figure": 1,
        "threshold": "<= 0",
        "result": "FAIL",
    }
    passing = {
        c["criterion"]: c for c in decide(folders(stored_run), stored_run / "gates", cutover, settled)["criteria"]
    }
    assert passing["open_decisions"]["figure"] == 0 and passing["open_decisions"]["result"] == "PASS"
    # The shipped file still has open decisions: cutover is not ready.
    shipped = {c["criterion"]: c for c in decide(folders(stored_run), stored_run / "gates", cutover)["criteria"]}
    assert shipped["open_decisions"]["result"] == "FAIL"
    development = decide(folders(stored_run), stored_run / "gates", load_profile("development"), pending)
    assert "open_decisions" not in {c["criterion"] for c in development["criteria"]}


@pytest.mark.parametrize(
    ("report", "content", "criterion"),
    [
        (
            "scenario_summary.csv",
            "scenario,title,expectations,failed,passed\nS01,a,1,0,True\nS15,b,2,1,False\n",
            "failing_scenarios",
        ),
        (
            "reconciliation.csv",
            "entity,target_table,source_table,source_rows,loaded,rejected,filtered,difference,explanation,status\n"
            "patients,LOAD_PMI,PATDATA,4,3,0,0,1,,unexplained\n",
            "unexplained_reconciliation",
        ),
        (
            "waiting_list_summary.json",
            json.dumps({"verdicts": {"pre_production": {"passed": False, "failing_differences": 3}}}),
            "waiting_list_differences",
        ),
    ],
)
def test_a_failing_oracle_fails_pre_production(stored_run: Path, report: str, content: str, criterion: str) -> None:
    """The scenario book, the waiting-list parity and the reconciliation judge the mapping from outside it;
    the release once said PASS while they said no."""
    before = {
        c["criterion"]: c
        for c in decide(folders(stored_run), stored_run / "gates", load_profile("pre_production"))["criteria"]
    }
    assert before[criterion]["result"] == "PASS"
    (stored_run / "reports" / report).write_text(content, encoding="utf-8")
    after = {
        c["criterion"]: c
        for c in decide(folders(stored_run), stored_run / "gates", load_profile("pre_production"))["criteria"]
    }
    assert after[criterion]["result"] == "FAIL" and after[criterion]["figure"] >= 1


def test_a_missing_report_fails_its_criterion(stored_run: Path) -> None:
    (stored_run / "reports" / "scenario_summary.csv").unlink()
    decision = decide(folders(stored_run), stored_run / "gates", load_profile("pre_production"))
    by_name = {c["criterion"]: c for c in decision["criteria"]}
    assert by_name["failing_scenarios"] == {
        "criterion": "failing_scenarios",
        "figure": "report missing",
        "threshold": "<= 0",
        "result": "FAIL",
    }
