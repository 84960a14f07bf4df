"""End to end against a real PostgreSQL server: source schema in, target schema out, and its faults."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from qvh_migration import cli
from qvh_migration.definitions import DRY_RUN_JOB, defs
from qvh_migration.defs import etl as etl_defs
from qvh_migration.defs.resources import MigrationSettings
from qvh_migration.errors import MigrationInputError
from qvh_migration.etl import files as etl_files
from qvh_migration.etl import pipeline, postgres_target
from qvh_migration.etl.postgres_target import PostgresTarget, TargetServerError
from qvh_migration.extracts import files as extract_files
from qvh_migration.legacy.keys import ALL_TABLES
from qvh_migration_tests.etl.conftest import CROSSWALKS, folders_of, load_all
from qvh_migration_tests.pg_server import PASSWORD, create_database, load_extracts

# Builds a whole dry run, starts a server or a browser, or loads all 38 tables: the full suite only.
pytestmark = pytest.mark.slow


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows as comparable text: NULL as None, columns by name, rows sorted on every column."""
    frame = frame.rename(columns=str.upper)
    frame = frame[sorted(frame.columns)]
    text = frame.astype(object).where(frame.notna(), None)
    text = text.map(lambda v: None if v is None else str(v))
    # Sorting on all columns (NULL first) makes the comparison row for row whatever the keys are.
    order = text.fillna("\x00").sort_values(list(text.columns), kind="stable").index
    return text.loc[order].reset_index(drop=True)


@pytest.fixture(scope="module")
def server_path_run(postgres_server, upstream_data: Path, tmp_path_factory: pytest.TempPathFactory):
    """The same extracts loaded into a PostgreSQL source schema, read from there by the ETL, and
    every table loaded into a PostgreSQL target schema."""
    create_database(postgres_server, "hospital", ("legacy_copy", "staging"))
    source_url = postgres_server.url("hospital", schema="legacy_copy")
    target_url = postgres_server.url("hospital", schema="staging")
    extracts = extract_files.read_extract_tables(upstream_data / "extracts", ALL_TABLES)
    load_extracts(source_url, extracts)
    data_dir = tmp_path_factory.mktemp("server_path") / "data"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QVH_DATA_DIR", str(data_dir))
        patch.setenv("QVH_SOURCE_URL", source_url)
        patch.delenv("QVH_REQUIREMENT_SPEC_DIR", raising=False)
        result = defs.resolve_job_def(DRY_RUN_JOB).execute_in_process(raise_on_error=False)
    assert result.success
    load_all(data_dir, target_url)
    return data_dir, target_url


def test_extracts_read_from_the_source_schema_equal_the_files(server_path_run, upstream_data: Path) -> None:
    data_dir, _ = server_path_run
    for table in ALL_TABLES:
        read = pd.read_parquet(data_dir / "extracts" / f"{table}.parquet")
        original = pd.read_parquet(upstream_data / "extracts" / f"{table}.parquet")
        pd.testing.assert_frame_equal(read, original, check_dtype=False, obj=table)


def test_target_schema_equals_the_file_path_row_for_row(server_path_run, file_path_run: Path) -> None:
    _, target_url = server_path_run
    target = PostgresTarget(target_url)
    loaded = 0
    for table in etl_defs.TARGET_TABLE_NAMES:
        files = pd.read_parquet(etl_files.table_path(file_path_run / "target", etl_files.TABLES, table))
        server = target.read_table(table)
        assert set(server.columns) >= {c.upper() for c in files.columns}, table
        server = server[[c.upper() for c in files.columns]]
        pd.testing.assert_frame_equal(as_text(server), as_text(files), obj=table)
        loaded += len(files)
    assert loaded > 1000


