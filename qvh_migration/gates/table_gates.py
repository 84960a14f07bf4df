"""Gate one target table: run its generated schema and table rules, score them under the release
profile, and keep every failing row with its record number and source key.

The findings and summary are written by ``gates/files.py`` (``findings/<T>.parquet``,
``summary/<T>.csv``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from qvh_migration.etl import files as etl_files
from qvh_migration.etl.key_registry import REGISTRY_FILE, read_registry
from qvh_migration.etl.source_rules import split_union_keys
from qvh_migration.gates.files import FINDING_FILE_COLUMNS, SUMMARY_COLUMNS
from qvh_migration.gates.profiles import Profile
from qvh_migration.gates.schema import check_names, date_pairs, field_specs, run_schema, table_schema
from qvh_migration.gates.source_codes import source_code_checks, source_code_findings
from qvh_migration.gates.table_rules import applicable_rules, date_pair_rules, key_column, run_table_rules
from qvh_migration.io.masking import identifier_fields, is_identifier_column, mask_values


@dataclass
class TableGates:
    table: str
    findings: pd.DataFrame
    summary: pd.DataFrame

    @property
    def blocked(self) -> bool:
        failed = self.summary.loc[~self.summary["passed"].astype(bool)]
        return bool(failed["severity"].eq("ERROR").any())

    def families(self) -> dict[str, pd.DataFrame]:
        return {family: rows for family, rows in self.summary.groupby("family")}


# Target-side names of record identifiers the masking module's legacy patterns do not cover.
_TARGET_IDENTIFIERS = re.compile(r"ID_NUMBER|ADDITIONAL_ID|EXTERNAL_SYSTEM_ID|CRN", re.IGNORECASE)


def identifying_field(field: str) -> bool:
    return is_identifier_column(field) or bool(_TARGET_IDENTIFIERS.search(field))


def family(check: str) -> str:
    return check.split(":", 1)[0]


def record_keys(target_dir: Path, table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``record_number`` and ``source_key`` (the grain key, the ledger's row_key form) per table row."""
    key = key_column(frame)
    if key is not None:
        numbers = pd.to_numeric(frame[key], errors="coerce").astype("Int64").reset_index(drop=True)
    else:
        # Tables without a RECORD_NUMBER (the archives) keep the load's row order: the i-th loaded row
        # is the i-th 'loaded' outcome, whose record number the key registry assigned.
        outcomes = etl_files.published_outcomes(target_dir, table)
        loaded = outcomes.loc[outcomes["outcome"] == "loaded", "record_number"] if outcomes is not None else None
        numbers = pd.Series([] if loaded is None else loaded.to_numpy()[: len(frame)], dtype="Int64")
        numbers = numbers.reindex(range(len(frame)))
    registry_file = target_dir / REGISTRY_FILE
    registry = read_registry(registry_file, [table]) if registry_file.exists() else None
    grain = (
        pd.Series(registry["grain_key"].to_numpy(), index=registry["record_number"].astype("int64").to_numpy())
        if registry is not None
        else pd.Series(dtype="string")
    )
    keys = grain_keys_of(numbers, grain)
    # A union part's keys name their source table; the ledger's row_key is the rest.
    part_table, part_key = split_union_keys(keys.astype("string"))
    return pd.DataFrame({"record_number": numbers, "source_key": part_key, "source_table": part_table})


def grain_keys_of(numbers: pd.Series, grain: pd.Series) -> pd.Series:
    """The grain key of each record number ("" when unknown or missing), looked up in one vector
    step: a Python call per row took most of a large table's gates."""
    grain = grain[~grain.index.duplicated(keep="first")]
    known = numbers.notna().to_numpy()
    at = numbers.to_numpy(dtype="int64", na_value=0)
    positions = pd.Index(grain.index).get_indexer(at)
    positions[~known] = -1
    found = grain.to_numpy(dtype=object)[positions] if len(grain) else np.full(len(numbers), "", dtype=object)
    return pd.Series(np.where(positions >= 0, found, ""), index=numbers.index, dtype=object)


def severity_of(check: str, profile: Profile, suggested: set[str]) -> str:
    """The profile decides; a check on a field whose rule nobody has approved only warns (as in the ETL)."""
    severity = profile.policy(check).severity
    field = check.split(":", 1)[1] if ":" in check else ""
    return "WARN" if any(f in suggested for f in field.split(">")) else severity


