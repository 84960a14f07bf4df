"""Release figures read from the register of trial loads (``reports/trials/register.csv``): the
cutover is ready only after enough named trials, the last one clean, in a run time that fits the
cutover window. No register, or no trial in it, cannot vouch for anything: the figure is ``None``
(named_trials counts 0) and the criterion fails.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

TRIALS_DIR = "trials"
REGISTER_FILE = "register.csv"


def _register(reports_dir: Path) -> pd.DataFrame | None:
    path = reports_dir / TRIALS_DIR / REGISTER_FILE
    if not path.exists():
        return None
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return frame if not frame.empty else None


def named_trials(reports_dir: Path, profile: str) -> float | None:
    """Trials in the register (a rerun of a trial under the same name counts once)."""
    register = _register(reports_dir)
    return 0.0 if register is None else float(register["trial"].nunique())


def last_trial_failures(reports_dir: Path, profile: str) -> float | None:
    """Failing business invariants plus failing scenarios of the last trial (a missing figure fails)."""
    register = _register(reports_dir)
    if register is None:
        return None
    last = register.iloc[-1]
    values = [pd.to_numeric(last.get(c, ""), errors="coerce") for c in ("failing_invariants", "failing_scenarios")]
    return None if any(pd.isna(v) for v in values) else float(sum(values))


def last_trial_window_share(reports_dir: Path, profile: str) -> float | None:
    """The last trial's estimated cutover run time as a share of the downtime window (above 1: it does not fit)."""
    register = _register(reports_dir)
    if register is None:
        return None
    last = register.iloc[-1]
    hours = pd.to_numeric(last.get("estimated_cutover_hours", ""), errors="coerce")
    window = pd.to_numeric(last.get("window_hours", ""), errors="coerce")
    if pd.isna(hours) or pd.isna(window) or window <= 0:
        return None
    return round(float(hours / window), 4)
