"""How one contract row is executed, read off the row alone: the field's kind, engine and the issues it can raise.

The classification follows ``fields.evaluate`` branch for branch, so a field's plan says what the
executor does with it: an empty NOT_MIGRATED or UNRESOLVED field, a DEFAULT constant, a GENERATED
load key, a parent link, then by the transform's kind (join: lookup, aggregate, ranked: ranked slot)
and, for a value-by-value rule, crosswalk before transform, a column of another table read through
the shared keys (a lookup), a transform, or the column as it is (a DIRECT date is reformatted).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from qvh_migration.etl import sql_forms
from qvh_migration.etl.fields import DATE_TRANSFORMS
from qvh_migration.etl.validation import UNFILLED
from qvh_migration.mapping.transforms import TRANSFORMS
from qvh_migration.mapping.transforms_coding import CODE_SHAPES
from qvh_migration.mapping.transforms_identity import INVALID_INPUT_WARNINGS

FIELD_KINDS = (
    "direct",
    "crosswalk",
    "transform",
    "lookup",
    "aggregate",
    "ranked_slot",
    "parent_link",
    "default",
    "generated",
    "not_migrated",
)
ENGINES = ("duckdb", "pandas")
_TRANSFORM_KINDS = {"join": "lookup", "aggregate": "aggregate", "ranked": "ranked_slot"}


@dataclass(frozen=True)
class FieldPlan:
    """One target field as the executor fills it; ``engine`` is duckdb only where ``sql`` holds its value."""

    target_field: str
    kind: str
    engine: str
    mapping_class: str
    source_fields: tuple[str, ...] = ()
    transform: str = ""
    crosswalk: str = ""  # ';'-joined per source field where a transform reasons on several code sets
    code_type: str = ""
    default_value: str = ""
    generator: str = ""
    parent_table: str = ""
    data_type: str = ""
    length: int | None = None
    mandatory: bool = False
    approved: bool = True  # an unapproved rule's rejects are downgraded to warnings
    issues: tuple[str, ...] = ()  # reason codes the field can raise
    sql: str = ""  # the DuckDB expression of the value, over the source table's columns
    # The field reads another table's last matching row (sources.align_last): a DuckDB query in that engine.
    reads_last_row: bool = False

    @property
    def lookup_tables(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.split(".", 1)[0] for s in self.source_fields))


def _text(rule: Mapping, column: str) -> str:
    value = rule.get(column, "")
    return "" if value is None or str(value) == "nan" else str(value).strip()


def _length(rule: Mapping) -> int | None:
    try:
        return int(float(_text(rule, "length")))
    except ValueError:
        return None


def classify(rule: Mapping, source_table: str | None, grain: tuple[str, ...], system_code: str = "") -> FieldPlan:
    """The plan of one contract row (a row of ``executor.table_rules`` or ``union.part_rules``) for rows of
    ``source_table``: no extract data is read."""
    mapping_class = _text(rule, "mapping_class")
    sources = tuple(s for s in _text(rule, "source_fields").split(";") if s)
    transform, crosswalk = _text(rule, "transform"), _text(rule, "crosswalk")
    kind, sql = _kind_and_sql(rule, mapping_class, sources, transform, crosswalk, source_table, grain, system_code)
    plan = FieldPlan(
        target_field=_text(rule, "target_field"),
        kind=kind,
        engine="duckdb" if sql else "pandas",
        mapping_class=mapping_class,
        source_fields=sources,
        transform=transform,
        crosswalk=crosswalk,
        code_type=_text(rule, "code_type"),
        default_value=_text(rule, "default_value"),
        generator=_text(rule, "generator"),
        parent_table=_text(rule, "parent_table"),
        data_type=_text(rule, "data_type"),
        length=_length(rule),
        mandatory=_text(rule, "mandatory_class") == "mandatory",
        approved=_text(rule, "status") in ("approved", ""),
        sql=sql,
        reads_last_row=_reads_last_row(kind, sources, transform, source_table),
    )
    return replace(plan, issues=field_issues(plan))


# Transforms of kind join whose value is the looked-up table's last matching row.
_LAST_ROW_JOINS = ("lookup_by_key", "tracking_time_")


def _reads_last_row(kind: str, sources: tuple[str, ...], transform: str, source_table: str | None) -> bool:
    if kind in ("not_migrated", "default", "generated", "parent_link", "aggregate", "ranked_slot"):
        return False
    if transform in TRANSFORMS and TRANSFORMS[transform].kind == "join":
        return transform.startswith(_LAST_ROW_JOINS)
    return any(s.split(".", 1)[0] != source_table for s in sources)


def _kind_and_sql(
    rule: Mapping,
    mapping_class: str,
    sources: tuple[str, ...],
    transform: str,
    crosswalk: str,
    source_table: str | None,
    grain: tuple[str, ...],
    system_code: str,
) -> tuple[str, str]:
    if mapping_class in UNFILLED:
        return "not_migrated", sql_forms.NULL_SQL
    if mapping_class == "DEFAULT":
        return "default", sql_forms.quote_literal(_text(rule, "default_value"))
    if mapping_class == "GENERATED":
        return "generated", _generated_sql(_text(rule, "generator"), sources, grain, system_code)
    if _text(rule, "parent_table"):
        return "parent_link", ""
    transform_kind = TRANSFORMS[transform].kind if transform in TRANSFORMS else "row"
    if transform and transform not in TRANSFORMS:
        return "transform", ""  # not registered: nothing to translate into SQL, the executor decides
    if transform_kind != "row":
        return _TRANSFORM_KINDS[transform_kind], ""
    elsewhere = any(s.split(".", 1)[0] != source_table for s in sources)
    kind = "crosswalk" if crosswalk else "lookup" if elsewhere else "transform" if transform else "direct"
    if crosswalk or elsewhere:
        return kind, ""  # a crosswalk or a read through shared keys runs in pandas
    columns = [s.split(".", 1)[1] for s in sources]
    if not columns:
        return kind, sql_forms.NULL_SQL
    if transform:
        return kind, sql_forms.transform_sql(transform, columns) or ""
    template = sql_forms.DIRECT_DATE_SQL if _text(rule, "data_type") == "DATE" else sql_forms.DIRECT_SQL
    return kind, sql_forms.render(template, columns[:1])


def _generated_sql(generator: str, sources: tuple[str, ...], grain: tuple[str, ...], system_code: str) -> str:
    if generator == "system_code" and system_code:
        return sql_forms.quote_literal(system_code)
    if generator == "source_key":
        columns = [s.split(".", 1)[1] for s in sources] or list(grain)
        return sql_forms.source_key_sql(columns) if columns else ""
    return ""  # sequence: the key registry's record numbers


def field_issues(plan: FieldPlan) -> tuple[str, ...]:
    """Reason codes the executor can raise for the field (fields.py, coding.py, parent_links.py, validation.py)."""
    codes: list[str] = []
    transform = plan.transform
    if plan.kind == "parent_link":
        codes += ["orphan_parent", "parent_rejected", "parent_filtered"]
    elif plan.kind == "ranked_slot":
        codes.append("invalid_code_shape")
    elif plan.kind == "lookup" and transform in TRANSFORMS and TRANSFORMS[transform].kind == "join":
        if transform == "death_datetime":
            codes.append("malformed_date")
        elif transform == "lookup_by_key":
            codes.append("lookup_not_found")
            codes += _crosswalk_issues(plan)
            codes += ["malformed_date"] if plan.data_type == "DATE" else []
    elif plan.kind in ("direct", "crosswalk", "transform", "lookup"):
        codes += _crosswalk_issues(plan)
        if transform.startswith(DATE_TRANSFORMS) or (plan.data_type == "DATE" and not transform and not plan.crosswalk):
            codes.append("malformed_date")
        if transform in INVALID_INPUT_WARNINGS:
            codes.append(INVALID_INPUT_WARNINGS[transform][0])
        if transform in CODE_SHAPES:
            codes.append("invalid_code_shape")
    if plan.data_type == "DATE":
        codes.append("bad_date_format")
    elif plan.length is not None and plan.data_type != "NUMBER":
        codes.append("over_length")
    if plan.data_type == "NUMBER":
        codes.append("not_a_number")
    if plan.mandatory and plan.mapping_class not in UNFILLED:
        codes.append("missing_mandatory")
    return tuple(dict.fromkeys(codes))


def _crosswalk_issues(plan: FieldPlan) -> list[str]:
    if not any(plan.crosswalk.split(";")):
        return []
    not_known = plan.mapping_class == "CROSSWALK" and plan.default_value
    return ["unmapped_code_not_known" if not_known else "unmapped_code", "no_national_code"]
