"""Extracts read from a SQL database copy (PostgreSQL here), checked against the catalog on the way in."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import psycopg
import pytest

from qvh_migration import cli
from qvh_migration.defs.extract_store import ExtractSource
from qvh_migration.errors import MigrationInputError
from qvh_migration.extracts import files as extract_files
from qvh_migration.extracts import sql_source
from qvh_migration.legacy.keys import ALL_TABLES
from qvh_migration_tests.defs.test_extract_source import _run
from qvh_migration_tests.pg_server import PASSWORD, create_database, load_extracts

# Builds a whole dry run, starts a server or a browser, or loads all 38 tables: the full suite only.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def synthetic(upstream_data: Path) -> Path:
    """The golden run's catalogs and synthetic extracts (read-only)."""
    return upstream_data


@pytest.fixture
def source_url(postgres_server, synthetic: Path) -> str:
    """A fresh legacy copy holding the synthetic extracts, one text table per source table."""
    create_database(postgres_server, "legacy_copy")
    url = postgres_server.url("legacy_copy")
    load_extracts(url, extract_files.read_extract_tables(synthetic / "extracts", ALL_TABLES))
    return url


def _failure(result) -> str:
    return next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE").event_specific_data.error.message


def test_sql_extracts_equal_the_files_and_read_in_batches(
    source_url: str, synthetic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = pd.read_parquet(synthetic / "catalogs" / "source_catalog.parquet")
    whole = sql_source.read_sql_extracts(source_url, catalog, ["PATDATA"])["PATDATA"]
    batched = sql_source.read_sql_extracts(source_url, catalog, ["PATDATA"], batch_rows=7)["PATDATA"]
    pd.testing.assert_frame_equal(batched, whole)
    monkeypatch.setenv("QVH_SOURCE_URL", source_url)
    result = _run(tmp_path, ExtractSource(kind="sql"))
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
    source_url: str, tmp_path: Path, change: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with psycopg.connect(source_url, autocommit=True) as conn:
        conn.execute(change)
    monkeypatch.setenv("QVH_SOURCE_URL", source_url)
    result = _run(tmp_path, ExtractSource(kind="sql"))
    assert not result.success
    message = _failure(result)
    assert expected in message and "source database postgresql qvh@127.0.0.1" in message
    assert len(message.strip().splitlines()) == 1 and PASSWORD not in message
    assert not list((tmp_path / "extracts").glob("*.parquet"))


def test_wrong_credentials_fail_in_one_line(postgres_server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QVH_SOURCE_URL", postgres_server.url(password="nope@Wrong"))
    with pytest.raises(sql_source.SourceDatabaseError) as failure:
        ExtractSource(kind="sql").preflight()
    message = str(failure.value)
    assert "password authentication failed" in message
    assert "nope" not in message and "Wrong" not in message


def test_a_password_in_run_config_is_refused(postgres_server) -> None:
    """Run config is stored in the run history and shown in the UI: a password never goes there."""
    source = ExtractSource(kind="sql", location=postgres_server.url())
    with pytest.raises(MigrationInputError, match=r"extract_source\.location.*holds a database password") as refused:
        source.resolved()
    assert PASSWORD not in str(refused.value)


@pytest.mark.slow
def test_a_planted_password_appears_on_no_surface(
    source_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A whole dry run from a source URL given on the command line, with its password: the terminal, the
    log, Dagster's run storage (run config, event log) and the data folder are scanned for it."""
    from qvh_migration_tests.test_cli import run_cli

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.delenv("QVH_SOURCE_URL", raising=False)
    data_dir = tmp_path / "data"
    code, out, err = run_cli("dry-run", "--extracts", source_url, "--data-dir", str(data_dir))
    assert code in (0, 1), out + err  # the verdict on the synthetic patients is not this test's business
    assert "source database postgresql" in out or "***" in out
    for surface, text in (("terminal", out), ("terminal (stderr)", err)):
        assert PASSWORD not in text, f"the password was printed on the {surface}"
    stored = [p for p in (tmp_path / "dagster_home").rglob("*") if p.suffix == ".db"]
    assert stored, "the run storage the scan must cover was not written"
    leaks = [
        str(path)
        for path in [*(tmp_path / "dagster_home").rglob("*"), *data_dir.rglob("*")]
        if path.is_file() and PASSWORD.encode() in path.read_bytes()
    ]
    assert not leaks, f"the password was stored in {leaks}"
