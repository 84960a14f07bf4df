"""Release figures read from the run's reports: the verdicts that judge the mapping from outside it.

The scenario book (written from the guide), the waiting-list parity (the legacy system's own
figures) and the reconciliation (rows counted in the extracts themselves) each say no in their own
file; a release decision that did not read them could say PASS over a failing oracle. A report
that is missing cannot vouch for anything: its figure is ``None`` and the criterion fails.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from qvh_migration.gates import trial_figures

SCENARIO_SUMMARY = "scenario_summary.csv"
WAITING_LIST_SUMMARY = "waiting_list_summary.json"
RECONCILIATION = "reconciliation.csv"


def failing_scenarios(reports_dir: Path, profile: str) -> float | None:
    """Scenarios of the book with a failing expectation."""
    path = reports_dir / SCENARIO_SUMMARY
    if not path.exists():
        return None
    summary = pd.read_csv(path, dtype=str, keep_default_na=False)
    return float((~summary["passed"].str.lower().eq("true")).sum())


def waiting_list_differences(reports_dir: Path, profile: str) -> float | None:
    """Differences the parity counts as failures under ``profile`` (missing patients included there)."""
    path = reports_dir / WAITING_LIST_SUMMARY
    if not path.exists():
        return None
    verdict = (json.loads(path.read_text(encoding="utf-8")).get("verdicts") or {}).get(profile)
    if verdict is None:
        return None
    if verdict.get("passed"):
        return 0.0
    return float(
        int(verdict.get("failing_differences", 0))
        + int(verdict.get("band_differences", 0))
        + len(verdict.get("validation_increases", []))
    )


def unexplained_reconciliation(reports_dir: Path, profile: str) -> float | None:
    """Source tables whose rows are not all loaded, rejected or filtered with a reason."""
    path = reports_dir / RECONCILIATION
    if not path.exists():
        return None
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return float(frame["status"].eq("unexplained").sum())


# criterion -> how to read it from the reports folder under the scored profile.
REPORT_FIGURES: dict[str, Callable[[Path, str], float | None]] = {
    "failing_scenarios": failing_scenarios,
    "waiting_list_differences": waiting_list_differences,
    "unexplained_reconciliation": unexplained_reconciliation,
    "named_trials": trial_figures.named_trials,
    "last_trial_failures": trial_figures.last_trial_failures,
    "last_trial_window_share": trial_figures.last_trial_window_share,
}
