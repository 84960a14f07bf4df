"""Score the invariants' failing rows under a release profile and write them beside the other gates.

Findings keep the columns of every other findings file (``gates/invariant_findings.parquet``) and the
summary one row per invariant and target table (``gates/summary/business_invariants.csv``), so the
gate summary, the release decision, defect detection and the evidence pack read them like any check.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from qvh_migration.etl.key_registry import REGISTRY_FILE, read_registry
from qvh_migration.etl.pipeline import read_target_catalog
from qvh_migration.etl.source_rules import split_union_keys
from qvh_migration.gates.files import (
    FINDING_FILE_COLUMNS,
    INVARIANT_FINDINGS_FILE,
    SUMMARY,
    SUMMARY_COLUMNS,
    gate_path,
    refresh_gate_summary,
)
from qvh_migration.gates.invariants.declarations import Invariant, load_invariants
from qvh_migration.gates.invariants.evaluate import LOAD_SUMMARY, connect, evaluate
from qvh_migration.gates.invariants.source_facts import source_facts
from qvh_migration.gates.profiles import Profile
from qvh_migration.gates.table_gates import identifying_field, passes
from qvh_migration.io.artifacts import write_csv, write_parquet
from qvh_migration.io.masking import mask_values
from qvh_migration.io.run_folders import RunFolders

INVARIANTS = "business_invariants"
STAGING_FILE = "staging.duckdb"


def severity(invariant: Invariant, profile: Profile) -> str:
    """An invariant declared WARN only warns; otherwise the profile's policy for its family decides."""
    return "WARN" if invariant.severity == "WARN" else profile.policy(invariant.check).severity


def score(
    found: pd.DataFrame,
    checked: pd.DataFrame,
    invariants: list[Invariant],
    profile: Profile,
    registry: pd.DataFrame | None = None,
    source_tables: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(findings, summary) in the gates' file columns, scored under ``profile``."""
    by_check = {i.check: i for i in invariants}
    grain = _grain(registry)
    keys = pd.Series(
        [
            grain.get((t, int(n)), "") if pd.notna(n) else ""
            for t, n in zip(found["target_table"], found["record_number"], strict=True)
        ],
        dtype="string",
    )
    part_table, part_key = split_union_keys(keys)
    tables = source_tables or {}
    default_source = found["target_table"].map(lambda t: tables.get(t, "")).astype("string")
    identifying = found["field"].astype(str).map(identifying_field).astype(bool)
    values = found["value"].astype("string").fillna("")
    findings = pd.DataFrame(
        {
            "check": found["check"].astype("string"),
            "severity": [severity(by_check[c], profile) for c in found["check"]],
            "target_table": found["target_table"].astype("string"),
            "record_number": found["record_number"].astype("Int64"),
            "source_table": part_table.where(part_table.ne(""), default_source).to_numpy(),
            "source_key": part_key.to_numpy(),
            "field": found["field"].astype("string"),
            "value_masked": values.where(~identifying, mask_values(values)) if len(values) else values,
        },
        columns=list(FINDING_FILE_COLUMNS),
    )
    rows = []
    for row in checked.itertuples(index=False):
        invariant = by_check[row.check]
        passed, threshold = passes(row.check, int(row.failures), int(row.rows_checked), profile)
        rows.append(
            {"target_table": row.target_table, "check": row.check, "family": invariant.family,
             "rows_checked": int(row.rows_checked), "failures": int(row.failures),
             "severity": severity(invariant, profile), "threshold": threshold, "passed": passed}
        )  # fmt: skip
    return findings, pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def _grain(registry: pd.DataFrame | None) -> dict[tuple[str, int], str]:
    if registry is None or registry.empty:
        return {}
    numbers = registry["record_number"].astype("int64")
    return dict(zip(zip(registry["target_table"].astype(str), numbers, strict=True), registry["grain_key"],
                    strict=True))  # fmt: skip


def run_invariants(
    folders: RunFolders, gates_dir: Path, profile: Profile, source_tables: dict[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every invariant on the run's staging database; writes the findings and the summary."""
    staging = folders.target / STAGING_FILE
    staged = connect(staging if staging.exists() else None)
    summary_path = folders.target / "load_summary.csv"
    if summary_path.exists():
        load = pd.read_csv(summary_path, keep_default_na=False)
        load[["source_rows", "loaded_rows"]] = load[["source_rows", "loaded_rows"]].astype("int64")
        staged.add(LOAD_SUMMARY, load)
    registry = read_registry(folders.target / REGISTRY_FILE)
    for name, frame in source_facts(folders.extracts, registry).items():
        staged.add(name, frame)
    catalog, _ = read_target_catalog(folders.catalogs)
    invariants = load_invariants()
    try:
        found, checked = evaluate(staged, invariants, catalog)
    finally:
        staged.con.close()
    findings, summary = score(found, checked, invariants, profile, registry, source_tables)
    write_invariant_files(gates_dir, findings, summary)
    refresh_gate_summary(gates_dir)
    return findings, summary


def write_invariant_files(gates_dir: Path, findings: pd.DataFrame, summary: pd.DataFrame) -> dict[str, Path]:
    return {
        "findings": write_parquet(findings, gates_dir / INVARIANT_FINDINGS_FILE),
        "summary": write_csv(summary, gate_path(gates_dir, SUMMARY, INVARIANTS)),
    }
