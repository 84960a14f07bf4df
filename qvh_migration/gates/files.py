"""Files of the gates stage under the gates folder: their names, and each reader beside its writer.

``findings/<T>.parquet`` (every failing row of a table), ``summary/<T>.csv`` (one row per check of the
table; ``summary/cross_table.csv`` for the checks across tables), ``gate_summary.csv`` (all of them),
``cross_table_findings.parquet``, ``invariant_findings.parquet``, the detection counts, the failure
explanations and the release decision.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from qvh_migration.io.artifacts import write_csv, write_parquet

if TYPE_CHECKING:
    from qvh_migration.gates.table_gates import TableGates

FINDINGS, SUMMARY = "findings", "summary"
GATE_SUMMARY_FILE = "gate_summary.csv"
CROSS_TABLE = "cross_table"
CROSS_FINDINGS_FILE = "cross_table_findings.parquet"
INVARIANT_FINDINGS_FILE = "invariant_findings.parquet"
DETECTION_FILE = "defect_detection.csv"
DETECTION_DETAIL_FILE = "defect_detection_detail.parquet"
EXPLANATIONS_FILE = "failure_explanations.parquet"
DECISION_FILE = "release_decision.json"
FINDING_FILE_COLUMNS = (
    "check",
    "severity",
    "target_table",
    "record_number",
    "source_table",
    "source_key",
    "field",
    "value_masked",
)
SUMMARY_COLUMNS = ("target_table", "check", "family", "rows_checked", "failures", "severity", "threshold", "passed")


def gate_path(gates_dir: Path, kind: str, table: str) -> Path:
    return gates_dir / kind / f"{table}{'.csv' if kind == SUMMARY else '.parquet'}"


def write_table_gates(gates_dir: Path, result: TableGates) -> dict[str, Path]:
    paths = {
        FINDINGS: write_parquet(result.findings, gate_path(gates_dir, FINDINGS, result.table)),
        SUMMARY: write_csv(result.summary, gate_path(gates_dir, SUMMARY, result.table)),
    }
    paths["gate_summary"] = refresh_gate_summary(gates_dir)
    return paths


def refresh_gate_summary(gates_dir: Path) -> Path:
    files = sorted((gates_dir / SUMMARY).glob("*.csv"))
    frames = [pd.read_csv(f, keep_default_na=False) for f in files]
    combined = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    return write_csv(combined, gates_dir / GATE_SUMMARY_FILE)


def all_findings(gates_dir: Path) -> pd.DataFrame:
    files = sorted((gates_dir / FINDINGS).glob("*.parquet"))
    for extra in (CROSS_FINDINGS_FILE, INVARIANT_FINDINGS_FILE):
        if (gates_dir / extra).exists():
            files.append(gates_dir / extra)
    frames = [pd.read_parquet(f) for f in files]
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(FINDING_FILE_COLUMNS))
