"""Run-over-run deltas across hand-made snapshots: new, resolved, persisting, and pruning."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qvh_migration.reports.reconciliation import deltas


def _parts(findings: list[tuple[str, str, str]], rejects: list[tuple[str, str, str]]) -> dict[str, pd.DataFrame]:
    finding_rows = pd.DataFrame(findings, columns=["target_table", "check", "field"]).assign(severity="ERROR")
    reject_rows = pd.DataFrame(rejects, columns=["target_table", "source_key", "reason_code"]).assign(field="F")
    reconciliation = pd.DataFrame(
        [{"target_table": "LOAD_ADT_CODING", "source_table": "", "difference": 0, "status": "not_migrated"}]
    )
    return deltas.snapshot(finding_rows, reject_rows, reconciliation)


NHS = ("LOAD_PMI", "nhs_number:NHS_NUMBER", "NHS_NUMBER")
FIRST = _parts(
    [NHS, NHS, ("LOAD_IWL", "date_format:WAITLIST_DATE", "WAITLIST_DATE")],
    [("LOAD_PMI", "k1", "unmapped_code"), ("LOAD_PMI", "k1", "unmapped_code")],
)
SECOND = _parts(
    [NHS, ("LOAD_REFERRALS", "mandatory:REFERRAL_DATE", "REFERRAL_DATE")],
    [("LOAD_PMI", "k1", "unmapped_code"), ("LOAD_PMI", "k2", "unmapped_code")],
)


def _status(frame: pd.DataFrame) -> dict[tuple[str, str, str], tuple[str, int, int]]:
    return {
        (r.scope, r.target_table, r.check): (r.status, r.previous_count, r.current_count) for r in frame.itertuples()
    }


def test_the_first_run_is_all_new_and_says_there_was_no_previous_run(tmp_path: Path) -> None:
    result = deltas.record_run(tmp_path, "run-1", "2026-11-30T01:00:00Z", FIRST)
    assert result.previous_run is None
    assert set(result.deltas["status"]) == {deltas.NEW}
    counts = _status(result.deltas)
    assert counts[("finding", "LOAD_PMI", "nhs_number:NHS_NUMBER")] == ("new", 0, 2)
    assert counts[("reject", "LOAD_PMI", "unmapped_code")] == ("new", 0, 1)  # distinct source rows
    assert (tmp_path / "runs" / "run-1" / "finding.csv").exists()
    assert (tmp_path / "deltas.csv").exists()


def test_the_second_run_lists_new_resolved_and_persisting(tmp_path: Path) -> None:
    deltas.record_run(tmp_path, "run-1", "2026-11-30T01:00:00Z", FIRST)
    result = deltas.record_run(tmp_path, "run-2", "2026-11-30T02:00:00Z", SECOND)
    assert result.previous_run == "run-1"
    counts = _status(result.deltas)
    assert counts[("finding", "LOAD_PMI", "nhs_number:NHS_NUMBER")] == ("persisting", 2, 1)
    assert counts[("finding", "LOAD_IWL", "date_format:WAITLIST_DATE")] == ("resolved", 1, 0)
    assert counts[("finding", "LOAD_REFERRALS", "mandatory:REFERRAL_DATE")] == ("new", 0, 1)
    assert counts[("reject", "LOAD_PMI", "unmapped_code")] == ("persisting", 1, 2)
    assert counts[("reconciliation", "LOAD_ADT_CODING", "not_migrated")] == ("persisting", 1, 1)
    written = pd.read_csv(tmp_path / "deltas.csv", keep_default_na=False)
    assert list(written.columns) == list(deltas.DELTA_COLUMNS) and len(written) == len(result.deltas)


def test_only_the_newest_runs_are_kept(tmp_path: Path) -> None:
    for n in range(1, 5):
        result = deltas.record_run(tmp_path, f"run-{n}", f"2026-11-30T0{n}:00:00Z", FIRST, keep=2)
    assert result.pruned == ["run-2"]
    index = deltas.read_index(tmp_path / "runs")
    assert list(index["run_id"]) == ["run-3", "run-4"]
    assert sorted(p.name for p in (tmp_path / "runs").iterdir() if p.is_dir()) == ["run-3", "run-4"]
    assert index["findings"].tolist() == [3, 3]


def test_a_run_id_that_cannot_name_a_folder_is_refused(tmp_path: Path) -> None:
    from qvh_migration.errors import MigrationInputError
    from qvh_migration.io.run_folders import RunFolders

    with pytest.raises(MigrationInputError, match="cannot name a snapshot folder"):
        deltas.deltas_run(RunFolders.under(tmp_path), "../elsewhere", "2026-11-30T01:00:00Z")
