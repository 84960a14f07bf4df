"""The reports on a real run's output (300 synthetic patients, the 38 tables and the staging database)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from qvh_migration.definitions import STAGING_JOB, TARGET_TABLE_RERUN_JOB, defs
from qvh_migration.defs.etl import TARGET_TABLE_NAMES
from qvh_migration.etl.row_sources import ROW_SOURCES_FILE
from qvh_migration.gates.profiles import PROFILE_NAMES
from qvh_migration.io.run_folders import RunFolders
from qvh_migration.reports.reconciliation import deltas, reconciliation
from qvh_migration.reports.waiting_lists import waiting_list, waiting_list_policy, waiting_list_run

REPORT_ASSETS = {"reconciliation", "waiting_list_parity", "run_deltas"}


def test_reports_join_the_jobs_after_the_target_tables() -> None:
    for job in (STAGING_JOB, TARGET_TABLE_RERUN_JOB):
        keys = {k.to_user_string() for k in defs.resolve_job_def(job).asset_layer.executable_asset_keys}
        assert keys >= REPORT_ASSETS, job


@pytest.mark.slow  # reads the whole golden dry run
def test_every_difference_of_the_run_is_explained(file_path_run: Path, tmp_path: Path) -> None:
    folders = replace(RunFolders.under(file_path_run), reports=tmp_path)
    frame = reconciliation.reconcile_run(folders, TARGET_TABLE_NAMES, ROW_SOURCES_FILE)
    reconciliation.write_reconciliation(frame, folders.reports)
    # One row per table, and per source table of a table loaded from a union: the two coding tables
    # (diagnoses, the record's primary procedure, secondary procedures), LOAD_PMIIDS (case notes, merged
    # records, old NHS numbers) and LOAD_OPDWAITLIST (entries on the list, removed entries).
    assert frame["target_table"].nunique() == len(TARGET_TABLE_NAMES) and len(frame) == len(TARGET_TABLE_NAMES) + 7
    coding = frame.loc[frame["target_table"] == "LOAD_ADT_CODING", "source_table"].tolist()
    assert coding == ["CONSEPISDIAG", "CONSEPISODE", "CONSEPISPROC"]
    assert reconciliation.differences_explained(frame).passed, frame.loc[frame["status"] == "unexplained"]
    pmi = frame.set_index("target_table").loc["LOAD_PMI"]
    assert pmi["source_rows"] > 300 and pmi["difference"] == 0
    not_migrated = frame.loc[frame["status"] == reconciliation.NOT_MIGRATED]
    assert not not_migrated.empty and not_migrated["explanation"].str.startswith("not migrated: ").all()

    result = waiting_list_run.parity_run(folders)
    waiting_list_run.write_parity(result, folders.reports)
    summary = json.loads((tmp_path / waiting_list.SUMMARY_FILE).read_text(encoding="utf-8"))
    assert summary["lists"]["rtt_ptl"]["source"] > 0 and summary["lists"]["rtt_ptl"]["matched"] > 0
    assert result.differences["explained"].all(), result.differences.loc[~result.differences["explained"]]
    # Every difference is explained, which is enough under development only; each profile has its verdict.
    assert waiting_list_policy.waiting_lists_match(summary, "development").passed
    assert set(summary["verdicts"]) == set(PROFILE_NAMES)
    assert (tmp_path / "waiting_list_validation.csv").exists() and summary["validation"]
    written = pd.read_csv(tmp_path / waiting_list.DIFFERENCES_FILE, dtype=str, keep_default_na=False)
    assert list(written.columns)[:11] == list(waiting_list.DIFFERENCE_COLUMNS)[:11]
    assert written["cause"].ne("").all()
    # Patient numbers never leave unmasked.
    assert written["patient_key"].str.startswith("*").all()

    first = deltas.deltas_run(folders, "run-1", "2026-11-30T01:00:00Z")
    second = deltas.deltas_run(folders, "run-2", "2026-11-30T02:00:00Z")
    assert first.previous_run is None and set(first.deltas["status"]) == {deltas.NEW}
    assert second.previous_run == "run-1" and set(second.deltas["status"]) == {deltas.PERSISTING}
