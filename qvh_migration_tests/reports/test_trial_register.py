"""The register of trial loads and the cutover_ready criteria that read it: at least three named
trials, the last with no failing invariant or scenario, its scaled run time inside the window."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qvh_migration.errors import CurationError, MigrationInputError
from qvh_migration.gates.profiles import load_profile
from qvh_migration.gates.report_figures import REPORT_FIGURES
from qvh_migration.reports import trial_register as tr

CUTOVER_CRITERIA = ("named_trials", "last_trial_failures", "last_trial_window_share")
WINDOW = tr.Window(downtime_hours=48, trust_patients=400_000)


def _figures(**changes) -> dict:
    figures = {
        "patients": 2000,
        "source_rows": 100,
        "loaded_rows": 90,
        "rejected_rows": 10,
        "filtered_rows": 0,
        "rejected_by_reason": "missing_mandatory: 10",
        "findings": 3,
        "findings_by_check": "mandatory: 3",
        "failing_invariants": 0,
        "failing_scenarios": 0,
        "waiting_list_differences": 0,
        "trial_comparison_patients": 50,
        "trial_comparison_mismatches": 0,
        "open_worklist_items": 12,
        "open_decisions": 0,
    }
    return {**figures, **changes}


def _register(tmp_path: Path, trials: list[tuple[str, float, dict]]) -> Path:
    register = pd.DataFrame(columns=list(tr.REGISTER_COLUMNS))
    for name, seconds, changes in trials:
        row = tr.register_row(name, "run", "2026-12-07T05:00:00Z", seconds, _figures(**changes), WINDOW)
        register = tr.add_to_register(register, row)
    tr.write_register(tmp_path, register)
    return tmp_path


def _results(reports: Path) -> dict[str, bool]:
    """Each cutover criterion scored as the release decision scores it."""
    profile = load_profile("cutover_ready")
    results = {}
    for name in CUTOVER_CRITERIA:
        bound, threshold = profile.criteria[name]
        figure = REPORT_FIGURES[name](reports, profile.name)
        results[name] = figure is not None and (figure <= threshold if bound == "max" else figure >= threshold)
    return results


def test_three_clean_trials_inside_the_window_pass(tmp_path: Path) -> None:
    # 60 s for 2,000 patients -> 3.33 h for 400,000: inside 48 h.
    reports = _register(tmp_path, [("Trial 1", 60, {}), ("Trial 2", 60, {}), ("Trial 3", 60, {})])
    assert _results(reports) == dict.fromkeys(CUTOVER_CRITERIA, True)


def test_two_trials_fail_named_trials(tmp_path: Path) -> None:
    reports = _register(tmp_path, [("Trial 1", 60, {}), ("Trial 2", 60, {})])
    assert _results(reports)["named_trials"] is False


def test_a_rerun_of_a_trial_replaces_its_row(tmp_path: Path) -> None:
    reports = _register(tmp_path, [("Trial 1", 60, {}), ("Trial 2", 60, {}), ("Trial 2", 61, {})])
    register = tr.read_register(reports)
    assert register["trial"].tolist() == ["Trial 1", "Trial 2"] and register["wall_seconds"].iloc[-1] == 61
    assert _results(reports)["named_trials"] is False


@pytest.mark.parametrize("failing", [{"failing_invariants": 1}, {"failing_scenarios": 2}])
def test_a_failing_last_trial_fails(tmp_path: Path, failing: dict) -> None:
    reports = _register(tmp_path, [("Trial 1", 60, {}), ("Trial 2", 60, {}), ("Trial 3", 60, failing)])
    results = _results(reports)
    assert results["last_trial_failures"] is False and results["named_trials"] is True


def test_an_earlier_failing_trial_does_not_fail_the_last(tmp_path: Path) -> None:
    reports = _register(
        tmp_path, [("Trial 1", 60, {"failing_invariants": 4}), ("Trial 2", 60, {}), ("Trial 3", 60, {})]
    )
    assert _results(reports)["last_trial_failures"] is True


def test_a_run_time_over_the_window_fails(tmp_path: Path) -> None:
    # 1,000 s for 2,000 patients -> 55.6 h for 400,000: over 48 h.
    reports = _register(tmp_path, [("Trial 1", 60, {}), ("Trial 2", 60, {}), ("Trial 3", 1000, {})])
    assert _results(reports)["last_trial_window_share"] is False
    assert tr.read_register(reports)["fits_window"].tolist() == [True, True, False]


def test_no_register_fails_every_cutover_criterion(tmp_path: Path) -> None:
    assert _results(tmp_path) == dict.fromkeys(CUTOVER_CRITERIA, False)


def test_the_estimate_scales_by_the_patients_ratio() -> None:
    assert tr.estimated_hours(3600, 2000, WINDOW) == 200.0
    assert tr.slug(" Trial 2 ") == "trial-2"
    with pytest.raises(MigrationInputError):
        tr.slug("***")


def test_a_bad_window_file_names_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "window.yaml"
    path.write_text("downtime_hours: 0\ntrust_patients: 1000\n", encoding="utf-8")
    with pytest.raises(CurationError, match=r"window.yaml \(downtime_hours\)"):
        tr.load_window(path)
    assert tr.load_window().downtime_hours > 0


def test_the_other_profiles_do_not_ask_for_trials() -> None:
    for name in ("development", "pre_production"):
        assert not set(CUTOVER_CRITERIA) & set(load_profile(name).criteria)
