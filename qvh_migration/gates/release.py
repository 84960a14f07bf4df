"""Score a stored run under a release profile: one PASS/FAIL per criterion, with figure and bound.

Everything is read from the files the run left (load summary, rejects, gate summary, findings,
the contract and LOAD_PMI), so a run is re-scored under another profile in seconds, without
rerunning the ETL or the checks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from qvh_migration.etl import files as etl_files
from qvh_migration.etl.generations import require_one_generation
from qvh_migration.etl.validation import UNFILLED
from qvh_migration.gates import explanations
from qvh_migration.gates.files import DECISION_FILE, GATE_SUMMARY_FILE, all_findings
from qvh_migration.gates.invariants.declarations import FAMILIES as INVARIANT_FAMILIES
from qvh_migration.gates.invariants.sql_support import modulus_11_valid
from qvh_migration.gates.pipeline import _all
from qvh_migration.gates.profiles import DEFAULT_PROFILE, PROFILE_NAMES, Profile, load_profile
from qvh_migration.gates.report_figures import REPORT_FIGURES
from qvh_migration.gates.table_gates import noted_fields, passes
from qvh_migration.io.artifacts import atomic_path
from qvh_migration.io.run_folders import RunFolders
from qvh_migration.mapping.decisions import open_decision_count
from qvh_migration.mapping.files import read_contract

# Figures read from reviewed files rather than from the run, computed only for a profile that
# sets them: criterion -> how to count it (given the decisions file; None is the package's own).
REVIEWED_FIGURES: dict[str, Callable[[Path | None], float]] = {
    "open_decisions": open_decision_count,  # decisions the trust or vendor has still to take
}


def scored_gates(gates_dir: Path, contract: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """The run's gate summary with each check's severity and pass/fail re-derived under ``profile``."""
    gates = pd.read_csv(gates_dir / GATE_SUMMARY_FILE, keep_default_na=False)
    suggested = set((contract["target_table"] + "." + contract["target_field"])[contract["status"] != "approved"])

    def severity(row: pd.Series) -> str:
        fields = str(row["check"]).split(":", 1)[1].split(">") if ":" in str(row["check"]) else []
        downgraded = any(f"{row['target_table']}.{f}" in suggested for f in fields)
        return "WARN" if downgraded else profile.policy(str(row["check"])).severity

    gates["severity"] = gates.apply(severity, axis=1) if not gates.empty else []
    gates["passed"] = [
        passes(c, int(f), int(n), profile)[0]
        for c, f, n in zip(gates["check"], gates["failures"], gates["rows_checked"], strict=True)
    ]
    return gates


def figures(folders: RunFolders, gates_dir: Path, profile: Profile) -> dict[str, float]:
    summary = pd.read_csv(folders.target / etl_files.LOAD_SUMMARY_FILE, keep_default_na=False)
    contract = read_contract(folders.mapping)
    gates = scored_gates(gates_dir, contract, profile)
    findings = all_findings(gates_dir)
    rejects = _all(folders.target, etl_files.REJECTS)
    severity_of = dict(zip(gates["target_table"] + "\x1f" + gates["check"], gates["severity"], strict=True))
    finding_severity = (findings["target_table"].astype(str) + "\x1f" + findings["check"].astype(str)).map(severity_of)
    blocked = gates.loc[~gates["passed"] & gates["severity"].eq("ERROR"), "target_table"].nunique()
    mandatory_unfilled = contract["mandatory_class"].eq("mandatory") & contract["mapping_class"].isin(UNFILLED)
    loading = set(summary.loc[summary["source_rows"].astype(int) > 0, "target_table"])
    expected = (summary["source_rows"].astype(int) - summary["filtered_rows"].astype(int)).sum()
    loaded = summary["loaded_rows"].astype(int).sum()
    unbalanced = summary["source_rows"].astype(int) - summary[["loaded_rows", "rejected_rows", "filtered_rows"]].astype(
        int
    ).sum(axis=1)
    pmi_path = etl_files.table_path(folders.target, etl_files.TABLES, "LOAD_PMI")
    pmi = (
        pd.read_parquet(pmi_path)
        if pmi_path.exists()
        else pd.DataFrame(columns=["NHS_NUMBER", "NHS_NUMBER_STATUS", "MAIN_CRN"])
    )
    duplicates = gates.loc[gates["check"].eq("no_duplicate_patients"), "failures"].astype(int).sum()
    target_rows = summary["target_rows"].astype(int)
    return {
        "error_findings": int(finding_severity.eq("ERROR").sum()),
        "warning_findings": int(finding_severity.eq("WARN").sum()),
        "unresolved_mandatory_fields": int((mandatory_unfilled & contract["target_table"].isin(loading)).sum())
        + _noted_mandatory(folders.target, contract, loading),
        "crosswalk_rejects": int(rejects["reason_code"].eq("unmapped_code").sum()) if not rejects.empty else 0,
        "population_ratio": round(float(loaded / expected), 4) if expected else 1.0,
        "conservation_failures": int(unbalanced.ne(0).sum()),
        # Verified means status 01 on a number that passes Modulus 11 (NHS Data Dictionary), not the status alone.
        "nhs_numbers_verified": verified_share(pmi),
        "duplicate_patients": int(duplicates),
        "patients_without_hospital_number": int(pmi["MAIN_CRN"].astype("string").fillna("").str.strip().eq("").sum()),
        "reconciliation_differences": int((target_rows - summary["loaded_rows"].astype(int)).abs().sum()),
        "blocked_tables": int(blocked),
        "failed_invariants": len(failed_invariants(gates)),
    }


def verified_share(pmi: pd.DataFrame) -> float:
    """Share of patients whose NHS number is verified: status 01 *and* a valid number (Modulus 11, not
    one digit repeated); status 01 on an invalid or missing number does not count."""
    if not len(pmi):
        return 0.0
    number = pmi["NHS_NUMBER"].astype("string").fillna("") if "NHS_NUMBER" in pmi else pd.Series("", index=pmi.index)
    # The gates' own Modulus 11, not the load's: a verdict must not share its beliefs with the transform.
    verified = pmi["NHS_NUMBER_STATUS"].astype(str).eq("01") & number.map(modulus_11_valid).astype(bool)
    return round(float(verified.mean()), 4)


def failed_invariants(gates: pd.DataFrame) -> list[str]:
    """Business invariants (gates/invariants) with an ERROR failing on some table under the scored profile."""
    invariant = gates["family"].isin(INVARIANT_FAMILIES) if "family" in gates.columns else gates["check"].eq("")
    failed = gates.loc[invariant & ~gates["passed"].astype(bool) & gates["severity"].eq("ERROR"), "check"]
    return sorted(set(failed))


def decide(folders: RunFolders, gates_dir: Path, profile: Profile, decisions_file: Path | None = None) -> dict:
    generation = require_one_generation(folders.extracts, folders.target, "release decision")
    values = figures(folders, gates_dir, profile)
    values.update({name: count(decisions_file) for name, count in REVIEWED_FIGURES.items() if name in profile.criteria})
    reports_dir = folders.target.parent / "reports"
    values.update(
        {name: read(reports_dir, profile.name) for name, read in REPORT_FIGURES.items() if name in profile.criteria}
    )
    gates = scored_gates(gates_dir, read_contract(folders.mapping), profile)
    criteria = []
    for name, (bound, threshold) in profile.criteria.items():
        figure = values[name]
        # A report that was not written cannot vouch for the run: its criterion fails.
        passed = figure is not None and (figure <= threshold if bound == "max" else figure >= threshold)
        criteria.append(
            {
                "criterion": name,
                "figure": "report missing" if figure is None else figure,
                "threshold": f"{'<=' if bound == 'max' else '>='} {_number(threshold)}",
                "result": "PASS" if passed else "FAIL",
            }
        )
    decision = "PASS" if all(c["result"] == "PASS" for c in criteria) else "FAIL"
    return {
        "profile": profile.name,
        "profile_file": str(profile.path),
        "decision": decision,
        "criteria": criteria,
        "failed_invariants": failed_invariants(gates),
        "blocked_tables": sorted(set(gates.loc[~gates["passed"] & gates["severity"].eq("ERROR"), "target_table"])),
        "generation": generation,
        **_explained_by_ledger(gates_dir),
    }


def _explained_by_ledger(gates_dir: Path) -> dict:
    """On synthetic extracts: how many rejected rows and failing invariant rows the defect ledger
    explains (faults of the data) and how many it does not (faults of the rules)."""
    explained = explanations.read_explanations(gates_dir)
    if explained is None:
        return {}
    missing = explanations.unexplained_counts(explained)
    return {
        "ledger_explanations": {
            "failures": len(explained),
            "explained": int(explained["explained"].astype(bool).sum()),
            "unexplained_rejects": missing["reject"],
            "unexplained_invariant_rows": missing["invariant"],
        }
    }


def decide_all(folders: RunFolders, gates_dir: Path, headline: str = DEFAULT_PROFILE) -> dict:
    """The decision under every release profile side by side; the headline is ``headline``'s, never a
    more lenient one's by default (``DEFAULT_PROFILE`` is pre_production)."""
    names = list(dict.fromkeys([*PROFILE_NAMES, headline]))
    by_profile = [decide(folders, gates_dir, load_profile(name)) for name in names]
    chosen = next(d for d in by_profile if d["profile"] == load_profile(headline).name)
    return {**chosen, "headline_profile": chosen["profile"], "profiles": by_profile}


def _noted_mandatory(target_dir: Path, contract: pd.DataFrame, tables: set[str]) -> int:
    """Mandatory fields a load left empty for every row by a table note (a link it could not make)."""
    mandatory = contract.loc[contract["mandatory_class"].eq("mandatory"), ["target_table", "target_field"]]
    wanted = set(zip(mandatory["target_table"], mandatory["target_field"], strict=True))
    return sum(len({(t, f) for f in noted_fields(target_dir, t)} & wanted) for t in tables)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def write_decision(gates_dir: Path, decision: dict) -> Path:
    path = gates_dir / DECISION_FILE
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(decision, indent=2) + "\n", encoding="utf-8")
    return path
