"""Extracts read from a SQL database copy (PostgreSQL here), checked against the catalog on the way in."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import psycopg
import pytest

from qvh_migration import cli
from qvh_migration.defs.extract_store import ExtractSource
from qvh_migration.extracts import sql_source
from qvh_migration.extracts import store as extract_store
from qvh_migration.legacy.keys import ALL_TABLES
from qvh_migration_tests.defs.test_extract_source import _run
from qvh_migration_tests.pg_server import PASSWORD, create_database, load_extracts


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("synthetic")
    assert _run(data_dir, ExtractSource(kind="synthetic")).success
    return data_dir


@pytest.fixture
def source_url(postgres_server, synthetic: Path) -> str:
    """A fresh legacy copy holding the synthetic extracts, one text table per source table."""
    create_database(postgres_server, "legacy_copy")
    url = postgres_server.url("legacy_copy")
    load_extracts(url, extract_store.read_extract_tables(synthetic / "extracts", ALL_TABLES))
    return url


def _failure(result) -> str:
    return next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE").event_specific_data.error.message


def test_sql_extracts_equal_the_files_and_read_in_batches(source_url: str, synthetic: Path, tmp_path: Path) -> None:
    catalog = pd.read_parquet(synthetic / "catalogs" / "source_catalog.parquet")
    whole = sql_source.read_sql_extracts(source_url, catalog, ["PATDATA"])["PATDATA"]
    batched = sql_source.read_sql_extracts(source_url, catalog, ["PATDATA"], batch_rows=7)["PATDATA"]
    pd.testing.assert_frame_equal(batched, whole)
    result = _run(tmp_path, ExtractSource(kind="sql", location=source_url))
    assert result.success
    for table in ("PATDATA", "OPA"):
        read = pd.read_parquet(tmp_path / "extracts" / f"{table}.parquet")
        pd.testing.assert_frame_equal(read, pd.read_parquet(synthetic / "extracts" / f"{table}.parquet"))
    metadata = result.asset_materializations_for_node("source_extracts")[0].metadata
    assert metadata["origin"].value == "sql" and PASSWORD not in metadata["location"].value


def test_source_url_from_the_environment(source_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QVH_SOURCE_URL", source_url)
    assert ExtractSource().resolved() == ("sql", source_url)
    assert ExtractSource(kind="synthetic").resolved() == ("synthetic", "")
    assert _run(tmp_path, ExtractSource()).success
    assert cli.parse_extracts(None) == ("sql", source_url)  # the command line follows it too


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ('ALTER TABLE "OPA" ALTER COLUMN "ApptDate" TYPE integer USING 0', "table OPA column ApptDate is INTEGER"),
        ('ALTER TABLE "OPA" ADD COLUMN "Surprise" text', "table OPA has column(s) the catalog does not know: Surprise"),
        ('ALTER TABLE "OPA" DROP COLUMN "ApptDate"', "table OPA lacks catalog column(s) ApptDate"),
        ('DROP TABLE "OPA"', "no table OPA in the source database"),
    ],
)
def test_a_wrong_source_table_names_table_and_column_and_writes_nothing(
    source_url: str, tmp_path: Path, change: str, expected: str
) -> None:
    with psycopg.connect(source_url, autocommit=True) as conn:
        conn.execute(change)
    result = _run(tmp_path, ExtractSource(kind="sql", location=source_url))
    assert not result.success
    message = _failure(result)
    assert expected in message and "source database postgresql qvh@127.0.0.1" in message
    assert len(message.strip().splitlines()) == 1 and PASSWORD not in message
    assert not list((tmp_path / "extracts").glob("*.parquet"))


def test_wrong_credentials_fail_in_one_line(postgres_server) -> None:
    source = ExtractSource(kind="sql", location=postgres_server.url(password="nope"))
    with pytest.raises(sql_source.SourceDatabaseError) as failure:
        source.preflight()
    assert "password authentication failed" in str(failure.value) and "nope" not in str(failure.value)
