"""Dagster resources: run-configurable locations, defaulting to the environment (settings.py)."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from qvh_migration.errors import MigrationInputError
from qvh_migration.io.secrets import password_of
from qvh_migration.settings import (
    TARGET_URL_ENV,
    ProjectPaths,
    default_crosswalk_dir,
    default_data_dir,
    default_overrides_file,
    default_row_sources_file,
    default_rules_dir,
    default_spec_dir,
    default_target_url,
)


def settings_without_target_url(settings: dict) -> dict:
    """The ``settings`` resource's run config as passed on to later runs: the staging server's URL is
    left out, so each run reads it from its own environment (QVH_TARGET_URL) and no run config,
    request or Launchpad shows it."""
    config = {k: v for k, v in settings.get("config", {}).items() if k != "target_url"}
    return {**settings, "config": config} if "config" in settings else dict(settings)


class MigrationSettings(dg.ConfigurableResource):
    """Where requirement documents and reviewed files are read and artifacts written.

    Empty values fall back to the environment variables and then the shipped files, as
    ``qvh_migration/settings.py`` decides (QVH_REQUIREMENT_SPEC_DIR, QVH_DATA_DIR,
    QVH_CROSSWALK_DIR, QVH_RULES_DIR, QVH_MANDATORY_OVERRIDES, QVH_ROW_SOURCES, QVH_TARGET_URL).
    ``target_url``: the PostgreSQL staging server each target-table partition also loads.
    """

    requirement_spec_dir: str = ""
    data_dir: str = ""
    crosswalk_dir: str = ""
    rules_dir: str = ""
    overrides_file: str = ""
    row_sources_file: str = ""
    target_url: str = ""

    def paths(self) -> ProjectPaths:
        spec = Path(self.requirement_spec_dir) if self.requirement_spec_dir else default_spec_dir()
        data = Path(self.data_dir) if self.data_dir else default_data_dir()
        return ProjectPaths(spec.resolve(), data.resolve())

    def crosswalk_path(self) -> Path:
        return (Path(self.crosswalk_dir) if self.crosswalk_dir else default_crosswalk_dir()).resolve()

    def rules_path(self) -> Path:
        return (Path(self.rules_dir) if self.rules_dir else default_rules_dir()).resolve()

    def overrides_path(self) -> Path:
        return (Path(self.overrides_file) if self.overrides_file else default_overrides_file()).resolve()

    def row_sources_path(self) -> Path:
        return (Path(self.row_sources_file) if self.row_sources_file else default_row_sources_file()).resolve()

    def target_url_value(self) -> str:
        if password_of(self.target_url):
            raise MigrationInputError(
                "settings.target_url",
                f"holds a database password, and run config is stored in the run history: set {TARGET_URL_ENV} "
                "in the environment instead (or a password file such as PGPASSFILE)",
            )
        return self.target_url.strip() or default_target_url()

    def stage_dir(self, stage: str) -> Path:
        folder = self.paths().stage_dir(stage)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise dg.Failure(description=f"cannot write to {folder}: {exc.strerror or exc}") from None
        if not os.access(folder, os.W_OK):  # a read-only mount would fail later, mid-write
            raise dg.Failure(description=f"cannot write to {folder}: read-only")
        return folder
