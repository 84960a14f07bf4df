"""The evidence pack's facts: what a run read, which code and contract it ran, what it loaded, what
the gates found and what the reports say, gathered from the stage folders into one dict.

Pure functions over the folders: nothing here runs a stage. The same dict is written as
``evidence.json`` and rendered as ``index.html`` (``evidence_html.py``), so the page and the file
always state the same facts. A report file another stage did not produce is recorded as such, never
guessed at. Identifiers never reach the dict: row-level keys are masked and free text is scrubbed.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from qvh_migration.errors import MigrationInputError
from qvh_migration.etl.files import LOAD_SUMMARY_FILE
from qvh_migration.etl.load_order import FACTS_TABLES
from qvh_migration.extracts.files import MANIFEST_FILE
from qvh_migration.gates.files import GATE_SUMMARY_FILE
from qvh_migration.gates.release import DECISION_FILE
from qvh_migration.io.artifacts import content_sha256
from qvh_migration.io.run_folders import RunFolders
from qvh_migration.mapping.decisions import DECISIONS_FILE, load_decisions, open_decisions
from qvh_migration.mapping.files import CONTRACT_CSV
from qvh_migration.reports.evidence_pack import evidence_reports, evidence_trials
from qvh_migration.reports.evidence_pack.erd import layout
from qvh_migration.reports.evidence_pack.evidence_contract_changes import contract_changes_section
from qvh_migration.reports.evidence_pack.evidence_reports import NOT_PRODUCED, read_csv, records
from qvh_migration.settings import PACKAGE_DIR, PROJECT_ROOT, ProjectPaths, RequirementDocuments
from qvh_migration.specs.files import SUMMARY_FILE, TARGET_FIELDS_FILE, TARGET_TABLES_FILE

PACKAGE_NAME = "qvh-migration"
EVIDENCE_DIR = "evidence"
INDEX_FILE = "index.html"
EVIDENCE_FILE = "evidence.json"
MASKING_NOTICE = (
    "Patient identifiers (NHS numbers, hospital and internal patient numbers, names, postcodes, dates of "
    "birth) are masked throughout this pack: only the last two characters of a value are shown."
)
# The guide's committed facts: the diagram still draws when the run has no parsed catalog.
FACTS_DIR = PACKAGE_DIR / "specs" / "facts"
# Section ids in page order; the HTML and the JSON use the same ids.
SECTIONS = (
    "inputs",
    "version",
    "release",
    "decisions",
    "contract-changes",
    "tables",
    "rejects",
    "findings",
    "reconciliation",
    "waiting-lists",
    "trial",
    "scenarios",
    "deltas",
    "worklists",
    "trials",
    "erd",
)


def _missing(path: Path) -> dict[str, Any]:
    return {"produced": False, "note": NOT_PRODUCED, "file": path.name}


def _hash_entry(path: Path) -> dict[str, Any]:
    return {"file": path.name, "bytes": path.stat().st_size, "sha256": content_sha256(path)}


def inputs_section(folders: RunFolders, documents: RequirementDocuments | None) -> dict[str, Any]:
    """The requirement documents and the extracts the run read, each with its SHA-256."""
    summary_path = folders.catalogs / SUMMARY_FILE
    described = {}
    if summary_path.exists():
        described = json.loads(summary_path.read_text(encoding="utf-8")).get("documents", {})
    docs = []
    if documents is not None:
        for role, path in (
            ("source_dictionary", documents.source_dictionary),
            ("pc60_dictionary", documents.pc60_dictionary),
            ("target_guide", documents.target_guide),
        ):
            if path is None or not path.exists():
                docs.append({"role": role, "file": path.name if path else "(not available)", "sha256": None})
            else:
                docs.append({"role": role, **_hash_entry(path)})
    kind = described.get("documents") or (
        ("stand-ins" if documents.uses_standins else "real") if documents is not None else "unknown"
    )
    manifest_path = folders.extracts / MANIFEST_FILE
    if not manifest_path.exists():
        return {"produced": True, "documents_kind": kind, "documents": docs, "extracts": _missing(manifest_path)}
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise MigrationInputError(manifest_path, f"not valid JSON: {exc.msg}", where=f"line {exc.lineno}") from None
    rows = manifest.get("tables", {})
    extracts = []
    for name, recorded in sorted(manifest.get("files", {}).items()):
        path = folders.extracts / name
        actual = content_sha256(path) if path.exists() else None
        table = name.rsplit(".", 1)[0]
        extracts.append(
            {
                "file": name,
                "rows": rows.get(table, {}).get("rows"),
                "bytes": recorded.get("bytes"),
                "sha256": actual,
                "matches_manifest": actual is not None and actual == recorded.get("sha256"),
            }
        )
    return {
        "produced": True,
        "documents_kind": kind,
        "documents": docs,
        "extracts": {
            "produced": True,
            "manifest_sha256": content_sha256(manifest_path),
            "files": extracts,
            "total_rows": int(sum(e["rows"] or 0 for e in extracts)),
            "all_match_manifest": all(e["matches_manifest"] for e in extracts),
        },
    }


def git_commit(root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """The checkout's commit and whether it has uncommitted changes; None outside a git checkout."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "uncommitted_changes": None}
    return {"commit": head or None, "uncommitted_changes": bool(dirty)}


