"""Fixtures: the stages before the ETL, run once on the stand-ins into a temporary data folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qvh_migration.definitions import DRY_RUN_JOB, defs, synthetic_run_config
from qvh_migration.io.run_folders import RunFolders
from qvh_migration.settings import PROJECT_ROOT

CROSSWALKS = PROJECT_ROOT / "crosswalks"


def folders_of(data_dir: Path) -> RunFolders:
    return RunFolders.under(data_dir)


@pytest.fixture(scope="session")
def upstream_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Catalogs, synthetic extracts (300 patients, default defect rate), contract and key registry."""
    data_dir = tmp_path_factory.mktemp("etl_upstream")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QVH_DATA_DIR", str(data_dir))
        patch.delenv("QVH_REQUIREMENT_SPEC_DIR", raising=False)
        result = defs.resolve_job_def(DRY_RUN_JOB).execute_in_process(
            run_config=synthetic_run_config(patients=300, seed=11), raise_on_error=False
        )
    assert result.success
    return data_dir


@pytest.fixture
def data_dir(upstream_data: Path, tmp_path: Path) -> Path:
    """A private copy of the upstream data folder a test may change."""
    copy = tmp_path / "data"
    shutil.copytree(upstream_data, copy)
    return copy


def load_all(data_dir: Path, target_url: str = "") -> None:
    """Every partition in the guide's load order (parents first), as the dry run does."""
    from qvh_migration.defs.etl import TARGET_TABLE_NAMES
    from qvh_migration.etl.pipeline import run_partition

    for table in TARGET_TABLE_NAMES:
        run_partition(folders_of(data_dir), CROSSWALKS, table, run_id="run-1", target_url=target_url)


@pytest.fixture(scope="session")
def file_path_run(upstream_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 38 tables, their load files and the staging database, on files only (no server)."""
    from qvh_migration.etl import files as etl_files
    from qvh_migration.etl import pipeline

    data_dir = tmp_path_factory.mktemp("files_path") / "data"
    shutil.copytree(upstream_data, data_dir)
    load_all(data_dir)
    fields, tables = pipeline.read_target_catalog(data_dir / "catalogs")
    etl_files.build_staging_database(data_dir / "target", fields, tables)
    return data_dir
