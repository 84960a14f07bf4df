"""Table plans: every contract row of every table classified, built from no data, and the DuckDB fields'
SQL giving what the executor gives."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from qvh_migration.defs.etl import TARGET_TABLE_NAMES
from qvh_migration.etl.fields import LoadContext, evaluate
from qvh_migration.etl.pipeline import catalog_columns, source_tables
from qvh_migration.etl.plan import build_table_plan, contract_rows
from qvh_migration.etl.plan_fields import ENGINES, FIELD_KINDS
from qvh_migration.etl.row_sources import load_row_sources
from qvh_migration.etl.source_rules import FILTER_REASON, GRAIN_KEY, prepare_rows
from qvh_migration.mapping.files import read_contract
from qvh_migration.mapping.transforms import TRANSFORMS

ROW_SOURCES = load_row_sources()


def _plans(rules: pd.DataFrame) -> dict:
    return {table: build_table_plan(table, rules, ROW_SOURCES) for table in TARGET_TABLE_NAMES}


def _field(rules: pd.DataFrame, table: str, name: str):
    return next(f for f in build_table_plan(table, rules, ROW_SOURCES).fields if f.target_field == name)


def test_every_contract_row_of_every_table_is_classified(contract: pd.DataFrame) -> None:
    plans = _plans(contract)
    assert len(plans) == 38
    for table, plan in plans.items():
        expected = list(contract_rows(contract, table)["target_field"])
        assert [f.target_field for f in plan.fields] == expected, table
        for part in plan.parts:
            assert [f.target_field for f in part.fields] == expected, f"{table} {part.source_table}"
        for field in [f for p in plan.parts for f in p.fields] or plan.fields:
            assert field.kind in FIELD_KINDS and field.engine in ENGINES, f"{table}.{field.target_field}"
            assert (field.engine == "duckdb") == bool(field.sql), f"{table}.{field.target_field}"


def test_the_plan_follows_the_executor_branches(contract: pd.DataFrame) -> None:
    for table, plan in _plans(contract).items():
        rules = contract_rows(contract, table).set_index("target_field")
        if ROW_SOURCES.is_union(table):
            continue  # a union part may fill a field otherwise; the contract row then says less
        for field in plan.fields:
            rule = rules.loc[field.target_field]
            transform = str(rule["transform"])
            if rule["mapping_class"] in ("NOT_MIGRATED", "UNRESOLVED"):
                assert field.kind == "not_migrated"
            elif rule["mapping_class"] in ("DEFAULT", "GENERATED"):
                assert field.kind == rule["mapping_class"].lower()
            elif rule["parent_table"]:
                assert field.kind == "parent_link" and field.engine == "pandas"
            elif transform and TRANSFORMS[transform].kind != "row":
                assert field.kind in ("lookup", "aggregate", "ranked_slot") and field.engine == "pandas"
            elif rule["crosswalk"]:
                assert field.kind == "crosswalk" and field.engine == "pandas"


def test_a_plan_reads_no_extract(contract: pd.DataFrame, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # no data folder, no extracts anywhere near
    monkeypatch.setattr(pd, "read_parquet", _refuse)
    plan = build_table_plan("LOAD_PMI", contract, ROW_SOURCES)
    assert plan.parts[0].source_table == "PATDATA" and plan.engine_counts()["duckdb"] > 0


def _refuse(*_args, **_kwargs):
    raise AssertionError("a plan must not read data")


def test_an_unknown_transform_is_planned_for_pandas(contract: pd.DataFrame) -> None:
    assert _field(contract, "LOAD_PMI", "PAT_NAME_1").engine == "duckdb"
    planted = contract.copy()
    at = (planted["target_table"] == "LOAD_PMI") & (planted["target_field"] == "PAT_NAME_1")
    planted.loc[at, "transform"] = "split_name_somehow"
    field = _field(planted, "LOAD_PMI", "PAT_NAME_1")
    assert (field.kind, field.engine, field.sql) == ("transform", "pandas", "")


def test_filters_parents_and_row_checks_are_planned(contract: pd.DataFrame) -> None:
    periods = build_table_plan("LOAD_RTT_PERIODS", contract, ROW_SOURCES)
    assert {link.parent_table for link in periods.parent_links} >= {"LOAD_RTT_PATHWAYS"}
    assert "end_before_start" in {rule.reason_code for rule in periods.issue_rules}
    contacts = build_table_plan("LOAD_PMICONTACTS", contract, ROW_SOURCES)
    assert any(f.test == "not_blank" and f.reason == "no carer recorded" for f in contacts.parts[0].filters)
    identifiers = build_table_plan("LOAD_PMIIDS", contract, ROW_SOURCES)
    assert [p.source_table for p in identifiers.parts] == ["CASENOTEDETS", "MERGEDID", "PATDATA"]
    assert "VOLUME" in identifiers.parts[1].overridden


@pytest.mark.slow
def test_duckdb_fields_give_the_executors_values(upstream_data: Path) -> None:
    """Over the synthetic extracts, each DuckDB field's SQL on the rows the executor evaluates gives the
    executor's own values for that field, for every part of every table."""
    written = read_contract(upstream_data / "mapping")
    folders = _folders(upstream_data)
    sources = source_tables(folders)
    con = duckdb.connect()
    compared = 0
    for table in TARGET_TABLE_NAMES:
        plan = build_table_plan(table, written, ROW_SOURCES, catalog_columns(folders.catalogs))
        rules = contract_rows(written, table)
        for spec, part in zip(ROW_SOURCES.parts(table), plan.parts, strict=True):
            if not sources.has(part.source_table):
                continue
            prepared = prepare_rows(spec, sources.raw(part.source_table), sources.survivors, sources.districts)
            candidates = prepared.loc[prepared[FILTER_REASON].eq("")]
            rows = candidates.drop_duplicates(GRAIN_KEY, keep="first").reset_index(drop=True)
            ctx = LoadContext(table, part.source_table, rows, candidates, part.grain, sources, {}, ROW_SOURCES, {})
            con.register("part_rows", rows.astype("string").astype(object).where(rows.notna(), None))
            executed = _part_rules(rules, table, spec, sources)
            for field in (f for f in part.fields if f.engine == "duckdb"):
                rule = executed.loc[executed["target_field"] == field.target_field].iloc[0]
                expected = [None if pd.isna(v) else str(v) for v in evaluate(rule, ctx).values]
                got = [r[0] for r in con.execute(f"SELECT CAST({field.sql} AS VARCHAR) FROM part_rows").fetchall()]
                assert got == expected, f"{table} ({part.source_table}).{field.target_field}"
                compared += 1
    assert compared > 500


