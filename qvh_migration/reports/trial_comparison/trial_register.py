"""The register of trial loads: a dry run named as a trial keeps its key figures in
``reports/trials/register.csv`` (one row per trial, a rerun of a trial replaces its row) and a copy
of its evidence pack under ``reports/trials/<trial>/``.

The run time is set against the cutover window (``cutover_window.yaml``): scaled to the trust's size
by the ratio of patients, linearly, so it is an estimate, and said to be one wherever it is shown.
Only counts are kept: no identifier reaches the register.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from qvh_migration.errors import CurationError, MigrationInputError
from qvh_migration.gates.invariants.declarations import FAMILIES as INVARIANT_FAMILIES
from qvh_migration.gates.report_figures import failing_scenarios
from qvh_migration.gates.trial_figures import REGISTER_FILE, TRIALS_DIR
from qvh_migration.io.artifacts import atomic_path
from qvh_migration.io.run_folders import RunFolders
from qvh_migration.mapping.decisions import open_decision_count
from qvh_migration.reports import files as report_files

WINDOW_FILE = Path(__file__).with_name("cutover_window.yaml")
PATIENT_TABLE = "PATDATA"  # the legacy patient master: its rows are the trial's patients
ESTIMATE_NOTE = "estimate: the trial's run time scaled linearly by the ratio of patients"
REGISTER_COLUMNS = (
    "trial",
    "run_id",
    "recorded_at",
    "patients",
    "wall_seconds",
    "estimated_cutover_hours",
    "window_hours",
    "fits_window",
    "source_rows",
    "loaded_rows",
    "rejected_rows",
    "filtered_rows",
    "rejected_by_reason",
    "findings",
    "findings_by_check",
    "failing_invariants",
    "failing_scenarios",
    "waiting_list_differences",
    "trial_comparison_patients",
    "trial_comparison_mismatches",
    "open_worklist_items",
    "open_decisions",
)


@dataclass(frozen=True)
class Window:
    downtime_hours: float
    trust_patients: int


def load_window(path: Path | None = None) -> Window:
    path = Path(path) if path is not None else WINDOW_FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CurationError(path, f"cannot read the cutover window ({str(exc).splitlines()[0]})") from None
    if not isinstance(raw, dict):
        raise CurationError(path, "a mapping with downtime_hours and trust_patients")
    values = {}
    for key in ("downtime_hours", "trust_patients"):
        try:
            values[key] = float(raw[key])
        except (KeyError, TypeError, ValueError):
            raise CurationError(path, "must be a number above 0", where=key) from None
        if values[key] <= 0:
            raise CurationError(path, "must be a number above 0", where=key)
    return Window(values["downtime_hours"], int(values["trust_patients"]))


def slug(trial: str) -> str:
    """``Trial 2`` -> ``trial-2``: the trial's folder name."""
    text = re.sub(r"[^a-z0-9]+", "-", trial.strip().lower()).strip("-")
    if not text:
        raise MigrationInputError("--trial", f"a trial needs a name with letters or digits, not {trial!r}")
    return text


def estimated_hours(wall_seconds: float, patients: int, window: Window) -> float:
    """The run time scaled to the trust's patients (linear in patients: an estimate)."""
    ratio = window.trust_patients / patients if patients else 1.0
    return round(wall_seconds / 3600 * ratio, 2)


def _counts_text(counts: pd.Series) -> str:
    counts = counts[counts > 0].sort_values(ascending=False, kind="stable")
    return "; ".join(f"{k}: {int(v)}" for k, v in counts.items())