def version_section(folders: RunFolders, root: Path = PROJECT_ROOT) -> dict[str, Any]:
    try:
        version = metadata.version(PACKAGE_NAME)
    except metadata.PackageNotFoundError:
        version = None
    contract = folders.mapping / CONTRACT_CSV
    return {
        "produced": True,
        "package": PACKAGE_NAME,
        "package_version": version,
        **git_commit(root),
        "mapping_contract": _hash_entry(contract) if contract.exists() else _missing(contract),
    }


def _decision(folders: RunFolders) -> dict[str, Any] | None:
    path = folders.gates / DECISION_FILE
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise MigrationInputError(path, f"not valid JSON: {exc.msg}", where=f"line {exc.lineno}") from None


def release_section(folders: RunFolders) -> dict[str, Any]:
    """The headline decision (the named profile's) and the decision under every profile side by side."""
    decision = _decision(folders)
    if decision is None:
        return _missing(folders.gates / DECISION_FILE)
    by_profile = [
        {
            "profile": d.get("profile"),
            "decision": d.get("decision"),
            "failed_criteria": ", ".join(c["criterion"] for c in d.get("criteria", []) if c.get("result") == "FAIL")
            or "none",
            "failed_invariants": ", ".join(d.get("failed_invariants", [])) or "none",
            "blocked_tables": len(d.get("blocked_tables", [])),
        }
        for d in decision.get("profiles", [decision])
    ]
    return {
        "produced": True,
        "profile": decision.get("profile"),
        "decision": decision.get("decision"),
        "criteria": decision.get("criteria", []),
        "failed_invariants": decision.get("failed_invariants", []),
        "by_profile": by_profile,
    }


def decisions_section(path: Path | None = None) -> dict[str, Any]:
    """The decisions the trust or vendor must take (``mapping/decisions.yaml``): the open ones in full."""
    chosen = load_decisions(path)
    shown = ["id", "question", "options", "default", "evidence"]
    return {
        "produced": True,
        "file": str(path) if path is not None else f"qvh_migration/mapping/{DECISIONS_FILE.name}",
        "open": sum(d.is_open for d in chosen),
        "decided": sum(not d.is_open for d in chosen),
        "open_decisions": open_decisions(chosen)[shown].to_dict("records"),
    }


