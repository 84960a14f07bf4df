"""Cross-table integrity: every parent link of every loaded table resolves to a loaded parent row.

Runs after the partitions it reads (its own asset): a link is a ``*_RECORD_NUMBER`` field the
contract derives from a parent table (``parent_table``); an empty link is the mandatory check's
business, a link to a record number the parent did not load is a finding here.
"""

from __future__ import annotations

import pandas as pd

from qvh_migration.gates.files import FINDING_FILE_COLUMNS, SUMMARY_COLUMNS
from qvh_migration.gates.profiles import Profile
from qvh_migration.gates.table_gates import passes
from qvh_migration.gates.table_rules import key_column

CHECK = "parent_link"


def parent_links(contract: pd.DataFrame) -> pd.DataFrame:
    links = contract.loc[contract["parent_table"].astype(str).ne(""), ["target_table", "target_field", "parent_table"]]
    return links.reset_index(drop=True)


def cross_table_integrity(
    contract: pd.DataFrame, read_table, record_keys, source_tables: dict[str, str], profile: Profile
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(findings, summary) over every parent link of the contract."""
    found, summary = [], []
    for link in parent_links(contract).itertuples(index=False):
        child, parent = read_table(link.target_table), read_table(link.parent_table)
        if child is None or child.empty or link.target_field not in child.columns:
            continue
        check = f"{CHECK}:{link.target_field}"
        values = pd.to_numeric(child[link.target_field], errors="coerce").astype("Int64").reset_index(drop=True)
        key = key_column(parent) if parent is not None else None
        loaded = set() if key is None else set(pd.to_numeric(parent[key], errors="coerce").dropna().astype("int64"))
        dangling = values.notna() & ~values.isin(loaded)
        rows = values.index[dangling.to_numpy()]
        keys = record_keys(link.target_table, child)
        policy = profile.policy(check)
        found.append(
            pd.DataFrame(
                {
                    "check": check,
                    "severity": policy.severity,
                    "target_table": link.target_table,
                    "record_number": keys["record_number"].reindex(rows).to_numpy(),
                    "source_table": source_tables.get(link.target_table, ""),
                    "source_key": keys["source_key"].reindex(rows).fillna("").to_numpy(),
                    "field": link.target_field,
                    "value_masked": values.reindex(rows).astype("string").to_numpy(),
                },
                columns=list(FINDING_FILE_COLUMNS),
            )
        )
        passed, threshold = passes(check, len(rows), len(child), profile)
        summary.append(
            {
                "target_table": link.target_table,
                "check": check,
                "family": CHECK,
                "rows_checked": len(child),
                "failures": len(rows),
                "severity": policy.severity,
                "threshold": threshold,
                "passed": passed,
            }
        )
    findings = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=list(FINDING_FILE_COLUMNS))
    return findings, pd.DataFrame(summary, columns=list(SUMMARY_COLUMNS))
