"""Column contracts of the catalog frames that every later stage reads.

Kept in one place so that readers, the stand-in generator, the mock generator and the matcher
agree on names without importing each other.
"""

from __future__ import annotations

# The INQuire export's own columns, kept verbatim (every row, every column).
INQUIRE_COLUMNS: tuple[str, ...] = (
    "TableName",
    "Column",
    "Size",
    "DataElement",
    "Description",
    "LogicalDeleteFlag",
    "ReleasedAt",
)

# What the source catalog adds, parsed from those columns.
SOURCE_DERIVED_COLUMNS: tuple[str, ...] = (
    "sheet_row",  # 1-based row in the sheet (header is row 1), for error messages and lineage
    "field_order",  # order of the field within its table, as in the sheet
    "size_chars",  # Size as a nullable integer (a name of its own: Size is the text)
    "description_kind",  # empty | release_number | code_list | date_format | text
    "code_list",  # JSON list of {"code", "label"} parsed from Description, "" when none
    "code_list_truncated",  # the last entry was cut at the column width
    "date_format",  # CCYYMMDD | CCYYMMDDHHMM | DD/MM/YYYY | DD/MM/YYYY HH:MM | HHMM | ""
    "date_pair_role",  # display | internal | ""
    "date_pair_column",  # the partner field of a date pair, "" when unpaired
    "is_logical_delete_flag",
    "is_master_file_table",  # table name ends in MF (lookup / master file)
    "pc60_description",  # from the PC60 Word dictionary when available
    "pc60_data_type",
    "pc60_conflict",  # what the two dictionaries disagree on, "" when they agree
)

SOURCE_CATALOG_COLUMNS: tuple[str, ...] = INQUIRE_COLUMNS + SOURCE_DERIVED_COLUMNS

TARGET_FIELD_COLUMNS: tuple[str, ...] = (
    "table_name",  # LOAD_PMI
    "field_order",  # 1-based order within the table, as printed
    "field_name",  # exact name as printed (case kept)
    "data_type",  # VARCHAR2 | NUMBER | DATE | CHAR | ...
    "length",  # nullable integer; empty where the guide gives none
    "code_type",  # "10599" from `Maps to: code type 10599 "..."`, "" when none
    "code_type_name",  # the quoted name after the code type
    "loaded_into",  # `Loaded into maps006.user_name` -> "maps006.user_name"
    "comment",  # full comment text, lines joined with "\n"
    "page",  # page where the field's row starts (1-based)
    "mandatory_class",  # mandatory | conditional | optional
    "mandatory_condition",  # the condition text for conditional fields
    "mandatory_evidence",  # why: the phrase matched, load-key rule, or the override row
)

TARGET_TABLE_COLUMNS: tuple[str, ...] = (
    "table_name",
    "functional_area",  # section heading above the table, e.g. "STAFF DATA"
    "description",
    "creates_records_in",  # ";"-joined PAS tables
    "loader_package",  # e.g. oasloadstaff_package.load_staff
    "parent_links",  # ";"-joined "LOAD_PMI.loadpmi_record_number", parent names as printed
    "resolved_parent_links",  # the same links with every parent resolved to a defined staging table
    "load_order",  # 1-based order of the table in the guide
    "page_start",
    "page_end",
    "field_count",
)

MANDATORY_CLASSES: tuple[str, ...] = ("mandatory", "conditional", "optional")

# Shown as column descriptions in the Dagster UI.
COLUMN_DESCRIPTIONS: dict[str, str] = {
    "TableName": "legacy table, as the INQuire export names it",
    "Column": "legacy column, as the INQuire export names it",
    "Size": "size as the INQuire export prints it (text)",
    "DataElement": "INQuire data element code; fields sharing one hold the same item",
    "Description": "INQuire description: prose, a code list, a date format or a release number",
    "LogicalDeleteFlag": "INQuire's logical delete flag marker (1: the field flags deleted rows)",
    "ReleasedAt": "PAS release that introduced the field",
    "sheet_row": "row in the INQuire sheet (header is row 1)",
    "field_order": "order of the field within its table, as in the document",
    "size_chars": "Size as an integer number of characters",
    "description_kind": "empty, release_number (not meaning), code_list, date_format or text",
    "code_list": "allowed values parsed from Description, as JSON [{code, label}]",
    "code_list_truncated": "the code list was cut at the column width",
    "date_format": "format of a date field (CCYYMMDD, CCYYMMDDHHMM, DD/MM/YYYY, ...)",
    "date_pair_role": "display or internal half of a date pair",
    "date_pair_column": "the other half of the date pair",
    "is_logical_delete_flag": "the field marks a row as logically deleted",
    "is_master_file_table": "the table is a master-file (MF) lookup",
    "pc60_description": "description from the PC60 Word dictionary",
    "pc60_data_type": "data type from the PC60 Word dictionary",
    "pc60_conflict": "where INQuire and PC60 disagree (both sides kept)",
    "table_name": "staging table",
    "field_name": "field name exactly as printed (wraps joined)",
    "data_type": "VARCHAR2, NUMBER, DATE, ...",
    "length": "length; empty where the guide gives none",
    "code_type": "PAS code type from 'Maps to: code type N'",
    "code_type_name": "name of the code type",
    "loaded_into": "PAS table.column the field is loaded into",
    "comment": "the full comment text",
    "page": "page where the field's row starts",
    "mandatory_class": "mandatory, conditional or optional",
    "mandatory_condition": "the condition of a conditional field",
    "mandatory_evidence": "why: comment phrase, load-key rule or reviewed override",
    "parent_links": "links to parent staging tables, as printed",
    "resolved_parent_links": "links to parent staging tables, resolved to defined tables",
}
