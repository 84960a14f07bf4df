"""Dagster resources: run-configurable locations, defaulting to the environment (settings.py)."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from qvh_migration.settings import (
    PROJECT_ROOT,
    ProjectPaths,
    default_data_dir,
    default_rules_dir,
    default_spec_dir,
)


class MigrationSettings(dg.ConfigurableResource):
    """Where requirement documents are read and artifacts written.

    Empty values fall back to QVH_REQUIREMENT_SPEC_DIR / QVH_DATA_DIR, then to the project's
    ``requirement_spec/`` and ``data/``.
    """

    requirement_spec_dir: str = ""
    data_dir: str = ""
    crosswalk_dir: str = ""
    rules_dir: str = ""  # empty: QVH_RULES_DIR, then qvh_migration/mapping/rules

    def paths(self) -> ProjectPaths:
        spec = Path(self.requirement_spec_dir) if self.requirement_spec_dir else default_spec_dir()
        data = Path(self.data_dir) if self.data_dir else default_data_dir()
        return ProjectPaths(spec.resolve(), data.resolve())

    def crosswalk_path(self) -> Path:
        return Path(self.crosswalk_dir).resolve() if self.crosswalk_dir else PROJECT_ROOT / "crosswalks"

    def rules_path(self) -> Path:
        return Path(self.rules_dir).resolve() if self.rules_dir else default_rules_dir()

    def stage_dir(self, stage: str) -> Path:
        folder = self.paths().stage_dir(stage)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise dg.Failure(description=f"cannot write to {folder}: {exc.strerror or exc}") from None
        if not os.access(folder, os.W_OK):  # a read-only mount would fail later, mid-write
            raise dg.Failure(description=f"cannot write to {folder}: read-only")
        return folder
