"""Where the source extracts come from: synthetic by default, real files or a database by config.

Downstream assets always read the written extracts (``qvh_migration.extracts.files``), so
switching to real extracts is a change to the ``extract_source`` resource and nothing else.
"""

from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import dagster as dg
import pandas as pd
from pydantic import Field

from qvh_migration.errors import MigrationInputError
from qvh_migration.extracts.files import read_manifest
from qvh_migration.extracts.readers import read_duckdb_extracts, read_file_extracts, unknown_files
from qvh_migration.extracts.sql_source import check_source_url, describe_source, read_sql_extracts
from qvh_migration.io.secrets import password_of
from qvh_migration.settings import SOURCE_URL_ENV, default_source_url

SourceKind = Literal["synthetic", "files", "duckdb", "sql"]


class ExtractSource(dg.ConfigurableResource):
    """``synthetic`` generates extracts; ``files`` reads ``<TABLE>.parquet|csv`` from ``location``;
    ``duckdb`` reads one table per source table from the DuckDB database at ``location``; ``sql``
    reads them from the database named by the SQLAlchemy URL in ``location``.

    Left empty, ``kind`` follows the environment: ``sql`` from ``QVH_SOURCE_URL`` when it is set,
    else ``synthetic``.
    """

    kind: Literal["", "synthetic", "files", "duckdb", "sql"] = Field(
        default="",
        description=(
            "synthetic: generate extracts; files: read a folder of real extracts; duckdb: read a database file; "
            "sql: read a database by SQLAlchemy URL. Empty: sql when QVH_SOURCE_URL is set, else synthetic."
        ),
    )
    location: str = Field(
        default="",
        description="The folder (files), database file (duckdb) or SQLAlchemy URL (sql); unused for synthetic.",
    )

    def resolved(self) -> tuple[SourceKind, str]:
        if self.kind == "sql" and password_of(self.location):
            raise MigrationInputError(
                "extract_source.location",
                f"holds a database password, and run config is stored in the run history: set {SOURCE_URL_ENV} "
                "in the environment instead (or a password file such as PGPASSFILE)",
            )
        if self.kind:
            if self.kind == "sql" and not self.location and default_source_url():
                return "sql", default_source_url()
            return self.kind, self.location
        url = default_source_url()
        return ("sql", url) if url else ("synthetic", "")

    @property
    def source_kind(self) -> SourceKind:
        return self.resolved()[0]

    def describe(self) -> str:
        """Where the extracts come from, for metadata: never a password."""
        kind, location = self.resolved()
        if kind == "sql":
            return describe_source(location)
        return str(Path(location).resolve()) if location else ""

    def delivery_manifest(self) -> dict:
        """The manifest a file delivery brings with it (``manifest.json`` beside the extracts), if any."""
        kind, location = self.resolved()
        if kind != "files" or not location:
            return {}
        return read_manifest(Path(location))

    def unknown_files(self, catalog_tables: Iterable[str]) -> list[str]:
        """Files of a delivered extract folder that no step reads (none for other kinds of source)."""
        kind, location = self.resolved()
        return unknown_files(Path(location), catalog_tables) if kind == "files" and location else []

    def preflight(self) -> None:
        """Reach a source database before any work starts (wrong credentials, no host)."""
        kind, location = self.resolved()
        if kind == "sql" and location:
            check_source_url(location)

    def read_real(self, source_catalog: pd.DataFrame, tables: Iterable[str]) -> dict[str, pd.DataFrame]:
        kind, location = self.resolved()
        if not location:
            raise MigrationInputError("extract_source resource", f"kind {kind!r} needs a location")
        if kind == "sql":
            return read_sql_extracts(location, source_catalog, tables)
        if kind == "files":
            return read_file_extracts(Path(location), source_catalog, tables)
        return read_duckdb_extracts(Path(location), source_catalog, tables)
