"""The evidence pack built from complete fixture files: every section, the same facts in the page and
in evidence.json, nothing fetched from outside, and no identifier anywhere."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from qvh_migration import settings
from qvh_migration.errors import MigrationInputError
from qvh_migration.mapping.decisions import load_decisions, open_decisions
from qvh_migration.reports.evidence_pack import evidence_html
from qvh_migration.reports.evidence_pack.evidence import SECTIONS, gather, git_commit
from qvh_migration.reports.evidence_pack.evidence_html import write_pack
from qvh_migration.settings import ProjectPaths
from qvh_migration_tests.reports.conftest import PLANTED_NHS_NUMBER

WHEN = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def _pack(paths: ProjectPaths) -> tuple[str, dict, dict]:
    index, evidence = write_pack(paths, run_id="run-b", generated_at=WHEN)
    stored = json.loads(index.with_name("evidence.json").read_text(encoding="utf-8"))
    return index.read_text(encoding="utf-8"), evidence, stored


def test_every_section_is_there_with_data(complete_run: ProjectPaths) -> None:
    page, _, stored = _pack(complete_run)
    for section in SECTIONS:
        assert f'<section id="{section}">' in page, section
        assert stored["sections"][section]["produced"] is True, section
    assert "not produced in this run" not in page.lower()
    assert 'id="masking-notice"' in page and "Identifiers are masked" in page
    assert page.count('class="bar"') >= 2 + 2 + 14  # reject reasons, check names, two lists of seven bands
    assert page.count('class="erd-table"') == 38


def test_the_page_and_the_json_state_the_same_facts(complete_run: ProjectPaths) -> None:
    page, evidence, stored = _pack(complete_run)
    assert stored == json.loads(json.dumps(evidence, default=str))
    sections = stored["sections"]
    assert sections["release"]["decision"] == "FAIL" and sections["release"]["profile"] == "cutover"
    assert 'class="FAIL">FAIL<' in page
    inputs = sections["inputs"]
    assert inputs["documents_kind"] == "stand-ins" and all(d["sha256"] for d in inputs["documents"])
    assert inputs["extracts"]["all_match_manifest"] and inputs["extracts"]["total_rows"] == 210
    for item in (*inputs["documents"], *inputs["extracts"]["files"], sections["version"]["mapping_contract"]):
        assert item["sha256"] in page
    tables = {row["target_table"]: row for row in sections["tables"]["rows"]}
    assert len(tables) == 38 and list(tables)[:4] == ["LOAD_STAFF", "LOAD_USERS", "LOAD_SITES", "LOAD_PMI"]
    assert (tables["LOAD_PMI"]["checks_passed"], tables["LOAD_PMI"]["checks_failed"]) == (2, 1)
    assert tables["LOAD_PMI"]["status"] == "loaded with failures" and tables["LOAD_REFERRALS"]["status"] == "loaded"
    assert tables["LOAD_STAFF"]["status"] == "not migrated: no source rows"
    assert {r["reason_code"]: r["rejected_rows"] for r in sections["rejects"]["by_reason"]} == {
        "invalid_nhs_number": 4, "missing_mandatory": 2, "orphan_parent": 3}  # fmt: skip
    assert 'data-label="invalid_nhs_number" data-value="4"' in page
    assert sections["findings"]["by_check"] == [
        {"check": "nhs_number", "findings": 7},
        {"check": "postcode", "findings": 3},
    ]
    assert sections["reconciliation"]["tables_with_difference"] == 1
    assert sections["reconciliation"]["unexplained_differences"] == 0
    assert sections["waiting-lists"]["differences"]["total"] == 3
    assert [row["list"] for row in sections["waiting-lists"]["summary"]] == [
        "rtt_ptl",
        "outpatient_waiting_list",
        "inpatient_waiting_list",
    ]
    assert "<td>mapping: 2; reject: 1</td>" in page and "as of 2026-10-30" in page
    assert sections["waiting-lists"]["bands"]["lists"]["rtt_ptl"][2] == {
        "weeks_band": "26-39", "source_count": 15, "target_count": 14}  # fmt: skip
    assert 'data-label="26-39" data-series="target" data-value="14"' in page
    waiting = sections["waiting-lists"]
    assert [(v["profile"], v["decision"]) for v in waiting["verdicts"]] == [
        ("development", "PASS"), ("pre_production", "FAIL")]  # fmt: skip
    assert waiting["verdicts"][1]["validation_increases"] == "inpatient_waiting_list tci_in_past: 0 -> 2"
    assert waiting["validation"][0]["check"] == "over_52_weeks"
    assert waiting["predicted_change"] == [{"list": "rtt_ptl", "source": 91, "target": 90, "change": -1,
                                            "bands": "26-39: -1"}]  # fmt: skip
    assert "Verdict under each release profile" in page and "Predicted change at go-live" in page
    assert sections["trial"]["mismatches"] == 2 and sections["trial"]["trial_patients"] == 2
    assert 'href="../trial_comparison.csv"' in page and 'href="../trial_comparison.xlsx"' in page
    assert sections["deltas"]["totals"] == {"new": 2, "resolved": 1, "persisting": 1}
    assert "run-a → run-b" in page
    assert len(sections["erd"]["links"]) == page.count('class="erd-edge"')


def test_nothing_is_fetched_from_outside(complete_run: ProjectPaths) -> None:
    page, _, _ = _pack(complete_run)
    assert "<script" not in page.lower() and "<link" not in page.lower() and "<img" not in page.lower()
    assert "@import" not in page and "url(http" not in page
    # SVG namespaces are identifiers, never fetched; nothing else may name a host.
    assert set(re.findall(r"https?://[^\"' <]+", page)) <= {"http://www.w3.org/2000/svg"}


def test_identifiers_are_masked(complete_run: ProjectPaths) -> None:
    page, _, _ = _pack(complete_run)
    stored = (complete_run.stage_dir("reports") / "evidence" / "evidence.json").read_text(encoding="utf-8")
    for text in (page, stored):
        assert PLANTED_NHS_NUMBER not in text
        assert "9990004321" not in text and "RTT000123456" not in text
        assert "********34" in text  # the masked parity key is still told apart by its last characters


def test_missing_reports_are_said_to_be_missing(complete_run: ProjectPaths) -> None:
    reports = complete_run.stage_dir("reports")
    for name in ("reconciliation.csv", "deltas.csv", "trial_summary.csv", "waiting_list_parity.csv",
                 "waiting_list_bands.csv", "waiting_list_summary.json"):  # fmt: skip
        (reports / name).unlink()
    shutil.rmtree(complete_run.stage_dir("gates"))
    page, _, stored = _pack(complete_run)
    for section in ("reconciliation", "waiting-lists", "trial", "deltas", "release", "findings"):
        part = stored["sections"][section]
        assert part == {"produced": False, "note": "not produced in this run", "file": part["file"]}
        body = page.split(f'<section id="{section}">')[1].split("</section>")[0]
        assert "Not produced in this run" in body
    assert stored["sections"]["tables"]["gate_summary"] == "not produced in this run"


def test_a_report_not_to_its_contract_fails_naming_file_and_columns(complete_run: ProjectPaths) -> None:
    path = complete_run.stage_dir("reports") / "reconciliation.csv"
    path.write_text("entity,target_table\npatients,LOAD_PMI\n", encoding="utf-8")
    with pytest.raises(
        MigrationInputError, match=r"reconciliation\.csv \(header row\): missing column\(s\) source_table"
    ):
        gather(complete_run)


def test_a_failed_build_keeps_the_previous_pack(complete_run: ProjectPaths, monkeypatch: pytest.MonkeyPatch) -> None:
    index, _ = write_pack(complete_run, run_id="good")
    before = index.read_text(encoding="utf-8")
    # Fails after the page is written into the new folder, before the JSON is.
    monkeypatch.setattr(evidence_html.json, "dumps", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        write_pack(complete_run, run_id="broken")
    assert index.read_text(encoding="utf-8") == before
    assert sorted(p.name for p in Path(index.parent).iterdir()) == ["evidence.json", "index.html", "manifest.json"]
    assert not [p for p in index.parent.parent.iterdir() if p.name.startswith(".evidence")]


def test_an_extract_changed_since_its_manifest_is_flagged(complete_run: ProjectPaths) -> None:
    extract = complete_run.stage_dir("extracts") / "PATDATA.parquet"
    extract.write_bytes(extract.read_bytes() + b"\0")
    page, _, stored = _pack(complete_run)
    files = {f["file"]: f["matches_manifest"] for f in stored["sections"]["inputs"]["extracts"]["files"]}
    assert files == {"OPREFERRAL.parquet": True, "PATDATA.parquet": False}
    assert "DO NOT all match" in page


def test_the_commit_is_left_empty_outside_a_checkout(tmp_path: Path) -> None:
    assert git_commit(tmp_path) == {"commit": None, "uncommitted_changes": None}
    if (settings.PROJECT_ROOT / ".git").exists():  # a checkout (a worktree's .git is a file)
        assert re.fullmatch(r"[0-9a-f]{40}", git_commit()["commit"] or "")


def test_decision_under_every_profile_and_table_statuses(complete_run: ProjectPaths) -> None:
    gates = complete_run.stage_dir("gates")
    criteria = [{"criterion": "failed_invariants", "figure": 1, "threshold": "<= 0", "result": "FAIL"}]
    strict = {
        "profile": "pre_production",
        "decision": "FAIL",
        "criteria": criteria,
        "failed_invariants": ["identity:activity_patient_in_pmi"],
        "blocked_tables": ["LOAD_REFERRALS"],
    }
    lenient = {"profile": "development", "decision": "PASS", "criteria": [], "failed_invariants": [],
               "blocked_tables": []}  # fmt: skip
    decision = {**strict, "headline_profile": "pre_production", "profiles": [lenient, strict]}
    (gates / "release_decision.json").write_text(json.dumps(decision), encoding="utf-8")
    summary_path = complete_run.stage_dir("target") / "load_summary.csv"
    summary = pd.read_csv(summary_path, keep_default_na=False)
    summary["note"] = ""
    summary.loc[summary["target_table"] == "LOAD_RTT_EVENTS", "note"] = "source table RTTALLPRDSTS not in the extracts"
    summary.loc[summary["target_table"] == "LOAD_MH_CPA_MASTER", "note"] = "QVH provides no mental health services"
    summary.to_csv(summary_path, index=False)
    page, _, stored = _pack(complete_run)
    release = stored["sections"]["release"]
    assert release["profile"] == "pre_production" and release["decision"] == "FAIL"
    assert [(p["profile"], p["decision"]) for p in release["by_profile"]] == [
        ("development", "PASS"), ("pre_production", "FAIL")]  # fmt: skip
    assert "identity:activity_patient_in_pmi" in page and "Release decision (pre_production)" in page
    tables = {row["target_table"]: row["status"] for row in stored["sections"]["tables"]["rows"]}
    assert tables["LOAD_REFERRALS"] == "blocked"
    assert tables["LOAD_RTT_EVENTS"] == "no rows: extract missing"
    assert tables["LOAD_MH_CPA_MASTER"] == "not migrated: QVH provides no mental health services"


def test_the_open_decisions_have_their_section(complete_run: ProjectPaths) -> None:
    page, _, stored = _pack(complete_run)
    decisions = stored["sections"]["decisions"]
    expected = open_decisions(load_decisions())
    assert decisions["open"] == len(expected) > 0
    assert [row["id"] for row in decisions["open_decisions"]] == expected["id"].tolist()
    body = page.split('<section id="decisions">')[1].split("</section>")[0]
    assert all(decision_id in body for decision_id in expected["id"])
