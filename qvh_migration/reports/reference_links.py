"""The reference evaluator's links: to a parent staging table, and to the patient in LOAD_PMI.

Part of ``ReferenceContract`` (``reference_contract.py``), written one row at a time and on purpose not
through the ETL's code (``etl/parent_links.py``, ``etl/patient_link.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from qvh_migration.reports.reference_sources import PATIENT, Row
from qvh_migration.reports.reference_transforms import Value


@dataclass
class Issue:
    field: str
    code: str
    action: str  # reject | warn | filter
    message: str = ""


def split(qualified: str) -> tuple[str, str]:
    table, column = qualified.split(".", 1)
    return table, column


def blank(value: Value) -> bool:
    return value is None or value.strip() == ""


class ReferenceLinks:
    """Parent and patient links of ``ReferenceContract`` (its attributes: rules, spec, registry,
    parent_outcomes, row_sources, sources)."""

    def patient_loaded(self, table: str, row: Row) -> list[Issue]:
        """A row naming its patient by hospital number "as loaded into LOAD_PMI" (MAIN_CRN, or CRN in the
        archives) is rejected when that patient's LOAD_PMI row did not load; a table linked to LOAD_PMI
        by record number is judged by that link instead."""
        rules = self.rules(table)
        if table == "LOAD_PMI" or any(r["parent_table"] == "LOAD_PMI" for r in rules):
            return []
        named = [r["target_field"] for r in rules if r["target_field"] in ("MAIN_CRN", "CRN")]
        outcomes = self.parent_outcomes("LOAD_PMI")
        if not named or outcomes is None or PATIENT not in row:
            return []
        number = self.registry.get("LOAD_PMI", {}).get(f"{PATIENT}={row.get(PATIENT) or ''}")
        state = outcomes.get(number, ("", ""))[0] if number is not None else ""
        return [] if state == "loaded" else [Issue(named[0], "patient_not_loaded", "reject")]

    def parent_link(self, rule: dict[str, str], table: str, row: Row) -> tuple[Value, str, list[Issue]]:
        """The parent's record number, found by the parent's key columns the row carries."""
        name, parent = rule["target_field"], rule["parent_table"]
        spec = self.row_sources.tables.get(parent)
        own = str(self.spec(table).source_table)
        listed = [split(s) for s in rule["source_fields"].split(";") if s]
        if spec is None or not spec.loads_rows or not self.sources.has(str(spec.source_table)):
            return None, "", [Issue(name, "table_note", "empty")]
        if any(t != own and not self.sources.has(t) for t, _ in listed):
            return None, "", [Issue(name, "table_note", "empty")]
        own_columns = [c for t, c in listed if t == own]
        on = [c for c in spec.grain if c in row and (not own_columns or c in own_columns or c == PATIENT)]
        if not on or (on == [PATIENT] and list(spec.grain) != on):
            return None, "", [Issue(name, "table_note", "empty")]  # the patient alone names no parent row
        shown = "; ".join(f"{c}={row.get(c) or ''}" for c in on)
        match = self.parent_row(parent, spec, on, row)
        mandatory = rule["mandatory_class"] == "mandatory"
        if match is None:
            no_key = all(blank(row.get(c)) for c in on) or any(blank(row.get(c)) for c in own_columns if c not in on)
            return None, shown, [] if no_key else [Issue(name, "orphan_parent", "reject" if mandatory else "warn")]
        number, reason = match
        if reason:
            message = f"parent {parent} not loaded: {reason}"
            return str(number), shown, [Issue(name, "parent_filtered", "filter" if mandatory else "warn", message)]
        state, why = (self.parent_outcomes(parent) or {}).get(number, ("", ""))
        if state == "rejected":  # the link is left empty: it would dangle
            return None, shown, [Issue(name, "parent_rejected", "reject" if mandatory else "warn")]
        if state == "filtered":
            message = f"parent {parent} not loaded: {why}"
            return str(number), shown, [Issue(name, "parent_filtered", "filter" if mandatory else "warn", message)]
        return (None if number is None else str(number)), shown, []

    def parent_row(self, parent: str, spec, on: list[str], row: Row) -> tuple[int | None, str] | None:
        """The first parent row (first of its grain) whose ``on`` columns equal the row's."""
        seen: set[str] = set()
        for candidate in self.sources.prepared(spec):
            if candidate.grain_key in seen:
                continue
            seen.add(candidate.grain_key)
            if all(candidate.row.get(c) == row.get(c) for c in on):
                return self.registry.get(parent, {}).get(candidate.grain_key), candidate.filter_reason
        return None