def _gate_summary(folders: RunFolders) -> pd.DataFrame | None:
    path = folders.gates / GATE_SUMMARY_FILE
    if not path.exists():
        return None
    gates = read_csv(path, ("target_table", "check", "family", "failures", "passed"))
    gates["failures"] = pd.to_numeric(gates["failures"], errors="coerce").fillna(0).astype(int)
    gates["passed"] = gates["passed"].str.lower().eq("true")
    return gates


def tables_section(folders: RunFolders, load_order: list[str] | None = None) -> dict[str, Any]:
    """Per target table, in load order: the load's four counts and how many of its gate checks passed or failed."""
    path = folders.target / LOAD_SUMMARY_FILE
    if not path.exists():
        return _missing(path)
    counts = ["source_rows", "loaded_rows", "rejected_rows", "filtered_rows"]
    load = read_csv(path, ("target_table", "source_table", *counts))
    for column in counts:
        load[column] = pd.to_numeric(load[column], errors="coerce").fillna(0).astype(int)
    if "note" not in load.columns:
        load["note"] = ""
    # A table loaded from a union of source tables has a summary row per source table: one row here.
    load = load.groupby("target_table", sort=False, as_index=False).agg(
        {
            "source_table": lambda s: ", ".join(str(t) for t in s if str(t)),
            "note": lambda s: "; ".join(str(t) for t in s if str(t)),
            **dict.fromkeys(counts, "sum"),
        }
    )
    gates = _gate_summary(folders)
    if gates is None:
        load["checks_passed"] = load["checks_failed"] = None
    else:
        per_table = gates.groupby("target_table")["passed"].agg(checks_passed="sum", checks=len)
        per_table["checks_failed"] = per_table["checks"] - per_table["checks_passed"]
        load = load.merge(per_table[["checks_passed", "checks_failed"]], on="target_table", how="left")
        load[["checks_passed", "checks_failed"]] = load[["checks_passed", "checks_failed"]].fillna(0).astype(int)
    decision = _decision(folders) or {}
    blocked = set(decision.get("blocked_tables", []))
    load["status"] = [_table_status(row, row["target_table"] in blocked) for row in load.to_dict("records")]
    if load_order:
        rank = {table: index for index, table in enumerate(load_order)}
        load = load.sort_values("target_table", key=lambda t: t.map(rank).fillna(len(rank)), kind="stable")
    columns = ["target_table", "source_table", *counts, "checks_passed", "checks_failed", "status"]
    return {
        "produced": True,
        "gate_summary": "produced" if gates is not None else NOT_PRODUCED,
        "status_profile": decision.get("profile"),
        "totals": {c: int(load[c].sum()) for c in counts},
        "rows": records(load[columns]),
    }


EXTRACT_MISSING = "not in the extracts"


def _table_status(row: dict, blocked: bool = False) -> str:
    """loaded, loaded with failures, blocked (an ERROR check fails under the headline profile), no rows:
    extract missing, or not migrated: <reason> (a deliberate exclusion)."""
    if row["source_rows"] == 0:
        note = str(row.get("note") or "")
        if EXTRACT_MISSING in note:
            return "no rows: extract missing"
        return f"not migrated: {note or 'no source rows'}"
    if blocked:
        return "blocked"
    conserved = row["source_rows"] == row["loaded_rows"] + row["rejected_rows"] + row["filtered_rows"]
    if row.get("checks_failed") or not conserved or row["loaded_rows"] == 0:
        return "loaded with failures"
    return "loaded"


def rejects_section(folders: RunFolders) -> dict[str, Any]:
    """Rejected rows by reason and by table; only counts leave the reject files (never values)."""
    files = sorted((folders.target / "rejects").glob("*.parquet"))
    if not files:
        return _missing(folders.target / "rejects")
    frames = []
    for path in files:
        names = pq.read_schema(path).names
        if "reason_code" not in names:
            raise MigrationInputError(path, "no reason_code column")
        frame = pd.read_parquet(path, columns=["reason_code"])
        frames.append(pd.DataFrame({"target_table": path.stem, "reason_code": frame["reason_code"].astype("string")}))
    rejects = pd.concat(frames, ignore_index=True).fillna({"reason_code": "(none)"})
    by_reason = rejects.groupby("reason_code").size().sort_values(ascending=False, kind="stable")
    by_table = rejects.groupby(["target_table", "reason_code"]).size().rename("rejected_rows").reset_index()
    return {
        "produced": True,
        "total": len(rejects),
        "by_reason": [{"reason_code": str(k), "rejected_rows": int(v)} for k, v in by_reason.items()],
        "by_table": records(by_table.sort_values(["target_table", "rejected_rows"], ascending=[True, False])),
    }


