"""Checks on the target catalog as plain functions; ``defs/specs.py`` wires them as asset checks."""

from __future__ import annotations

import pandas as pd

from qvh_migration.check_outcome import CheckOutcome
from qvh_migration.specs.target_links import unresolved_parents


def every_table_has_its_fields(fields: pd.DataFrame, tables: pd.DataFrame) -> CheckOutcome:
    """Every staging table has fields, as many as the guide's table list says."""
    counted = fields.groupby("table_name").size()
    listed = tables.set_index("table_name")["field_count"]
    mismatched = sorted(
        name
        for name in set(listed.index) | set(counted.index)
        if int(counted.get(name, 0)) == 0 or int(counted.get(name, 0)) != int(listed.get(name, -1))
    )
    return CheckOutcome(not mismatched, {"tables": len(listed), "mismatched": ", ".join(mismatched) or "none"})


def mandatory_classes_have_evidence(fields: pd.DataFrame) -> CheckOutcome:
    """Every mandatory or conditional field says why (phrase, key rule or override)."""
    decided = fields[fields["mandatory_class"] != "optional"]
    silent = decided[decided["mandatory_evidence"].str.strip() == ""]
    return CheckOutcome(silent.empty, {"decided_fields": len(decided), "without_evidence": len(silent)})


def parent_links_resolve(tables: pd.DataFrame) -> CheckOutcome:
    """Every parent link names a staging table the guide defines."""
    unknown = unresolved_parents(tables)
    return CheckOutcome(not unknown, {"unknown_parents": ", ".join(unknown) or "none"})


def target_catalog_checks(fields: pd.DataFrame, tables: pd.DataFrame) -> dict[str, CheckOutcome]:
    """All target catalog checks by check name."""
    return {
        "every_table_has_its_fields": every_table_has_its_fields(fields, tables),
        "mandatory_classes_have_evidence": mandatory_classes_have_evidence(fields),
        "parent_links_resolve": parent_links_resolve(tables),
    }
