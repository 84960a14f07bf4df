"""Column contract of the mapping contract and its classes, declared once.

The contract builder, the curated-rules loader, the workbook export, and the stages that execute
the contract (ETL, gates) all read the names from here, so a column is added or renamed in one place.
"""

from __future__ import annotations

# How a target field is filled; exactly one class per field (see mapping/contract.py for each).
MAPPING_CLASSES: tuple[str, ...] = (
    "DIRECT",
    "CROSSWALK",
    "TRANSFORM",
    "DERIVED",
    "DEFAULT",
    "GENERATED",
    "NOT_MIGRATED",
    "UNRESOLVED",
)
STATUSES: tuple[str, ...] = ("suggested", "approved")

# Contract column -> what it holds; the file's column order.
CONTRACT_COLUMN_DESCRIPTIONS: dict[str, str] = {
    "functional_area": "section of the target guide the table belongs to",
    "target_table": "LOAD_ staging table",
    "field_order": "1-based order of the field within its table",
    "target_field": "field name as the guide prints it",
    "data_type": "target data type (VARCHAR2, NUMBER, DATE, ...)",
    "length": "target length, empty where the guide gives none",
    "mapping_class": "one of " + ", ".join(MAPPING_CLASSES),
    "rule_id": "TABLE.FIELD: the rule's stable identity in lineage and gate reports",
    "source_table": "legacy table the row's records come from",
    "source_fields": "legacy TABLE.Column fields read, ';'-joined",
    "transform": "named transform (mapping/transforms.py), empty when none",
    "crosswalk": "code set whose crosswalk translates the value, empty when none; for a transform that "
    "declares per-input code sets, one per source field, ';'-joined and aligned with source_fields",
    "default_value": "constant for DEFAULT fields",
    "generator": "how a GENERATED load key is made (sequence, system_code, source_key)",
    "parent_table": "staging table a DERIVED parent link points at",
    "code_type": "target code type the value must belong to",
    "code_type_name": "name of that code type",
    "code_handling": "pas_code_type (legacy value, mapped by the vendor through the code type), national_code "
    "(the national code itself) or empty (not coded); see mapping/code_handling.py",
    "confidence": "0-1: 1 for reviewed rules, the matcher's score for suggestions",
    "status": "one of " + ", ".join(STATUSES),
    "rationale": "why the field is filled this way (or why not)",
    "mandatory_class": "mandatory | conditional | optional, from the target catalog",
    "mandatory_condition": "the condition of a conditional field",
    "is_blocker": "mandatory and UNRESOLVED: the migration cannot load this table",
    "origin": "what decided the row: curated, key_rule, matrix or none",
    "rules_file": "the curated YAML file the rule came from, empty otherwise",
}
CONTRACT_COLUMNS: tuple[str, ...] = tuple(CONTRACT_COLUMN_DESCRIPTIONS)

# What a curated rule file decides per field (the rest comes from the target catalog).
CURATED_COLUMNS: tuple[str, ...] = (
    "target_table",
    "target_field",
    "mapping_class",
    "source_table",
    "source_fields",
    "transform",
    "crosswalk",
    "default_value",
    "generator",
    "parent_table",
    "status",
    "confidence",
    "rationale",
    "rules_file",
    "rule_id",
)

# The reviewer's workbook: one sheet per functional area, in this column order.
WORKBOOK_COLUMNS: tuple[str, ...] = (
    "target_table",
    "field_order",
    "target_field",
    "data_type",
    "length",
    "mandatory_class",
    "mapping_class",
    "status",
    "confidence",
    "source_fields",
    "transform",
    "crosswalk",
    "default_value",
    "generator",
    "parent_table",
    "code_type",
    "code_type_name",
    "code_handling",
    "rationale",
    "is_blocker",
    "origin",
    "rule_id",
    "rules_file",
    "mandatory_condition",
)