def findings_section(folders: RunFolders, top: int = 25) -> dict[str, Any]:
    """Gate findings by check (the check's name without its field, summed over tables) and failing checks."""
    gates = _gate_summary(folders)
    if gates is None:
        return _missing(folders.gates / GATE_SUMMARY_FILE)
    gates["check_name"] = gates["check"].str.split(":").str[0]
    by_check = gates.groupby("check_name")["failures"].sum()
    by_check = by_check[by_check > 0].sort_values(ascending=False, kind="stable")
    failing = gates.loc[~gates["passed"]].sort_values(["failures", "target_table"], ascending=[False, True])
    keep = [c for c in ("target_table", "check", "failures", "severity", "threshold") if c in failing.columns]
    return {
        "produced": True,
        "checks": len(gates),
        "checks_failed": int((~gates["passed"]).sum()),
        "findings": int(gates["failures"].sum()),
        "by_check": [{"check": str(k), "findings": int(v)} for k, v in by_check.items()],
        "failing_checks": records(failing[keep].head(top)),
        "failing_checks_not_listed": max(0, len(failing) - top),
    }


def erd_tables(folders: RunFolders) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The tables (with parent links) and fields the diagram draws, from the run's catalog when parsed."""
    tables_path, fields_path = folders.catalogs / TARGET_TABLES_FILE, folders.catalogs / TARGET_FIELDS_FILE
    if tables_path.exists() and fields_path.exists():
        return pd.read_parquet(tables_path), pd.read_parquet(fields_path), "catalogs/target_tables.parquet"
    tables = pd.read_csv(FACTS_TABLES, dtype=str, keep_default_na=False)
    fields = pd.read_csv(FACTS_DIR / "target_fields.csv", dtype=str, keep_default_na=False)
    fields["field_order"] = pd.to_numeric(fields["field_order"])
    return tables, fields, "the guide's committed facts (no parsed catalog in this run)"


def gather(paths: ProjectPaths, *, run_id: str | None = None, generated_at: datetime | None = None) -> dict[str, Any]:
    """Every fact of the pack; ``sections`` holds one entry per id of ``SECTIONS``, in page order."""
    folders = RunFolders.of(paths)
    tables, fields, erd_source = erd_tables(folders)
    diagram = layout(tables, fields)
    sections = {
        "inputs": inputs_section(folders, paths.documents if paths.spec_dir.exists() else None),
        "version": version_section(folders),
        "release": release_section(folders),
        "decisions": decisions_section(),
        "contract-changes": contract_changes_section(folders.mapping),
        "tables": tables_section(folders, [box.table for box in diagram.boxes.values()]),
        "rejects": rejects_section(folders),
        "findings": findings_section(folders),
        **evidence_reports.report_sections(folders.reports),
        **evidence_trials.sections(folders.reports),
        "erd": {
            "produced": True,
            "source": erd_source,
            "tables": len(diagram.boxes),
            "links": [{"child": e.child, "parent": e.parent, "columns": list(e.columns)} for e in diagram.edges],
        },
    }
    return {
        "title": "Migration evidence pack",
        "run_id": run_id,
        "generated_at": (generated_at or datetime.now(UTC)).isoformat(timespec="seconds"),
        "identifiers_masked": True,
        "masking_notice": MASKING_NOTICE,
        "sections": sections,
    }
