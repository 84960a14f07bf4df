"""Where the source extracts come from: synthetic by default, real files or a database by config.

Downstream assets always read the written extracts (``qvh_migration.extracts.store``), so
switching to real extracts is a change to the ``extract_source`` resource and nothing else.
"""

from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import dagster as dg
import pandas as pd
from pydantic import Field

from qvh_migration.errors import MigrationInputError
from qvh_migration.extracts.readers import read_duckdb_extracts, read_file_extracts


class ExtractSource(dg.ConfigurableResource):
    """``synthetic`` generates extracts; ``files`` reads ``<TABLE>.parquet|csv`` from ``location``;
    ``duckdb`` reads one table per source table from the DuckDB database at ``location``."""

    kind: Literal["synthetic", "files", "duckdb"] = Field(
        default="synthetic",
        description="synthetic: generate extracts; files: read a folder of real extracts; duckdb: read a database.",
    )
    location: str = Field(
        default="", description="The folder (files) or database file (duckdb) of real extracts; unused for synthetic."
    )

    def read_real(self, source_catalog: pd.DataFrame, tables: Iterable[str]) -> dict[str, pd.DataFrame]:
        if not self.location:
            raise MigrationInputError("extract_source resource", f"kind {self.kind!r} needs a location")
        location = Path(self.location)
        if self.kind == "files":
            return read_file_extracts(location, source_catalog, tables)
        return read_duckdb_extracts(location, source_catalog, tables)