def _folders(data_dir: Path):
    from qvh_migration_tests.etl.conftest import folders_of

    return folders_of(data_dir)


def _part_rules(rules: pd.DataFrame, table: str, spec, sources) -> pd.DataFrame:
    from qvh_migration.etl.union import part_rules

    union = ROW_SOURCES[table]
    return part_rules(rules, union, spec, ROW_SOURCES.path) if ROW_SOURCES.is_union(table) else rules


def test_the_plan_command(contract: pd.DataFrame, tmp_path: Path, capsys) -> None:
    from qvh_migration.cli import main

    assert main(["plan", "LOAD_PMI", "--data-dir", str(tmp_path)]) == 2
    said = capsys.readouterr().out.strip().splitlines()
    assert len(said) == 1 and "qvh-migration dry-run" in said[0]
    (tmp_path / "mapping").mkdir()
    contract.to_csv(tmp_path / "mapping" / "mapping_contract.csv", index=False)
    assert main(["plan", "LOAD_NOT_A_TABLE", "--data-dir", str(tmp_path)]) == 2
    assert capsys.readouterr().out.strip().splitlines() == [
        f"LOAD_NOT_A_TABLE is not a staging table of the contract in {tmp_path / 'mapping'}"
    ]
    assert main(["plan", "LOAD_PMI", "--data-dir", str(tmp_path), "--sql"]) == 0
    printed = capsys.readouterr().out
    assert "  source  PATDATA" in printed and "  grain   InternalPatientNumber" in printed
    assert "PAT_NAME_1" in printed and "sql: " in printed
    assert printed.strip().splitlines()[-1].startswith("  engines: duckdb ")
