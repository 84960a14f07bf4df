"""Helpers for the ETL tests. The upstream stages they start from (``upstream_data``), the 38 tables on
files (``file_path_run``) and a private copy of the upstream stages (``data_dir``) come from the golden
run (``qvh_migration_tests/golden.py``, fixtures in the root conftest)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qvh_migration.io.run_folders import RunFolders
from qvh_migration.settings import PROJECT_ROOT

CROSSWALKS = PROJECT_ROOT / "crosswalks"


def folders_of(data_dir: Path) -> RunFolders:
    return RunFolders.under(data_dir)


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
