"""The stage folders of one data folder: the one record every stage, report and command passes around.

The folder names themselves are ``settings.STAGE_FOLDERS``; this record only places them under a data
folder, so a stage never spells another stage's folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from qvh_migration.settings import STAGE_FOLDERS


class HasStageDirs(Protocol):
    """Anything that places a stage's folder: ``settings.ProjectPaths`` or the ``settings`` resource."""

    def stage_dir(self, stage: str) -> Path: ...


@dataclass(frozen=True)
class RunFolders:
    """The stage folders of one data folder, each stage's files under its own."""

    catalogs: Path
    extracts: Path
    mapping: Path
    target: Path
    gates: Path
    reports: Path

    @classmethod
    def under(cls, data_dir: Path) -> RunFolders:
        return cls(*(Path(data_dir) / stage for stage in STAGE_FOLDERS))

    @classmethod
    def of(cls, paths: HasStageDirs) -> RunFolders:
        return cls(*(paths.stage_dir(stage) for stage in STAGE_FOLDERS))
