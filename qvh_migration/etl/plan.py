"""A table's plan: what the executor will do to load one target table, decided without reading any data.

``build_table_plan`` turns the table's mapping-contract rows, its row source (``row_sources.yaml``)
and, where given, the source catalog's columns into a small description: the source table (or the
parts of a union, each with the contract rows as that part executes them), the grain, the row
filters with their reasons, the parent links, the checks that can reject or warn a row, and one
``FieldPlan`` per contract row (``plan_fields.py``) saying how the field is filled and which engine
runs it. An engine executes a plan; ``qvh-migration plan TABLE`` prints it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from qvh_migration.etl.patient_link import REASON as PATIENT_REASON
from qvh_migration.etl.patient_link import patient_field
from qvh_migration.etl.plan_fields import FieldPlan, classify
from qvh_migration.etl.row_checks import PAIRED_FIELDS, date_pairs
from qvh_migration.etl.row_sources import RowSource, RowSources, RowSourceUnion
from qvh_migration.etl.source_keys import DELETE_FLAG_VALUES, DUPLICATE_KEY_REASON
from qvh_migration.etl.source_rules import MERGED_TABLE, PATIENT_KEY
from qvh_migration.etl.union import part_rules

__all__ = ["FieldPlan", "FilterPlan", "IssueRule", "ParentLink", "PartPlan", "TablePlan", "build_table_plan"]


@dataclass(frozen=True)
class FilterPlan:
    """Rows failing the test are filtered with ``reason`` (row_sources.yaml, or a rule every table honours)."""

    column: str
    # in, not_blank, before, on_or_after; "flag" for a logical-delete flag, "merged" for a retired
    # patient, "fold" for rows folded into another row of the same record
    test: str
    value: str
    reason: str


@dataclass(frozen=True)
class ParentLink:
    target_field: str
    parent_table: str
    source_fields: tuple[str, ...]
    mandatory: bool


@dataclass(frozen=True)
class IssueRule:
    """A check across a row's fields (or of its key) that rejects or warns the row."""

    reason_code: str
    action: str
    fields: tuple[str, ...]
    rationale: str


@dataclass(frozen=True)
class PartPlan:
    """Rows from one source table: the table's only source, or one part of a union."""

    source_table: str
    grain: tuple[str, ...]
    filters: tuple[FilterPlan, ...]
    fields: tuple[FieldPlan, ...]
    rationale: str = ""
    overridden: tuple[str, ...] = ()  # a union part's fields filled otherwise than the contract says
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TablePlan:
    target_table: str
    parts: tuple[PartPlan, ...]  # none when the table loads no rows
    fields: tuple[FieldPlan, ...]  # the first part's (or, loading no rows, the contract's) fields
    parent_links: tuple[ParentLink, ...]
    issue_rules: tuple[IssueRule, ...]
    rationale: str = ""

    @property
    def loads_rows(self) -> bool:
        return bool(self.parts)

    @property
    def is_union(self) -> bool:
        return len(self.parts) > 1

    def engine_counts(self) -> dict[str, int]:
        """Fields per engine over every part (a union executes each part's fields)."""
        fields = [f for p in self.parts for f in p.fields] if self.parts else list(self.fields)
        counts = Counter(f.engine for f in fields)
        return {engine: counts.get(engine, 0) for engine in ("duckdb", "pandas")}


def contract_rows(contract: pd.DataFrame, target_table: str) -> pd.DataFrame:
    """One table's contract rows in field order, as ``executor.table_rules`` gives them to the executor."""
    rules = contract.loc[contract["target_table"] == target_table].copy()
    rules["field_order"] = pd.to_numeric(rules["field_order"])
    return rules.sort_values("field_order", kind="stable").reset_index(drop=True)


def build_table_plan(
    target_table: str,
    contract: pd.DataFrame,
    row_sources: RowSources,
    catalog_columns: Mapping[str, set[str]] | None = None,
) -> TablePlan:
    """The plan of ``target_table`` from the contract (every table's rows, or this table's) and the row
    sources; ``catalog_columns`` (source table -> columns) names the delete flags each source table has.
    Raises ``KeyError`` for a table the row sources do not know and ``CurationError`` for a union part
    whose field overrides do not fit the contract (as the executor would)."""
    spec = row_sources[target_table]
    rules = contract_rows(contract, target_table)
    system_code = row_sources.system_code
    parts = []
    for part in row_sources.parts(target_table):
        if isinstance(spec, RowSourceUnion):
            executed = part_rules(rules, spec, part, row_sources.path, catalog_columns)
        else:
            executed = rules
        parts.append(_part_plan(part, executed, system_code, catalog_columns))
    if parts:
        fields = parts[0].fields
    else:
        fields = tuple(classify(r, _own_table(r), (), system_code) for r in rules.to_dict("records"))
    return TablePlan(
        target_table,
        tuple(parts),
        fields,
        _parent_links([f for p in parts for f in p.fields] or list(fields)),
        _issue_rules(target_table, rules, fields, bool(parts)),
        spec.rationale,
    )