def passes(check: str, failures: int, rows: int, profile: Profile) -> tuple[bool, str]:
    policy = profile.policy(check)
    if policy.max_failure_rate is not None:
        allowed = int(policy.max_failure_rate * rows)
        floor = f" (at least {policy.max_failures})" if policy.max_failures else ""
        return failures <= max(allowed, policy.max_failures), f"<= {policy.max_failure_rate:.1%} of rows{floor}"
    return failures <= policy.max_failures, f"<= {policy.max_failures} rows"


def gate_table(
    table: str,
    frame: pd.DataFrame,
    catalog: pd.DataFrame,
    contract: pd.DataFrame,
    profile: Profile,
    *,
    read_table,
    keys: pd.DataFrame | None = None,
    source_table: str = "",
    extracts_dir: Path | None = None,
    rule_frame: pd.DataFrame | None = None,
) -> TableGates:
    """Every generated check and table rule over one table, scored under ``profile``."""
    specs = field_specs(catalog, contract, table)
    # A table note ("... left empty") explains an empty mandatory field; it does not exempt it: every
    # row that loads without it fails the mandatory check.
    schema = table_schema(specs, table)
    data = frame.reset_index(drop=True)
    keys = keys if keys is not None else pd.DataFrame({"record_number": pd.Series(dtype="Int64"), "source_key": ""})
    # Table rules may see the legacy times (rule_frame); the schema checks the target's values as loaded.
    timed = data if rule_frame is None else rule_frame.reset_index(drop=True)
    parts = [
        run_schema(schema, data),
        run_table_rules(table, timed, read_table),
        *date_pair_rules(timed, date_pairs(specs)),
    ]
    checks = check_names(schema) + applicable_rules(table, list(data.columns))
    if extracts_dir is not None:
        parts.append(source_code_findings(contract, table, source_table, keys["source_key"], extracts_dir))
        checks += source_code_checks(contract, table, source_table)
    parts = [p for p in parts if not p.empty]
    found = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["check", "row", "field", "value"])
    found = found.drop_duplicates(["check", "row", "field"], keep="first")
    rules = contract.loc[contract["target_table"] == table]
    suggested = set(rules.loc[rules["status"] != "approved", "target_field"])
    rows = pd.to_numeric(found["row"], errors="coerce")
    record = keys["record_number"].reindex(rows).to_numpy() if len(found) else []
    source = keys["source_key"].reindex(rows).fillna("").to_numpy() if len(found) else []
    # A union table's row names its own source table (record_keys); others the table's one.
    row_tables = keys["source_table"] if "source_table" in keys.columns else pd.Series(dtype="string")
    tables = row_tables.reindex(rows).fillna("").replace("", source_table).to_numpy() if len(found) else []
    derived = identifier_fields(rules)
    identifying = found["field"].map(lambda f: identifying_field(str(f)) or str(f) in derived).astype(bool)
    masked = found["value"].astype("string").fillna("")
    findings = pd.DataFrame(
        {
            "check": found["check"].astype("string"),
            "severity": [severity_of(c, profile, suggested) for c in found["check"]],
            "target_table": table,
            "record_number": pd.array(record, dtype="Int64"),
            "source_table": pd.array(tables, dtype="string") if len(found) else source_table,
            "source_key": pd.array(source, dtype="string"),
            "field": found["field"].astype("string"),
            "value_masked": masked.where(~identifying, mask_values(masked)) if len(masked) else masked,
        },
        columns=list(FINDING_FILE_COLUMNS),
    )
    failures = found.drop_duplicates(["check", "row"]).groupby("check").size()
    summary_rows = []
    for check in dict.fromkeys(checks):
        count = int(failures.get(check, 0))
        passed, threshold = passes(check, count, len(data), profile)
        summary_rows.append(
            {
                "target_table": table,
                "check": check,
                "family": family(check),
                "rows_checked": len(data),
                "failures": count,
                "severity": severity_of(check, profile, suggested),
                "threshold": threshold,
                "passed": passed,
            }
        )
    summary = pd.DataFrame(summary_rows, columns=list(SUMMARY_COLUMNS))
    return TableGates(table, findings, summary)


def noted_fields(target_dir: Path, table: str) -> set[str]:
    """Fields the load named in a table note ("FIELD: ... left empty")."""
    path = etl_files.table_path(target_dir, etl_files.WARNINGS, table)
    if not path.exists():
        return set()
    warnings = pd.read_parquet(path)
    notes = warnings.loc[warnings["reason_code"] == "table_note", "message"].astype(str)
    return {n.split(":", 1)[0].strip() for n in notes if "left empty" in n}


def read_loaded(target_dir: Path):
    def read(table: str) -> pd.DataFrame | None:
        path = etl_files.table_path(target_dir, etl_files.TABLES, table)
        return pd.read_parquet(path) if path.exists() else None

    return read