def trial_figures(data_dir: Path, open_worklist_items: int) -> dict:
    """The trial's figures, read from the run's files (counts only)."""
    folders = RunFolders.under(Path(data_dir))
    manifest = report_files.read_manifest(folders.extracts)
    summary = report_files.read_load_summary(folders.target)
    rejects = report_files.read_table_files(folders.target, "rejects")
    gates = pd.read_csv(folders.gates / "gate_summary.csv", keep_default_na=False)
    failures = pd.to_numeric(gates["failures"], errors="coerce").fillna(0)
    invariant = gates["family"].isin(INVARIANT_FAMILIES) if "family" in gates else pd.Series(False, index=gates.index)
    failing = invariant & ~gates["passed"].astype(str).str.lower().eq("true") & gates["severity"].eq("ERROR")
    scenarios = failing_scenarios(folders.reports, "")
    return {
        "patients": int(manifest.get("tables", {}).get(PATIENT_TABLE, {}).get("rows") or 0),
        **{
            c: int(pd.to_numeric(summary[c]).sum())
            for c in ("source_rows", "loaded_rows", "rejected_rows", "filtered_rows")
        },
        "rejected_by_reason": _counts_text(rejects["reason_code"].value_counts()) if "reason_code" in rejects else "",
        "findings": int(failures.sum()),
        "findings_by_check": _counts_text(
            failures.groupby(gates["family"] if "family" in gates else gates["check"]).sum()
        ),
        "failing_invariants": int(gates.loc[failing, "check"].nunique()),
        "failing_scenarios": None if scenarios is None else int(scenarios),
        "waiting_list_differences": _parity_differences(folders.reports),
        **_trial_comparison(folders.reports),
        "open_worklist_items": int(open_worklist_items),
        "open_decisions": int(open_decision_count(None)),
    }


def _parity_differences(reports: Path) -> int | None:
    path = reports / "waiting_list_summary.json"
    if not path.exists():
        return None
    lists = json.loads(path.read_text(encoding="utf-8")).get("lists", {})
    return int(sum(int(s.get("differences", 0)) for s in lists.values()))


def _trial_comparison(reports: Path) -> dict:
    patients, summary = reports / "trial_patients.csv", reports / "trial_summary.csv"
    if not patients.exists() or not summary.exists():
        return {"trial_comparison_patients": None, "trial_comparison_mismatches": None}
    return {
        "trial_comparison_patients": len(pd.read_csv(patients, dtype=str)),
        "trial_comparison_mismatches": int(pd.to_numeric(pd.read_csv(summary)["mismatches"]).sum()),
    }


def register_row(trial: str, run_id: str, recorded_at: str, wall_seconds: float, figures: dict, window: Window) -> dict:
    hours = estimated_hours(wall_seconds, figures["patients"], window)
    return {
        "trial": trial,
        "run_id": run_id,
        "recorded_at": recorded_at,
        "wall_seconds": round(float(wall_seconds), 1),
        "estimated_cutover_hours": hours,
        "window_hours": window.downtime_hours,
        "fits_window": hours <= window.downtime_hours,
        **figures,
    }


def add_to_register(register: pd.DataFrame, row: dict) -> pd.DataFrame:
    """The register with ``row`` appended; a trial recorded before under the same name is replaced."""
    kept = register.loc[register["trial"].astype(str).ne(row["trial"])] if not register.empty else register
    added = pd.DataFrame([row], columns=list(REGISTER_COLUMNS))
    return pd.concat([kept, added], ignore_index=True) if not kept.empty else added


def register_path(reports: Path) -> Path:
    return reports / TRIALS_DIR / REGISTER_FILE


def read_register(reports: Path) -> pd.DataFrame:
    path = register_path(reports)
    if not path.exists():
        return pd.DataFrame(columns=list(REGISTER_COLUMNS))
    frame = pd.read_csv(path, keep_default_na=False)
    missing = [c for c in REGISTER_COLUMNS if c not in frame]
    if missing:
        raise MigrationInputError(path, f"missing column(s) {', '.join(missing)}", where="header row")
    return frame


def write_register(reports: Path, register: pd.DataFrame) -> Path:
    path = register_path(reports)
    with atomic_path(path) as tmp:
        register.to_csv(tmp, index=False)
    return path


def copy_pack(reports: Path, trial: str) -> Path:
    """The run's evidence pack copied under ``reports/trials/<trial>/evidence`` (replacing an older copy)."""
    source = reports / "evidence"
    target = reports / TRIALS_DIR / slug(trial) / "evidence"
    if not source.exists():
        raise MigrationInputError(source, "no evidence pack to copy: the pack is written before the copy")
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    return target
