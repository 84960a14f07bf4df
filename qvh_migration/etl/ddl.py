"""DDL for the 38 staging tables, generated from the target catalog.

Types follow the guide (VARCHAR2 lengths become checks, DATE fields hold the guide's text
formats as the load files do), ``RECORD_NUMBER`` is the primary key, and each parent link the
guide prints (``LOAD_PMI.loadpmi_record_number``) becomes a foreign key to the parent's
``RECORD_NUMBER``. Tables are emitted in the guide's load order, parents first.
"""

from __future__ import annotations

import pandas as pd


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


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


def _column_type(data_type: str, length: object) -> tuple[str, str]:
    size = pd.to_numeric(pd.Series([length]), errors="coerce").iloc[0]
    if data_type == "NUMBER":
        return "BIGINT", ""
    if data_type == "VARCHAR2" and pd.notna(size):
        return "VARCHAR", f"length({{col}}) <= {int(size)}"
    return "VARCHAR", ""


def duckdb_ddl(target_fields: pd.DataFrame, target_tables: pd.DataFrame) -> list[str]:
    """CREATE TABLE statements (DuckDB/PostgreSQL syntax), parents before children."""
    order = target_tables.sort_values("load_order")["table_name"].tolist()
    links = parent_links(target_tables)
    statements = []
    for table in order:
        fields = target_fields.loc[target_fields["table_name"] == table].sort_values("field_order")
        lines = []
        record_number = None
        for name, data_type, length in zip(fields["field_name"], fields["data_type"], fields["length"], strict=True):
            sql_type, check = _column_type(str(data_type), length)
            column = f"  {quote(name)} {sql_type}"
            if check:
                column += f" CHECK ({check.format(col=quote(name))})"
            if name.upper() == "RECORD_NUMBER":
                record_number = name
            lines.append(column)
        if record_number:
            lines.append(f"  PRIMARY KEY ({quote(record_number)})")
        names = {n.upper(): n for n in fields["field_name"]}
        for _, link in links.loc[links["table"] == table].iterrows():
            parent_key = _record_number_of(target_fields, link["parent"])
            field = names.get(str(link["field"]).upper())
            if field and parent_key and link["parent"] != table:
                lines.append(f"  FOREIGN KEY ({quote(field)}) REFERENCES {quote(link['parent'])} ({quote(parent_key)})")
        statements.append(f"CREATE TABLE {quote(table)} (\n" + ",\n".join(lines) + "\n);")
    return statements


def _record_number_of(target_fields: pd.DataFrame, table: str) -> str | None:
    names = target_fields.loc[target_fields["table_name"] == table, "field_name"]
    found = [n for n in names if n.upper() == "RECORD_NUMBER"]
    return found[0] if found else None