def _own_table(rule: Mapping) -> str | None:
    return str(rule.get("source_table") or "") or None


def _part_plan(
    part: RowSource, rules: pd.DataFrame, system_code: str, catalog_columns: Mapping[str, set[str]] | None
) -> PartPlan:
    source = str(part.source_table)
    fields = tuple(classify(r, source, part.grain, system_code) for r in rules.to_dict("records"))
    filters = (
        *_implicit_filters(source, catalog_columns),
        *(_filter(f) for f in part.filters),
        # A fold filters the rows it folds into another row of the same record (row_folds.py).
        *(FilterPlan(f.column, "fold", ",".join(f.fold), f.reason) for f in part.folds),
    )
    overridden = tuple(o.target_field for o in part.fields)
    notes = _source_rule_notes(source, catalog_columns)
    return PartPlan(source, part.grain, filters, fields, part.rationale, overridden, notes)


def _filter(row_filter) -> FilterPlan:
    value = row_filter.value
    text = ", ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)
    return FilterPlan(row_filter.column, row_filter.test, text, row_filter.reason)


def _implicit_filters(source: str, catalog_columns: Mapping[str, set[str]] | None) -> list[FilterPlan]:
    """The rules every table honours (source_rules.prepare_rows): logical deletes, retired patients."""
    columns = (catalog_columns or {}).get(source)
    out = []
    for column, (_live, deleted) in DELETE_FLAG_VALUES.items():
        if columns is None or column in columns:
            where = "" if columns is not None else " (where the extract has the column)"
            out.append(FilterPlan(column, "flag", deleted, f"logically deleted ({column}={deleted}){where}"))
    if source == "PATDATA":
        reason = "merged patient: retired record, its activity moved to the survivor"
        out.append(FilterPlan(PATIENT_KEY, "merged", "MERGEDID.OldID", reason))
    return out


def _parent_links(fields: list[FieldPlan]) -> tuple[ParentLink, ...]:
    """Every part's links (a union part links through its own columns), each once."""
    links = (ParentLink(f.target_field, f.parent_table, f.source_fields, f.mandatory) for f in fields)
    return tuple(dict.fromkeys(link for link, f in zip(links, fields, strict=True) if f.kind == "parent_link"))


def _issue_rules(target_table: str, rules: pd.DataFrame, fields: tuple[FieldPlan, ...], loads: bool) -> tuple:
    """The row checks of executor._load_source beyond each field's own (duplicates, date order, links)."""
    names = {f.target_field for f in fields}
    out = []
    if loads:
        why = "two extract rows with one legacy key: which is right cannot be told, neither is loaded"
        out.append(IssueRule(DUPLICATE_KEY_REASON, "reject", (), why))
    crn = patient_field(target_table, rules)
    if crn:
        why = "the patient named by hospital number must be loaded into LOAD_PMI"
        out.append(IssueRule(PATIENT_REASON, "reject", (crn,), why))
    for pair in date_pairs():
        if pair.table == target_table and {pair.start, pair.end} <= names:
            out.append(IssueRule("end_before_start", "reject", (pair.start, pair.end), pair.rationale))
    for action, link in PAIRED_FIELDS.items():
        if {action, link} <= names:
            why = f"{action} needs the period it acts on ({link}): cleared and warned without it"
            out.append(IssueRule("action_without_period", "warn", (action, link), why))
    suggested = tuple(f.target_field for f in fields if not f.approved)
    if suggested:
        why = "rules nobody has approved never reject a row: their rejects are warnings"
        out.append(IssueRule("suggested_rule", "warn", suggested, why))
    return tuple(out)


def _source_rule_notes(source: str, catalog_columns: Mapping[str, set[str]] | None) -> tuple[str, ...]:
    """What the source rules do to a part's rows besides filtering them (source_rules.py)."""
    if source == MERGED_TABLE:
        return ("a row belongs to the surviving patient and carries the retired record's hospital number",)
    columns = (catalog_columns or {}).get(source)
    if source != "PATDATA" and (columns is None or PATIENT_KEY in columns):
        where = "" if columns is not None else " (where the extract has InternalPatientNumber)"
        return (f"rows of a retired (merged) patient move to the surviving patient{where}",)
    return ()
