"""The generated DDL and the vendor's load files, checked table by table and column by column
against the target catalog: PostgreSQL on a real server, Oracle through an independent parser."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import psycopg
import pytest
import sqlglot
from sqlglot import exp

from qvh_migration.etl import files as etl_files
from qvh_migration.etl import pipeline
from qvh_migration.etl.ddl import ORACLE_MAX_PRECISION, parent_links
from qvh_migration.etl.load_files import control_path, csv_path
from qvh_migration.etl.validation import guide_date_format
from qvh_migration_tests.pg_server import create_database

# Builds a whole dry run, starts a server or a browser, or loads all 38 tables: the full suite only.
pytestmark = pytest.mark.slow

ORACLE_MASKS = {
    "%d/%m/%Y": "DD/MM/YYYY",
    "%d/%m/%Y %H:%M": "DD/MM/YYYY HH24:MI",
    "%d/%m/%Y %H:%M:%S": "DD/MM/YYYY HH24:MI:SS",
}


@pytest.fixture(scope="module")
def catalog(file_path_run: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return pipeline.read_target_catalog(file_path_run / "catalogs")


def catalog_fields(fields: pd.DataFrame, table: str) -> list[dict]:
    rows = fields.loc[fields["table_name"] == table].sort_values("field_order")
    return rows.to_dict("records")


def keyed_tables(fields: pd.DataFrame) -> set[str]:
    """Tables with a RECORD_NUMBER field (the guide prints a few without one: no primary key)."""
    return set(fields.loc[fields["field_name"].str.upper() == "RECORD_NUMBER", "table_name"])


def test_the_three_ddl_files_are_written(file_path_run: Path) -> None:
    for dialect in ("duckdb", "postgresql", "oracle"):
        text = etl_files.ddl_path(file_path_run / "target", dialect).read_text(encoding="utf-8")
        assert text.count("CREATE TABLE") == 38, dialect


def test_postgresql_ddl_applies_to_a_real_server_as_the_catalog_says(postgres_server, file_path_run, catalog) -> None:
    fields, tables = catalog
    create_database(postgres_server, "ddl_check")
    script = etl_files.ddl_path(file_path_run / "target", "postgresql").read_text(encoding="utf-8")
    with psycopg.connect(postgres_server.url("ddl_check")) as conn:
        conn.execute(script)
        columns = pd.DataFrame(
            conn.execute(
                "SELECT table_name, column_name, data_type, character_maximum_length, ordinal_position "
                "FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
            ).fetchall(),
            columns=["table", "column", "type", "length", "position"],
        )
        constraints = conn.execute(
            "SELECT tc.table_name, tc.constraint_type, kcu.column_name FROM information_schema.table_constraints tc "
            "JOIN information_schema.key_column_usage kcu ON tc.constraint_name = kcu.constraint_name "
            "AND tc.table_schema = kcu.table_schema WHERE tc.table_schema = 'public'"
        ).fetchall()
    assert set(columns["table"]) == {t.lower() for t in tables["table_name"]}
    for table in tables["table_name"]:
        server = columns.loc[columns["table"] == table.lower()].reset_index(drop=True)
        expected = catalog_fields(fields, table)
        assert server["column"].tolist() == [f["field_name"].lower() for f in expected], table
        for field, (_, column) in zip(expected, server.iterrows(), strict=True):
            where = f"{table}.{field['field_name']}"
            if field["data_type"] == "NUMBER":
                assert column["type"] == "bigint", where
            elif field["data_type"] == "DATE":
                width = len(pd.Timestamp(2000, 1, 1).strftime(guide_date_format(field["comment"])))
                assert (column["type"], column["length"]) == ("character varying", width), where
            else:
                assert (column["type"], column["length"]) == ("character varying", field["length"]), where
    primary = {t for t, kind, c in constraints if kind == "PRIMARY KEY" and c == "record_number"}
    foreign = {(t, c) for t, kind, c in constraints if kind == "FOREIGN KEY"}
    assert primary == {t.lower() for t in keyed_tables(fields)} and len(primary) > 30
    links = parent_links(tables)
    assert foreign == {(t.lower(), f.lower()) for t, f, p in links.itertuples(index=False) if p != t}


def test_oracle_ddl_matches_the_catalog_for_every_table_and_column(file_path_run: Path, catalog) -> None:
    fields, tables = catalog
    script = etl_files.ddl_path(file_path_run / "target", "oracle").read_text(encoding="utf-8")
    statements = [s for s in sqlglot.parse(script, read="oracle") if isinstance(s, exp.Create)]
    assert [s.this.this.name for s in statements] == tables.sort_values("load_order")["table_name"].tolist()
    for statement in statements:
        table = statement.this.this.name
        definitions = [c for c in statement.this.expressions if isinstance(c, exp.ColumnDef)]
        expected = catalog_fields(fields, table)
        assert [c.name for c in definitions] == [f["field_name"].upper() for f in expected], table
        for field, column in zip(expected, definitions, strict=True):
            kind = column.args["kind"]
            params = [int(p.name) for p in kind.expressions]
            where = f"{table}.{field['field_name']}"
            if field["data_type"] == "NUMBER":
                assert kind.this == exp.DataType.Type.DECIMAL, where
                length = int(field["length"]) if pd.notna(field["length"]) else None
                assert params == ([length] if length and length <= ORACLE_MAX_PRECISION else []), where
            elif field["data_type"] == "DATE":
                assert (kind.this, params) == (exp.DataType.Type.DATE, []), where
            else:
                assert (kind.sql("oracle"), params) == (f"VARCHAR2({field['length']})", [field["length"]]), where
        keys = [k for k in statement.this.expressions if isinstance(k, exp.PrimaryKey)]
        assert [[i.name for i in k.expressions] for k in keys] == (
            [["RECORD_NUMBER"]] if table in keyed_tables(fields) else []
        ), table


CONTROL_FIELD = re.compile(r'^\s+"(?P<name>[A-Z0-9_]+)" (?P<spec>.+?),?$')


def test_control_files_and_load_files_match_the_catalog(file_path_run: Path, catalog) -> None:
    fields, tables = catalog
    target = file_path_run / "target"
    rows_seen = 0
    for table in tables["table_name"]:
        control = control_path(target, table).read_text(encoding="utf-8")
        assert f'INTO TABLE "{table}"' in control and f"INFILE '{table}.csv'" in control
        body = control.split("(\n", 1)[1].rsplit("\n)", 1)[0].splitlines()
        parsed = [CONTROL_FIELD.match(line) for line in body]
        assert all(parsed), table
        expected = catalog_fields(fields, table)
        assert [m["name"] for m in parsed] == [f["field_name"].upper() for f in expected], table
        for field, match in zip(expected, parsed, strict=True):
            where = f"{table}.{field['field_name']}"
            if field["data_type"] == "NUMBER":
                assert match["spec"] == "INTEGER EXTERNAL", where
            elif field["data_type"] == "DATE":
                assert match["spec"] == f'DATE "{ORACLE_MASKS[guide_date_format(field["comment"])]}"', where
            else:
                assert match["spec"] == f"CHAR({field['length']})", where
        with csv_path(target, table).open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            assert next(reader) == [m["name"] for m in parsed], table
            for row in reader:
                assert len(row) == len(expected), table
                for field, value in zip(expected, row, strict=True):
                    assert "\n" not in value  # SQL*Loader's stream format ends a record at a line break
                    if field["data_type"] == "VARCHAR2" and value:
                        assert len(value) <= int(field["length"]), f"{table}.{field['field_name']}"
                rows_seen += 1
    assert rows_seen > 1000


def test_load_file_rows_equal_the_table_files(file_path_run: Path) -> None:
    target = file_path_run / "target"
    for table in ("LOAD_PMI", "LOAD_OPD_APPOINTMENTS"):
        loaded = pd.read_parquet(etl_files.table_path(target, etl_files.TABLES, table))
        written = pd.read_csv(csv_path(target, table), dtype=str, keep_default_na=False)
        assert len(written) == len(loaded)
        assert written["RECORD_NUMBER"].tolist() == loaded["RECORD_NUMBER"].astype(str).tolist()
