"""The invariants on a stored run: findings beside the other gates', zero tolerance for identity in the
release profiles, and a release decision that fails on a single identity finding."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from qvh_migration.gates.files import FINDING_FILE_COLUMNS, GATE_SUMMARY_FILE, all_findings
from qvh_migration.gates.invariants.score import INVARIANT_FINDINGS_FILE, run_invariants
from qvh_migration.gates.profiles import load_profile
from qvh_migration.gates.release import decide, decide_all
from qvh_migration.io.run_folders import RunFolders
from qvh_migration_tests.gates.invariants.conftest import catalog, clean_world, set_cell
from qvh_migration_tests.gates.test_release import write_passing_reports


def stored_run(data: Path, world: dict[str, pd.DataFrame]) -> RunFolders:
    """A data folder holding ``world`` as a staged run: staging database, load summary, catalog, contract."""
    for stage in ("catalogs", "extracts", "mapping", "target/tables", "gates"):
        (data / stage).mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(data / "target" / "staging.duckdb"))
    for name, frame in world.items():
        if name.startswith("LOAD_"):
            con.register("frame", frame)
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM frame')
            con.unregister("frame")
    con.close()
    world["LOAD_PMI"].to_parquet(data / "target" / "tables" / "LOAD_PMI.parquet")
    tables = [n for n in world if n.startswith("LOAD_")]
    pd.DataFrame(
        {"target_table": tables, "source_table": "SRC", "source_rows": 1, "loaded_rows": 1, "rejected_rows": 0,
         "filtered_rows": 0, "target_rows": 1, "note": ""}
    ).to_csv(data / "target" / "load_summary.csv", index=False)  # fmt: skip
    catalog().to_parquet(data / "catalogs" / "target_catalog.parquet")
    pd.DataFrame({"table_name": tables, "load_order": range(len(tables))}).to_parquet(
        data / "catalogs" / "target_tables.parquet"
    )
    pd.DataFrame(
        {"target_table": ["LOAD_PMI"], "target_field": ["MAIN_CRN"], "status": ["approved"],
         "mandatory_class": ["mandatory"], "mapping_class": ["DIRECT"]}
    ).to_csv(data / "mapping" / "mapping_contract.csv", index=False)  # fmt: skip
    write_passing_reports(data / "reports")  # the oracles agree: only the invariants are being judged here
    return RunFolders.under(data)


def one_identity_fault() -> dict[str, pd.DataFrame]:
    """One referral for a patient LOAD_PMI does not hold: one identity finding, nothing else."""
    world = clean_world()
    world["LOAD_REFERRALS"] = pd.concat(
        [world["LOAD_REFERRALS"], set_cell(world, "LOAD_REFERRALS", 1, RECORD_NUMBER=3, MAIN_CRN="Q9")[
            "LOAD_REFERRALS"].iloc[[1]]], ignore_index=True)  # fmt: skip
    return world


def test_findings_sit_beside_the_other_gates(tmp_path: Path) -> None:
    folders = stored_run(tmp_path, one_identity_fault())
    findings, _ = run_invariants(folders, tmp_path / "gates", load_profile("pre_production"), {})
    assert list(findings.columns) == list(FINDING_FILE_COLUMNS)
    stored = pd.read_parquet(tmp_path / "gates" / INVARIANT_FINDINGS_FILE)
    assert stored["check"].tolist() == ["identity:activity_patient_in_pmi"]
    assert stored["value_masked"].tolist() == ["**"]  # MAIN_CRN identifies a patient: masked
    assert len(all_findings(tmp_path / "gates")) == 1
    gates = pd.read_csv(tmp_path / "gates" / GATE_SUMMARY_FILE, keep_default_na=False)
    failing = gates.loc[gates["failures"] > 0]
    assert failing[["target_table", "check", "passed"]].values.tolist() == [
        ["LOAD_REFERRALS", "identity:activity_patient_in_pmi", False]]  # fmt: skip


@pytest.mark.parametrize(("profile", "passed"), [("development", True), ("pre_production", False),
                                                 ("cutover_ready", False)])  # fmt: skip
def test_identity_has_zero_tolerance_in_the_release_profiles(tmp_path: Path, profile: str, passed: bool) -> None:
    folders = stored_run(tmp_path, one_identity_fault())
    _, summary = run_invariants(folders, tmp_path / "gates", load_profile(profile), {})
    row = summary.loc[summary["failures"] > 0].iloc[0]
    assert bool(row["passed"]) is passed


def test_release_under_pre_production_fails_on_one_identity_finding(tmp_path: Path) -> None:
    folders = stored_run(tmp_path, one_identity_fault())
    run_invariants(folders, tmp_path / "gates", load_profile("development"), {})
    decision = decide(folders, tmp_path / "gates", load_profile("pre_production"))
    criteria = {c["criterion"]: c for c in decision["criteria"]}
    assert decision["decision"] == "FAIL"
    assert criteria["failed_invariants"]["figure"] == 1 and criteria["failed_invariants"]["result"] == "FAIL"
    assert decision["failed_invariants"] == ["identity:activity_patient_in_pmi"]
    assert decision["blocked_tables"] == ["LOAD_REFERRALS"]
    side = decide_all(folders, tmp_path / "gates")
    assert side["headline_profile"] == "pre_production" and side["decision"] == "FAIL"
    assert {d["profile"]: d["decision"] for d in side["profiles"]}["development"] == "PASS"


def test_release_under_pre_production_passes_on_the_clean_run(tmp_path: Path) -> None:
    folders = stored_run(tmp_path, clean_world())
    run_invariants(folders, tmp_path / "gates", load_profile("pre_production"), {})
    decision = decide(folders, tmp_path / "gates", load_profile("pre_production"))
    assert decision["failed_invariants"] == [] and decision["blocked_tables"] == []
    assert {c["criterion"]: c["result"] for c in decision["criteria"]}["failed_invariants"] == "PASS"