def _stop_mid_copy(server, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stop the server (immediate shutdown, like a crash) after the first COPY batch is sent."""
    original = postgres_target._batches

    def batches(data):
        for number, chunk in enumerate(original(data)):
            yield chunk
            if number == 0:
                server.stop("immediate")

    monkeypatch.setattr(postgres_target, "_batches", batches)
    monkeypatch.setattr("qvh_migration.etl.load_files.BATCH_ROWS", 20)


def test_server_stopped_mid_load_keeps_the_previous_table(
    postgres_server, server_path_run, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir, target_url = server_path_run
    target = PostgresTarget(target_url)
    before = as_text(target.read_table("LOAD_PMI"))
    assert len(before) > 40  # more than two COPY batches of 20 rows: the server goes with rows still to send
    with monkeypatch.context() as patch:
        _stop_mid_copy(postgres_server, patch)
        with pytest.raises(TargetServerError) as failure:
            pipeline.run_partition(folders_of(data_dir), CROSSWALKS, "LOAD_PMI", run_id="run-2", target_url=target_url)
    message = str(failure.value)
    assert "\n" not in message
    assert f"127.0.0.1:{postgres_server.port}/hospital" in message and "LOAD_PMI" in message
    assert PASSWORD not in message
    postgres_server.start()
    pd.testing.assert_frame_equal(as_text(target.read_table("LOAD_PMI")), before)
    pipeline.run_partition(folders_of(data_dir), CROSSWALKS, "LOAD_PMI", run_id="run-3", target_url=target_url)
    pd.testing.assert_frame_equal(as_text(target.read_table("LOAD_PMI")), before)


def test_a_rejected_table_keeps_the_previous_content(server_path_run) -> None:
    """A load the server refuses (here a key twice) rolls back whole."""
    data_dir, target_url = server_path_run
    target = PostgresTarget(target_url)
    before = as_text(target.read_table("LOAD_PMI"))
    frame = pd.read_parquet(etl_files.table_path(data_dir / "target", etl_files.TABLES, "LOAD_PMI"))
    fields, tables = pipeline.read_target_catalog(data_dir / "catalogs")
    with pytest.raises(TargetServerError, match="LOAD_PMI rejected by the server"):
        target.load("LOAD_PMI", pd.concat([frame, frame.head(1)]), fields, tables)
    pd.testing.assert_frame_equal(as_text(target.read_table("LOAD_PMI")), before)


@pytest.mark.parametrize("fault", ["password", "host"])
def test_preflight_fails_before_any_work(postgres_server, upstream_data: Path, tmp_path: Path, fault: str) -> None:
    if fault == "password":
        url, expected = postgres_server.url(password="wrong"), "password authentication failed"
    else:
        url, expected = postgres_server.url().replace(str(postgres_server.port), "1"), "cannot connect"
    data_dir = tmp_path / "data"
    shutil.copytree(upstream_data, data_dir)
    started = time.monotonic()
    with pytest.raises(TargetServerError) as failure:
        pipeline.run_partition(folders_of(data_dir), CROSSWALKS, "LOAD_PMI", run_id="run-1", target_url=url)
    assert time.monotonic() - started < 15
    message = str(failure.value)
    assert expected in message and "\n" not in message and "wrong" not in message
    assert not etl_files.table_path(data_dir / "target", etl_files.TABLES, "LOAD_PMI").exists()


def test_dry_run_preflight_names_the_server_and_stops(
    postgres_server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    monkeypatch.setenv("QVH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("QVH_TARGET_URL", postgres_server.url(password="wrong"))
    assert cli.main(["dry-run", "--patients", "50"]) == 2
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("cannot start: PostgreSQL server qvh@127.0.0.1")
    assert not (tmp_path / "data" / "catalogs").exists()  # no stage has run
    monkeypatch.delenv("QVH_TARGET_URL")
    bad_source = postgres_server.url("no_such_database")
    assert cli.main(["dry-run", "--extracts", bad_source]) == 2
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "source database postgresql qvh@127.0.0.1" in out[0]
    assert PASSWORD not in out[0]


def test_a_partition_in_dagster_loads_the_server_and_fails_in_one_line(
    postgres_server, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same through the asset: ``QVH_TARGET_URL`` loads the server; a stopped server fails
    the step with one line naming it, and the files of the run are still written."""
    create_database(postgres_server, "dagster_target")
    url = postgres_server.url("dagster_target")
    monkeypatch.setenv("QVH_TARGET_URL", url)

    def materialise():
        return dg.materialize(
            [etl_defs.target_tables],
            partition_key="LOAD_PMI",
            resources={"settings": MigrationSettings(data_dir=str(data_dir))},
            raise_on_error=False,
        )

    result = materialise()
    assert result.success
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    assert metadata["postgres_target"].value == f"PostgreSQL server qvh@127.0.0.1:{postgres_server.port}/dagster_target"
    assert len(PostgresTarget(url).read_table("LOAD_PMI")) == metadata["loaded_rows"].value
    postgres_server.stop()
    try:
        failed = materialise()
    finally:
        postgres_server.start()
    assert not failed.success
    failure = next(e for e in failed.all_events if e.event_type_value == "STEP_FAILURE")
    message = failure.event_specific_data.error.message.strip()
    assert len(message.splitlines()) == 1 and "PostgreSQL server qvh@127.0.0.1" in message
    assert "cannot connect" in message and PASSWORD not in message


def test_a_target_password_in_run_config_is_refused(postgres_server) -> None:
    """Run config is stored in the run history and shown in the UI: the password comes from the environment."""
    with pytest.raises(MigrationInputError, match=r"settings\.target_url.*holds a database password") as refused:
        MigrationSettings(target_url=postgres_server.url("postgres")).target_url_value()
    assert PASSWORD not in str(refused.value)
