"""The DuckDB engine gives what the pandas engine gives: on a tiny hand-made world here, and on the whole
dry run and the scenario book (``test_engine_parity.py``, slow)."""

from __future__ import annotations

import pandas as pd
import pytest

from qvh_migration.errors import MigrationInputError
from qvh_migration.etl import duckdb_engine
from qvh_migration.etl.executor import TableLoad, load_table
from qvh_migration_tests.etl.test_executor import CROSSWALKS, PMI_RULES, REF_RULES, ROW_SOURCES, rule, world

# Fields in SQL whose values or issues are easy to get wrong: a malformed date, an over-length value
# from a transform, Unicode white space, a mandatory field a transform leaves empty.
EXTRA_RULES = pd.DataFrame(
    [
        rule("LOAD_PMI", 12, "SURNAME_UPPER", "TRANSFORM", source_fields="PATDATA.Surname", transform="uppercase"),
        rule(
            "LOAD_PMI",
            13,
            "FIRST_WORD",
            "TRANSFORM",
            source_fields="PATDATA.Surname",
            transform="split_name_first",
            length=4,
        ),
        rule(
            "LOAD_PMI",
            14,
            "BIRTH",
            "DIRECT",
            source_fields="PATDATA.InternalDateOfBirth",
            data_type="DATE",
            comment="Must be in format: DD/MM/YYYY HH24:MI",
        ),
        rule(
            "LOAD_PMI",
            15,
            "GP_NATIONAL",
            "TRANSFORM",
            source_fields="PATDATA.GpCode",
            transform="format_gp_code",
            mandatory_class="mandatory",
            status="suggested",
        ),
        rule(
            "LOAD_PMI",
            16,
            "WHOLE_KEY",
            "GENERATED",
            generator="source_key",
            source_fields="PATDATA.InternalPatientNumber;PATDATA.DistrictNumber",
        ),
    ]
)


def _load(table: str, rules: pd.DataFrame, engine: str, mode: str = "strict") -> TableLoad:
    sources, numbers = world()
    return load_table(
        table, rules, ROW_SOURCES, sources, CROSSWALKS, numbers, impute_mode=mode, run_id="run-1", engine=engine
    )


def assert_same_load(duck: TableLoad, pandas: TableLoad) -> None:
    """Identical tables, rejects, warnings, outcomes and counts (the seconds aside)."""
    pd.testing.assert_frame_equal(duck.table, pandas.table)
    pd.testing.assert_frame_equal(duck.rejects, pandas.rejects)
    pd.testing.assert_frame_equal(duck.warnings, pandas.warnings)
    pd.testing.assert_frame_equal(duck.outcomes, pandas.outcomes)
    pd.testing.assert_frame_equal(duck.summary.drop(columns="seconds"), pandas.summary.drop(columns="seconds"))
    assert duck.notes == pandas.notes


@pytest.mark.parametrize("mode", ["strict", "lenient"])
def test_both_engines_load_the_same_patients(mode: str) -> None:
    rules = pd.concat([PMI_RULES, EXTRA_RULES], ignore_index=True)
    duck, pandas = _load("LOAD_PMI", rules, "duckdb", mode), _load("LOAD_PMI", rules, "pandas", mode)
    assert_same_load(duck, pandas)
    if mode == "strict":  # the issues the SQL fields raise are among them
        assert {"malformed_date", "over_length", "unmapped_code"} <= set(pandas.rejects["reason_code"])


def test_both_engines_load_the_same_referrals() -> None:
    assert_same_load(_load("LOAD_REFERRALS", REF_RULES, "duckdb"), _load("LOAD_REFERRALS", REF_RULES, "pandas"))


def test_the_load_says_which_engine_ran_each_field() -> None:
    rules = pd.concat([PMI_RULES, EXTRA_RULES], ignore_index=True)
    duck = _load("LOAD_PMI", rules, "duckdb")
    ran = dict(zip(duck.engines["target_field"], duck.engines["engine"], strict=True))
    assert list(duck.engines["target_field"]) == list(rules["target_field"])
    # A sequence number, a crosswalk and a lookup run in pandas; constants, columns and transforms in SQL.
    assert (ran["RECORD_NUMBER"], ran["SEX"], ran["PRACTICE_CODE"]) == ("pandas", "pandas", "pandas")
    assert {ran[f] for f in ("SYSTEM_CODE", "MAIN_CRN", "DATE_OF_BIRTH", "ID_TYPE", "SURNAME_UPPER")} == {"duckdb"}
    assert duck.engine_counts == {"duckdb": 13, "pandas": 3}
    pandas = _load("LOAD_PMI", rules, "pandas")
    assert pandas.engine_counts == {"duckdb": 0, "pandas": 16}
    # The lookup's read of the GP table's last row ran in the load's engine, as the plan says it would.
    for load, engine in ((duck, "duckdb"), (pandas, "pandas")):
        looked = dict(zip(load.engines["target_field"], load.engines["lookup_engine"], strict=True))
        assert {f for f, e in looked.items() if e} == {"PRACTICE_CODE"} and looked["PRACTICE_CODE"] == engine
    plans = duckdb_engine.field_plans(rules, "PATDATA", ("InternalPatientNumber",), ROW_SOURCES.system_code)
    assert [p.target_field for p in plans if p.reads_last_row] == ["PRACTICE_CODE"]


def test_an_unknown_engine_is_one_clear_line() -> None:
    with pytest.raises(MigrationInputError, match="engine 'spark' is not one of duckdb, pandas"):
        _load("LOAD_PMI", PMI_RULES, "spark")


def test_the_engine_is_threaded_to_partition_runs() -> None:
    from qvh_migration.definitions import target_table_run_config
    from qvh_migration.defs.etl import TargetLoadConfig

    assert TargetLoadConfig().engine == "duckdb"
    assert target_table_run_config() == {}
    per_table = target_table_run_config("lenient", "pandas")
    assert per_table == {"ops": {"target_tables": {"config": {"impute_mode": "lenient", "engine": "pandas"}}}}


def test_the_dry_run_takes_an_engine() -> None:
    from qvh_migration.cli import build_parser

    assert build_parser().parse_args(["dry-run"]).engine == "duckdb"
    assert build_parser().parse_args(["dry-run", "--engine", "pandas"]).engine == "pandas"
