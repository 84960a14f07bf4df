"""Metadata helpers shared by the asset modules: schema, previews, and clean failures."""

from __future__ import annotations

import warnings
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


def partitioned_check(name: str, partitions_def: dg.PartitionsDefinition, **spec: object) -> dg.AssetCheckSpec:
    """A check evaluated per partition, so the UI shows each partition's own result. Dagster (pinned)
    marks partitioned checks as preview; the warning would print on every command, so it is muted here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return dg.AssetCheckSpec(name, partitions_def=partitions_def, **spec)  # type: ignore[arg-type]


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
        metadata=readable(outcome.metadata),
    )


def is_markdown_table(value: object) -> bool:
    """A Markdown table as ``io.previews.markdown`` writes it: a header row, then a ``|---|`` rule."""
    if not isinstance(value, str):
        return False
    lines = value.splitlines()
    return len(lines) >= 2 and lines[0].lstrip().startswith("|") and set(lines[1].strip()) <= set("|-: ")


def readable(metadata: dict[str, object]) -> dict[str, object]:
    """Metadata whose Markdown tables render as tables in the UI: a plain string shows its raw pipes."""
    return {key: dg.MetadataValue.md(value) if is_markdown_table(value) else value for key, value in metadata.items()}
