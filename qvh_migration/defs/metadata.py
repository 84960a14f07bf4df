"""Metadata helpers shared by the asset modules: schema, previews, and clean failures."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import pandas as pd

from qvh_migration.check_outcome import CheckOutcome
from qvh_migration.errors import MigrationInputError
from qvh_migration.io.previews import markdown


@contextmanager
def fail_clearly() -> Iterator[None]:
    """Turn a bad-input error into a failed asset whose message names the file and the fault."""
    try:
        yield
    except MigrationInputError as exc:
        raise dg.Failure(
            description=str(exc),
            metadata={"file": exc.source, "where": exc.where or "", "problem": exc.problem},
            allow_retries=False,
        ) from None


def column_schema(frame: pd.DataFrame, descriptions: dict[str, str] | None = None) -> dg.TableSchema:
    descriptions = descriptions or {}
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name=str(name), type=str(dtype), description=descriptions.get(str(name)))
            for name, dtype in frame.dtypes.items()
        ]
    )


def preview(frame: pd.DataFrame, rows: int = 10, columns: list[str] | None = None) -> dg.MetadataValue:
    shown = frame[columns] if columns else frame
    return dg.MetadataValue.md(markdown(shown, rows))


def path_metadata(*paths: Path) -> dict[str, dg.MetadataValue]:
    return {f"file_{p.name}": dg.MetadataValue.path(str(p)) for p in paths}


def frame_metadata(
    frame: pd.DataFrame, *, preview_columns: list[str] | None = None, descriptions: dict[str, str] | None = None
) -> dict[str, object]:
    return {
        "dagster/row_count": len(frame),
        "dagster/column_schema": column_schema(frame, descriptions),
        "preview": preview(frame, columns=preview_columns),
    }


def check_result(
    name: str,
    outcome: CheckOutcome,
    *,
    asset_key: dg.AssetKey | None = None,
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
    description: str | None = None,
) -> dg.AssetCheckResult:
    """An asset check result from a stage module's check outcome."""
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=name,
        passed=bool(outcome.passed),
        severity=severity,
        description=description,
        metadata=outcome.metadata,
    )
