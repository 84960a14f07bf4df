"""DDL for the 38 staging tables, generated from the target catalog, in three dialects.

``RECORD_NUMBER`` is the primary key, and each parent link the guide prints
(``LOAD_PMI.loadpmi_record_number``) becomes a foreign key to the parent's ``RECORD_NUMBER``.
Tables are emitted in the guide's load order, parents first.

- **duckdb**: the embedded staging database. VARCHAR2 lengths become checks (DuckDB ignores
  VARCHAR(n)); DATE fields hold the guide's text formats, as the partition files do.
- **postgresql**: the team's staging server. ``VARCHAR(n)`` enforces the guide's lengths; DATE
  fields are ``VARCHAR`` of the format's width, holding the same text as the load files, so the
  server's rows equal the files' rows. Foreign keys are ``DEFERRABLE INITIALLY DEFERRED``: a
  table is reloaded (delete + COPY) in one transaction and checked as a whole at commit, so a
  parent can be reloaded under its children, yet no committed child row points at a missing parent.
- **oracle**: the vendor's staging schema, in the guide's own types (``VARCHAR2(n)``, ``NUMBER``,
  ``DATE``). SQL*Loader turns the load files' date text into DATE with each field's mask
  (``etl/load_files.py``). Oracle's NUMBER holds at most 38 digits, so a printed length above 38
  (the guide's 42 on record numbers) becomes plain ``NUMBER``.

Names: Oracle folds unquoted names to upper case and PostgreSQL to lower case; each dialect
quotes names in its own folded case, which protects names that are reserved words (``COMMENT``)
and still lets people type them unquoted.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from qvh_migration.etl.load_order import ordered_tables
from qvh_migration.etl.validation import guide_date_format

DIALECTS = ("duckdb", "postgresql", "oracle")
ORACLE_MAX_PRECISION = 38


@dataclass(frozen=True)
class Column:
    """One staging field as the catalog describes it."""

    name: str
    data_type: str  # the guide's type: VARCHAR2, NUMBER or DATE
    length: int | None
    date_format: str  # strftime pattern of a DATE field's text (empty otherwise)

    @property
    def oracle_date_mask(self) -> str:
        return (
            self.date_format.replace("%d", "DD")
            .replace("%m", "MM")
            .replace("%Y", "YYYY")
            .replace("%H", "HH24")
            .replace("%M", "MI")
            .replace("%S", "SS")
        )

    @property
    def date_width(self) -> int:
        return len(pd.Timestamp(2000, 1, 1).strftime(self.date_format))


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def name_in(dialect: str, name: str) -> str:
    """A table or column name as written in ``dialect``'s DDL (quoted, in the dialect's folded case)."""
    if dialect == "oracle":
        return quote(name.upper())
    if dialect == "postgresql":
        return quote(name.lower())
    return quote(name)


def parent_links(target_tables: pd.DataFrame) -> pd.DataFrame:
    """(table, field, parent) for every resolved parent link of the catalog."""
    rows = []
    for table, links in zip(
        target_tables["table_name"], target_tables["resolved_parent_links"].fillna(""), strict=True
    ):
        for link in filter(None, str(links).split(";")):
            parent, field = link.split(".", 1)
            rows.append((table, field, parent))
    return pd.DataFrame(rows, columns=["table", "field", "parent"])


def table_columns(target_fields: pd.DataFrame, table: str) -> list[Column]:
    """The table's fields in the guide's order."""
    fields = target_fields.loc[target_fields["table_name"] == table].sort_values("field_order")
    columns = []
    for name, data_type, length, comment in zip(
        fields["field_name"], fields["data_type"], fields["length"], fields["comment"], strict=True
    ):
        size = pd.to_numeric(pd.Series([length]), errors="coerce").iloc[0]
        data_type = str(data_type)
        columns.append(
            Column(
                str(name),
                data_type,
                int(size) if pd.notna(size) else None,
                guide_date_format(str(comment)) if data_type == "DATE" else "",
            )
        )
    return columns


def column_type(dialect: str, column: Column) -> str:
    if dialect == "oracle":
        if column.data_type == "NUMBER":
            fits = column.length is not None and column.length <= ORACLE_MAX_PRECISION
            return f"NUMBER({column.length})" if fits else "NUMBER"
        if column.data_type == "DATE":
            return "DATE"
        return f"VARCHAR2({column.length})" if column.length else "VARCHAR2(4000)"
    if column.data_type == "NUMBER":
        return "BIGINT"
    if dialect == "postgresql":
        if column.data_type == "DATE":
            return f"VARCHAR({column.date_width})"
        return f"VARCHAR({column.length})" if column.length else "VARCHAR"
    return "VARCHAR"


def _column_line(dialect: str, column: Column) -> str:
    line = f"  {name_in(dialect, column.name)} {column_type(dialect, column)}"
    if dialect == "duckdb" and column.data_type == "VARCHAR2" and column.length:
        line += f" CHECK (length({name_in(dialect, column.name)}) <= {column.length})"
    return line


def create_table(
    dialect: str, target_fields: pd.DataFrame, target_tables: pd.DataFrame, table: str, *, if_not_exists: bool = False
) -> str:
    """One CREATE TABLE statement of ``table`` in ``dialect``."""
    if dialect not in DIALECTS:
        raise ValueError(f"unknown SQL dialect {dialect!r}")
    columns = table_columns(target_fields, table)
    lines = [_column_line(dialect, column) for column in columns]
    record_number = _record_number_of(target_fields, table)
    if record_number:
        lines.append(f"  PRIMARY KEY ({name_in(dialect, record_number)})")
    for key in foreign_keys(target_fields, target_tables, table):
        reference = (
            f"  FOREIGN KEY ({name_in(dialect, key.field)}) "
            f"REFERENCES {name_in(dialect, key.parent)} ({name_in(dialect, key.parent_key)})"
        )
        if dialect != "duckdb":  # DuckDB has no deferrable constraints; it is loaded in order, once
            reference += " DEFERRABLE INITIALLY DEFERRED"
        lines.append(reference)
    guard = "IF NOT EXISTS " if if_not_exists else ""
    return f"CREATE TABLE {guard}{name_in(dialect, table)} (\n" + ",\n".join(lines) + "\n);"


@dataclass(frozen=True)
class ForeignKey:
    """``table.field`` points at ``parent.parent_key`` (the parent's RECORD_NUMBER)."""

    table: str
    field: str
    parent: str
    parent_key: str


def foreign_keys(target_fields: pd.DataFrame, target_tables: pd.DataFrame, table: str) -> list[ForeignKey]:
    """The table's links to its parents that the DDL declares (a link to a field or parent the catalog
    lacks, or to the table itself, is not a key)."""
    names = {c.name.upper(): c.name for c in table_columns(target_fields, table)}
    links = parent_links(target_tables)
    keys = []
    for _, link in links.loc[links["table"] == table].iterrows():
        parent_key = _record_number_of(target_fields, link["parent"])
        field = names.get(str(link["field"]).upper())
        if field and parent_key and link["parent"] != table:
            keys.append(ForeignKey(table, field, str(link["parent"]), parent_key))
    return keys


def dependant_keys(target_fields: pd.DataFrame, target_tables: pd.DataFrame, table: str) -> list[ForeignKey]:
    """Every foreign key that points into ``table``'s family (its children, their children, ...), in
    load order, so removing a parent's rows and then each key's orphans in this order cascades."""
    family, found = {table}, []
    for child in load_order(target_tables):
        keys = [k for k in foreign_keys(target_fields, target_tables, child) if k.parent in family]
        if keys and child != table:
            family.add(child)
            found.extend(keys)
    return found


def load_order(target_tables: pd.DataFrame) -> list[str]:
    return ordered_tables(target_tables)


def ddl_statements(dialect: str, target_fields: pd.DataFrame, target_tables: pd.DataFrame) -> list[str]:
    """CREATE TABLE statements of the 38 tables in ``dialect``, parents before children."""
    return [create_table(dialect, target_fields, target_tables, t) for t in load_order(target_tables)]


def duckdb_ddl(target_fields: pd.DataFrame, target_tables: pd.DataFrame) -> list[str]:
    return ddl_statements("duckdb", target_fields, target_tables)


def ddl_script(dialect: str, target_fields: pd.DataFrame, target_tables: pd.DataFrame) -> str:
    header = f"-- Altera PAS 18.4 staging tables ({dialect}), generated from the target catalog in load order.\n\n"
    return header + "\n\n".join(ddl_statements(dialect, target_fields, target_tables)) + "\n"


def _record_number_of(target_fields: pd.DataFrame, table: str) -> str | None:
    names = target_fields.loc[target_fields["table_name"] == table, "field_name"]
    found = [n for n in names if n.upper() == "RECORD_NUMBER"]
    return found[0] if found else None
