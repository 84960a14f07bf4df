"""Both engines load the same 38 tables: on the default dry run's data (300 patients) and on the
scenario book, every table, reject, warning and record outcome is identical."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from qvh_migration.defs.etl import TARGET_TABLE_NAMES
from qvh_migration.etl import files as etl_files
from qvh_migration.etl import pipeline
from qvh_migration.etl.executor import TableLoad
from qvh_migration.scenarios import acceptance, book
from qvh_migration.settings import default_row_sources_file
from qvh_migration_tests.etl.conftest import CROSSWALKS, folders_of
from qvh_migration_tests.etl.test_engines import assert_same_load

ENGINES = ("duckdb", "pandas")
FILES = (etl_files.TABLES, etl_files.REJECTS, etl_files.WARNINGS, etl_files.OUTCOMES)


def _load_all(data_dir: Path, engine: str) -> dict[str, TableLoad]:
    """Every table in load order (parents first, their outcomes published before the children load)."""
    folders = folders_of(data_dir)
    return {
        table: pipeline.run_partition(folders, CROSSWALKS, table, run_id="run-1", engine=engine)[0]
        for table in TARGET_TABLE_NAMES
    }


@pytest.mark.slow
def test_both_engines_load_the_dry_run_alike(upstream_data: Path, tmp_path: Path) -> None:
    loads = {}
    for engine in ENGINES:
        data_dir = tmp_path / engine
        shutil.copytree(upstream_data, data_dir)
        loads[engine] = _load_all(data_dir, engine)
    assert len(loads["duckdb"]) == 38
    for table in TARGET_TABLE_NAMES:
        duck, pandas = loads["duckdb"][table], loads["pandas"][table]
        try:
            assert_same_load(duck, pandas)
        except AssertionError as exc:
            raise AssertionError(f"{table}: {exc}") from None
        assert pandas.engine_counts["duckdb"] == 0
    ran = pd.concat([load.engines for load in loads["duckdb"].values()])
    assert (ran["engine"] == "duckdb").sum() > 500  # most fields have an SQL form
    written = etl_files.table_path(tmp_path / "duckdb" / "target", etl_files.ENGINES, "LOAD_PMI")
    pd.testing.assert_frame_equal(pd.read_parquet(written), loads["duckdb"]["LOAD_PMI"].engines)


@pytest.mark.slow
def test_both_engines_load_the_scenario_book_alike(upstream_data: Path, tmp_path: Path) -> None:
    catalogs = upstream_data / "catalogs"
    scenarios = book.load_book(catalog=pipeline.catalog_columns(catalogs), target=acceptance.target_fields(catalogs))
    inputs = acceptance.RunInputs(
        catalogs, upstream_data / "extracts", upstream_data / "mapping", CROSSWALKS, default_row_sources_file()
    )
    runs = {e: acceptance.run_book(scenarios, inputs, tmp_path / e / "data", engine=e) for e in ENGINES}
    for table in TARGET_TABLE_NAMES:
        for kind in FILES:
            paths = [etl_files.table_path(runs[e].data / "target", kind, table) for e in ENGINES]
            frames = [pd.read_parquet(p) if p.exists() else None for p in paths]
            if frames[0] is None or frames[1] is None:
                assert frames[0] is frames[1], f"{table} {kind}: written by one engine only"
                continue
            pd.testing.assert_frame_equal(*frames, obj=f"{table} {kind}")
    judged = [acceptance.compare(scenarios, runs[e]) for e in ENGINES]
    pd.testing.assert_frame_equal(*judged)
