"""Errors that name the file, table, row or field at fault.

Readers raise these instead of letting a library traceback escape, so a data engineer sees
what is wrong with *their* input, and the Dagster layer turns them into a failed asset.
"""

from __future__ import annotations

from pathlib import Path


class MigrationInputError(Exception):
    """Bad input: the message says which file (and where in it) and what is wrong."""

    def __init__(self, source: str | Path, problem: str, *, where: str | None = None) -> None:
        self.source = str(source)
        self.problem = problem
        self.where = where
        location = f"{self.source} ({where})" if where else self.source
        super().__init__(f"{location}: {problem}")


class SpecDocumentError(MigrationInputError):
    """A requirement document is missing, unreadable or not in the expected layout."""


class CatalogContractError(MigrationInputError):
    """A catalog lacks a table or column that a later stage depends on."""


class CurationError(MigrationInputError):
    """A reviewed file (crosswalk, curated mapping rule, override) is invalid."""
