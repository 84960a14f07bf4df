"""The qvh_migration code location: every migration artifact as a software-defined asset."""

from __future__ import annotations

import dagster as dg

from qvh_migration.defs import specs
from qvh_migration.defs.resources import MigrationSettings

defs = dg.Definitions(
    assets=dg.load_assets_from_modules([specs]),
    resources={"settings": MigrationSettings()},
)
