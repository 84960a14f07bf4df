"""A folder whose tables come from two runs (kill -9 between tables) is not summarised as one run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qvh_migration.errors import MigrationInputError
from qvh_migration.etl import files as etl_files
from qvh_migration.etl import pipeline
from qvh_migration.extracts.files import MANIFEST_FILE
from qvh_migration.gates.profiles import load_profile
from qvh_migration.gates.release import decide
from qvh_migration.reports.evidence_pack.evidence_html import write_pack
from qvh_migration.settings import ProjectPaths
from qvh_migration_tests.conftest import STANDIN_SPEC_DIR
from qvh_migration_tests.etl.conftest import CROSSWALKS, folders_of

TABLES = ("LOAD_STAFF", "LOAD_SITES", "LOAD_PMI")


def _load(data_dir: Path, tables, run_id: str) -> None:
    for table in tables:
        pipeline.run_partition(folders_of(data_dir), CROSSWALKS, table, run_id=run_id)


def _build_staging(data_dir: Path) -> Path:
    fields, tables = pipeline.read_target_catalog(data_dir / "catalogs")
    return etl_files.build_staging_database(data_dir / "target", fields, tables)  # the extracts beside


def _next_delivery(data_dir: Path) -> None:
    """The next dry run writes new extracts (a new generation), then is killed after one table."""
    manifest = data_dir / "extracts" / MANIFEST_FILE
    content = json.loads(manifest.read_text(encoding="utf-8"))
    content["generation"] = "next-dry-run"
    manifest.write_text(json.dumps(content), encoding="utf-8")


def test_mixed_generations_are_refused_naming_the_stale_tables(data_dir: Path) -> None:
    """Before, the staging database was built from both runs' tables, and the release decision and
    the evidence pack summarised it as one run."""
    _load(data_dir, TABLES, "run-1")
    _build_staging(data_dir)  # one generation: built
    _next_delivery(data_dir)
    _load(data_dir, ["LOAD_PMI"], "run-2")
    with pytest.raises(MigrationInputError) as staging:
        _build_staging(data_dir)
    message = str(staging.value)
    assert "\n" not in message and "staging database build refused" in message
    assert "2 of the published tables are not from the current extracts (run next-dry-run)" in message
    assert "LOAD_SITES, LOAD_STAFF" in message and "LOAD_PMI" not in message
    folders = folders_of(data_dir)
    with pytest.raises(MigrationInputError, match=r"release decision refused: 3 .*LOAD_STAFF, staging\.duckdb"):
        decide(folders, data_dir / "gates", load_profile("development"))
    with pytest.raises(MigrationInputError, match=r"evidence pack refused: 3 .*LOAD_SITES, LOAD_STAFF"):
        write_pack(ProjectPaths(STANDIN_SPEC_DIR, data_dir), run_id="run-2")
    _load(data_dir, ["LOAD_STAFF", "LOAD_SITES"], "run-2")  # the rest of the run: one generation again
    _build_staging(data_dir)
    assert json.loads((data_dir / "target" / "staging.json").read_text(encoding="utf-8")) == {
        "generation": "next-dry-run"
    }
